"""The time-aware orders (``metabase._greedy``) and their place in ``metabase evaluate``."""

from __future__ import annotations

import json

import numpy as np

from metabase._greedy import (cost_aware_order, expected_seconds, found_within,
                              greedy_portfolio, regret_within, reranked, scaled_scores)
from metabase._loto import COST_AWARE, OURS, PORTFOLIO, RERANKED, evaluate_portfolio
from metabase._metamodel import build_metamodels
from metabase._store import load_store
from test_metabase import synthetic_store

#: Three configs on 30 past tasks: "slow" is the best everywhere but takes 50 s of
#: cross-validation; "cheap" is almost as good in 1 s; "poor" is fast and bad.
SLOW, CHEAP, POOR = 0, 1, 2


def _tasks(n=30, slow_seconds=50.0, cheap_value=0.95):
    rng = np.random.default_rng(0)
    value = np.column_stack([np.ones(n), np.full(n, cheap_value), np.full(n, 0.2)])
    seconds = np.column_stack([np.full(n, slow_seconds), np.ones(n), np.full(n, 0.5)])
    return value, seconds * rng.uniform(0.9, 1.1, size=(n, 3))


def test_a_simulated_search_skips_what_does_not_fit_and_spends_failed_time():
    scores = np.array([[0.9, 0.8, np.nan, 0.7]])
    seconds = np.array([[50.0, 4.0, 5.0, 2.0]])
    assert found_within(scores, seconds, [0, 1, 3], 10.0)[0] == 0.8      # 0 skipped
    assert found_within(scores, seconds, [0, 1, 3], 60.0)[0] == 0.9
    # the failed config's 5 s are spent: 4 + 5 leave 1 s, too little for the 2 s one
    assert found_within(scores, seconds, [1, 2, 3], 10.0)[0] == 0.8
    assert found_within(scores, seconds, [2, 3], 10.0)[0] == 0.7
    regret, none = regret_within(scores[0], seconds[0], [0], 10.0, True)
    assert none and np.isclose(regret, 0.9 - 0.7)       # nothing: the task's worst
    regret, none = regret_within(-scores[0], seconds[0], [3, 1], 10.0, False)   # a loss
    assert not none and np.isclose(regret, 0.1)


def test_the_time_aware_portfolio_puts_the_cheap_near_best_config_first():
    value, seconds = _tasks()
    order, size = greedy_portfolio(value, seconds)
    assert order[0] == CHEAP and order[1] == SLOW and sorted(order) == [0, 1, 2]
    assert size == 2             # "poor" lowers no budgeted regret once "cheap" is in
    # without budgets the greedy is time-blind and takes the best config first
    assert greedy_portfolio(value, seconds, budgets=())[0][0] == SLOW
    # a slow config that fits in 10 s anyway and is clearly better goes first
    value, seconds = _tasks(slow_seconds=3.0, cheap_value=0.5)
    assert greedy_portfolio(value, seconds)[0][0] == SLOW
    # gain per second: the cheap config too
    assert greedy_portfolio(*_tasks(), objective="per_second")[0][0] == CHEAP


def test_greedy_portfolio_is_deterministic_and_breaks_ties_by_cost():
    value, seconds = _tasks()
    assert greedy_portfolio(value, seconds) == greedy_portfolio(value.copy(), seconds.copy())
    same = np.ones((5, 3))
    order, _ = greedy_portfolio(same, np.tile([3.0, 1.0, 2.0], (5, 1)))
    assert order == [1, 2, 0]
    # a config never run (NaN time) never fits a budget
    seconds[:, CHEAP] = np.nan
    assert greedy_portfolio(value, seconds)[0][0] != CHEAP


def test_cost_aware_order_trades_predicted_score_for_seconds():
    value, seconds = _tasks()
    weights = np.full(len(value), 1 / len(value))
    pred = weights @ value
    per_config = np.array([50.0, 1.0, 0.5])
    order = cost_aware_order(pred, value, weights, per_config)
    assert order[0] == CHEAP and order[1] == SLOW
    assert int(np.argmax(pred)) == SLOW          # the plain ranking would run it first
    assert cost_aware_order(pred, value, weights, np.array([1.0, 1.0, 1.0]))[0] == SLOW
    assert reranked([CHEAP, SLOW, POOR], 2, pred, [SLOW, POOR, CHEAP]) == [SLOW, CHEAP, POOR]


def test_expected_seconds_scale_the_support_tasks_times_by_rows():
    fit_time = np.array([[1.0, np.nan], [3.0, 2.0], [100.0, 100.0]])
    rows = np.array([1000.0, 1000.0, 1000.0])
    got = expected_seconds(fit_time, rows, [0, 1], 2000.0, folds=5)
    assert np.allclose(got, [5 * 2 * 2.0, 5 * 2 * 2.0])


