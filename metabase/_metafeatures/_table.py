"""Turn a pandas table into the arrays the quality functions read.

Weka's typing, as OpenML uses it: a column is *nominal* when its dtype is
category, bool, object or string (its values are codes into a list of values),
*numeric* when its dtype is numeric; datetimes and timedeltas count as numeric
(Weka reads ARFF ``date`` as numeric). The declared value list of a nominal
column is the category list for ``category`` dtype, ``[False, True]`` for bool,
and the sorted observed values otherwise (a CSV carries no declaration).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

TASKS = ("classification", "regression")
#: Cells converted at once by :func:`numeric_block` (bounds its memory).
BLOCK_CELLS = 1 << 22


@dataclass
class Table:
    """Arrays of one table: numeric inputs, nominal inputs and the target.

    Attributes
    ----------
    numeric : ndarray of shape (n_rows, n_numeric), float64, NaN = missing
    nominal : ndarray of shape (n_rows, n_nominal), int32 codes, -1 = missing
    n_declared : ndarray of shape (n_nominal,)
        Number of declared values of each nominal column.
    declared : ndarray of bool, shape (n_nominal,)
        Whether the value list is a real declaration (category/bool dtype).
    task : {"classification", "regression"}
    y_codes : ndarray of int32 or None
        Class codes (-1 = missing) for classification.
    n_classes_declared : int
        Number of declared classes (0 for regression).
    y_num : ndarray of float64 or None
        Target values for regression.
    column_order : list of (bool, int)
        For each input column in the table's order: (is_nominal, index into
        `nominal` or `numeric`); Weka's learners visit attributes in this order.
    """

    numeric: np.ndarray
    numeric_names: list
    nominal: np.ndarray
    nominal_names: list
    n_declared: np.ndarray
    declared: np.ndarray
    task: str
    y_codes: np.ndarray | None
    n_classes_declared: int
    y_num: np.ndarray | None
    column_order: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    options: dict = field(default_factory=dict)

    @property
    def n_rows(self):
        return self.numeric.shape[0]

    @property
    def y_missing(self):
        """Boolean mask of rows whose target is missing."""
        if self.y_codes is not None:
            return self.y_codes < 0
        return np.isnan(self.y_num)


def is_nominal(series):
    """Whether a column is nominal in Weka's sense (see module docstring)."""
    return is_nominal_dtype(series.dtype)


def is_nominal_dtype(dtype):
    """Whether columns of `dtype` are nominal in Weka's sense (see module docstring)."""
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return True
    if pd.api.types.is_numeric_dtype(dtype):
        return False
    return not (pd.api.types.is_datetime64_any_dtype(dtype)
                or pd.api.types.is_timedelta64_dtype(dtype))


def encode_nominal(series):
    """Return ``(codes, n_declared, declared)`` for one nominal column."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        series = series.astype(pd.CategoricalDtype([False, True]))
        dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int32, copy=False)
        return codes, len(dtype.categories), True
    try:
        codes, uniques = pd.factorize(series, sort=True)
    except TypeError:  # mixed types cannot be sorted: order them by their text
        codes, uniques = pd.factorize(series)
        order = np.argsort([str(u) for u in uniques], kind="stable")
        remap = np.empty(len(order), dtype=np.int64)
        remap[order] = np.arange(len(order))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    return codes.astype(np.int32, copy=False), len(uniques), False


def to_float(series):
    """Numeric column as float64 with NaN for missing (datetimes in milliseconds)."""
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        missing = series.isna().to_numpy()
        values = series.to_numpy().view("int64").astype(np.float64) / 1e6
        values[missing] = np.nan
        return values
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def numeric_block(X, columns):
    """The numeric `columns` (positions) of `X` as :func:`to_float` makes them, in one
    Fortran-ordered float64 array; NumPy number columns are converted a block at a time
    (on 3,000 columns, one pandas call per column costs a second)."""
    numeric = np.empty((len(X), len(columns)), dtype=np.float64, order="F")
    dtypes = list(X.dtypes)
    plain = [out for out, j in enumerate(columns)
             if isinstance(dtypes[j], np.dtype) and dtypes[j].kind in "iuf"]
    chunk = max(1, BLOCK_CELLS // max(len(X), 1))
    for start in range(0, len(plain), chunk):
        outs = plain[start:start + chunk]
        numeric[:, outs] = X.iloc[:, [columns[out] for out in outs]].to_numpy(dtype=np.float64)
    done = set(plain)
    for out, j in enumerate(columns):
        if out not in done:
            numeric[:, out] = to_float(X.iloc[:, j])
    return numeric


def make_table(X, y, task):
    """Build a :class:`Table` from features `X` and target `y`.

    Raises
    ------
    ValueError
        For an unknown task, mismatched lengths or a non-numeric regression target.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    if not isinstance(X, pd.DataFrame):
        X = pd.DataFrame(X)
    y = pd.Series(y) if not isinstance(y, pd.Series) else y
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    n = len(X)
    kinds = [is_nominal_dtype(d) for d in X.dtypes]
    num_idx = [j for j, k in enumerate(kinds) if not k]
    nom_idx = [j for j, k in enumerate(kinds) if k]

    numeric = numeric_block(X, num_idx)
    nominal = np.empty((n, len(nom_idx)), dtype=np.int32, order="F")
    n_declared = np.zeros(len(nom_idx), dtype=np.int64)
    declared = np.zeros(len(nom_idx), dtype=bool)
    for out, j in enumerate(nom_idx):
        nominal[:, out], n_declared[out], declared[out] = encode_nominal(X.iloc[:, j])

    notes = []
    n_inf = int(np.isinf(numeric).sum())
    if n_inf:
        notes.append(f"{n_inf} infinite numeric cells kept as values: the statistics of "
                     "their attributes are not finite and left out of the summaries")
    guessed = [names_j for names_j, miss, dec in zip(nom_idx, (nominal < 0).any(axis=0), declared)
               if miss and not dec]
    if guessed and task == "classification":
        notes.append(f"{len(guessed)} nominal attributes have missing cells but no declared "
                     "value order (not category dtype): entropies count a missing cell as the "
                     "alphabetically first value, OpenML as the first declared value")
    if task == "classification":
        y_codes, n_classes, _ = encode_nominal(y)
        y_num = None
    else:
        if is_nominal(y) and not pd.api.types.is_bool_dtype(y.dtype):
            y = pd.to_numeric(y.astype(object), errors="raise")
        y_codes, n_classes, y_num = None, 0, to_float(y)
    names = [str(c) for c in X.columns]
    position = {j: (False, i) for i, j in enumerate(num_idx)}
    position.update({j: (True, i) for i, j in enumerate(nom_idx)})
    return Table(
        numeric=numeric,
        numeric_names=[names[j] for j in num_idx],
        nominal=nominal,
        nominal_names=[names[j] for j in nom_idx],
        n_declared=n_declared,
        declared=declared,
        task=task,
        y_codes=y_codes,
        n_classes_declared=n_classes,
        y_num=y_num,
        column_order=[position[j] for j in range(X.shape[1])],
        notes=notes,
    )
