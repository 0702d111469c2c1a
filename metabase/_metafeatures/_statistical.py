"""OpenML's "Statistical" qualities: summaries of per-attribute moments.

For every numeric attribute, the numeric target included, over its non-missing
values: mean, sample standard deviation (n-1), bias-corrected skewness G1 and
excess kurtosis G2, computed as Apache commons-math does (two-pass, corrected
mean). Values that are not finite are left out of the summaries: skewness needs
3 values, kurtosis 4, a constant attribute has none, an all-missing one no mean.
"""

from __future__ import annotations

import numpy as np

from ._registry import Undefined, register, register_summaries

G = "statistical"
_BLOCK_CELLS = 1 << 20  # cells per column block: bounds the temporary arrays


def column_moments(a):
    """Mean, std, skewness and kurtosis of each column of `a` (NaN = missing).

    Parameters
    ----------
    a : ndarray of shape (n_rows, n_columns)

    Returns
    -------
    dict of str -> ndarray of shape (n_columns,)
        Keys ``"Means", "StdDev", "Skewness", "Kurtosis"``; NaN where undefined.
    """
    n_rows, n_cols = a.shape
    out = {k: np.full(n_cols, np.nan) for k in ("Means", "StdDev", "Skewness", "Kurtosis")}
    step = max(1, _BLOCK_CELLS // max(n_rows, 1))
    with np.errstate(all="ignore"):
        for start in range(0, n_cols, step):
            cols = slice(start, start + step)
            _block_moments(np.asarray(a[:, cols], dtype=np.float64), out, cols)
    return out


def _block_moments(b, out, cols):
    missing = np.isnan(b)
    n = (~missing).sum(axis=0).astype(np.float64)
    has_missing = missing.any()
    filled = np.where(missing, 0.0, b) if has_missing else b
    mean = filled.sum(axis=0) / n
    d = filled - mean
    if has_missing:
        d[missing] = 0.0
    s1 = d.sum(axis=0)
    mean = mean + s1 / n  # commons-math's corrected two-pass mean
    d2 = d * d
    m2 = d2.sum(axis=0) - s1 * s1 / n
    var = np.where(n > 1, m2 / (n - 1), 0.0)  # commons-math: variance of one value is 0
    constant = np.nanmax(np.where(missing, -np.inf, b), axis=0) == np.nanmin(
        np.where(missing, np.inf, b), axis=0)
    var = np.where(constant, 0.0, var)
    m3 = (d2 * d).sum(axis=0)
    m4 = (d2 * d2).sum(axis=0)
    skew = n / ((n - 1) * (n - 2)) * m3 / (var * np.sqrt(var))
    kurt = (n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * m4 / (var * var)
            - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    undefined = constant | (n < 1)
    out["Means"][cols] = np.where(n > 0, mean, np.nan)
    out["StdDev"][cols] = np.where(n > 0, np.sqrt(var), np.nan)
    out["Skewness"][cols] = np.where(undefined | (n < 3), np.nan, skew)
    out["Kurtosis"][cols] = np.where(undefined | (n < 4), np.nan, kurt)


@register("_moments", G)
def _moments(t, v):
    """Per-attribute moments of the numeric inputs and the numeric target."""
    if t.numeric.shape[1] == 0 and t.task == "classification":
        raise Undefined("no numeric attributes")
    if t.n_rows == 0:
        raise Undefined("no rows")
    parts = [column_moments(t.numeric)]
    if t.task == "regression":
        parts.append(column_moments(t.y_num[:, None]))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


_WHAT = {"Means": "mean", "StdDev": "standard deviation", "Skewness": "skewness",
         "Kurtosis": "kurtosis"}

for _stat, _what in _WHAT.items():

    def _finite(t, v, stat=_stat):
        values = v["_moments"][stat]
        return values[np.isfinite(values)]

    register(f"_finite_{_stat}", G, requires=("_moments",))(_finite)
    register_summaries("{agg}" + _stat + "OfNumericAtts", G, f"_finite_{_stat}", _what)
