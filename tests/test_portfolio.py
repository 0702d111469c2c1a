"""Portfolio runs: the fixed portfolio, the run cache, one runner per table."""

from __future__ import annotations

from metabase._portfolio import Settings, portfolio


def test_a_table_busy_with_another_runner_is_skipped(tiny_folder, tmp_path, few_configs):
    import fcntl

    from metabase._portfolio import run_table

    out = tmp_path / "runs"
    out.mkdir()
    with open(out / "t0.csv", "a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        res = run_table(tiny_folder / "t0.csv.gz", "classification", out, Settings(folds=3),
                        log=lambda m: None)
    assert res["busy"] is True and (out / "t0.csv").read_text() == ""
    res = run_table(tiny_folder / "t0.csv.gz", "classification", out, Settings(folds=3),
                    log=lambda m: None)
    assert res["ran"] == 6


def test_portfolio_ids_are_stable():
    ids = [c["id"] for c in portfolio("classification")]
    # 38 configs of eight families, then the sparse family's 4: adding a family leaves
    # the others' ids (and their cached runs) as they were
    assert len(ids) == len(set(ids)) == 42
    assert ids[0] == "hgb-5540a2a377"       # cached runs are keyed by these ids
    assert [i.split("-")[0] for i in ids[38:]] == ["sparse"] * 4
