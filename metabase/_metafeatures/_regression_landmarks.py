"""Regression landmarkers: cross-validated R² of three quick learners (our names).

OpenML's landmarkers (NaiveBayes, kNN1N, DecisionStump) are classifiers: they are
undefined for a numeric target. These three give the same kind of signal for one:

* ``TargetLinearR2``: ridge regression. Is the relation (close to) linear?
* ``TargetStumpR2``: a depth-1 regression tree. Does one split explain much?
* ``TargetkNN1NR2``: 1-nearest-neighbour regression. Is it smooth / local?

Shared protocol (see ``QUALITIES.md``):

* rows whose target is missing or infinite are left out; infinite numeric cells
  count as missing;
* at most ``max_rows_regression_landmarkers`` (2,000) rows: a uniform random
  subsample drawn with ``numpy.random.default_rng(random_state)``, kept in table
  order and noted in the profile's notes;
* 5 folds: a permutation drawn with ``default_rng(cv_seed)``, its i-th row in fold
  ``i mod 5``; each learner is fitted on four folds and predicts the fifth;
* R² = 1 - SSE / SST over the pooled out-of-fold predictions, SST around the mean
  of the whole sample, clipped at -1 from below (a learner worse than predicting
  the mean carries no more information at -5 than at -1, and wild values would
  dominate the meta-model's scaling);
* undefined for a classification target, fewer than 10 rows with a target value,
  no input attribute, or a constant target.

Pure numpy: scikit-learn is not imported (it costs ~0.5 s, and ``automl
recommend`` profiles a table before anything else). Each learner takes a few tens
of milliseconds on 2,000 rows x 50 columns. Their matrix products and solves are
small: they run with one BLAS thread (``threadpoolctl``), since a threaded LAPACK
solve on busy cores can take 100 times longer.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ._knn import _missing_terms
from ._registry import Undefined, one_blas_thread, register
from ._ridge import MAX_LEVELS, MAX_ONE_HOT, N_FOLDS, RIDGE_ALPHA, one_hot  # noqa: F401
from ._ridge import ridge as _ridge

# The "target" group's constant, imported from ._target so that its statistics
# register first: these names come after them in quality_names().
from ._target import G

MIN_ROWS = 10
MAX_ROWS = 2000
R2_FLOOR = -1.0
DENSE_LEVELS = 64           # 1-NN: nominal columns with more levels use a sparse one-hot
NAMES = ("TargetLinearR2", "TargetStumpR2", "TargetkNN1NR2")


@dataclass
class Sample:
    """The rows the regression landmarkers use, scaled (see :func:`_sample`)."""

    numeric: np.ndarray     # (n, p) float, NaN = missing; each column divided by its max |x|
    nominal: np.ndarray     # (n, q) int, -1 = missing
    y: np.ndarray           # (n,) standardised target (R² does not depend on it)
    fold: np.ndarray        # (n,) fold of each row, 0..N_FOLDS-1
    order: list             # (is_nominal, index) per input column, in table order


@register("_regression_sample", G)
def _sample(t, v):
    if t.task != "regression":
        raise Undefined("classification target (described by OpenML's landmarkers)")
    if not t.column_order:
        raise Undefined("no input attributes")
    rows = np.flatnonzero(np.isfinite(t.y_num))
    if rows.size < MIN_ROWS:
        raise Undefined(f"fewer than {MIN_ROWS} rows with a target value")
    if np.ptp(t.y_num[rows]) == 0:
        raise Undefined("constant target")
    cap = max(MIN_ROWS, int(t.options.get("max_rows_regression_landmarkers", MAX_ROWS)))
    if rows.size > cap:
        rng = np.random.default_rng(t.options.get("random_state", 0))
        t.notes.append(f"{', '.join(NAMES)} computed on a random subsample of {cap} of "
                       f"{rows.size} rows with a target value")
        rows = np.sort(rng.choice(rows, size=cap, replace=False))
    y = t.y_num[rows]
    y = y / np.max(np.abs(y))  # R² does not depend on the scale; no overflow below
    if not np.ptp(y) > 0:
        raise Undefined("constant target in the subsample")
    y = (y - y.mean()) / y.std()
    numeric = t.numeric[rows]
    numeric[np.isinf(numeric)] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns
        scale = np.nanmax(np.abs(numeric), axis=0) if numeric.size else np.ones(0)
    numeric /= np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    perm = np.random.default_rng(t.options.get("cv_seed", 1)).permutation(rows.size)
    fold = np.empty(rows.size, dtype=np.int64)
    fold[perm] = np.arange(rows.size) % N_FOLDS
    return Sample(numeric, t.nominal[rows].astype(np.int64), y, fold, list(t.column_order))


def r2(y, pred):
    """1 - SSE / SST of pooled predictions, SST around the mean of `y`, clipped at -1."""
    sst = np.sum((y - y.mean()) ** 2)
    with np.errstate(over="ignore", invalid="ignore"):
        value = 1.0 - np.sum((y - pred) ** 2) / sst
    if np.isnan(value):
        raise Undefined("out-of-fold predictions not finite")
    return float(max(value, R2_FLOOR))


@register("TargetLinearR2", G, requires=("_regression_sample",))
def target_linear_r2(t, v):
    s = v["_regression_sample"]
    with one_blas_thread():
        return r2(s.y, _ridge(s))


# ---- decision stump ----

def _numeric_splits(xs, ys, n_miss, s_miss):
    """Best split of each numeric column: (gain, threshold, missing_left) arrays.

    `xs` (columns x rows) holds each column's training values sorted, NaN last, `ys`
    the centred targets in the same order (0 where the value is missing); `n_miss`,
    `s_miss` count and sum the targets of the missing cells. With centred targets a
    split's SSE reduction is sL²/nL + sR²/nR. Thresholds are midpoints between
    consecutive distinct values (``x <= threshold`` goes left); missing cells go to
    the side where they reduce the SSE more, and when the training rows have none
    in that column, to the side with more training rows. Threshold -inf with
    missing_left is the split "missing vs present".
    """
    n = xs.shape[1]
    present = ~np.isnan(xs)
    n_present = present.sum(axis=1, keepdims=True)
    n_miss, s_miss = n_miss[:, None], s_miss[:, None]
    cum = np.cumsum(ys, axis=1)
    s_present = cum[:, -1:]
    n_left = np.arange(1, n, dtype=np.float64)[None, :]
    s_left = cum[:, :-1]
    n_right = n_present - n_left
    s_right = s_present - s_left
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = (n_right > 0) & (xs[:, :-1] < xs[:, 1:])
        to_left = (s_left + s_miss) ** 2 / (n_left + n_miss) + s_right**2 / n_right
        to_right = s_left**2 / n_left + (s_right + s_miss) ** 2 / (n_right + n_miss)
        left = np.where(n_miss > 0, to_left >= to_right, n_left >= n_right)
        score = np.where(valid, np.where(left, to_left, to_right), -np.inf)
        best = np.argmax(score, axis=1)[:, None]  # the first best threshold of each column
        gain = np.take_along_axis(score, best, axis=1)[:, 0]
        a = np.take_along_axis(xs, best, axis=1)[:, 0]
        b = np.take_along_axis(xs, best + 1, axis=1)[:, 0]
        mid = a / 2 + b / 2
        threshold = np.where(mid < b, np.maximum(mid, a), a)
        missing_left = np.take_along_axis(left, best, axis=1)[:, 0]
        apart = np.where((n_miss > 0) & (n_present > 0),
                         s_miss**2 / n_miss + s_present**2 / n_present, -np.inf)[:, 0]
    use_apart = apart > gain
    return (np.where(use_apart, apart, gain), np.where(use_apart, -np.inf, threshold),
            missing_left | use_apart)


def _nominal_split(codes, y):
    """Best binary partition of a nominal column's levels (missing = its own level),
    levels ordered by their mean target (optimal for squared error): (gain, left levels)."""
    level = codes + 1  # 0 = missing
    counts = np.bincount(level)
    sums = np.bincount(level, weights=y)
    seen = np.flatnonzero(counts)
    if seen.size < 2:
        return -np.inf, None
    ordered = seen[np.argsort(sums[seen] / counts[seen], kind="stable")]
    c_left = np.cumsum(counts[ordered])[:-1]
    s_left = np.cumsum(sums[ordered])[:-1]
    total = sums[seen].sum()
    score = s_left**2 / c_left + (total - s_left) ** 2 / (level.size - c_left)
    k = int(np.argmax(score))
    return float(score[k]), ordered[: k + 1]


def _stump(s):
    """Out-of-fold predictions of a depth-1 regression tree (first best split by SSE
    in table order; leaves predict the training mean of their rows)."""
    xt = np.ascontiguousarray(s.numeric.T)
    order = np.argsort(xt, axis=1, kind="stable")  # NaN last; per fold: filter, keep order
    pred = np.empty_like(s.y)
    for f in range(N_FOLDS):
        train, test = s.fold != f, s.fold == f
        y_tr = s.y[train]
        y_mean = y_tr.mean()
        yc = s.y - y_mean
        rows = order[train[order]].reshape(xt.shape[0], int(train.sum()))
        xs = np.take_along_axis(xt, rows, axis=1)
        ys = np.where(np.isnan(xs), 0.0, yc[rows])
        missing = np.isnan(xt) & train
        num = _numeric_splits(xs, ys, missing.sum(axis=1), (missing * yc).sum(axis=1))
        best_gain, split = 0.0, None  # a split must reduce the SSE
        for is_nominal, j in s.order:  # the first best column in table order
            if is_nominal:
                gain, left_levels = _nominal_split(s.nominal[train, j], yc[train])
                if gain > best_gain:
                    seen = np.flatnonzero(np.bincount(s.nominal[train, j] + 1))
                    best_gain, split = gain, ("nominal", j, left_levels, seen)
            elif num[0][j] > best_gain:
                best_gain, split = num[0][j], ("numeric", j, num[1][j], num[2][j])
        if split is None:
            pred[test] = y_mean
            continue
        left_tr = _goes_left(s, train, split, None)
        means = (y_tr[left_tr].mean(), y_tr[~left_tr].mean())
        left_te = _goes_left(s, test, split, left_tr.sum() >= (~left_tr).sum())
        pred[test] = np.where(left_te, means[0], means[1])
    return pred


def _goes_left(s, rows, split, unseen_left):
    kind, j, a, b = split
    if kind == "numeric":
        x = s.numeric[rows, j]
        return np.where(np.isnan(x), b, x <= a)
    level = s.nominal[rows, j] + 1
    left = np.isin(level, a)
    if unseen_left is not None:  # levels not seen in training go to the larger side
        left |= unseen_left & ~np.isin(level, b)
    return left


@register("TargetStumpR2", G, requires=("_regression_sample",))
def target_stump_r2(t, v):
    s = v["_regression_sample"]
    return r2(s.y, _stump(s))  # no matrix products


# ---- 1-nearest neighbour ----

def knn_similarity(s, rows):
    """Minus half the squared Weka-IBk distances between the `rows`, up to a constant
    per row: the nearest neighbour of a row has the largest similarity.

    Numeric columns are min-max scaled over the sample (IBk's ranges grow to cover
    the test rows); a missing cell is 1 from another missing cell and max(v, 1 - v)
    from a present value v. Nominal columns add 1 per mismatch, and 1 when either
    cell is missing. The row's own terms (constant per row) are left out, which
    changes neither its nearest neighbours nor their ties. Matrix products: the
    complete numeric columns in ``Z @ Z.T``, the missing-cell terms in another
    product, nominal matches as one-hot products in float32 (exact: small counts).
    """
    n = rows.size
    x = s.numeric[rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns
        lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    width = hi - lo
    usable = np.isfinite(width) & (width > 0)
    incomplete = np.isnan(x).any(axis=0)
    complete = ~incomplete
    zc = (x[:, complete] - lo[complete]) / np.where(usable, width, 1.0)[complete]
    zc[:, ~usable[complete]] = 0.0  # a constant column: every distance 0
    blocks, wide = [], []
    for j in range(s.nominal.shape[1]):
        codes = s.nominal[rows, j]
        present = np.flatnonzero(codes >= 0)
        levels, inverse = np.unique(codes[present], return_inverse=True)
        if levels.size <= DENSE_LEVELS:
            block = np.zeros((n, levels.size), dtype=np.float32)
            block[present, inverse] = 1.0
            blocks.append(block)
        else:
            wide.append((present, inverse))
    # -|z_i - z_j|^2 / 2 = z_i.z_j - |z_i|^2 / 2 - |z_j|^2 / 2; a match in a nominal
    # column is one mismatch less: + 1/2
    sim = zc @ zc.T
    sim -= 0.5 * np.einsum("ij,ij->i", zc, zc)[None, :]
    if incomplete.any():
        a_te, b_tr = _missing_terms(x[:, incomplete], x[:, incomplete], lo[incomplete],
                                    width[incomplete], usable[incomplete])
        sim -= (0.5 * a_te) @ b_tr.T
    if blocks:
        oh = np.hstack(blocks)
        matches = oh @ oh.T
        matches *= 0.5
        sim += matches
    if wide:
        offsets = np.cumsum([0] + [inv.max() + 1 for _, inv in wide])
        oh = sparse.csr_matrix(
            (np.ones(sum(p.size for p, _ in wide)),
             (np.concatenate([p for p, _ in wide]),
              np.concatenate([inv + o for (_, inv), o in zip(wide, offsets)]))),
            shape=(n, offsets[-1]))
        sim += 0.5 * (oh @ oh.T).toarray()
    return sim


def _knn(s):
    """Out-of-fold 1-NN predictions. Training rows tied at the largest similarity
    (within rounding) are averaged, as IBk does with ties, so that no tie is broken
    by the order of the rows."""
    rows = np.argsort(s.fold, kind="stable")  # each fold a block of rows
    sim = knn_similarity(s, rows)
    bounds = np.searchsorted(s.fold[rows], np.arange(N_FOLDS + 1))
    for f in range(N_FOLDS):
        sim[bounds[f]:bounds[f + 1], bounds[f]:bounds[f + 1]] = -np.inf
    tol = 0.5e-9 * (1 + len(s.order))
    y = s.y[rows]
    every = np.arange(rows.size)
    nearest = sim.argmax(axis=1)
    best = sim[every, nearest]
    sim[every, nearest] = -np.inf
    tied = np.flatnonzero(sim.max(axis=1) >= best - tol)
    sim[every, nearest] = best
    pred = y[nearest]
    for chunk in np.array_split(tied, max(1, tied.size // 256)):  # bounded memory
        near = sim[chunk] >= best[chunk, None] - tol
        pred[chunk] = (near @ y) / np.count_nonzero(near, axis=1)
    out = np.empty_like(pred)
    out[rows] = pred
    return out


@register("TargetkNN1NR2", G, requires=("_regression_sample",))
def target_knn1n_r2(t, v):
    s = v["_regression_sample"]
    with one_blas_thread():
        return r2(s.y, _knn(s))
