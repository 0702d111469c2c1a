"""Runner for AutoGluon, in its own environment (``.venv-autogluon``), never the project's.

    python _autogluon_runner.py autogluon TRAIN TEST TASK METRIC BUDGET SEED PRED_OUT REPORT_OUT

AutoGluon is used as a user would: ``TabularPredictor(label, eval_metric=<the bench's
metric>).fit(train, time_limit=budget, num_cpus=1)`` with its default preset otherwise
(its own default for classification is accuracy, so the metric is named). Installed as
``autogluon.tabular[lightgbm,catboost,xgboost]``, without torch: its neural networks
skip with a warning, as for a user with that extra. This file imports nothing from the
project (``_runner_io`` beside it is the bench's own).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from _runner_io import fit_wall, write_predictions, write_report


def main(argv) -> int:
    _, train, test, task, metric, budget, seed, pred_out, report_out = argv
    import warnings

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
    wall = fit_wall()
    t_pred = time.perf_counter()
    test_frame = pd.read_csv(test, na_values=["?"]).drop(columns=["target"])
    if task == "classification":
        proba = predictor.predict_proba(test_frame, as_multiclass=True)
        write_predictions(pred_out, list(proba.columns), proba.to_numpy(dtype=float))
    else:
        write_predictions(pred_out, values=predictor.predict(test_frame))
    board = predictor.leaderboard(silent=True)
    detail = (f"autogluon {__version__}: {predictor.model_best}; {len(board)} models; "
              f"val {metric} {board['score_val'].iloc[0]:.6g}")
    write_report(report_out, wall, fit_seconds, t_pred, detail)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
