"""Metrics by name: direction, what they need, and how to compute them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Metric:
    name: str
    task: str                 # "classification" or "regression"
    greater_is_better: bool
    fn: Callable              # fn(y_true, y_pred, proba, classes) -> float
    title: str

    def better(self, a: float, b: float) -> bool:
        """Is score ``a`` strictly better than ``b``? NaN is never better."""
        if np.isnan(a):
            return False
        if np.isnan(b):
            return True
        return a > b if self.greater_is_better else a < b

    def worse_than(self, score: float, threshold: float) -> bool:
        return score < threshold if self.greater_is_better else score > threshold


def _accuracy(y, pred, proba, classes):
    return float(np.mean(np.asarray(y) == np.asarray(pred)))


def _balanced_accuracy(y, pred, proba, classes):
    from sklearn.metrics import balanced_accuracy_score
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(balanced_accuracy_score(y, pred))


def _f1(y, pred, proba, classes):
    from sklearn.metrics import f1_score
    if len(classes) == 2:
        return float(f1_score(y, pred, pos_label=classes[1], zero_division=0))
    return float(f1_score(y, pred, average="macro", labels=classes, zero_division=0))


def _roc_auc(y, pred, proba, classes):
    from sklearn.metrics import roc_auc_score
    y = np.asarray(y)
    present = np.unique(y)
    if len(present) < 2:
        return float("nan")
    if len(classes) == 2:
        return float(roc_auc_score(y == classes[1], proba[:, 1]))
    # one-vs-rest macro average over the classes present in this fold
    idx = [list(classes).index(c) for c in present]
    p = proba[:, idx]
    p = p / np.clip(p.sum(axis=1, keepdims=True), 1e-15, None)
    if len(present) == 2:
        return float(roc_auc_score(y == present[1], p[:, 1]))
    return float(roc_auc_score(y, p, labels=present, multi_class="ovr", average="macro"))


def _log_loss(y, pred, proba, classes):
    from sklearn.metrics import log_loss
    p = np.clip(proba, 1e-15, 1.0)
    return float(log_loss(y, p / p.sum(axis=1, keepdims=True), labels=list(classes)))


def _r2(y, pred, proba, classes):
    from sklearn.metrics import r2_score
    return float(r2_score(y, pred))


def _rmse(y, pred, proba, classes):
    return float(np.sqrt(np.mean((np.asarray(y, float) - np.asarray(pred, float)) ** 2)))


def _mae(y, pred, proba, classes):
    return float(np.mean(np.abs(np.asarray(y, float) - np.asarray(pred, float))))


METRICS = {m.name: m for m in (
    Metric("roc_auc", "classification", True, _roc_auc,
           "ROC AUC (one-vs-rest macro for multiclass)"),
    Metric("log_loss", "classification", False, _log_loss, "log loss (lower is better)"),
    Metric("accuracy", "classification", True, _accuracy, "accuracy"),
    Metric("balanced_accuracy", "classification", True, _balanced_accuracy, "balanced accuracy"),
    Metric("f1", "classification", True, _f1, "F1 (positive class; macro for multiclass)"),
    Metric("r2", "regression", True, _r2, "R²"),
    Metric("rmse", "regression", False, _rmse, "root mean squared error (lower is better)"),
    Metric("mae", "regression", False, _mae, "mean absolute error (lower is better)"),
)}


def metrics_for(task: str) -> list[str]:
    """All metric names that apply to ``task`` ("classification" or "regression")."""
    return [m.name for m in METRICS.values() if m.task == task]


def kind_of(task: str, n_classes) -> str:
    """"binary", "multiclass" or "regression": the kind of a task."""
    if task == "regression":
        return "regression"
    return "binary" if n_classes == 2 else "multiclass"


def task_of(kind: str) -> str:
    """"classification" or "regression" for a kind ("binary", "multiclass", "regression")
    or a MANIFEST.csv task (the same words)."""
    return "regression" if kind == "regression" else "classification"


def default_metric(task: str, n_classes: int = 0) -> str:
    """ROC AUC for binary, log loss for multiclass, R² for regression."""
    if task == "regression":
        return "r2"
    return "roc_auc" if n_classes == 2 else "log_loss"


def score_all(names, y, pred, proba, classes) -> dict:
    """Every metric in ``names``; a metric that cannot be computed is NaN."""
    out = {}
    for name in names:
        try:
            out[name] = METRICS[name].fn(y, pred, proba, classes)
        except (ValueError, IndexError, TypeError, ZeroDivisionError):
            out[name] = float("nan")
    return out
