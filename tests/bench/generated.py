"""Tables the benchmarks generate from a seed (never committed as data).

    python tests/bench/generated.py million OUT.csv      # 1,000,000 x 21, binary
    python tests/bench/generated.py wide OUT.csv         # 400 x 3,000, linear signal in 3
    python tests/bench/generated.py rows20k OUT.csv      # 20,000 x 12, regression, 2 text
    python tests/bench/generated.py rows100k OUT.csv     # 100,000 x 12, binary, 2 text
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd


def million(seed: int = 0) -> pd.DataFrame:
    """1,000,000 rows x 20 numeric features + target: a non-linear binary signal."""
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=1_000_000, n_features=20, n_informative=8,
                               n_redundant=4, flip_y=0.05, class_sep=0.8, random_state=seed)
    frame = pd.DataFrame(X.astype(np.float32), columns=[f"x{i}" for i in range(20)])
    frame["target"] = y
    return frame


def wide(seed: int = 0) -> pd.DataFrame:
    """400 rows x 3,000 numeric features; the label depends linearly on 3 of them."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(400, 3000))
    logit = 2.0 * X[:, 0] - 1.5 * X[:, 1] + 1.0 * X[:, 2]
    y = (logit + rng.logistic(size=400) * 0.5 > 0).astype(int)
    frame = pd.DataFrame(X.astype(np.float32), columns=[f"f{i}" for i in range(3000)])
    frame["target"] = y
    return frame


def _mixed(n: int, task: str, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 10))
    city = rng.choice([f"c{i}" for i in range(40)], size=n)
    kind = rng.choice(["a", "b", "c"], size=n)
    effect = pd.Series(city).map({f"c{i}": v for i, v in enumerate(rng.normal(size=40))})
    signal = (np.sin(X[:, 0] * 2) + X[:, 1] * X[:, 2] + 0.5 * X[:, 3] + effect.to_numpy()
              + (kind == "b") * 0.7)
    frame = pd.DataFrame(X.astype(np.float32), columns=[f"x{i}" for i in range(10)])
    frame["city"], frame["kind"] = city, kind
    noise = rng.normal(scale=0.5, size=n)
    frame["target"] = signal + noise if task == "regression" else (signal + noise > 0).astype(int)
    return frame


TABLES = {"million": million, "wide": wide,
          "rows20k": lambda seed=0: _mixed(20_000, "regression", seed),
          "rows100k": lambda seed=0: _mixed(100_000, "classification", seed)}


def main(argv) -> int:
    if len(argv) != 2 or argv[0] not in TABLES:
        print(__doc__, file=sys.stderr)
        return 2
    TABLES[argv[0]]().to_csv(argv[1], index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
