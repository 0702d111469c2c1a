"""Runner for FLAML, in the benchmark's own environment (``.venv-bench``), never the project's.

    python _flaml_runner.py flaml TRAIN TEST TASK METRIC BUDGET SEED PRED_OUT REPORT_OUT

FLAML is used as a user would: ``AutoML().fit(X, y, task, time_budget, metric,
n_jobs=1, seed)`` with its defaults otherwise (its own preprocessing of the
pandas frame, its default estimators, retraining on all rows). This file imports
nothing from the project (``_runner_io`` beside it is the bench's own).
"""

from __future__ import annotations

import sys
import time

from _runner_io import fit_wall, write_predictions, write_report


def clean_name(name, i: int) -> str:
    """``name`` without the characters LightGBM rejects, unique by its position."""
    import re

    clean = re.sub(r'[",:\[\]{}]', "_", str(name))
    return clean if clean == str(name) else f"{clean}__{i}"


def main(argv) -> int:
    _, train, test, task, metric, budget, seed, pred_out, report_out = argv
    import warnings

    import pandas as pd
    from flaml import AutoML, __version__

    warnings.filterwarnings("ignore")
    t_fit = time.perf_counter()
    frame = pd.read_csv(train, na_values=["?"])
    X, y = frame.drop(columns=["target"]), frame["target"]
    # LightGBM refuses feature names with JSON characters (spambase has "char_freq_;"
    # and the like): rename as a FLAML user would have to
    names = {c: clean_name(c, i) for i, c in enumerate(X.columns)}
    X = X.rename(columns=names)
    automl = AutoML()
    automl.fit(X, y, task=task, time_budget=float(budget), metric=metric, n_jobs=1,
               seed=int(seed), verbose=0)
    fit_seconds = time.perf_counter() - t_fit
    wall = fit_wall()
    t_pred = time.perf_counter()
    test_frame = pd.read_csv(test, na_values=["?"])
    Xt = test_frame.drop(columns=["target"]).rename(columns=names)
    if task == "classification":
        write_predictions(pred_out, list(automl.classes_), automl.predict_proba(Xt))
    else:
        write_predictions(pred_out, values=automl.predict(Xt))
    # FLAML minimises 1 - score for the metrics where greater is better
    best = 1 - automl.best_loss if metric in ("roc_auc", "r2") else automl.best_loss
    detail = f"flaml {__version__}: {automl.best_estimator}; search {metric} {best:.6g}"
    write_report(report_out, wall, fit_seconds, t_pred, detail)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
