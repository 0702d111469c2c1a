"""The benchmarked methods: each runs in its own process on one core, then is scored here.

Every method writes its predictions of test.csv (``prediction`` and, for
classification, ``proba_<class>`` columns); this module scores them all the
same way with ``metabase.METRICS``, so no method scores itself.

``wall`` is the seconds from launching the method's process until its model is
fitted and saved (interpreter start, imports, reading the table, search, final
evaluation, refit), without predicting the test table: what a user waits for.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _runner_io import label_str  # one spelling of labels for every runner

HERE = Path(__file__).resolve().parent

#: Method names in print order.
METHODS = ["automl", "automl-es1", "automl-bag", "automl-refit", "automl-cv", "automl-holdout",
           "automl-portfolio", "automl-both", "automl-nometa",
           "hgb-default", "rf-default", "random", "flaml", "autogluon"]
#: Methods that are given the time budget (the others are single default fits).
BUDGETED = {"automl", "automl-es1", "automl-bag", "automl-refit", "automl-cv", "automl-holdout",
            "automl-portfolio", "automl-both", "automl-nometa",
            "random", "flaml", "autogluon"}
#: Extra ``automl fit`` options of each automl method.
AUTOML_ARGS = {"automl": [], "automl-es1": ["--ensemble-size", "1"],
               "automl-bag": ["--final-model", "bag"],
               "automl-refit": ["--final-model", "refit"],
               "automl-cv": ["--search-eval", "cv"],
               "automl-holdout": ["--search-eval", "holdout"],
               "automl-portfolio": ["--warm-start", "portfolio"],
               "automl-both": ["--warm-start", "both"],
               "automl-nometa": ["--no-metalearning"]}
TITLES = {
    "automl": "automl fit",
    "automl-es1": "automl fit --ensemble-size 1",
    "automl-bag": "automl fit --final-model bag",
    "automl-refit": "automl fit --final-model refit",
    "automl-cv": "automl fit --search-eval cv",
    "automl-holdout": "automl fit --search-eval holdout",
    "automl-portfolio": "automl fit --warm-start portfolio",
    "automl-both": "automl fit --warm-start both",
    "automl-nometa": "automl fit --no-metalearning",
    "hgb-default": "HistGradientBoosting, defaults",
    "rf-default": "RandomForest, defaults",
    "random": "random search over our spaces",
    "flaml": "FLAML AutoML",
    "autogluon": "AutoGluon TabularPredictor",
}
#: The task's default metric, as automl chooses it (FLAML spells them the same).
METRIC = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "r2"}


@dataclass
class MethodRun:
    method: str
    train: Path
    test: Path
    kind: str               # binary, multiclass, regression
    budget: float
    seed: int
    workdir: Path
    env: dict
    flaml_python: Path
    store: str | None = None
    autogluon_python: Path | None = None

    @property
    def task(self) -> str:
        from metabase import task_of

        return task_of(self.kind)

    def hard_timeout(self) -> float:
        """Seconds after which a process is killed and the row recorded as a timeout."""
        return self.budget * 3 + 120


def autogluon_status(python: Path) -> tuple[bool, str]:
    """(usable, note) for the AutoGluon interpreter."""
    if not Path(python).exists():
        return False, (f"AutoGluon skipped: no interpreter at {python} (make "
                       ".venv-autogluon/.installed)")
    out = subprocess.run([str(python), "-c", "import autogluon.tabular as t, sklearn, lightgbm; "
                          "print(t.__version__, sklearn.__version__, lightgbm.__version__)"],
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return False, f"AutoGluon skipped: {python} cannot import autogluon.tabular ({last})"
    ag, skl, lgb = out.stdout.split()
    return True, f"AutoGluon {ag} (scikit-learn {skl}, lightgbm {lgb}) from {python}"


def flaml_status(python: Path) -> tuple[bool, str]:
    """(usable, note) for the FLAML interpreter."""
    if not Path(python).exists():
        return False, (f"FLAML skipped: no interpreter at {python} (create it: python3 -m venv "
                       ".venv-bench && .venv-bench/bin/pip install 'flaml[automl]' pandas "
                       "scikit-learn)")
    out = subprocess.run([str(python), "-c", "import flaml, lightgbm, xgboost, sklearn; "
                          "print(flaml.__version__, lightgbm.__version__, xgboost.__version__, "
                          "sklearn.__version__)"], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return False, f"FLAML skipped: {python} cannot import flaml[automl] ({last})"
    f, lgb, xgb, skl = out.stdout.split()
    return True, (f"FLAML {f} (lightgbm {lgb}, xgboost {xgb}, scikit-learn {skl}) "
                  f"from {python}")


def _launch(cmd: list, run: MethodRun, name: str) -> tuple[int | None, float, str, str]:
    """Run ``cmd`` in its own process group; (exit code or None on timeout, wall, out, err)."""
    out_path, err_path = run.workdir / f"{name}.out", run.workdir / f"{name}.err"
    env = dict(run.env, BENCH_T0=repr(time.time()))
    t0 = time.perf_counter()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, env=env,
                                cwd=run.workdir, start_new_session=True)
        try:
            code = proc.wait(timeout=run.hard_timeout())
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = None
        except BaseException:
            # Ctrl-C or SIGTERM of the bench: its own process group would outlive it
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    wall = time.perf_counter() - t0
    return code, wall, out_path.read_text(), err_path.read_text()


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


def _fail(status: str, error: str, wall: float | None = None) -> dict:
    return {"status": status, "error": error.replace("\n", " ")[:300],
            "wall": "" if wall is None else round(wall, 3)}


def _automl_bin() -> Path:
    return Path(sys.executable).with_name("automl")


def _run_automl(run: MethodRun) -> dict:
    model = run.workdir / f"model-{run.method}"
    cmd = [_automl_bin(), "fit", run.train, "--target", "target", "--task", run.task,
           "--time-budget", f"{run.budget:g}", "--seed", str(run.seed), "--json", "-q",
           "-o", model, "--force", *AUTOML_ARGS[run.method]]
    if run.store:
        cmd += ["--store", run.store]
    code, wall, out, err = _launch(cmd, run, run.method)
    if code is None:
        return _fail("timeout", f"killed after {run.hard_timeout():.0f} s", wall)
    if code != 0:
        return _fail(f"exit {code}", _last_line(err) or _last_line(out), wall)
    doc = json.loads(out)
    search = doc.get("search", {})
    first = next((t for t in doc.get("leaderboard", []) if t.get("status") == "ok"), {})
    advice = "advice" if doc.get("recommendation") else "no advice"
    members = [m for m in doc.get("ensemble", []) if m.get("config")]
    detail = (f"{doc['config']['family']}; {len(members)} members; {search.get('trials')} "
              f"trials; stopped by {search.get('stopped_by')}; cv {doc['score'].get('mean')} "
              f"({doc['score'].get('source')}); {advice}; first {first.get('family')} "
              f"{first.get('score')}; trace {_trace(doc.get('leaderboard', []))}")
    pred = run.workdir / f"pred-{run.method}.csv"
    t1 = time.perf_counter()
    code, _, out, err = _launch([_automl_bin(), "predict", model, run.test, "--proba", "-q",
                                 "-o", pred, "--force"], run, run.method + "-predict")
    if code != 0:
        return _fail("predict failed", _last_line(err) or f"exit {code}", wall)
    return {"status": "ok", "wall": round(wall, 3), "wall_internal": doc.get("wall_seconds"),
            "predict_seconds": round(time.perf_counter() - t1, 3), "detail": detail,
            "pred": pred}


def _trace(board: list) -> str:
    """The trials in order, compactly: family, source's initial and score (or status)."""
    out = []
    for t in board:
        what = f"{t['score']:.4g}" if t.get("status") == "ok" else t.get("status", "?")
        out.append(f"{t.get('family')}/{str(t.get('source', '?'))[:1]}:{what}")
    return " ".join(out)