def test_scaled_scores_follow_each_tasks_direction():
    raw = np.array([[0.5, 0.7, 0.9], [0.9, 0.3, 0.1]])     # a score, then a loss
    norm = np.array([[0.0, 0.5, 1.0], [0.0, 0.5, 1.0]])
    assert np.allclose(scaled_scores(raw, norm), [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])


def test_loto_compares_the_time_aware_orders(tmp_path):
    models = build_metamodels(load_store(synthetic_store(tmp_path / "s", n_tasks=24)))
    res = evaluate_portfolio(models)["binary"]
    for name in (OURS, PORTFOLIO, COST_AWARE, RERANKED, "random config (expected)"):
        v = res["methods"][name]
        assert len(v["_t10"]) == len(v["_t60"]) == 24
        assert v["t10_mean"] >= v["t60_mean"] >= 0 and v["none_t10"] == 0
    # the synthetic rule is found from the meta-features, not without them
    assert res["methods"][OURS]["t10_mean"] <= res["methods"][PORTFOLIO]["top1_mean"]


def test_evaluate_prints_the_comparison(run, tmp_path):
    path = synthetic_store(tmp_path / "s", n_tasks=24)
    text = run("metabase", "evaluate", "--store", path, "-q").stdout
    for name in (PORTFOLIO, COST_AWARE, RERANKED, "time-aware (simulated search)",
                 "10s mean", "60s mean", "vs ours b/e/w"):
        assert name in text, name
    doc = json.loads(run("metabase", "evaluate", "--store", path, "--json").stdout)
    table = doc["portfolio"]["binary"]
    assert {"t10_mean", "t60_median", "none_t10"} <= set(table["methods"][PORTFOLIO])
    assert not any(k.startswith("_") for v in table["methods"].values() for k in v)
    vs = table["time_aware_vs_ours"]["10"][COST_AWARE]
    assert vs["better"] + vs["equal"] + vs["worse"] == 24


def default(fam):
    """A family's classification defaults, as the store holds them."""
    from metabase import FAMILIES, round_config

    return {"family": fam, "params": round_config(FAMILIES[fam].defaults("classification"))}


def test_the_fit_s_orders_are_simulated_as_the_fit_runs_them():
    from types import SimpleNamespace

    from metabase._loto import ALTERNATE, NOMETA, SHIPPED, fit_orders

    # configs 0-2: tuned ones; 3: rf's defaults, 4: hgb's, 5: linear's
    configs = [{"family": "svm", "params": {"C": 3.0}}, {"family": "et", "params": {}},
               {"family": "knn", "params": {}}, default("rf"), default("hgb"),
               default("linear")]
    m = SimpleNamespace(kind="binary", configs=configs)
    ours, single = [0, 1, 3, 2, 5, 4], [5, 4, 3, 2, 1, 0]
    got = fit_orders(m, ours, single)
    assert got[NOMETA] == [4, 3, 5, 2, 1, 0]
    assert got[SHIPPED] == [0, 4, 1, 3, 2, 5]
    # after the first two, a ranked config and a default in turn; none twice
    assert got[ALTERNATE] == [0, 4, 1, 3, 5, 2]
    assert fit_orders(m, [4, 0, 1, 2, 3, 5], single)[ALTERNATE] == [4, 0, 3, 1, 5, 2]


def test_the_defaults_by_predicted_score_take_their_turns_in_that_order():
    from types import SimpleNamespace

    from metabase._loto import ALTERNATE, RANKED_TURNS, fit_orders

    # 0-1: tuned; 2: rf's defaults, 3: hgb's, 4: linear's, 5: et's
    configs = [{"family": "svm", "params": {"C": 3.0}}, {"family": "knn", "params": {}},
               default("rf"), default("hgb"), default("linear"), default("et")]
    m = SimpleNamespace(kind="binary", configs=configs)
    ours, single = [0, 1, 2, 3, 4, 5], [3, 2, 4, 5, 1, 0]
    pred = [0.9, 0.8, 0.5, 0.6, 0.7, 0.95]
    assert RANKED_TURNS not in fit_orders(m, ours, single)
    got = fit_orders(m, ours, single, pred)
    # without scores the defaults come in DEFAULTS_ORDER (rf, linear, et); with them, et
    # (0.95), linear (0.7), rf (0.5)
    assert got[ALTERNATE] == [0, 3, 1, 2, 4, 5]
    assert got[RANKED_TURNS] == [0, 3, 1, 5, 2, 4]
