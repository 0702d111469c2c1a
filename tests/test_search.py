"""The search loop on a fake trial runner: order, budget, skips and fallbacks."""

from __future__ import annotations

import pytest

from automl_cli._budget import Budget
from automl_cli._pool import InlinePool
from automl_cli._candidates import fallback_candidates
from automl_cli._tune import SearchPlan, search


def _search(candidates, pool, *plan, **limits):
    """The search with the plan's fields in their order: metric, budget, max_trials, ..."""
    return search(candidates, pool, SearchPlan(*plan, **limits))


def _runner(outcomes):
    """A trial runner scripted per family: (status, score); 0.5 for a family not named."""
    def run(trial, timeout, cancel):
        status, score = outcomes.get(trial.config["family"], ("ok", 0.5))
        trial.status, trial.elapsed = status, 0.01
        if status == "ok":
            trial.score, trial.score_std = score, 0.0
        return trial
    return run


def _cands(*families):
    return [({"family": f, "params": {}}, "recommended", None) for f in families]


def test_fallback_after_a_timeout_without_a_model():
    pool = InlinePool(_runner({"svm": ("timeout", None), "hgb": ("timeout", None),
                               "linear": ("ok", 0.8), "knn": ("ok", 0.7)}))
    res = _search(_cands("svm", "hgb"), pool, "roc_auc", Budget(None), 3, lambda b: 0.0,
                 fallbacks=fallback_candidates("classification"))
    # once the fallback gave a model, the recommended configs go on
    assert [(t.config["family"], t.source) for t in res.trials] == [
        ("svm", "recommended"), ("linear", "fallback"), ("hgb", "recommended")]
    assert res.best.config["family"] == "linear"


def test_no_fallback_once_a_model_exists():
    pool = InlinePool(_runner({"hgb": ("ok", 0.9), "svm": ("timeout", None),
                               "rf": ("ok", 0.95)}))
    res = _search(_cands("hgb", "svm", "rf"), pool, "roc_auc", Budget(None), None,
                 lambda b: 0.0, fallbacks=fallback_candidates("classification"))
    assert [t.config["family"] for t in res.trials] == ["hgb", "svm", "rf"]
    assert res.best.config["family"] == "rf" and res.stopped_by == "no more candidates"


def test_predicted_overrun_is_skipped_and_listed():
    pool = InlinePool(_runner({"hgb": ("ok", 0.9), "svm": ("ok", 0.99)}))
    cands = [({"family": "svm", "params": {}}, "recommended", 100.0),
             ({"family": "hgb", "params": {}}, "recommended", 0.01)]
    res = _search(cands, pool, "roc_auc", Budget(30), None, lambda b: 0.0, folds=5)
    assert [t.config["family"] for t in res.trials] == ["hgb"]
    assert res.skipped[0]["config"]["family"] == "svm" and res.skipped[0]["expected_seconds"] > 30


def test_a_trial_keeps_its_own_refit_in_the_time_left():
    # one fit per trial (a holdout) on a quarter of the rows: its refit costs 4 x 1.2
    # times the trial. An et trial expected at 8 s fits in the 30 s budget, but with its
    # refit (38 s more) it does not: skipped. Once a model exists, every trial's deadline
    # leaves room for its refit (30 / 5.8 = 5.2 s); the first model's trial keeps its
    # share of the time (killed, it would leave no model)
    deadlines = []

    def run(trial, timeout, cancel):
        deadlines.append(timeout)
        return _runner({"hgb": ("ok", 0.9), "et": ("ok", 0.99),
                        "rf": ("ok", 0.95)})(trial, timeout, cancel)

    cands = [({"family": "et", "params": {}}, "recommended", 8.0),
             ({"family": "hgb", "params": {}}, "recommended", 0.01),
             ({"family": "rf", "params": {}}, "recommended", None)]
    res = _search(cands, InlinePool(run), "roc_auc", Budget(30), None, lambda b: 0.0,
                  folds=1, refit_factor=lambda config, rows=None: 4 * 1.2)
    assert [t.config["family"] for t in res.trials] == ["hgb", "rf"]
    assert res.skipped[0]["config"]["family"] == "et"
    assert deadlines[0] > 30 / 5.8 and deadlines[1] <= 30 / 5.8 + 1e-6
    deadlines.clear()
    res = _search(cands, InlinePool(run), "roc_auc", Budget(30), None, lambda b: 0.0,
                  folds=1)
    assert [t.config["family"] for t in res.trials] == ["et", "hgb", "rf"]
    assert deadlines[2] > 30 / 5.8


def test_loss_metric_prefers_lower():
    pool = InlinePool(_runner({"hgb": ("ok", 0.5), "rf": ("ok", 0.3)}))
    res = _search(_cands("hgb", "rf"), pool, "log_loss", Budget(None), None, lambda b: 0.0)
    assert res.best.config["family"] == "rf"


