"""Choose the time-aware orders by measurement: leave-one-task-out on our portfolio runs.

For every held-out task, the orders are built from the other tasks, and each is scored
by the regret of the best config found in a simulated search of 10 s and 60 s (the
held-out task's recorded fold times x 5 folds; ``metabase._greedy.found_within``),
with wins / losses against the shipped meta-model ranking. Variants: the greedy
portfolio's objective (regret within the budgets, regret lowered per second, or both),
its value scale (rank-normalised or the median-to-best scale) and the tasks it is
built from (the pooled classification tasks or the held-out kind's only); the
cost-aware order's value scale and per-trial overhead; the portfolio re-ranked by the
meta-model (plainly or cost-aware); the time-aware greedy over the meta-model's
supporting tasks, weighted as the surrogate weighs them. A second table repeats the
comparison with 0.5 s added to every simulated trial (process start, prediction,
scoring) at tighter budgets (2, 5, 10 s), closer to a 10 s fit where the search gets a
few seconds. Figures and the choice: ``metabase/_greedy.py``'s docstring and the
README (``automl metabase evaluate``).

Picking the best of many variants on the same LOTO flatters the winner a little; the
differences between the good orders are a few tasks of 149.

Usage (from the repository root)::

    .venv/bin/python tests/bench/greedy_portfolio.py [--store DIR] [--cache FILE] [--all]

``--cache`` keeps the meta-model's leave-one-task-out predictions (one forest per
held-out task, ~70 s) between runs.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from metabase._greedy import (FOLDS, cost_aware_order, expected_seconds,  # noqa: E402
                              greedy_portfolio, regret_within, reranked, rows_used,
                              scaled_scores)
from metabase._loto import _default_index  # noqa: E402
from metabase._metamodel import build_metamodels, greedy_top  # noqa: E402
from metabase._metrics import METRICS  # noqa: E402
from metabase._store import load_store  # noqa: E402


def predictions(models, cache):
    if cache and Path(cache).exists():
        return pickle.loads(Path(cache).read_bytes())
    out = {}
    for kind, m in models.items():
        out[kind] = {}
        for i in np.flatnonzero(m.own):
            exclude = np.arange(len(m.X)) == i
            out[kind][int(i)] = m.predict(m.X[i], exclude)
    if cache:
        Path(cache).write_bytes(pickle.dumps(out))
    return out


def variants(m, i, pred, weights, scaled):
    """Orders for held-out task ``i`` (config indices, best first)."""
    n = len(m.X)
    train = np.arange(n) != i
    seconds = m.fit_time * FOLDS
    shipped = greedy_top(pred, m.norm, weights)
    out = {"meta-model (shipped)": shipped}
    ports = {}
    for obj in ("budgets", "per_second", "budgets_per_second"):
        for scale, value in (("rank", m.norm), ("scaled", scaled)):
            for pool, rows in (("pooled", train), ("own", train & m.own)):
                order, size = greedy_portfolio(value[rows], seconds[rows], objective=obj)
                ports[(obj, scale, pool)] = (order, size)
                out[f"portfolio {obj}/{scale}/{pool}"] = order
    support = [j for j in np.argsort(-weights, kind="stable")[:10] if weights[j] > 0]
    used = rows_used(m.n_rows)
    exp = expected_seconds(m.fit_time, used, support, used[i])
    for overhead in (0.0, 0.5, 2.0):
        for scale, value in (("rank", m.norm), ("scaled", scaled)):
            out[f"cost-aware meta-model, {scale}, overhead {overhead}"] = cost_aware_order(
                pred, value, weights, exp, overhead)
    cost_rank = out["cost-aware meta-model, rank, overhead 0.5"]
    # both combined another way: the time-aware greedy over the supporting tasks only,
    # weighted as the surrogate weighs them, their times scaled to the held-out rows
    sup = weights > 0
    scale = used[i] / np.maximum(used[sup], 1)
    for vname, value in (("rank", m.norm), ("scaled", scaled)):
        o = greedy_portfolio(value[sup], seconds[sup] * scale[:, None],
                             task_weights=weights[sup])[0]
        out[f"meta-model-weighted time-aware greedy, {vname}"] = o
        first = int(np.argmax(pred))
        out[f"meta-model first, then weighted time-aware greedy, {vname}"] = [first] + [
            c for c in o if c != first]
    for key in (("budgets", "rank", "pooled"), ("budgets", "scaled", "pooled"),
                ("budgets", "scaled", "own"), ("budgets_per_second", "scaled", "own")):
        order, size = ports[key]
        out[f"portfolio {'/'.join(key)} re-ranked"] = reranked(order, size, pred, shipped)
        out[f"portfolio {'/'.join(key)} re-ranked, cost-aware"] = reranked(
            order, size, -np.array([cost_rank.index(c) for c in range(len(pred))], float),
            shipped)
        SIZES.setdefault(key, []).append(size)
    return out


SIZES: dict = {}


KEEP = ("meta-model (shipped)", "portfolio budgets/rank/pooled",
        "portfolio budgets/scaled/own", "portfolio per_second/scaled/own",
        "portfolio budgets_per_second/rank/pooled",
        "cost-aware meta-model, rank, overhead 0.5", "cost-aware meta-model, scaled, overhead 0.5",
        "cost-aware meta-model, scaled, overhead 0.0",
        "portfolio budgets/rank/pooled re-ranked", "portfolio budgets/scaled/own re-ranked",
        "portfolio budgets/scaled/own re-ranked, cost-aware",
        "meta-model-weighted time-aware greedy, rank",
        "meta-model first, then weighted time-aware greedy, rank")


def _safety_second(order, j):
    """``order`` as the fit runs it: HistGradientBoosting's defaults (index ``j``) second
    unless they are first (``automl_cli._candidates.warm_candidates``)."""
    if j is None or order[0] == j:
        return order
    return [order[0], j] + [c for c in order[1:] if c != j]


def table(models, preds, budgets, overhead, keep=None, fit_like=False):
    """Per kind and overall: mean / median time-aware regret and wins/losses against the
    shipped ranking, with ``overhead`` seconds added to every simulated trial
    (``fit_like``: every order with HistGradientBoosting's defaults second)."""
    total: dict = {}
    for kind, m in models.items():
        gib = METRICS[m.metric].greater_is_better
        res: dict = {}
        scaled = scaled_scores(m.raw, m.norm)
        SIZES.clear()
        hgb = _default_index(m, "hgb") if fit_like else None
        for i in np.flatnonzero(m.own):
            pred, weights = preds[kind][int(i)]
            seconds = m.fit_time[i] * FOLDS + overhead
            for name, order in variants(m, i, pred, weights, scaled).items():
                if keep and name not in keep:
                    continue
                order = _safety_second(order, hgb)
                e = res.setdefault(name, {b: [] for b in budgets})
                for b in budgets:
                    e[b].append(regret_within(m.raw[i], seconds, order, b, gib)[0])
        ref = {b: np.array(res["meta-model (shipped)"][b]) for b in budgets}
        print(f"\n{kind}: {int(m.own.sum())} tasks ({m.metric}), {overhead} s per trial"
              + (", HistGradientBoosting's defaults second" if fit_like else ""))
        print(f"  {'order':<56} " + " ".join(f"{f'{b:g}s mean':>9} {'median':>7} {'w/l':>6}"
                                              for b in budgets))
        for name, e in sorted(res.items(), key=lambda kv: np.mean(kv[1][budgets[0]])):
            cells = []
            for b in budgets:
                a = np.array(e[b])
                win = int((a < ref[b] - 1e-9).sum())
                loss = int((a > ref[b] + 1e-9).sum())
                t = total.setdefault(name, {}).setdefault(b, [0, 0, 0.0])
                t[0] += win
                t[1] += loss
                t[2] += a.sum()
                cells.append(f"{a.mean():9.4f} {np.median(a):7.4f} {f'{win}/{loss}':>6}")
            print(f"  {name:<56} " + " ".join(cells))
        print("  portfolio sizes (median):", {k: float(np.median(v)) for k, v in SIZES.items()})
    n = sum(int(m.own.sum()) for m in models.values())
    print(f"\nall {n} tasks, {overhead} s per trial"
          + (", HistGradientBoosting's defaults second" if fit_like else "")
          + ": mean regret over the budgets, and per budget the mean regret and wins/losses "
          "against the shipped ranking")
    for name, t in sorted(total.items(), key=lambda kv: sum(v[2] for v in kv[1].values())):
        print(f"  {name:<56} {sum(v[2] for v in t.values()) / n / len(t):.5f}  "
              + "  ".join(f"{b:g}s {s / n:.5f} {w}/{lo}" for b, (w, lo, s) in t.items()))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path)
    ap.add_argument("--cache")
    ap.add_argument("--all", action="store_true", help="every variant (default: the main)")
    args = ap.parse_args(argv)
    models = build_metamodels(load_store(args.store))
    preds = predictions(models, args.cache)
    keep = None if args.all else KEEP
    table(models, preds, (10.0, 60.0), 0.0, keep)
    table(models, preds, (2.0, 5.0, 10.0), 0.5, keep)
    table(models, preds, (2.0, 5.0, 10.0), 0.5, keep, fit_like=True)


if __name__ == "__main__":
    main()
