"""Weka's per-attribute work on numeric attributes, many attributes at a time.

``NaiveBayes``' Gaussian estimators and ``DecisionStump``'s best numeric split, from one
sort of a block of columns instead of a dozen NumPy calls per column: on a wide table
(3,000 columns) the per-column calls cost seconds of a fit's budget. The results are
bit-identical to the one-column functions of :mod:`._weka` (``_normal_probability``,
``_split_numeric``), which stay as their specification and in the tests: sums run
sequentially in row order (``cumsum``, as ``bincount`` sums), and entropies go through
the same function, on the same candidate tables.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.special import ndtr

_LOG2 = np.log(2.0)

#: Cells (rows x columns x classes) of the arrays one block of columns needs.
BLOCK_CELLS = 1 << 21
#: Test rows x classes from which NaiveBayes multiplies one attribute at a time (then
#: each call has enough cells for its overhead not to matter).
LOOP_CELLS = 1 << 14


def column_blocks(compute, n_columns: int, cells_per_column: int):
    """``get(j)``: the result for numeric column ``j`` of ``compute(start, stop)`` (a list,
    one item per column), computed a block of columns at a time as Weka's attribute loop
    asks for the columns in increasing order."""
    step = max(1, BLOCK_CELLS // max(1, cells_per_column))
    cache = {"start": 0, "stop": 0, "items": []}

    def get(j):
        if not cache["start"] <= j < cache["stop"]:
            cache["start"], cache["stop"] = j, min(j + step, n_columns)
            cache["items"] = compute(j, cache["stop"])
        return cache["items"][j - cache["start"]]

    return get


def _class_sums(values, y, k):
    """(k, m) sums of each column's present values per class, summed in row order from 0.0
    as ``bincount(y, weights=...)`` sums them (a missing value adds +0.0, which changes
    no partial sum once the first is +0.0 or another value)."""
    sums = np.zeros((k, values.shape[1]))
    for c in range(k):
        rows = values[y == c]
        if rows.shape[0]:
            rows = np.where(np.isnan(rows), 0.0, rows)
            rows[0] += 0.0          # -0.0 -> +0.0, as 0.0 + -0.0 in bincount
            sums[c] = np.cumsum(rows, axis=0)[-1]
    return sums


def normal_probabilities(x, y, k, x_test):
    """``_normal_probability`` of every column of ``x`` (rows x columns): the Gaussian
    estimators' probabilities, shape (test rows, columns, classes), and which test
    cells are present."""
    n, m = x.shape
    present = ~np.isnan(x)
    with np.errstate(invalid="ignore"):
        gaps = np.diff(np.sort(x, axis=0), axis=0)          # NaN last
    gaps = np.where(np.isnan(gaps), 0.0, gaps)
    n_distinct = present.any(axis=0) + (gaps > 0).sum(axis=0)
    # Weka sums the gaps between distinct values in order; the zero gaps change nothing
    spread = np.cumsum(gaps, axis=0)[-1] if n > 1 else np.zeros(m)
    precision = np.where(n_distinct > 1, spread / np.maximum(n_distinct - 1, 1), 0.01)
    values = np.rint(x / precision) * precision
    # present cells per class and column (a product of 0/1 matrices: exact counts)
    weights = (y[None, :] == np.arange(k)[:, None]).astype(np.float64) @ present.astype(np.float64)
    sums, squares = _class_sums(values, y, k), _class_sums(values * values, y, k)
    mean = np.where(weights > 0, sums / weights, 0.0)
    std = np.sqrt(np.abs(squares - mean * sums) / weights)
    std = np.where(std > 1e-10, np.maximum(precision / 6, std), precision / 6)
    t = (np.rint(x_test / precision) * precision)[:, :, None]
    mean, std, half = mean.T[None], std.T[None], (precision / 2)[None, :, None]
    p = ndtr((t - mean + half) / std) - ndtr((t - mean - half) / std)
    return p, ~np.isnan(x_test)


def _entropy_of_counts(branches, n):
    """``_weka._entropy_conditioned_on_rows`` of tables given as 3 rows of k integer count
    arrays (any one shape, counts at most ``n``), in the same operations in the same
    order, so the same bits; ``x ln x`` of a count is looked up, not recomputed."""
    with np.errstate(divide="ignore", invalid="ignore"):
        counts = np.arange(n + 1, dtype=np.float64)
        x_ln_x = np.where(counts < 1e-6, 0.0, counts * np.log(counts))
    value, total = 0.0, 0
    for branch in branches:
        row = 0
        for c in branch:
            value = value + x_ln_x[c]
            row = row + c
        value = value - x_ln_x[row]
        total = total + row
    total = np.asarray(total, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(total) < 1e-6, 0.0, -value / (total * _LOG2))


def numeric_splits(x, y, k):
    """``_split_numeric`` of every column of ``x``: a list of (conditional entropy of the
    best split, split point or None, 3 x k branch class counts), one per column: the
    entropies of all cuts of all columns at once, from running class counts."""
    n, m = x.shape
    if n == 0:
        return [(np.finfo(np.float64).max, None, np.zeros((3, k))) for _ in range(m)]
    order = np.argsort(x, axis=0, kind="stable")
    xs, ys = np.take_along_axis(x, order, axis=0), y[order]
    n_present = (~np.isnan(x)).sum(axis=0)
    left = [np.cumsum(ys == c, axis=0) for c in range(k)]   # (n, m) class counts each
    total = np.stack([np.where(n_present > 0, lc[np.maximum(n_present - 1, 0), np.arange(m)],
                               0) for lc in left], axis=1)                        # (m, k)
    missing = np.bincount(y, minlength=k)[None, :] - total
    complete = n_present == n
    with np.errstate(invalid="ignore"):
        cut = xs[:-1] < xs[1:]                   # between distinct present neighbours
    if 2 * np.count_nonzero(cut) >= cut.size:    # most rows are cuts: the whole arrays
        scores = np.where(cut, _entropy_of_counts(
            [[lc[:-1] for lc in left], [total[:, c] - left[c][:-1] for c in range(k)],
             [missing[:, c] for c in range(k)]], n), np.inf)
    else:                                        # few distinct values: the cuts only
        at, of = np.nonzero(cut)
        scores = np.full(cut.shape, np.inf)
        scores[at, of] = _entropy_of_counts(
            [[lc[at, of] for lc in left], [total[of, c] - left[c][at, of] for c in range(k)],
             [missing[of, c] for c in range(k)]], n)
    best = scores.argmin(axis=0) if n > 1 else np.zeros(m, dtype=np.int64)
    cols = np.arange(m)
    value = scores[best, cols] if n > 1 else np.full(m, np.inf)
    point = (xs[best, cols] + xs[np.minimum(best + 1, n - 1), cols]) / 2.0
    left_best = np.stack([lc[best, cols] for lc in left], axis=1)
    found = np.isfinite(value)
    left_best[~found] = 0
    dists = np.stack([left_best, total - left_best, np.where(complete[:, None], total, missing)],
                     axis=1).astype(np.float64)                                  # (m, 3, k)
    # Weka's answer for each column, as _weka._split_numeric's
    return [(value[j], point[j], dists[j]) if found[j] else
            (np.finfo(np.float64).max, None, dists[j]) for j in range(m)]


def multiply_in_order(probs, factors, present):
    """``probs`` (rows x classes) times each row's present ``factors`` (rows x attributes x
    classes), attribute after attribute, with Weka's underflow guard: after an attribute,
    a row whose largest value is below 1e-75 (and above 0) is multiplied by 1e75.

    The same bits as that loop (``attribute_loop``, which large blocks use: their
    arrays, not the calls, are the cost): a row's products are running products
    (``cumprod``, in attribute order; an absent cell multiplies by exactly 1.0),
    recomputed from the attribute after a rescale for the rows that had one.
    """
    if probs.size >= LOOP_CELLS:
        return attribute_loop(probs, factors, present)
    n, width = factors.shape[:2]
    # rows x classes x attributes: running products along the last axis
    factors = np.where(present[:, None, :], factors.transpose(0, 2, 1), 1.0)
    out, start, rows = probs.copy(), np.zeros(n, dtype=np.int64), np.arange(n)
    while rows.size:
        before = np.arange(width)[None, :] < start[rows][:, None]
        run = np.where(before[:, None, :], 1.0, factors[rows])
        run = np.cumprod(np.concatenate([out[rows][:, :, None], run], axis=2), axis=2)[..., 1:]
        peak = functools.reduce(np.maximum, run.transpose(1, 0, 2))    # as max(axis=1)
        tiny = present[rows] & ~before & (peak > 0) & (peak < 1e-75)
        hit, first = tiny.any(axis=1), tiny.argmax(axis=1)
        out[rows[~hit]] = run[~hit, :, -1]
        rows, first = rows[hit], first[hit]
        out[rows] = run[hit][np.arange(rows.size), :, first] * 1e75
        start[rows] = first + 1
        rows = rows[first + 1 < width]
    return out


def attribute_loop(probs, factors, present):
    """``multiply_in_order`` one attribute at a time, as Weka multiplies."""
    probs = probs.copy()
    for j in range(factors.shape[1]):
        p, cells = factors[:, j], present[:, j]
        if cells.all():
            probs *= p
            _rescale(probs)
        else:
            probs[cells] = _rescale(probs[cells] * p[cells])
    return probs


def _rescale(probs):
    """Weka's underflow guard: rows whose largest value fell below 1e-75 times 1e75."""
    peak = probs.max(axis=1, initial=0.0)
    tiny = (peak > 0) & (peak < 1e-75)
    if tiny.any():
        probs[tiny] *= 1e75
    return probs


def normal_block(data, train, test):
    """``get(j)`` -> (probabilities floored at 1e-75, present, all present) of numeric
    column ``j`` for NaiveBayes."""
    y, k = data.y[train], data.n_classes

    def compute(start, stop):
        p, present = normal_probabilities(data.numeric[train, start:stop], y, k,
                                          data.numeric[test, start:stop])
        p, complete = np.maximum(p, 1e-75), present.all(axis=0)
        return [(p[:, i], present[:, i], complete[i]) for i in range(stop - start)]

    cells = (train.size + test.size) * (k + 2)
    return column_blocks(compute, data.numeric.shape[1], cells)


def split_block(data, train):
    """``get(j)`` -> ``_split_numeric`` of numeric column ``j`` for DecisionStump."""
    y, k = data.y[train], data.n_classes

    def compute(start, stop):
        return numeric_splits(data.numeric[train, start:stop], y, k)

    return column_blocks(compute, data.numeric.shape[1], train.size * (2 * k + 8))
