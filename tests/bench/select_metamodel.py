"""Choose the meta-model by measurement: leave-one-task-out on our portfolio runs.

For every task kind, every candidate meta-model is trained on all tasks but
one, ranks the configs for the held-out task, and is scored by the regret of
its top-1 and best-of-top-5 (the held-out task's best known score minus the
recommended config's). Candidates: the single best config (by mean rank and by
mean normalised score), nearest-neighbour averaging with several feature sets,
``k`` and shrinkage, and per-config random-forest / extra-trees surrogates
predicting the normalised score from the meta-features.

Usage (from the repository root)::

    .venv/bin/python tests/bench/select_metamodel.py [--store DIR] [--json OUT]
    .venv/bin/python tests/bench/select_metamodel.py --pool    # pooled classification or not
    .venv/bin/python tests/bench/select_metamodel.py --forest-sweep

The numbers are LOTO estimates over 35-55 tasks per kind: differences of a
few thousandths are within noise, and picking the best of many candidates on
the same LOTO flatters the winner a little (the chosen setting should also be
stable across kinds).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from metabase._loto import _regret  # noqa: E402
from metabase._metamodel import (FeatureScaler, build_metamodels, greedy_top,  # noqa: E402
                                  normalise)
from metabase._metrics import METRICS  # noqa: E402
from metabase._store import load_store  # noqa: E402


def normalisers(raw, gib):
    s = raw if gib else -raw
    best = np.nanmax(s, axis=1, keepdims=True)
    worst = np.nanmin(s, axis=1, keepdims=True)
    out = {"median-best": normalise(raw, gib)}
    out["minmax"] = np.nan_to_num((s - worst) / np.where(best - worst > 0, best - worst, 1), nan=0)
    filled = np.where(np.isnan(s), worst - 1, s)
    r = np.argsort(np.argsort(-filled, axis=1), axis=1)
    out["rank"] = 1 - r / (s.shape[1] - 1)
    # within 1 % of the task's spread of the best: "near-best" indicator, smoothed
    out["regret-exp"] = np.nan_to_num(np.exp(-(best - s) / np.where(
        best - np.nanmedian(s, axis=1, keepdims=True) > 0,
        best - np.nanmedian(s, axis=1, keepdims=True), 1)), nan=0)
    return out


def features(store, m, which):
    tasks = store.tasks.set_index("task_key").loc[m.task_keys]
    if which == "shipped":
        return m.X
    names = FeatureScaler.choose(tasks, store.meta_feature_names)
    if which.startswith("core"):
        core = [n for n in names if any(n.startswith(p) for p in CORE)]
        names = core
    sc = FeatureScaler(names).fit(tasks)
    return sc.transform(tasks[names].to_numpy(dtype=float))


CORE = ("NumberOfInstances", "NumberOfFeatures", "Dimensionality", "NumberOfClasses",
        "PercentageOfSymbolic", "PercentageOfMissing", "MajorityClass", "MinorityClass",
        "ClassEntropy", "kNN1N", "DecisionStump", "NaiveBayes", "REPTree", "RandomTree",
        "J48", "MeanSkewness", "MeanKurtosis", "MeanMutualInformation",
        "EquivalentNumberOfAtts", "target_", "Target")


def knn_scores(X, N, i, k, shrink, metric="l2"):
    others = np.arange(len(X)) != i
    idx = np.flatnonzero(others)
    if metric == "l2":
        d = np.sqrt(((X[idx] - X[i]) ** 2).mean(axis=1))
    else:
        d = np.abs(X[idx] - X[i]).mean(axis=1)
    o = np.argsort(d, kind="stable")[:k]
    w = 1.0 / (d[o] + 1e-3)
    local = (N[idx[o]] * w[:, None]).sum(axis=0) / w.sum()
    return (1 - shrink) * local + shrink * N[idx].mean(axis=0), idx[o], w


def forest_scores(X, N, i, kind="rf", seed=0):
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

    others = np.arange(len(X)) != i
    cls = RandomForestRegressor if kind == "rf" else ExtraTreesRegressor
    f = cls(n_estimators=200, min_samples_leaf=2, max_features=0.5, random_state=seed,
            n_jobs=1).fit(X[others], N[others])
    return f.predict(X[i:i + 1])[0]


def evaluate(m, store, quick=False):
    gib = METRICS[m.metric].greater_is_better
    norms = normalisers(m.raw, gib)
    feats = {w: features(store, m, w) for w in ("shipped", "per-kind", "core")}
    n = len(m.raw)
    res = {}

    def add(name, order, i):
        r1, failed = _regret(m.raw[i], order[:1], gib)
        r5, _ = _regret(m.raw[i], order[:5], gib)
        e = res.setdefault(name, {"top1": [], "top5": [], "failed": 0})
        e["top1"].append(r1)
        e["top5"].append(r5)
        e["failed"] += int(failed)

    for i in range(n):
        others = np.arange(n) != i
        for nname, N in norms.items():
            sb = N[others].mean(axis=0)
            add(f"single best, mean {nname}", list(np.argsort(-sb, kind="stable")), i)
        for fname, X in feats.items():
            for nname in ("median-best", "rank", "regret-exp"):
                N = norms[nname]
                for k, shrink in ((5, 0.0), (10, 0.0), (10, 0.3), (20, 0.3), (30, 0.5)):
                    pred, o, w = knn_scores(X, N, i, k, shrink)
                    order = greedy_top(pred, N[o], w)
                    add(f"knn {fname} {nname} k={k} s={shrink} greedy", order, i)
                if quick or fname == "shipped" or nname == "regret-exp":
                    continue
                for fk in ("rf", "et"):
                    pred = forest_scores(X, N, i, fk)
                    add(f"{fk} {fname} {nname}", list(np.argsort(-pred, kind="stable")), i)
    out = {}
    for name, e in res.items():
        a1, a5 = np.array(e["top1"]), np.array(e["top5"])
        out[name] = {"top1_mean": a1.mean(), "top1_median": float(np.median(a1)),
                     "top5_mean": a5.mean(), "top5_median": float(np.median(a5)),
                     "failed": e["failed"]}
    return out


def forest_sweep(store) -> None:
    """The shipped meta-model (``rank_configs``) under other extra-trees settings."""
    import itertools

    import metabase._metamodel as mm

    models = build_metamodels(store)
    saved = mm.MIN_SAMPLES_LEAF, mm.MAX_FEATURES
    print("leaf max_features  per kind: top-1 median regret, top-5 mean regret")
    for leaf, mf in itertools.product((1, 2, 3, 5), (0.33, 0.5, 1.0)):
        mm.MIN_SAMPLES_LEAF, mm.MAX_FEATURES = leaf, mf
        line = []
        for kind, m in models.items():
            gib = METRICS[m.metric].greater_is_better
            r1, r5 = [], []
            for i in np.flatnonzero(m.own):
                order = mm.rank_configs(m, m.X[i], exclude=np.arange(len(m.X)) == i)[0]
                r1.append(_regret(m.raw[i], order[:1], gib)[0])
                r5.append(_regret(m.raw[i], order[:5], gib)[0])
            line.append(f"{kind} {np.median(r1):.4f} {np.mean(r5):.4f}")
        print(f"{leaf:4d} {mf:12.2f}  " + " | ".join(line), flush=True)
    mm.MIN_SAMPLES_LEAF, mm.MAX_FEATURES = saved


def pool_compare(store) -> None:
    """The shipped meta-model with binary and multiclass tasks pooled or apart (same LOTO
    as ``automl metabase evaluate``, on each kind's own tasks)."""
    from metabase._loto import OURS, evaluate_portfolio

    for pool in (False, True):
        res = evaluate_portfolio(build_metamodels(store, pool_classification=pool))
        print(f"classification pooled: {pool}")
        for kind, tab in res.items():
            ms = tab["methods"]
            best = min((v["top1_median"], k) for k, v in ms.items() if k.startswith("default"))
            o, a = ms[OURS], ms["auto-sklearn 1.0 (25 NN, L1)"]
            print(f"  {kind:10s} {tab['tasks']:3d} tasks  top-1 median {o['top1_median']:.4f} "
                  f"(best default, {best[1]}: {best[0]:.4f}, ratio "
                  f"{o['top1_median'] / max(best[0], 1e-12):.2f})  top-5 mean / median "
                  f"{o['top5_mean']:.4f} / {o['top5_median']:.4f} (auto-sklearn 1.0: "
                  f"{a['top5_mean']:.4f} / {a['top5_median']:.4f})", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--quick", action="store_true", help="nearest neighbours only")
    ap.add_argument("--forest-sweep", action="store_true",
                    help="only the shipped meta-model under other extra-trees settings")
    ap.add_argument("--pool", action="store_true",
                    help="only the shipped meta-model, classification kinds pooled or apart")
    a = ap.parse_args()
    store = load_store(a.store)
    if a.forest_sweep:
        forest_sweep(store)
        return
    if a.pool:
        pool_compare(store)
        return
    t0 = time.perf_counter()
    all_out = {}
    # the candidates are compared per kind (each kind's scores on its own metric)
    for kind, m in build_metamodels(store, pool_classification=False).items():
        out = evaluate(m, store, a.quick)
        all_out[kind] = out
        print(f"\n{kind}: {len(m.raw)} tasks x {len(m.configs)} configs ({m.metric})")
        print(f"  {'method':58s} {'top1 mean':>9s} {'median':>8s} {'top5 mean':>9s} "
              f"{'median':>8s} fail")
        for name, v in sorted(out.items(), key=lambda kv: kv[1]["top1_median"]):
            print(f"  {name:58s} {v['top1_mean']:9.4f} {v['top1_median']:8.4f} "
                  f"{v['top5_mean']:9.4f} {v['top5_median']:8.4f} {v['failed']:4d}")
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    if a.json:
        a.json.write_text(json.dumps(all_out, indent=1, default=float))


if __name__ == "__main__":
    main()
