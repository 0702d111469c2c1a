"""What the peer runners (``_flaml_runner.py``, ``_autogluon_runner.py``) share: the
predictions file and the JSON report the harness reads. Standard library, numpy and
pandas only: the runners run in the peers' own environments, without the project."""

from __future__ import annotations

import json
import os
import time


def label_str(value) -> str:
    """A class label as the ``proba_<label>`` columns spell it (ints without '.0')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fit_wall() -> float:
    """Seconds since the harness launched this process (``BENCH_T0``)."""
    return time.time() - float(os.environ.get("BENCH_T0", time.time()))


def write_predictions(path, classes=None, proba=None, values=None) -> None:
    """``prediction`` (and ``proba_<label>`` per class) columns, as ``automl predict``."""
    import numpy as np
    import pandas as pd

    if proba is None:
        pd.DataFrame({"prediction": np.asarray(values, dtype=float)}).to_csv(path, index=False)
        return
    proba = np.asarray(proba, dtype=float)
    out = pd.DataFrame({"prediction": np.asarray(classes, dtype=object)[proba.argmax(axis=1)]})
    for j, label in enumerate(classes):
        out[f"proba_{label_str(label)}"] = proba[:, j]
    out.to_csv(path, index=False)


def write_report(path, wall: float, fit_seconds: float, t_pred: float, detail: str) -> None:
    with open(path, "w") as fh:
        json.dump({"fit_wall": wall, "fit_seconds": fit_seconds,
                   "predict_seconds": time.perf_counter() - t_pred, "detail": detail}, fh)
