"""Successive halving over sample sizes (``--search-eval halving``, ``auto`` on large
tables): the rungs, the split, which trial moves up, and a search that runs them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from automl_cli import _fidelity
from automl_cli._budget import Budget
from automl_cli._fidelity import VALID_ROWS, halving_splits
from automl_cli._fit import FitOptions, fit
from automl_cli._halving import (ETA, Ladder, best_of, measured_growth, rung_rows,
                                 supersede)
from automl_cli._pool import InlinePool
from automl_cli._task import make_problem
from automl_cli._trial import Trial
from automl_cli._tune import SearchPlan, search
from metabase import METRICS

BETTER = METRICS["roc_auc"].better


def test_rungs_grow_by_eta_while_the_pool_holds_them():
    assert ETA == 4
    assert rung_rows(3200, 13000) == (3200, 12800)
    assert rung_rows(3200, 12799) == (3200,)
    assert rung_rows(16000, 945000) == (16000, 64000, 256000)


def test_the_holdout_is_apart_and_each_rung_holds_the_one_below():
    rng = np.random.default_rng(0)
    y = (rng.random(30000) < 0.2).astype(int)
    splits, pool = halving_splits(y, "classification", 0, 2000)
    (train, scored), = splits
    assert len(scored) == VALID_ROWS and len(pool) == 30000 - VALID_ROWS
    assert set(pool).isdisjoint(scored) and len(set(pool)) == len(pool)
    assert set(train) == set(pool[:2000])
    # rung 0 and the holdout are stratified: the positive share of the table
    assert abs(y[train].mean() - 0.2) < 0.002 and abs(y[scored].mean() - 0.2) < 0.002


def _ok(number, score, rung=0, rows=1000, fit=0.5, family="hgb", parent=None):
    t = Trial(number, {"family": family, "params": {}}, "recommended", rung=rung, rows=rows,
              parent=parent)
    t.status, t.score, t.fold_fit_time, t.elapsed = "ok", score, fit, fit + 0.2
    t.oof = np.zeros(3)
    return t


def test_the_top_quarter_of_a_rung_moves_up_once_each_highest_rung_first():
    ladder = Ladder((1000, 4000, 16000), BETTER)
    trials = [_ok(i, s) for i, s in enumerate([0.7, 0.9, 0.8], start=1)]
    assert ladder.promotion(trials) is None             # 3 trials: no top quarter yet
    trials.append(_ok(4, 0.6))
    assert ladder.promotion(trials).number == 2         # the best of 4
    assert ladder.promotion(trials) is None             # not twice
    trials += [_ok(5, 0.95, rung=1, rows=4000), _ok(6, 0.5, rung=1, rows=4000),
               _ok(7, 0.5, rung=1, rows=4000), _ok(8, 0.5, rung=1, rows=4000)]
    assert ladder.promotion(trials).number == 5         # rung 1 before rung 0


def test_the_growth_probe_moves_the_first_model_up_at_once():
    ladder = Ladder((1000, 4000), BETTER, probe=True)
    first = _ok(1, 0.7)
    assert ladder.measuring(first)                      # its refit waits for the probe
    assert ladder.promotion([first]) is first and ladder.is_probe(first)
    probe = _ok(2, 0.72, rung=1, rows=4000, fit=1.5, parent=1)
    ladder.record([first, probe], probe)
    assert not ladder.measuring(first)


def test_a_config_counts_at_its_largest_sample_and_measures_its_growth():
    small, large = _ok(1, 0.9), _ok(2, 0.85, rung=1, rows=4000, fit=2.0, parent=1)
    other = _ok(3, 0.88)
    trials = [small, other, large]
    supersede(trials, large)
    assert small.superseded and small.oof is None and not large.superseded
    assert best_of(trials, BETTER) is other             # 0.9 was on fewer rows
    assert abs(large.growth - 1.0) < 1e-9               # 4 x the rows, 4 x the time
    assert measured_growth(_ok(1, 0, fit=0.01), _ok(2, 0, rows=4000, fit=1.0)) is None
    assert measured_growth(small, _ok(2, 0, rows=4000, fit=0.5)) == 0.3   # bounded


def test_a_search_with_a_ladder_runs_promotions_on_more_rows():
    seen = []

    def run(trial, timeout, cancel):
        seen.append(trial.rows)
        base = {"hgb": 0.8, "rf": 0.7, "linear": 0.6, "knn": 0.5}[trial.config["family"]]
        trial.status, trial.elapsed, trial.fold_fit_time = "ok", 0.01, 0.01
        trial.score, trial.score_std = base + 0.01 * trial.rung, 0.0
        trial.oof = np.zeros(3)
        return trial

    cands = [({"family": f, "params": {}}, "recommended", None)
             for f in ("hgb", "rf", "linear", "knn", "rf")]
    plan = SearchPlan("roc_auc", Budget(None), folds=1,
                      ladder=Ladder((1000, 4000), BETTER))
    res = search(cands, InlinePool(run), plan)
    assert seen == [1000, 1000, 1000, 1000, 4000, 1000]
    up = res.trials[4]
    assert (up.rung, up.parent, up.source) == (1, 1, "rung 1 (trial 1)")
    assert res.trials[0].superseded and res.best is up


def _table(n=12000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["y"] = (X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return frame


def test_a_halving_fit_moves_its_best_up_and_blends_only_the_largest_samples(monkeypatch):
    # small rungs so that a short, trial-bounded fit reaches the second: 1,000 rows, then 4,000
    monkeypatch.setattr(_fidelity, "HOLDOUT_TRAIN_MIN", 1000)
    monkeypatch.setattr(_fidelity, "HOLDOUT_TRAIN_MAX", 1000)
    problem = make_problem(_table(), "y", "auto", "t.csv")
    result = fit(problem, FitOptions(time_budget=120, metalearning=False, max_trials=7,
                                     search_eval="halving"))
    assert result.screening.endswith("trials on 1000 rows, the best on 4000")
    trials = result.search.trials
    up = [t for t in trials if t.rung == 1]
    assert up and all(t.rows == 4000 for t in up)
    assert all(t.rows == 1000 for t in trials if t.rung == 0)
    assert any(t.superseded for t in trials)
    assert not any(m.superseded for m in result.ensemble.members)
    doc = [t.to_dict() for t in trials]
    assert {d["rung"] for d in doc} == {0, 1}