def _recs(*configs):
    return [{"config": c, "fit_time": None} for c in configs]


def test_warm_start_runs_the_safety_default_second_once():
    from metabase import FAMILIES, round_config

    from automl_cli._candidates import SAFETY_FAMILY, warm_candidates

    safety = {"family": SAFETY_FAMILY,
              "params": round_config(FAMILIES[SAFETY_FAMILY].defaults("classification"))}
    lin = {"family": "linear", "params": FAMILIES["linear"].defaults("classification")}
    knn = {"family": "knn", "params": FAMILIES["knn"].defaults("classification")}
    pool = InlinePool(_runner({"linear": ("ok", 0.7), "hgb": ("ok", 0.9), "knn": ("ok", 0.6)}))
    gen = warm_candidates(_recs(lin, knn), "classification", 0)
    res = _search(gen, pool, "roc_auc", Budget(None), 3, lambda b: 0.0)
    assert [(t.config["family"], t.source) for t in res.trials] == [
        ("linear", "recommended"), (SAFETY_FAMILY, "default"), ("knn", "recommended")]
    # ranked lower (the ranking has every portfolio config): still second, not run twice
    gen = warm_candidates(_recs(lin, knn, safety), "classification", 0)
    res = _search(gen, InlinePool(_runner({"linear": ("ok", 0.7), "hgb": ("ok", 0.9),
                                          "knn": ("ok", 0.6)})),
                 "roc_auc", Budget(None), 4, lambda b: 0.0)
    assert [(t.config["family"], t.source) for t in res.trials][:3] == [
        ("linear", "recommended"), (SAFETY_FAMILY, "default"), ("knn", "recommended")]
    assert sum(t.config == safety for t in res.trials) == 1
    # the top recommendation itself: nothing added
    gen = warm_candidates(_recs(safety, lin), "classification", 0)
    res = _search(gen, InlinePool(_runner({"linear": ("ok", 0.7), "hgb": ("ok", 0.9)})),
                 "roc_auc", Budget(None), 3, lambda b: 0.0)
    assert [(t.config["family"], t.source) for t in res.trials] == [
        (SAFETY_FAMILY, "recommended"), ("linear", "recommended"), ("rf", "default")]


def test_warm_search_mixes_local_ranked_and_random_after_the_top_five():
    from metabase import FAMILIES

    from automl_cli._candidates import FIRST_RECOMMENDED, warm_candidates

    fams = ["linear", "knn", "rf", "et", "mlp", "adaboost", "linear", "knn"]
    recs = _recs(*({"family": f, "params": FAMILIES[f].defaults("classification")}
                   for f in fams))
    pool = InlinePool(_runner({f: ("ok", 0.5) for f in FAMILIES}))
    res = _search(warm_candidates(recs, "classification", 0, strategy="mixed"), pool, "roc_auc",
                 Budget(None),
                 FIRST_RECOMMENDED + 1 + 6, lambda b: 0.0)
    sources = [t.source for t in res.trials]
    assert sources[:FIRST_RECOMMENDED + 1] == ["recommended", "default"] + ["recommended"] * 4
    assert sources[FIRST_RECOMMENDED + 1:] == ["local", "recommended", "random"] * 2
    # the ranked list goes on where the top five stopped
    later = [t for t in res.trials[FIRST_RECOMMENDED + 1:] if t.source == "recommended"]
    assert [t.config["family"] for t in later] == fams[FIRST_RECOMMENDED:FIRST_RECOMMENDED + 2]
    res = _search(warm_candidates(recs, "classification", 0, strategy="local"),
                 InlinePool(_runner({f: ("ok", 0.5) for f in FAMILIES})), "roc_auc",
                 Budget(None), len(fams) + 3, lambda b: 0.0)
    assert [t.source for t in res.trials][len(fams) + 1:] == ["local", "local"]


def test_the_defaults_strategy_alternates_recommendations_with_family_defaults():
    from metabase import FAMILIES

    from automl_cli._candidates import warm_candidates

    svm = {"family": "svm", "params": {**FAMILIES["svm"].defaults("regression"), "C": 3.0}}
    rf = {"family": "rf", "params": FAMILIES["rf"].defaults("regression")}
    knn = {"family": "knn", "params": {**FAMILIES["knn"].defaults("regression"),
                                       "n_neighbors": 9}}
    pool = InlinePool(_runner({f: ("ok", 0.5) for f in FAMILIES}))
    res = _search(warm_candidates(_recs(svm, rf, knn), "regression", 0, strategy="defaults"),
                  pool, "r2", Budget(None), 12, lambda b: 0.0)
    got = [(t.config["family"], t.source) for t in res.trials[:11]]
    # the forest's defaults, a recommendation here, run once: at their first turn
    assert got == [("svm", "recommended"), ("hgb", "default"), ("rf", "recommended"),
                   ("knn", "recommended"), ("linear", "default"), ("et", "default"),
                   ("knn", "default"), ("mlp", "default"), ("svm", "default"),
                   ("adaboost", "default"), ("sparse", "default")]
    assert res.trials[11].source == "local"


