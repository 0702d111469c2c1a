"""`automl metabase build --openml-*` against recorded OpenML responses (no network):
the portfolio runs on an OpenML task's official splits, flow evaluations are
imported, and the store built from them holds both."""

from __future__ import annotations


import pytest


from test_sources import live, no_network  # noqa: F401,F811 - fixtures


@pytest.fixture
def small_portfolio(monkeypatch):
    """Two configs instead of ~38, to keep the test fast."""
    import metabase._portfolio as P

    full = P.portfolio
    monkeypatch.setattr(P, "portfolio", lambda task, seed=0: [
        c for c in full(task, seed) if c["family"] in ("linear", "knn")][:2])


def test_live_tasks_and_flows_into_the_store(live, small_portfolio, tmp_path):  # noqa: F811
    from metabase._live import live_build
    from metabase._build import live_history

    history = tmp_path / "history"
    done = live_build(suite=990099, flows="6969", history=history, cache_dir=live["cache"],
                      log=lambda m: None)
    assert done == {"tasks": 2, "flow_runs": 3}
    runs_csv = history / "openml" / "openml-t990059.csv"
    rows = runs_csv.read_text().splitlines()
    assert len(rows) == 1 + 2 * 2          # header + 2 configs x 2 official folds
    tasks, runs, summary = live_history(history / "openml", log=lambda m: None)
    assert set(tasks["openml_task_id"].dropna().astype(int)) >= {990059}
    assert summary["openml-live-portfolio"]["tasks"] == 2
    assert "openml-live-flow-6969" in summary and (runs["status"] == "ok").all()
    # running it again reuses the cache: nothing new is run
    live_build(tasks="990059", history=history, cache_dir=live["cache"], log=lambda m: None)
    assert runs_csv.read_text().splitlines() == rows


def test_openml_unreachable_is_one_line_exit_4(run, no_network, tmp_path, monkeypatch):  # noqa: F811
    import openml

    monkeypatch.setattr(openml.config, "server", "http://127.0.0.1:9/api/v1/xml")
    monkeypatch.setattr(openml.config, "connection_n_retries", 1)
    res = run("metabase", "build", "--openml-tasks", "31", "--history", tmp_path / "h",
              "--no-store", "--only", "none")
    assert res.exit_code == 4 and res.stderr.startswith("error: OpenML:")
    assert "Traceback" not in res.output


