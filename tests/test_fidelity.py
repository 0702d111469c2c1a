"""How the search scores a trial (``--search-eval``): k-fold cross-validation, or one
holdout split on tables too large for k fits per trial in the budget."""

from __future__ import annotations

import numpy as np
import pytest

from automl_cli._fidelity import (HOLDOUT_MIN_ROWS, VALID_ROWS, VALID_SHARE, scored_rows,
                                  search_eval, search_rows, search_splits)
from automl_cli._fit import FitOptions, fit
from automl_cli._task import make_problem
from conftest import signal_frame


def test_auto_holds_out_only_on_tables_large_for_the_budget():
    assert search_eval("auto", HOLDOUT_MIN_ROWS, 10.0, bagged=False) == "halving"
    assert search_eval("auto", HOLDOUT_MIN_ROWS - 1, 10.0, bagged=False) == "cv"
    # 500 rows per second of budget: 30,000 at 60 s
    assert search_eval("auto", 29999, 60.0, bagged=False) == "cv"
    assert search_eval("auto", 30000, 60.0, bagged=False) == "halving"
    # no budget, or bagged members (they need k fold models): k folds
    assert search_eval("auto", 10 ** 6, None, bagged=False) == "cv"
    assert search_eval("auto", 10 ** 6, 10.0, bagged=True) == "cv"
    assert search_eval("cv", 10 ** 6, 10.0, bagged=False) == "cv"
    assert search_eval("holdout", 100, 10.0, bagged=False) == "holdout"


def test_the_search_sample_grows_with_the_budget_up_to_its_cap():
    assert search_rows("cv", 10 ** 6, None) == (20000, None)
    assert search_rows("cv", 10 ** 6, 10.0) == (4000, None)
    assert search_rows("cv", 10 ** 6, 1.0) == (2000, None)
    assert search_rows("cv", 3000, 10.0) == (3000, None)


def test_a_holdout_trains_on_what_the_budget_affords_and_scores_on_more_rows():
    # a small table: all rows, 80 / 20
    assert search_rows("holdout", 3000, 10.0) == (3000, 2400)
    # 3,200 training rows at 10 s, up to VALID_ROWS scored, a tenth of the table set apart
    assert search_rows("holdout", 8000, 10.0) == (7200, 3200)
    assert search_rows("holdout", 100000, 10.0) == (3200 + VALID_ROWS, 3200)
    # at most 16,000 training rows; the check rows at most 50,000
    n, train = search_rows("holdout", 10 ** 6, 60.0)
    assert train == 16000 and n == 16000 + VALID_ROWS


def test_a_holdout_split_is_stratified_and_covers_a_share_of_the_rows():
    y = np.array(["a"] * 900 + ["b"] * 100)
    splits = search_splits(y, "classification", "holdout", 5, seed=0)
    assert len(splits) == 1
    train, test = splits[0]
    assert len(test) == int(VALID_SHARE * 1000) and len(set(train) | set(test)) == 1000
    assert not set(train) & set(test)
    assert np.mean(y[test] == "b") == pytest.approx(0.1)
    assert np.array_equal(scored_rows(splits, 1000), np.sort(test))
    assert scored_rows(search_splits(y, "classification", "cv", 5, 0), 1000) is None
    (train, test), = search_splits(y, "classification", "holdout", 5, seed=0, train=300)
    assert len(train) == 300 and len(test) == 700 and np.mean(y[test] == "b") == \
        pytest.approx(0.1)


def test_a_holdout_of_a_tiny_table_with_many_classes_still_splits():
    y = np.repeat(np.arange(8), 2)                  # 16 rows, 8 classes: 3 holdout rows
    (train, test), = search_splits(y, "classification", "holdout", 5, seed=0)
    assert len(test) == 3 and len(train) == 13


def _frame(n=600, seed=3):
    return signal_frame(n, seed)


def _fit(frame, **options):
    problem = make_problem(frame, "y", "auto", "t.csv")
    return fit(problem, FitOptions(time_budget=None, metalearning=False, max_trials=4,
                                   **options))


def test_a_holdout_search_ranks_and_blends_on_the_holdout_rows_only():
    result = _fit(_frame(), search_eval="holdout")
    n_valid = int(VALID_SHARE * 600)
    assert result.screening == f"a holdout of {n_valid} of 600 rows"
    ok = [t for t in result.search.trials if t.status == "ok"]
    assert len(ok) >= 2 and all(t.score_std == 0 for t in ok)     # one split: no spread
    assert all(t.oof is None or len(t.oof) == n_valid for t in ok)
    assert len(result.oof["y"]) == n_valid == len(result.oof["predictions"])
    # the saved blend is refitted on all rows and predicts every row
    assert set(result.ensemble.how.values()) == {"refit"}
    X = result.problem.X
    from metabase import prepare_frame

    assert result.pipeline.predict_proba(prepare_frame(X, result.schema)[0]).shape == (600, 2)