def test_expected_times_are_scaled_to_the_search_sample():
    """The advice's fit times are for the whole table; the search may run on a sample."""
    from metabase import FAMILIES

    from automl_cli._candidates import warm_candidates

    hgb = {"family": "hgb", "params": FAMILIES["hgb"].defaults("classification")}
    recs = [{"config": hgb, "fit_time": 100.0}]
    for scale, skipped in ((1.0, 1), (0.01, 0)):     # 100 s x 5 folds vs 1 s x 5 folds
        res = _search(warm_candidates(recs, "classification", 0, time_scale=scale),
                     InlinePool(_runner({"hgb": ("ok", 0.9)})), "roc_auc", Budget(30), 1,
                     lambda b: 0.0, folds=5)
        assert len(res.skipped) == skipped
        assert res.trials[0].source == ("default" if skipped else "recommended")


def test_the_refit_may_use_the_slack_of_the_promised_bound():
    import time

    b = Budget(60, start=time.monotonic() - 50)     # 10 s left
    assert 8.9 < b.timeout(1.0) <= 9.0
    # bound: 60 x 1.05 + 2 = 65 s of wall; the refit may run until 64.5 s
    assert abs(b.grace_timeout(0.0) - (b.timeout(0.0) + 4.5)) < 0.01
    assert Budget(None).grace_timeout(1.0) is None


def test_once_a_model_exists_no_trial_gets_more_than_its_share():
    from automl_cli._tune import FIRST_MODEL_SHARE, TRIAL_SHARE

    given = []

    def run(trial, timeout, cancel):
        given.append(timeout)
        trial.status, trial.elapsed, trial.score, trial.score_std = "ok", 0.01, 0.5, 0.0
        return trial

    _search(_cands("hgb", "svm", "rf"), InlinePool(run), "roc_auc", Budget(100.0), None,
            lambda b: 0.0)
    assert 100 * FIRST_MODEL_SHARE * 0.95 < given[0] <= 100 * FIRST_MODEL_SHARE
    assert all(t <= 100 * TRIAL_SHARE for t in given[1:])


def test_a_short_budget_on_a_costly_search_starts_with_the_cheap_booster():
    from automl_cli._candidates import (CHEAP_HGB, cheap_first, default_candidates,
                                        warm_candidates)
    from automl_cli._tune import SearchResult

    # 5-fold on 4,000 rows fits 16,000; a holdout of 4,000, 3,200
    assert cheap_first(16000, 10, 10.0) and cheap_first(80000, 2, 10.0)
    assert not cheap_first(16000, 2, 10.0) and not cheap_first(16000, 10, 60.0)
    assert not cheap_first(3200, 10, 10.0) and not cheap_first(16000, 10, None)
    recs = [{"config": {"family": "rf", "params": {}}, "fit_time": None}]
    gen = warm_candidates(recs, "classification", 0, n_rows=4000,
                          shape={"cheap_first": True})(SearchResult())
    first, second = next(gen), next(gen)
    assert first[0] == {"family": "hgb", "params": CHEAP_HGB} and first[1] == "cheap start"
    assert second[0]["family"] == "rf"
    plain = next(iter(default_candidates("classification", 4000, 0, cheap=True)))
    assert plain[1] == "cheap start"
    assert next(iter(default_candidates("classification", 4000, 0)))[1] == "default"


def test_a_candidate_too_short_to_finish_is_skipped_not_started():
    # once a model exists, a refit 100 x its trial leaves the next ones < 0.3 s: skipped,
    # and an endless generator of them ends the search instead of looping
    import itertools

    from automl_cli._tune import MAX_SKIPS

    started = []

    def run(trial, timeout, cancel):
        started.append(trial.config["family"])
        return _runner({"hgb": ("ok", 0.9), "rf": ("ok", 0.95)})(trial, timeout, cancel)

    cands = itertools.chain([({"family": "hgb", "params": {}}, "recommended", None)],
                            itertools.repeat(({"family": "rf", "params": {}}, "local", None)))
    res = _search(cands, InlinePool(run), "roc_auc", Budget(10), None, lambda b: 0.0,
                  folds=1, refit_factor=lambda config, rows=None: 0.0 if config["family"] == "hgb"
                  else 100.0)
    assert started == ["hgb"] and len(res.skipped) == MAX_SKIPS
    assert res.stopped_by == "time budget"


