"""automl_cli._candidates, _tune and _trial: the local search's proposals, the candidate lists, and
how a trial is scored from its folds."""

from __future__ import annotations

import itertools
import math

import numpy as np

from automl_cli._trial import Trial, fill_trial
from automl_cli._candidates import (MAX_SVM_ROWS, _local_steps, default_candidates,
                                    fallback_candidates)
from automl_cli._tune import SearchResult
from metabase import FAMILIES, to_unit_vector, validate_config


def _ok(number, family, params, score):
    t = Trial(number, {"family": family, "params": params}, "test")
    t.status, t.score = "ok", score
    return t


def test_local_steps_stay_in_the_space_and_near_the_best():
    task = "classification"
    start = {k: v for k, v in FAMILIES["hgb"].defaults(task).items()}
    state = SearchResult(trials=[], best=_ok(1, "hgb", start, 0.8))
    state.trials.append(state.best)
    proposals = list(itertools.islice(_local_steps(state, task, 0, True), 6))
    space = FAMILIES["hgb"].space(task)
    anchor = np.array(to_unit_vector(space, start))
    for config, source, predicted in proposals:
        assert source == "local" and predicted is None and config["family"] == "hgb"
        assert not validate_config(space, config["params"])
        # a Gaussian step of 0.15 per coordinate: never far in the unit cube
        step = np.abs(np.array(to_unit_vector(space, config["params"])) - anchor)
        assert step.max() < 0.9
    assert len({str(c["params"]) for c, _, _ in proposals}) > 1     # they move


def test_local_steps_restart_from_another_family_when_stuck():
    task = "classification"
    hgb = _ok(1, "hgb", FAMILIES["hgb"].defaults(task), 0.9)
    rf = _ok(2, "rf", FAMILIES["rf"].defaults(task), 0.8)
    state = SearchResult(trials=[hgb, rf], best=hgb)
    # no improvement: the step halves every 6 proposals (0.15 -> ... < 0.02 after 18),
    # then the anchor moves to the best trial of another family
    families = [c["family"] for c, _, _ in itertools.islice(
        _local_steps(state, task, 0, True), 30)]
    assert families[0] == "hgb" and "rf" in families[18:25]


def test_default_candidates_order_and_no_svm_on_large_tables():
    small = [c["family"] for c, _, _ in itertools.islice(
        default_candidates("classification", 100, 0), 8)]
    assert small[:2] == ["hgb", "rf"] and "svm" in small and "sparse" not in small[:8]
    large = [c["family"] for c, s, _ in itertools.islice(
        default_candidates("classification", MAX_SVM_ROWS + 1, 0), 40)]
    assert "svm" not in large
    sources = [s for _, s, _ in itertools.islice(default_candidates("regression", 100, 0), 10)]
    assert sources == ["default"] * 9 + ["random"]
    wide = [c["family"] for c, _, _ in itertools.islice(
        default_candidates("classification", 400, 0, n_features=3000), 3)]
    assert wide == ["sparse", "hgb", "rf"]
    assert [c["family"] for c, _, _ in fallback_candidates("regression")] == ["linear", "knn"]


def test_fill_trial_from_folds_and_failures():
    folds = [{"roc_auc": 0.8, "fit_time": 1.0}, {"roc_auc": float("nan"), "fit_time": 3.0},
             {"roc_auc": 0.9, "fit_time": 2.0}]
    t = fill_trial(Trial(1, {"family": "hgb", "params": {}}, "x"),
                   {"status": "ok", "value": (folds, np.zeros(3), b"models"), "error": "",
                    "elapsed": 7.0},
                   "roc_auc")
    assert t.status == "ok" and t.elapsed == 7.0 and t.fold_fit_time == 2.0
    assert math.isclose(t.score, 0.85) and math.isclose(t.score_std, 0.05)
    assert t.oof is not None and t.models == b"models" and "oof" not in t.to_dict()
    nan = [{"roc_auc": float("nan"), "fit_time": 1.0}]
    t = fill_trial(Trial(2, {"family": "hgb", "params": {}}, "x"),
                   {"status": "ok", "value": (nan, None, None), "error": "", "elapsed": 1.0},
                   "roc_auc")
    assert t.status == "error" and "could not be computed" in t.error
    t = fill_trial(Trial(3, {"family": "hgb", "params": {}}, "x"),
                   {"status": "timeout", "value": None, "error": "killed", "elapsed": 2.0},
                   "roc_auc")
    assert t.status == "timeout" and t.error == "killed" and np.isnan(t.score)


def test_only_the_best_trials_keep_their_predictions():
    from automl_cli._trial import prune_predictions
    from metabase import METRICS

    trials = [_ok(i, "hgb", {}, s) for i, s in enumerate([0.5, 0.9, 0.7, 0.8])]
    for t in trials:
        t.oof = np.zeros(2)
    prune_predictions(trials, METRICS["roc_auc"].better, 2)
    assert [t.oof is not None for t in trials] == [False, True, False, True]
    prune_predictions(trials, METRICS["log_loss"].better, 1)      # lower is better
    assert [t.oof is not None for t in trials] == [False, False, False, True]


def test_hgb_defaults_get_l2_where_a_class_is_rare():
    from automl_cli._candidates import RARE_CLASS_L2, defaults_of

    assert defaults_of("hgb", "classification")["l2_regularization"] < 1e-6      # as sklearn
    assert defaults_of("hgb", "classification", True)["l2_regularization"] == RARE_CLASS_L2
    assert defaults_of("rf", "classification", True) == FAMILIES["rf"].defaults("classification")
    first = next(iter(default_candidates("classification", 100, 0, rare_classes=True)))
    assert first[0]["params"]["l2_regularization"] == RARE_CLASS_L2
