"""`automl fit` through the CLI: options, outputs, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from automl_cli.cli import COMMANDS


def test_help_does_not_import_heavy_packages():
    code = ("import sys; from automl_cli.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('sklearn', 'pandas', 'numpy', 'openml', 'scipy') "
            "if m in sys.modules]\nprint('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout
    assert "Commands:" in out.stdout


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_help_shows_an_example(run, command):
    res = run(command, "--help")
    assert res.exit_code == 0
    assert "Example" in res.output and f"automl {command}" in res.output


def test_fit_binary_json(run, binary_csv, tmp_path):
    out = tmp_path / "m"
    res = run("fit", binary_csv, "--max-trials", "3", "-o", out, "--json", "-q")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["task"] == "classification" and doc["kind"] == "binary"
    assert doc["metric"] == "roc_auc" and doc["target"] == "y"
    assert doc["classes"] == ["no", "yes"]
    assert 0.5 < doc["score"]["mean"] <= 1.0 and doc["score"]["source"] == "final"
    assert len(doc["leaderboard"]) == 3 and doc["search"]["stopped_by"] == "max-trials"
    assert {"accuracy", "log_loss"} <= set(doc["scores"])
    assert (out / "model.skops").exists() and (out / "manifest.json").exists()
    assert any("last column" in n for n in doc["notes"])


def test_fit_text_output_and_progress(run, binary_csv, tmp_path):
    res = run("fit", binary_csv, "--max-trials", "2", "-o", tmp_path / "m")
    assert res.exit_code == 0
    assert "score:   roc_auc" in res.stdout
    assert "trial   1" in res.stderr and "trial   1" not in res.stdout


def test_quiet_silences_progress(run, binary_csv, tmp_path):
    res = run("fit", binary_csv, "--max-trials", "1", "-o", tmp_path / "m", "-q")
    assert res.exit_code == 0 and res.stderr == ""


def test_regression_and_multiclass_defaults(run, regression_csv, multiclass_csv, tmp_path):
    res = run("fit", regression_csv, "--max-trials", "2", "-o", tmp_path / "r", "--json", "-q")
    doc = json.loads(res.stdout)
    assert doc["kind"] == "regression" and doc["metric"] == "r2" and doc["score"]["mean"] > 0.2
    res = run("fit", multiclass_csv, "--max-trials", "2", "-o", tmp_path / "c", "--json", "-q")
    doc = json.loads(res.stdout)
    assert doc["kind"] == "multiclass" and doc["metric"] == "log_loss"
    assert doc["greater_is_better"] is False and doc["score"]["mean"] < 0.5


def test_target_task_and_metric_options(run, binary_csv, tmp_path):
    res = run("fit", binary_csv, "--target", "x2", "--task", "regression", "--metric", "mae",
              "--max-trials", "1", "-o", tmp_path / "m", "--json", "-q")
    doc = json.loads(res.stdout)
    assert doc["target"] == "x2" and doc["metric"] == "mae"
    assert any("missing target dropped" in n for n in doc["notes"])


def test_wrong_metric_for_task_is_exit_4(run, binary_csv, tmp_path):
    res = run("fit", binary_csv, "--metric", "r2", "--max-trials", "1", "-o", tmp_path / "m")
    assert res.exit_code == 4 and "is for regression" in res.stderr


def test_max_trials_is_reproducible(run, binary_csv, tmp_path):
    docs = []
    for name in ("a", "b"):
        res = run("fit", binary_csv, "--max-trials", "4", "--seed", "3", "-o", tmp_path / name,
                  "--json", "-q")
        docs.append(json.loads(res.stdout))
    strip = lambda d: [(t["config_id"], t["score"]) for t in d["leaderboard"]]
    assert strip(docs[0]) == strip(docs[1])
    assert docs[0]["score"] == docs[1]["score"]


def test_n_jobs_runs_trials_in_parallel_with_the_same_results(run, binary_csv, tmp_path):
    """With --max-trials, --n-jobs 2 (two trials at once, in threads that each wait on a
    worker process) gives the configs and scores of a sequential run."""
    docs = {}
    for jobs in ("1", "2"):
        res = run("fit", binary_csv, "--max-trials", "4", "--no-metalearning", "--n-jobs", jobs,
                  "-o", tmp_path / jobs, "--json", "-q")
        docs[jobs] = json.loads(res.stdout)
    strip = lambda d: sorted((t["config_id"], t["score"]) for t in d["leaderboard"])
    assert len(docs["2"]["leaderboard"]) == 4 and strip(docs["1"]) == strip(docs["2"])
    manifest = json.loads((tmp_path / "2" / "manifest.json").read_text())
    assert manifest["options"]["n_jobs"] == 2 and docs["2"]["score"] == docs["1"]["score"]


def test_time_budget_is_kept(run, binary_csv, tmp_path):
    res = run("fit", binary_csv, "--time-budget", "4s", "-o", tmp_path / "m", "--json", "-q")
    doc = json.loads(res.stdout)
    assert res.exit_code == 0
    assert doc["wall_seconds"] <= 4 * 1.05 + 2
    assert doc["search"]["stopped_by"] == "time budget"


def test_fail_under_exit_3_keeps_model(run, binary_csv, tmp_path):
    res = run("fit", binary_csv, "--max-trials", "1", "--fail-under", "0.9999", "-o",
              tmp_path / "m", "--json", "-q")
    assert res.exit_code == 3
    assert json.loads(res.stdout)["gate"]["passed"] is False
    assert (tmp_path / "m" / "model.skops").exists()
    ok = run("fit", binary_csv, "--max-trials", "1", "--fail-under", "0.5", "-o", tmp_path / "n")
    assert ok.exit_code == 0 and "gate:    passed" in ok.stdout


def test_fail_under_for_a_loss_means_above(run, multiclass_csv, tmp_path):
    res = run("fit", multiclass_csv, "--max-trials", "1", "--fail-under", "0.0001", "-o",
              tmp_path / "m", "-q")
    assert res.exit_code == 3 and "worse than --fail-under" in res.stderr


def test_no_model_within_budget_exit_5(run, binary_csv, tmp_path, monkeypatch):
    # the last resort (a linear model in the slack of the bound) fails too: an invalid C
    import automl_cli._fit as fitmod

    monkeypatch.setattr(fitmod, "fallback_candidates", lambda task: [
        ({"family": "linear", "params": {"C": -1.0}}, "fallback", None)])
    res = run("fit", binary_csv, "--time-budget", "0.5s", "-o", tmp_path / "m")
    assert res.exit_code == 5 and "no model within the budget" in res.stderr
    assert not (tmp_path / "m").exists()


def test_a_search_without_a_model_ends_with_the_last_resort(binary_csv, monkeypatch):
    import automl_cli._fit as fitmod
    from automl_cli._task import make_problem
    from automl_cli._tune import SearchResult

    monkeypatch.setattr(fitmod, "search", lambda *a, **k: SearchResult(stopped_by="time"))
    problem = make_problem(pd.read_csv(binary_csv), "y", "auto", "b.csv")
    result = fitmod.fit(problem, fitmod.FitOptions(time_budget=None, metalearning=False))
    assert result.search.best.source == "last resort"
    assert result.config["family"] == "linear"
    assert any("the model is the last resort" in n for n in result.notes)


def test_holdout_is_reported(run, binary_csv, tmp_path):
    res = run("fit", binary_csv, "--max-trials", "1", "--holdout", "0.25", "-o", tmp_path / "m",
              "--json", "-q")
    doc = json.loads(res.stdout)
    assert doc["holdout"]["rows"] == 30 and 0 <= doc["holdout"]["roc_auc"] <= 1


@pytest.mark.parametrize("args, text", [
    (["--time-budget", "abc"], "not a duration"),
    (["--time-budget", "-3"], "not a duration"),
    (["--cv", "1"], "--cv"),
    (["--task", "clustering"], "--task"),
    (["--holdout", "0.7"], "--holdout"),
    (["--memory-limit", "12"], "at least 64M"),
    (["--bogus"], "No such option"),
])
def test_usage_errors_exit_2(run, binary_csv, tmp_path, args, text):
    res = run("fit", binary_csv, "-o", tmp_path / "m", *args)
    assert res.exit_code == 2 and text in res.output


def test_existing_output_needs_force(run, binary_csv, tmp_path):
    (tmp_path / "m").mkdir()
    res = run("fit", binary_csv, "--max-trials", "1", "-o", tmp_path / "m")
    assert res.exit_code == 6 and "--force" in res.stderr
    res = run("fit", binary_csv, "--max-trials", "1", "-o", tmp_path / "m", "--force", "-q")
    assert res.exit_code == 0 and (tmp_path / "m" / "manifest.json").exists()
