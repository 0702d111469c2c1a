"""The landmarkers' block-at-a-time work equals Weka's one-attribute-at-a-time rules.

``_weka._normal_probability`` and ``_weka._split_numeric`` are the specification (one
column each); ``_weka_columns`` computes them for many columns at once, and must give
the same bits: equal predictions stay equal, and ties decide AUC.
"""

import numpy as np
import pandas as pd
import pytest

from metabase._metafeatures import _knn, _weka, _weka_columns
from metabase._metafeatures._table import make_table, to_float


def _columns(n, seed=0):
    """Columns with missing cells, ties, a constant, an all-missing and a one-value column."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 9))
    x[:, 1] = np.round(x[:, 1], 1)                       # many ties
    x[:, 2] = 3.0                                        # constant
    x[:, 3] = np.nan                                     # all missing
    x[:, 4] = np.where(np.arange(n) == 0, 1.5, np.nan)   # one present value
    x[rng.random(n) < 0.2, 5] = np.nan
    x[:, 6] = rng.choice([0.0, -0.0, 2.0], n)             # signed zeros
    x[:, 7] = rng.integers(0, 3, n) * 1e-9                # tiny spacing
    x[rng.random(n) < 0.5, 8] = np.nan
    return x


@pytest.mark.parametrize("n, k", [(1, 2), (2, 2), (7, 3), (40, 2), (300, 5)])
def test_normal_probabilities_equal_the_one_column_rule(n, k):
    rng = np.random.default_rng(n)
    x, x_test = _columns(n, 1), _columns(n + 3, 2)
    y = rng.integers(0, k, n)
    with np.errstate(all="ignore"):
        p, present = _weka_columns.normal_probabilities(x, y, k, x_test)
        ones = [_weka._normal_probability(x[:, j], y, k, x_test[:, j]) for j in range(9)]
    for j, (p1, present1) in enumerate(ones):
        assert np.array_equal(present[:, j], present1)
        assert np.array_equal(p[:, j][present1], p1[present1]), j


@pytest.mark.parametrize("continuous", [False, True])
@pytest.mark.parametrize("n, k", [(1, 2), (2, 2), (7, 3), (40, 2), (300, 5)])
def test_numeric_splits_equal_the_one_column_rule(n, k, continuous):
    rng = np.random.default_rng(n)
    x = _columns(n, 3)
    if continuous:          # most rows are cuts (the other way of scoring them)
        x = rng.normal(size=(n, 9))
        x[rng.random((n, 9)) < 0.05] = np.nan
    y = rng.integers(0, k, n)
    with np.errstate(all="ignore"):
        splits = _weka_columns.numeric_splits(x, y, k)
        ones = [_weka._split_numeric(x[:, j], y, k) for j in range(9)]
    for j, ((value, point, dists), (value1, point1, dists1)) in enumerate(zip(splits, ones)):
        assert value == value1 and point == point1 and np.array_equal(dists, dists1), j


def test_blocks_are_computed_in_pieces_that_fit(monkeypatch):
    """Small blocks (a wide table's) give the same landmarkers as one block."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(_columns(80, 4), columns=[f"c{j}" for j in range(9)])
    X["nominal"] = rng.choice(["a", "b", None], 80)
    y = pd.Series(rng.integers(0, 3, 80))
    from metabase._metafeatures import profile

    whole = profile(X, y, groups=["landmarking"]).values
    monkeypatch.setattr(_weka_columns, "BLOCK_CELLS", 1)
    assert profile(X, y, groups=["landmarking"]).values == whole


def _brute_force_1nn(data, train, test):
    """Weka's IBk one test row at a time: exact distances to every training row."""
    k, n_train = data.n_classes, train.size
    lo, hi = _knn._running_ranges(data.numeric[train], data.numeric[test])
    per_class, total = _knn._vote_sums(k, n_train)
    out = np.empty((test.size, k))
    for r in range(test.size):
        width = hi[r] - lo[r]
        usable = np.isfinite(width) & (width > 0)
        d = _knn._exact(data, train, test[r], lo[r], width, usable)
        votes = np.bincount(data.y[train[d == d.min()]], minlength=k)
        out[r] = per_class[votes] / total[votes.sum()]
    return out


@pytest.mark.parametrize("missing", [False, True])
def test_1nn_with_each_test_rows_ranges_equals_the_brute_force(missing):
    rng = np.random.default_rng(5)
    n = 120
    numeric = rng.normal(size=(n, 6))
    numeric[:, 1] = np.round(numeric[:, 1])               # ties between rows
    numeric[1::2, 0] *= np.linspace(1, 4, n // 2)          # test rows that grow the ranges
    if missing:
        numeric[rng.random((n, 6)) < 0.1] = np.nan
    nominal = rng.integers(-1 if missing else 0, 3, size=(n, 2))
    # test rows equal to training rows; pairs of equal training rows (ties for their neighbours)
    numeric[41:51], nominal[41:51] = numeric[:10], nominal[:10]
    numeric[60:70], nominal[60:70] = numeric[80:90], nominal[80:90]
    y = rng.integers(0, 3, n)
    order = [(False, j) for j in range(6)] + [(True, 0), (True, 1)]
    data = _weka.Data(numeric, nominal, np.array([3, 3]), y, 3, order)
    train, test = np.arange(0, n, 2), np.arange(1, n, 2)
    assert np.array_equal(_knn.knn1(data, train, test), _brute_force_1nn(data, train, test))


def test_numeric_block_equals_the_per_column_conversion():
    X = pd.DataFrame({"f": [1.5, np.nan, 3.0], "i": [1, 2, 3], "u": np.array([1, 2, 3], np.uint8),
                      "f32": np.array([0.1, 0.2, np.nan], np.float32),
                      "nullable": pd.array([1, None, 3], dtype="Int64"),
                      "ts": pd.to_datetime(["2020-01-01", None, "2021-01-01"]),
                      "s": ["a", "b", "c"]})
    t = make_table(X, pd.Series([0, 1, 0]), "classification")
    expected = np.column_stack([to_float(X[c]) for c in X.columns if c != "s"])
    assert np.array_equal(t.numeric, expected, equal_nan=True)
    assert t.numeric_names == ["f", "i", "u", "f32", "nullable", "ts"]


@pytest.mark.parametrize("seed", range(4))
def test_runs_of_products_equal_the_attribute_loop(seed):
    rng = np.random.default_rng(seed)
    n, width, k = 30, 50, 3
    # factors down to the 1e-75 floor: several rescales per row, some rows never
    factors = np.maximum(10.0 ** -rng.uniform(0, (4, 40, 80)[seed % 3], (n, width, k)), 1e-75)
    factors[:5] = 1.0
    factors[5:8, :, 0] = 1e-75                     # one class hits the floor
    present = rng.random((n, width)) > (0.3 if seed % 2 else 0.0)
    probs = rng.random((n, k))
    probs[0] = 0.0
    assert probs.size < _weka_columns.LOOP_CELLS            # runs of products, not the loop
    assert np.array_equal(_weka_columns.multiply_in_order(probs, factors, present),
                          _weka_columns.attribute_loop(probs, factors, present))
