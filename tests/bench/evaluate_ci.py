"""How sure are the top-5 comparisons of `automl metabase evaluate`? (issue 5)

Paired bootstrap over tasks (5,000 resamples) of ours minus auto-sklearn 1.0's top-5
regret, mean and median, on (a) the portfolio runs and (b) the OpenML logged runs.
An interval that contains 0 means the data cannot tell the two apart.

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


def main() -> None:
    store = load_store(None)
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