def test_cross_validated_search_predicts_every_row():
    result = _fit(_frame(), search_eval="cv")
    assert result.screening == "5-fold cross-validation on 600 rows"
    assert len(result.oof["y"]) == 600


def test_bagging_a_holdout_search_is_refused_in_one_line(run, tmp_path):
    from automl_cli import api

    with pytest.raises(ValueError, match="search_eval='cv'"):
        api.fit_options({"search_eval": "holdout", "final_model": "bag"})
    data = tmp_path / "t.csv"
    _frame(60).to_csv(data, index=False)
    res = run("fit", data, "--search-eval", "holdout", "--final-model", "bag",
              "-o", tmp_path / "m")
    assert res.exit_code == 2 and "--search-eval cv or auto" in res.output
    assert not (tmp_path / "m").exists()


def _trial(family, params, elapsed, fit_time, models=b"m"):
    from automl_cli._trial import Trial

    t = Trial(1, {"family": family, "params": params}, "recommended", status="ok",
              elapsed=elapsed, fold_fit_time=fit_time)
    t.models = models
    return t


def test_a_holdout_trial_s_refit_is_estimated_from_its_fit_time():
    from automl_cli._costs import Costs

    costs = Costs(folds=1, scale=3.0, final_folds=10, check=True)
    # 0.5 s of fitting, 2 s in all (its predictions of 5,000 rows): the fit time counts
    t = _trial("et", {"n_estimators": 100}, elapsed=2.0, fit_time=0.5)
    assert costs.per_fit(t) == pytest.approx(0.6 * 3.0 * 1.2 + 0.05)
    cv = Costs(folds=5, scale=3.0, final_folds=10, check=True)
    assert cv.per_fit(t) == pytest.approx(2.0 / 5 * 3.0 * 1.2 + 0.05)


def test_a_best_whose_refit_cannot_fit_keeps_only_its_fold_models_save():
    from automl_cli._costs import SAVE_RESERVE, Costs, fold_save_seconds

    costs = Costs(folds=1, scale=3.0, final_folds=10, budget=10.0, check=True)
    t = _trial("et", {"n_estimators": 349}, elapsed=3.0, fit_time=2.8)
    refit = costs.per_fit(t) * 1.1 + SAVE_RESERVE                  # about 11 s
    assert costs.reserve(t, left=9.0) == pytest.approx(refit)      # it still fits
    save = fold_save_seconds(t.config, 0) + SAVE_RESERVE
    assert costs.reserve(t, left=4.0) == pytest.approx(save)       # it cannot: go on
    t.models = None                                                # nothing to fall back on
    assert costs.reserve(t, left=4.0) == pytest.approx(refit)
    # a booster's save grows with its rounds and classes, a forest's with its trees
    assert fold_save_seconds({"family": "hgb", "params": {"max_iter": 200}}, 10) > \
        fold_save_seconds({"family": "hgb", "params": {"max_iter": 200}}, 2)
    assert fold_save_seconds({"family": "rf", "params": {"n_estimators": 300}}, 2) > \
        fold_save_seconds({"family": "linear", "params": {}}, 2)


def test_the_search_stops_early_for_the_final_folds_only_where_they_are_cheap():
    from automl_cli._costs import FINAL_EVAL_SHARE, SAVE_RESERVE, Costs

    costs = Costs(folds=5, scale=1.25, final_folds=10, budget=10.0)
    cheap = _trial("linear", {}, elapsed=0.5, fit_time=0.1)         # 0.2 s per fit
    per_fit = costs.per_fit(cheap)
    assert 5 * per_fit <= FINAL_EVAL_SHARE * 10.0
    assert costs.reserve(cheap) == pytest.approx(per_fit * (2 + 5) + SAVE_RESERVE)
    # ames-housing at 10 s: 5-fold gradient boosting in 2.4 s, 0.75 s per fit; its 5 fresh
    # folds would take 3.7 s of the 10, so the search keeps only the refit's time
    costly = _trial("hgb", {}, elapsed=2.4, fit_time=0.4)
    per_fit = costs.per_fit(costly)
    assert costs.reserve(costly) == pytest.approx(per_fit * 2 + SAVE_RESERVE)
    # without a budget, or with a longer one, the 5 folds are kept
    assert Costs(folds=5, scale=1.25, final_folds=10, budget=60.0).reserve(costly) == \
        pytest.approx(per_fit * 7 + SAVE_RESERVE)
    assert Costs(folds=5, scale=1.25, final_folds=10).reserve(costly) == \
        pytest.approx(per_fit * 7 + SAVE_RESERVE)
