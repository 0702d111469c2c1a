"""Ridge regression, the learner of ``TargetLinearR2`` (see :mod:`._regression_landmarks`).

Each fold's model is exactly: NaN -> the training fold's mean, columns standardised with
the training fold's mean and standard deviation (columns constant there are dropped),
minimise mean squared error + RIDGE_ALPHA * |w|^2, intercept unpenalised. Solved from
the columns' Gram matrix (d x d) when the table has fewer columns than training rows, from
the rows' (n x n) when it has more: on 300 x 3,000 the first costs seconds, the second
a tenth of one, for the same model (up to rounding).
"""

from __future__ import annotations

import warnings

import numpy as np

N_FOLDS = 5
RIDGE_ALPHA = 1e-3          # penalty per row, on standardised inputs
MAX_LEVELS = 20             # ridge one-hot: most frequent levels per nominal column, rest grouped
MAX_ONE_HOT = 200           # ... and at most ~this many level columns in all (speed)


def one_hot(codes, max_levels=MAX_LEVELS):
    """Indicator columns of one nominal column: its `max_levels` most frequent levels
    (ties: lower code first), one "other" column for the rest, one for missing cells."""
    present = codes >= 0
    counts = np.bincount(codes[present], minlength=1)
    seen = np.flatnonzero(counts)
    top = seen[np.argsort(-counts[seen], kind="stable")[:max_levels]]
    columns = [codes == level for level in top]
    if seen.size > top.size:
        columns.append(present & ~np.isin(codes, top))
    if not present.all():
        columns.append(~present)
    return np.column_stack(columns).astype(np.float64) if columns else np.empty((codes.size, 0))


def ridge(s):
    """Out-of-fold predictions of ridge regression on standardised inputs (the model of
    the module docstring) for a :class:`._regression_landmarks.Sample`."""
    raw, miss, inc = _inputs(s)
    if raw.shape[1] > s.y.size - np.bincount(s.fold, minlength=N_FOLDS).max():
        return _dual(s, raw, miss, inc)
    return _primal(s, raw, miss, inc)


def _inputs(s):
    """The inputs, centred, NaN as 0, nominal columns one-hot: (inputs, NaN mask of the
    numeric columns, the numeric columns with a NaN)."""
    n, q = s.y.size, s.nominal.shape[1]
    x = s.numeric
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns
        centre = np.nanmean(x, axis=0) if n else np.zeros(x.shape[1])
    x = x - np.where(np.isnan(centre), 0.0, centre)  # centred: accurate sums of squares
    miss = np.isnan(x)
    inc = np.flatnonzero(miss.any(axis=0))
    levels = min(MAX_LEVELS, max(1, MAX_ONE_HOT // q)) if q else 0
    oh = [one_hot(s.nominal[:, j], levels) for j in range(q)]
    raw = np.hstack([np.where(miss, 0.0, x), *oh]) if oh else np.where(miss, 0.0, x)
    raw -= raw.mean(axis=0)  # the one-hot columns too (the NaN cells stay 0 below)
    raw[:, inc] *= ~miss[:, inc]
    return raw, miss, inc


def _primal(s, raw, miss, inc):
    """From sufficient statistics: the Gram matrix of [inputs with NaN as 0, missing masks,
    1, y] per fold, so that the training folds' matrices are sums and the table is
    multiplied out only once."""
    n = s.y.size
    d, m = raw.shape[1], inc.size
    stats = np.hstack([raw, miss[:, inc], np.ones((n, 1)), s.y[:, None]])
    one, yi = d + m, d + m + 1
    grams = [stats[s.fold == f].T @ stats[s.fold == f] for f in range(N_FOLDS)]
    total = sum(grams)
    pred = np.empty(n)
    for f in range(N_FOLDS):
        g = total - grams[f]
        size = g[one, one]
        # NaN -> training mean of the present cells: column inc[k] += mu[k] * mask[k]
        present = size - g[d:one, one]
        mu = np.where(present > 0, g[inc, one] / np.where(present > 0, present, 1.0), 0.0)
        xx = g[:d, :d].copy()
        cross = g[:d, d:one] * mu
        xx[:, inc] += cross
        xx[inc, :] += cross.T
        xx[np.ix_(inc, inc)] += mu[:, None] * g[d:one, d:one] * mu[None, :]
        xs = g[:d, one].copy()
        xs[inc] += mu * g[d:one, one]
        xy = g[:d, yi].copy()
        xy[inc] += mu * g[d:one, yi]
        mean, y_mean = xs / size, g[one, yi] / size
        cov = xx / size - np.outer(mean, mean)
        cov_y = xy / size - mean * y_mean
        var = np.diag(cov)
        keep = np.flatnonzero(var > 1e-12 * np.maximum(np.diag(xx) / size, 1e-300))
        sd = np.sqrt(var[keep])
        a = cov[np.ix_(keep, keep)] / np.outer(sd, sd)
        a[np.diag_indices_from(a)] += RIDGE_ALPHA
        w = np.linalg.solve(a, cov_y[keep] / sd) / sd if keep.size else np.zeros(0)
        test = np.flatnonzero(s.fold == f)
        x_te = raw[np.ix_(test, keep)]
        fill = np.isin(keep, inc)
        if fill.any():
            where = np.searchsorted(inc, keep[fill])
            x_te[:, fill] += miss[np.ix_(test, keep[fill])] * mu[where]
        pred[test] = y_mean + (x_te - mean[keep]) @ w
    return pred


def _dual(s, raw, miss, inc):
    """The same model from the training rows' Gram matrix: with Z the standardised training
    inputs and y centred, w = Z' (Z Z' + n alpha I)^-1 y, which is (Z'Z / n + alpha I)^-1
    Z'y / n."""
    pred = np.empty(s.y.size)
    for f in range(N_FOLDS):
        train, test = np.flatnonzero(s.fold != f), np.flatnonzero(s.fold == f)
        x = raw[train]
        present = train.size - miss[np.ix_(train, inc)].sum(axis=0)
        mu = np.where(present > 0, x[:, inc].sum(axis=0) / np.maximum(present, 1), 0.0)
        x[:, inc] += miss[np.ix_(train, inc)] * mu
        mean, var = x.mean(axis=0), x.var(axis=0)
        keep = np.flatnonzero(var > 1e-12 * np.maximum((x * x).mean(axis=0), 1e-300))
        sd = np.sqrt(var[keep])
        z = (x[:, keep] - mean[keep]) / sd
        y_mean = s.y[train].mean()
        gram = z @ z.T
        gram[np.diag_indices_from(gram)] += train.size * RIDGE_ALPHA
        w = z.T @ np.linalg.solve(gram, s.y[train] - y_mean) if keep.size else np.zeros(0)
        x_te = raw[np.ix_(test, keep)]
        fill = np.isin(keep, inc)
        if fill.any():
            where = np.searchsorted(inc, keep[fill])
            x_te[:, fill] += miss[np.ix_(test, keep[fill])] * mu[where]
        pred[test] = y_mean + ((x_te - mean[keep]) / sd) @ w
    return pred