def test_a_budget_spent_before_the_search_skips_the_recommendation(monkeypatch):
    """Start-up alone (imports: 2-3 s here) can spend a tiny budget: profiling and a cold
    meta-model would then only add to the overrun."""
    import time

    import pandas as pd
    import pytest

    import automl_cli._fit as fit_module
    from automl_cli._errors import NoModelError
    from automl_cli._task import Problem

    def advise(*args):
        raise AssertionError("asked the metabase with no time left")

    monkeypatch.setattr(fit_module, "_advise", advise)
    X = pd.DataFrame({"a": range(60), "b": [i % 7 for i in range(60)]})
    problem = Problem(X, (X["a"] % 2).to_numpy(), "y", "classification", "binary", [0, 1])
    spent = Budget(1.0, start=time.monotonic() - 5)
    with pytest.raises(NoModelError):
        fit_module.fit(problem, fit_module.FitOptions(time_budget=1.0), budget=spent)


def test_a_slow_first_recommendation_follows_a_cheaper_safety_default():
    from metabase import FAMILIES, round_config

    from automl_cli._candidates import SAFETY_FAMILY, warm_candidates

    safety = {"family": SAFETY_FAMILY,
              "params": round_config(FAMILIES[SAFETY_FAMILY].defaults("regression"))}
    rf = {"family": "rf", "params": FAMILIES["rf"].defaults("regression")}
    knn = {"family": "knn", "params": FAMILIES["knn"].defaults("regression")}
    recs = [{"config": rf, "fit_time": 0.57}, {"config": knn, "fit_time": 0.04},
            {"config": safety, "fit_time": 0.16}]

    def first_three(first_seconds, recs=recs):
        gen = warm_candidates(recs, "regression", 0, shape={"first_seconds": first_seconds})
        res = _search(gen, InlinePool(_runner({"rf": ("ok", 0.7), "hgb": ("ok", 0.9),
                                               "knn": ("ok", 0.6)})),
                      "r2", Budget(None), 3, lambda b: 0.0)
        return [(t.config["family"], t.source) for t in res.trials]

    # expected above its share, the default cheaper: the default first, the forest second
    assert first_three(0.3) == [(SAFETY_FAMILY, "default"), ("rf", "recommended"),
                                ("knn", "recommended")]
    # within its share, or no budget: the recommendation keeps its place
    assert first_three(0.6)[0] == ("rf", "recommended")
    assert first_three(None)[0] == ("rf", "recommended")
    # the default as slow as the recommendation, or its time unknown: no swap
    slow = [recs[0], recs[1], {"config": safety, "fit_time": 0.9}]
    assert first_three(0.3, slow)[0] == ("rf", "recommended")
    assert first_three(0.3, recs[:2])[0] == ("rf", "recommended")


def test_a_table_far_from_every_past_task_starts_with_the_safety_default():
    from metabase import FAMILIES

    from automl_cli._candidates import SAFETY_FAMILY, warm_candidates

    et = {"family": "et", "params": FAMILIES["et"].defaults("regression")}
    knn = {"family": "knn", "params": FAMILIES["knn"].defaults("regression")}
    recs = [{"config": et, "fit_time": 0.1}, {"config": knn, "fit_time": 0.04}]

    def first_three(far):
        gen = warm_candidates(recs, "regression", 0, shape={"far": far})
        res = _search(gen, InlinePool(_runner({"et": ("ok", 0.7), "hgb": ("ok", 0.9),
                                               "knn": ("ok", 0.6)})),
                      "r2", Budget(None), 3, lambda b: 0.0)
        return [(t.config["family"], t.source) for t in res.trials]

    # the robust defaults' first config, however cheap, runs second
    assert first_three(True) == [(SAFETY_FAMILY, "default"), ("et", "recommended"),
                                 ("knn", "recommended")]
    assert first_three(False)[0] == ("et", "recommended")


@pytest.mark.parametrize("far", [True, False])
def test_fit_passes_the_advice_s_range_to_the_first_trials(monkeypatch, far):
    """The fit hands ``out_of_range`` to the warm start (see the test above)."""
    from types import SimpleNamespace

    import pandas as pd

    import automl_cli._fit as fit_module
    from automl_cli._task import Problem
    from metabase import FAMILIES

    knn = {"family": "knn", "params": FAMILIES["knn"].defaults("classification")}
    advice = SimpleNamespace(recommendations=[{"config": knn, "fit_time": 0.01}],
                             out_of_range=far, to_dict=lambda: {})
    monkeypatch.setattr(fit_module, "_advise", lambda *args: advice)
    X = pd.DataFrame({"a": range(80), "b": [i % 7 for i in range(80)]})
    problem = Problem(X, (X["a"] % 2).to_numpy(), "y", "classification", "binary", [0, 1])
    res = fit_module.fit(problem, fit_module.FitOptions(max_trials=2))
    first = res.search.trials[0].config["family"]
    assert first == ("hgb" if far else "knn")
