"""Weka ``IBk`` with default options (1 nearest neighbour), vectorised.

Weka's Euclidean distance normalises each numeric attribute by its range,
counts a nominal mismatch as 1, and scores missing values pessimistically
(both missing: 1; one missing: the larger of the present value's normalised
distance to 0 and to 1). The ranges start as the training rows' ranges and
grow with every test row predicted (``addInstanceInfo``), so test rows are
processed in segments of constant ranges. All training rows tied at the
smallest distance vote; each class also gets a prior of 1 / n_train.

Distances are first computed with matrix products (over the attributes without
missing values, two products for all test rows and one per run of rows with the same
ranges: a wide table's every test row may grow some range); rows whose nearest
candidates are within rounding error of each other are recomputed exactly,
summing attributes in Weka's order, so ties resolve as in Weka.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
from scipy import sparse


def knn1(data, train, test):
    """Out-of-fold class probabilities of Weka's 1-NN for the rows `test`."""
    k, n_train = data.n_classes, train.size
    x_tr, x_te = data.numeric[train], data.numeric[test]
    lo, hi = _running_ranges(x_tr, x_te)
    oh_tr, oh_te = _one_hot(data.nominal[train], data.nominal[test])
    n_nominal = data.nominal.shape[1]
    incomplete = np.isnan(x_tr).any(axis=0) | np.isnan(x_te).any(axis=0)
    shift = np.where(np.isnan(lo[0]), 0.0, lo[0]) if lo.shape[0] else 0.0
    c_tr = (x_tr - shift)[:, ~incomplete]
    c_te = (x_te - shift)[:, ~incomplete]
    sq_tr = c_tr * c_tr
    proba = np.empty((test.size, k))
    tol = 1e-9 * (1 + data.numeric.shape[1] + n_nominal)
    # bounds the memory of the distance block and of the test rows' weights
    step = max(1, (1 << 22) // max(n_train, c_tr.shape[1], 1))
    per_class, total = _vote_sums(k, n_train)
    for start in range(0, test.size, step):
        rows = slice(start, min(start + step, test.size))
        width = hi[rows] - lo[rows]
        usable = np.isfinite(width) & (width > 0)
        segments = _segments(lo[rows], hi[rows])
        w = np.where(usable, 1.0 / np.where(usable, width, 1.0), 0.0)[:, ~incomplete] ** 2
        dist = _complete_distances(c_tr, sq_tr, c_te[rows], w, segments)
        if incomplete.any():
            _add_missing_terms(dist, x_tr[:, incomplete], x_te[rows][:, incomplete],
                               lo[rows][:, incomplete], hi[rows][:, incomplete], segments)
        if n_nominal:
            shared = oh_te[rows] @ oh_tr.T
            dist += n_nominal - (shared.toarray() if sparse.issparse(shared) else shared)
        nearest = dist <= dist.min(axis=1, keepdims=True) + tol
        single = nearest.sum(axis=1) == 1
        # one neighbour: Weka's distribution is 1/n everywhere plus 1 for its class
        out = np.full((dist.shape[0], k), per_class[0])
        out[np.flatnonzero(single), data.y[train[dist[single].argmin(axis=1)]]] = per_class[1]
        out[single] /= total[1]
        for r in np.flatnonzero(~single):
            idx = np.flatnonzero(nearest[r])
            if data.numeric.shape[1]:
                exact = _exact(data, train[idx], test[start + r], lo[start + r],
                               width[r], usable[r])
                idx = idx[exact == exact.min()]
            votes = np.bincount(data.y[train[idx]], minlength=k)
            out[r] = per_class[votes] / total[votes.sum()]
        proba[rows] = out
    return proba


def _complete_distances(c_tr, sq_tr, c_te, w, segments):
    """Squared distances (up to rounding) over the attributes without missing values,
    test rows x training rows: each test row with its own weights ``w`` (1 / its ranges
    squared), in two products for all rows and one per run of rows with the same ranges
    (a wide table's every test row may grow some range)."""
    dist = (c_te * w) @ c_tr.T
    dist *= -2.0
    dist += ((c_te ** 2) * w).sum(axis=1)[:, None]
    base = w[[start for start, _ in segments]] @ sq_tr.T
    for i, (start, stop) in enumerate(segments):
        dist[start:stop] += base[i]
    return dist


def _add_missing_terms(dist, x_tr, x_te, lo, hi, segments):
    """Add to ``dist`` (test rows x training rows) the squared Weka differences over the
    attributes with missing values, a run of test rows with the same ranges at a time."""
    for seg_start, seg_stop in segments:
        width = hi[seg_start] - lo[seg_start]
        usable = np.isfinite(width) & (width > 0)
        a_te, b_tr = _missing_terms(x_tr, x_te[seg_start:seg_stop], lo[seg_start], width,
                                    usable)
        dist[seg_start:seg_stop] += a_te @ b_tr.T


def _missing_terms(x_tr, x_te, lo, width, usable):
    """Factors whose product is the squared Weka difference summed over the attributes
    with missing values: ``a_te @ b_tr.T`` (each term is an outer product)."""
    z_tr, z_te = _norm(x_tr, lo, width, usable), _norm(x_te, lo, width, usable)
    p_tr, p_te = ~np.isnan(x_tr), ~np.isnan(x_te)
    z_tr, z_te = np.where(p_tr, z_tr, 0.0), np.where(p_te, z_te, 0.0)
    f_tr = np.where(z_tr < 0.5, 1 - z_tr, z_tr) ** 2  # one side missing
    f_te = np.where(z_te < 0.5, 1 - z_te, z_te) ** 2
    m_tr, m_te = (~p_tr).astype(float), (~p_te).astype(float)
    p_tr, p_te = p_tr.astype(float), p_te.astype(float)
    a_te = np.hstack([p_te * z_te**2, p_te, p_te * z_te, m_te, p_te * f_te, m_te])
    b_tr = np.hstack([p_tr, p_tr * z_tr**2, -2 * p_tr * z_tr, p_tr * f_tr, m_tr, m_tr])
    return a_te, b_tr


def _vote_sums(k, n_train):
    """IBk's running sums: a class's weight after m votes, and the total after m votes.

    Weka starts each class at 1/n and the total at k/n and adds 1.0 per vote; the
    same sequential sums (``cumsum``) keep equal probabilities equal, as in Weka.
    """
    ones = np.ones(n_train + 1)
    ones[0] = 1.0 / max(1, n_train)
    per_class = np.cumsum(ones)
    ones[0] = k / max(1, n_train)
    return per_class, np.cumsum(ones)


def _running_ranges(x_tr, x_te):
    """Min and max of each numeric attribute seen before predicting each test row."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns
        lo_tr = np.nanmin(x_tr, axis=0) if x_tr.shape[0] else np.full(x_tr.shape[1], np.nan)
        hi_tr = np.nanmax(x_tr, axis=0) if x_tr.shape[0] else np.full(x_tr.shape[1], np.nan)
    lo = np.fmin(np.fmin.accumulate(x_te, axis=0), lo_tr)
    hi = np.fmax(np.fmax.accumulate(x_te, axis=0), hi_tr)
    return lo, hi


def _segments(lo, hi):
    """Consecutive test rows whose ranges are the same."""
    n = lo.shape[0]
    if n == 0:
        return []
    a = np.nan_to_num(np.vstack([lo, hi]).reshape(2, n, -1), nan=np.inf)
    change = (a[:, 1:] != a[:, :-1]).any(axis=(0, 2))
    bounds = np.concatenate([[0], np.flatnonzero(change) + 1, [n]])
    return list(itertools.pairwise(bounds))


def _one_hot(nom_tr, nom_te):
    """Sparse one-hot codes; their product counts the nominal attributes two rows share."""
    offsets = np.concatenate([[0], np.cumsum(np.maximum(nom_tr.max(axis=0, initial=-1),
                                                         nom_te.max(axis=0, initial=-1)) + 1)])

    def encode(codes):
        rows, cols = np.nonzero(codes >= 0)
        matrix = sparse.csr_matrix((np.ones(rows.size), (rows, codes[rows, cols] + offsets[cols])),
                                   shape=(codes.shape[0], offsets[-1]))
        return matrix.toarray() if offsets[-1] <= 1024 else matrix  # dense: BLAS is faster

    return encode(nom_tr), encode(nom_te)


def _norm(x, lo, width, usable):
    return np.where(usable, (x - lo) / np.where(usable, width, 1.0), 0.0)


def _exact(data, train_rows, test_row, lo, width, usable):
    """Weka's squared distances of one test row to some training rows, summed in
    attribute order (``cumsum`` is sequential) so that ties are Weka's ties."""
    z_t = _norm(data.numeric[test_row], lo, width, usable)
    x = data.numeric[train_rows]
    z_x = _norm(x, lo, width, usable)
    m_t, m_x = np.isnan(data.numeric[test_row]), np.isnan(x)
    far_t, far_x = np.where(z_t < 0.5, 1 - z_t, z_t), np.where(z_x < 0.5, 1 - z_x, z_x)
    d = np.where(m_t & m_x, 1.0, np.where(m_t, far_x, np.where(m_x, far_t, z_t - z_x)))
    t, c = data.nominal[test_row], data.nominal[train_rows]
    diffs = np.empty((train_rows.size, len(data.order)))
    nominal = np.array([is_nominal for is_nominal, _ in data.order], dtype=bool)
    diffs[:, ~nominal] = d * d
    diffs[:, nominal] = ((t < 0) | (c < 0) | (c != t)).astype(np.float64)
    return np.cumsum(diffs, axis=1)[:, -1] if diffs.shape[1] else np.zeros(train_rows.size)
