"""Runner for AutoGluon, in its own environment (``.venv-autogluon``), never the project's.

    python _autogluon_runner.py autogluon TRAIN TEST TASK METRIC BUDGET SEED PRED_OUT REPORT_OUT

AutoGluon is used as a user would: ``TabularPredictor(label, eval_metric=<the bench's
metric>).fit(train, time_limit=budget, num_cpus=1)`` with its default preset otherwise
(its own default for classification is accuracy, so the metric is named). Installed as
``autogluon.tabular[lightgbm,catboost,xgboost]``, without torch: its neural networks
skip with a warning, as for a user with that extra. This file imports nothing from the
project.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time


def label_str(value) -> str:
    """As ``_methods.label_str``: ints without '.0', so proba columns match automl's."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def main(argv) -> int:
    _, train, test, task, metric, budget, seed, pred_out, report_out = argv
    import warnings

    import numpy as np
    import pandas as pd
    from autogluon.core import __version__
    from autogluon.tabular import TabularPredictor

    warnings.filterwarnings("ignore")
    t_fit = time.perf_counter()
    frame = pd.read_csv(train, na_values=["?"])
    problem = "regression" if task == "regression" else (
        "binary" if frame["target"].nunique() == 2 else "multiclass")
    path = tempfile.mkdtemp(prefix="ag-", dir=os.getcwd())
    predictor = TabularPredictor(label="target", eval_metric=metric, problem_type=problem,
                                 path=path, verbosity=0)
    predictor.fit(frame, time_limit=float(budget), num_cpus=1)      # its own fixed seed
    fit_seconds = time.perf_counter() - t_fit
    fit_wall = time.time() - float(os.environ.get("BENCH_T0", time.time()))
    t_pred = time.perf_counter()
    test_frame = pd.read_csv(test, na_values=["?"]).drop(columns=["target"])
    if task == "classification":
        proba = predictor.predict_proba(test_frame, as_multiclass=True)
        classes = list(proba.columns)
        p = proba.to_numpy(dtype=float)
        out = pd.DataFrame({"prediction": np.asarray(classes, dtype=object)[p.argmax(axis=1)]})
        for j, label in enumerate(classes):
            out[f"proba_{label_str(label)}"] = p[:, j]
    else:
        out = pd.DataFrame({"prediction": predictor.predict(test_frame).to_numpy(dtype=float)})
    out.to_csv(pred_out, index=False)
    board = predictor.leaderboard(silent=True)
    detail = (f"autogluon {__version__}: {predictor.model_best}; {len(board)} models; "
              f"val {metric} {board['score_val'].iloc[0]:.6g}")
    with open(report_out, "w") as fh:
        json.dump({"fit_wall": fit_wall, "fit_seconds": fit_seconds,
                   "predict_seconds": time.perf_counter() - t_pred, "detail": detail}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