def _run_runner(run: MethodRun, python, script: str) -> dict:
    """A runner script that fits, writes predictions and a JSON report of its timings."""
    pred, report = run.workdir / f"pred-{run.method}.csv", run.workdir / f"{run.method}.json"
    cmd = [python, HERE / script, run.method, run.train, run.test, run.task,
           METRIC[run.kind], f"{run.budget:g}", str(run.seed), pred, report]
    code, wall, out, err = _launch(cmd, run, run.method)
    if code is None:
        return _fail("timeout", f"killed after {run.hard_timeout():.0f} s", wall)
    if code != 0 or not report.exists():
        return _fail(f"exit {code}", _last_line(err) or _last_line(out), wall)
    doc = json.loads(report.read_text())
    return {"status": "ok", "wall": round(doc["fit_wall"], 3),
            "wall_internal": round(doc["fit_seconds"], 3),
            "predict_seconds": round(doc["predict_seconds"], 3),
            "detail": doc.get("detail", ""), "pred": pred}


def run_method(run: MethodRun) -> dict:
    """One measured row (without the table and split columns)."""
    metric = METRIC[run.kind]
    try:
        if run.method in AUTOML_ARGS:
            row = _run_automl(run)
        elif run.method == "flaml":
            row = _run_runner(run, run.flaml_python, "_flaml_runner.py")
        elif run.method == "autogluon":
            row = _run_runner(run, run.autogluon_python, "_autogluon_runner.py")
        else:
            row = _run_runner(run, sys.executable, "_sklearn_runner.py")
        if row["status"] == "ok":
            row["score"] = round(score_predictions(row.pop("pred"), run.test, run.kind), 6)
    except Exception as exc:  # noqa: BLE001 - a bench row, never a crash of the whole run
        row = _fail("error", f"{type(exc).__name__}: {exc}")
    row.pop("pred", None)
    row["metric"] = metric
    return row


def score_predictions(pred_path: Path, test_path: Path, kind: str) -> float:
    import numpy as np
    import pandas as pd

    from automl_cli._io import load_table
    from metabase import METRICS

    y = load_table(test_path).frame["target"]
    pred = pd.read_csv(pred_path)
    if len(pred) != len(y):
        raise ValueError(f"{len(pred)} predictions for {len(y)} test rows")
    metric = METRICS[METRIC[kind]]
    if kind == "regression":
        return metric.fn(y.to_numpy(float), pred["prediction"].to_numpy(float), None, None)
    y = np.array([label_str(v) for v in y], dtype=object)
    cols = {c[len("proba_"):]: c for c in pred.columns if c.startswith("proba_")}
    classes = sorted(set(y) | set(cols))
    proba = np.column_stack([pred[cols[c]].to_numpy(float) if c in cols
                             else np.zeros(len(pred)) for c in classes])
    labels = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    value = metric.fn(y, labels, proba, classes)
    if np.isnan(value):
        raise ValueError(f"{metric.name} is undefined on this test split")
    return float(value)
