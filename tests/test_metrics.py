"""metabase._metrics: each metric against a hand computation, directions, NaN cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metabase import METRICS, default_metric, kind_of, metrics_for, score_all, task_of


def test_accuracy_and_balanced_accuracy():
    y = np.array(["a", "a", "a", "b"])
    pred = np.array(["a", "a", "a", "a"])
    assert METRICS["accuracy"].fn(y, pred, None, ["a", "b"]) == 0.75
    assert METRICS["balanced_accuracy"].fn(y, pred, None, ["a", "b"]) == 0.5


def test_binary_roc_auc_uses_the_second_class_column():
    y = np.array([0, 0, 1, 1])
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]])
    # pairs (pos, neg): (0.35 vs 0.1 ok), (0.35 vs 0.4 no), (0.8 vs both ok): 3/4
    assert METRICS["roc_auc"].fn(y, None, proba, [0, 1]) == pytest.approx(0.75)


def test_multiclass_roc_auc_on_a_fold_missing_a_class():
    y = np.array([0, 0, 1, 1])          # class 2 absent from this fold
    proba = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1]])
    assert METRICS["roc_auc"].fn(y, None, proba, [0, 1, 2]) == 1.0
    assert math.isnan(METRICS["roc_auc"].fn(np.array([1, 1]), None, proba[:2], [0, 1, 2]))


def test_log_loss_clips_zero_probabilities():
    y = np.array([0, 1])
    proba = np.array([[1.0, 0.0], [1.0, 0.0]])        # the second row is certain and wrong
    value = METRICS["log_loss"].fn(y, None, proba, [0, 1])
    assert np.isfinite(value) and value == pytest.approx(-np.log(1e-15) / 2, rel=1e-3)


def test_regression_metrics():
    y, pred = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0])
    assert METRICS["mae"].fn(y, pred, None, None) == pytest.approx(2 / 3)
    assert METRICS["rmse"].fn(y, pred, None, None) == pytest.approx(np.sqrt(4 / 3))
    assert METRICS["r2"].fn(y, pred, None, None) == pytest.approx(1 - 4 / 2)


def test_directions_and_comparisons():
    auc, loss = METRICS["roc_auc"], METRICS["log_loss"]
    assert auc.better(0.9, 0.8) and not auc.better(0.8, 0.9)
    assert loss.better(0.1, 0.2) and not loss.better(0.2, 0.1)
    assert auc.better(0.5, float("nan")) and not auc.better(float("nan"), 0.5)
    assert auc.worse_than(0.7, 0.8) and loss.worse_than(0.3, 0.2)


def test_score_all_gives_nan_for_what_cannot_be_computed():
    out = score_all(["roc_auc", "accuracy"], np.array([0, 1]), np.array([0, 1]), None, [0, 1])
    assert math.isnan(out["roc_auc"]) and out["accuracy"] == 1.0


def test_kinds_tasks_and_defaults():
    assert [kind_of("classification", 2), kind_of("classification", 5),
            kind_of("regression", None)] == ["binary", "multiclass", "regression"]
    assert task_of("binary") == task_of("multiclass") == "classification"
    assert task_of("regression") == "regression"
    assert default_metric("classification", 2) == "roc_auc"
    assert default_metric("classification", 3) == "log_loss"
    assert default_metric("regression") == "r2"
    assert set(metrics_for("regression")) == {"r2", "rmse", "mae"}
