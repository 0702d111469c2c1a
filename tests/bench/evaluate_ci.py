"""How sure are the comparisons of `automl metabase evaluate`? (issue 5)

Bootstrap over tasks (5,000 resamples): the ratio of our top-1 median regret to the best
single default's (target <= 0.5) on (a) the portfolio runs, pooled classification
surrogate or one per kind; and ours minus auto-sklearn 1.0's top-5 regret, mean and
median, on (a) and on (b) the OpenML logged runs. An interval that contains 0 (or 0.5
for the ratio) means the data cannot tell.

Usage (from the repository root)::

    .venv/bin/python tests/bench/evaluate_ci.py > bench-results/evaluate-ci.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from metabase._loto import OURS, OURS_B, evaluate_openml, evaluate_portfolio  # noqa: E402
from metabase._metamodel import build_metamodels  # noqa: E402
from metabase._store import load_store  # noqa: E402


def paired(ours, theirs, label: str, n: int = 5000) -> str:
    a, b = np.array(ours), np.array(theirs)
    d = a - b
    rng = np.random.default_rng(0)
    idx = [rng.integers(0, len(d), len(d)) for _ in range(n)]
    means = np.percentile([d[i].mean() for i in idx], [2.5, 97.5])
    medians = np.percentile([np.median(a[i]) - np.median(b[i]) for i in idx], [2.5, 97.5])
    return (f"{label:32s} {len(d):3d} tasks  mean {d.mean():+.4f} [{means[0]:+.4f}, "
            f"{means[1]:+.4f}]  median {np.median(a) - np.median(b):+.4f} [{medians[0]:+.4f}, "
            f"{medians[1]:+.4f}]  ours lower/higher/equal {(d < 0).sum()}/{(d > 0).sum()}/"
            f"{(d == 0).sum()}")


def top1_ratio(table: dict, n: int = 5000) -> str:
    ms = table["methods"]
    ours = np.array(ms[OURS]["_top1"])
    defaults = {k: np.array(v["_top1"]) for k, v in ms.items() if k.startswith("default")}
    best = min(defaults, key=lambda k: np.median(defaults[k]))
    d = defaults[best]
    rng = np.random.default_rng(0)
    ratios = []
    for _ in range(n):
        i = rng.integers(0, len(ours), len(ours))
        ratios.append(np.median(ours[i]) / max(np.median(d[i]), 1e-12))
    lo, hi = np.percentile(ratios, [2.5, 97.5])
    return (f"top-1 median {np.median(ours):.4f} vs {best} {np.median(d):.4f}: ratio "
            f"{np.median(ours) / max(np.median(d), 1e-12):.2f} [{lo:.2f}, {hi:.2f}]")


def main() -> None:
    store = load_store(None)
    print("top-1 median regret / best single default's (target <= 0.5), 95 % intervals")
    for pool in (True, False):
        models = build_metamodels(store, pool_classification=pool)
        for kind, t in evaluate_portfolio(models).items():
            label = "pooled" if pool else "per kind"
            print(f"(a) {kind:10s} {label:8s} {t['tasks']:3d} tasks  {top1_ratio(t)}", flush=True)
    print()
    print("top-5 regret, ours minus auto-sklearn 1.0 (negative: ours better), 95 % intervals")
    for kind, t in evaluate_portfolio(build_metamodels(store)).items():
        ms = t["methods"]
        print(paired(ms[OURS]["_top5"], ms["auto-sklearn 1.0 (25 NN, L1)"]["_top5"],
                     f"(a) {kind}"), flush=True)
    for source, t in evaluate_openml(store).items():
        ms = t["methods"]
        theirs = next(n for n in ms if n.startswith("auto-sklearn"))
        print(paired(ms[OURS_B]["_top5"], ms[theirs]["_top5"], f"(b) {source}"), flush=True)


if __name__ == "__main__":
    main()
