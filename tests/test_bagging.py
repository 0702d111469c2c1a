"""k-fold bagging of the ensemble's members (``--final-model``): each member is the k fold
models its trial fitted, the score is their out-of-fold score, and a member that cannot be
bagged is refitted on all rows."""

from __future__ import annotations

import numpy as np
import pytest

from automl_cli._fit import FitOptions, bagging, fit
from automl_cli._task import make_problem
from automl_cli._trial import Trial, prune_predictions
from conftest import signal_frame
from metabase import METRICS, prepare_frame


def _fit(frame, **options):
    problem = make_problem(frame, "y", "auto", "t.csv")
    opts = FitOptions(time_budget=None, metalearning=False, max_trials=4, **options)
    return fit(problem, opts)


def _frame(n=240, seed=3):
    return signal_frame(n, seed)


def _voters(model):
    """The voters' names of the saved blend (behind its temperature scaling, if any)."""
    if hasattr(model, "calibrated_classifiers_"):
        model = model.calibrated_classifiers_[0].estimator
    return [name for name, _ in model.estimators] if hasattr(model, "estimators") else []


def test_bagged_members_are_their_fold_models_and_the_score_is_out_of_fold():
    frame = _frame()
    result = _fit(frame, final_model="bag")
    members = result.ensemble.members
    assert all(result.ensemble.how[t.number] == "bagged" for t in members)
    names = _voters(result.pipeline)
    for i, t in enumerate(members):
        folds = [n for n in names if n.startswith(f"{i}-{t.config['family']}-fold")]
        assert len(folds) == 5                 # the search's 5 folds, one voter each
    score = result.cv_scores[result.metric]
    assert score["source"] == "oof" and score["mean"] == pytest.approx(result.ensemble.score,
                                                                       abs=1e-6)
    # the saved model is the mean of the fold models, weighted: its prediction of a row is
    # not the out-of-fold one (each row was in the training rows of 4 of the 5), but on the
    # search rows it scores at least as well as out of fold
    X, _ = prepare_frame(frame.drop(columns=["y"]), result.schema)
    proba = result.pipeline.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1) and proba.min() > 0
    inside = METRICS["roc_auc"].fn(frame["y"].to_numpy(), None, proba, ["no", "yes"])
    assert inside >= score["mean"] - 1e-9


def test_refit_members_are_scored_on_fresh_folds():
    result = _fit(_frame(), final_model="refit")
    assert set(result.ensemble.how.values()) == {"refit"}
    assert result.cv_scores[result.metric]["source"] == "final"
    assert not any("fold" in n for n in _voters(result.pipeline))


def test_a_member_whose_models_were_too_large_is_refitted(monkeypatch):
    import automl_cli._trial as trial

    monkeypatch.setattr(trial, "MAX_MODEL_BYTES", 0)      # no fold models kept at all
    result = _fit(_frame(), final_model="bag")
    assert set(result.ensemble.how.values()) == {"refit"}
    assert result.cv_scores[result.metric]["source"] == "oof"   # still no final CV


def test_a_fold_without_some_class_is_not_bagged():
    # a class of one row: the fold that tests it trains without it, and that fold's
    # model lacks its probability column
    frame = _frame(n=200)
    frame.loc[frame.index[0], "y"] = "rare"
    result = _fit(frame, final_model="bag")
    assert set(result.ensemble.how.values()) == {"refit"}
    proba = result.pipeline.predict_proba(
        prepare_frame(frame.drop(columns=["y"]), result.schema)[0])
    assert proba.shape[1] == 3 and proba.min() > 0


def test_auto_refits_and_only_bag_bags():
    assert not bagging("auto") and not bagging("auto", 60.0)
    assert bagging("bag") and not bagging("refit")


def test_pruning_frees_fold_models_beyond_the_byte_budget():
    trials = []
    for i, score in enumerate([0.9, 0.8, 0.7]):
        t = Trial(i + 1, {"family": "hgb", "params": {}}, "test")
        t.status, t.score, t.oof, t.models = "ok", score, np.zeros(2), b"x" * 100
        trials.append(t)
    prune_predictions(trials, METRICS["roc_auc"].better, keep=3, model_bytes=250)
    assert [t.models is not None for t in trials] == [True, True, False]
    assert all(t.oof is not None for t in trials)
    prune_predictions(trials, METRICS["roc_auc"].better, keep=1, model_bytes=250)
    assert [t.oof is not None for t in trials] == [True, False, False]
    assert trials[1].models is None


def test_a_table_larger_than_its_search_sample_is_scored_on_rows_set_apart(monkeypatch):
    import automl_cli._fidelity as _fidelity

    monkeypatch.setattr(_fidelity, "SEARCH_ROWS", 1000)
    frame = _frame(n=3000)
    result = _fit(frame)                            # auto: refitted
    assert set(result.ensemble.how.values()) == {"refit"}
    score = result.cv_scores[result.metric]
    assert score["source"] == "unseen" and score["rows"] == 300
    assert set(result.cv_scores) >= {"roc_auc", "log_loss", "accuracy"}
    assert any("300 rows set apart" in n for n in result.notes)
    assert len(result.problem.y) == 3000           # the manifest still counts every row


def test_a_first_refit_that_fails_falls_back_to_its_fold_models(monkeypatch):
    # a table larger than its search sample: the trials keep their fold models for this
    import automl_cli._fidelity as _fidelity
    import automl_cli._final as final

    def broken(pipeline, X, y):
        raise MemoryError("no room")

    monkeypatch.setattr(final, "_quiet_fit", broken)
    monkeypatch.setattr(_fidelity, "SEARCH_ROWS", 1000)
    frame = _frame(n=1500)
    result = _fit(frame, final_model="refit", ensemble_size=1)
    assert list(result.ensemble.how.values()) == ["bagged"]
    assert any("the model is its 5 fold models" in n for n in result.notes)
    assert result.pipeline.predict_proba(
        prepare_frame(frame.drop(columns=["y"]), result.schema)[0]).shape == (1500, 2)


def test_a_search_on_all_rows_refitted_keeps_no_fold_models():
    result = _fit(_frame(), final_model="refit")
    assert all(t.models is None for t in result.search.trials)


def test_a_bagged_member_too_slow_to_save_is_refitted_instead(monkeypatch):
    import automl_cli._final as final

    monkeypatch.setattr(final, "_save_seconds", lambda models: 1e6 if models else 0.0)
    problem = make_problem(_frame(), "y", "auto", "t.csv")
    result = fit(problem, FitOptions(time_budget=60.0, metalearning=False, max_trials=2,
                                     final_model="bag"))
    assert set(result.ensemble.how.values()) == {"refit"}
    assert len(result.ensemble.members) == 1       # the others: no time to save them
