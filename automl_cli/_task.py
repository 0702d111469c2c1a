"""The target column, the task it implies, and the default metric."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np

from ._errors import DataError

#: Above this many rows the share of distinct values allowed to class labels
#: drops from SMALL_TABLE_SHARE to LARGE_TABLE_SHARE (AutoGluon's rule of thumb:
#: a quantity seldom repeats a value that often, class labels always do).
LARGE_TABLE_ROWS = 1000
SMALL_TABLE_SHARE = 0.10
LARGE_TABLE_SHARE = 0.05
#: More distinct integers than this are counts or scores, not labels: the shared
#: tables' integer class targets have at most 16 values, their integer counts
#: and scores with more than 11 values all have 28 or more.
MAX_LABELS = 20
MIN_ROWS = 5


@dataclass
class Problem:
    X: "object"                 # features, a pandas DataFrame
    y: np.ndarray
    target: str
    task: str                   # "classification" or "regression"
    kind: str                   # "binary", "multiclass" or "regression"
    classes: list | None
    notes: list = field(default_factory=list)
    path: str = ""


def split_target(frame, target: str | None, path: str = "") -> tuple[object, object, str, list]:
    """Features and target column; the last column when ``target`` is None."""
    notes = []
    cols = list(frame.columns)
    if target is None:
        target = cols[-1]
        notes.append(f"target: {target!r} (the last column; use --target to choose another)")
    elif target not in cols:
        close = [c for c in cols if str(c).lower() == target.lower()] or \
            difflib.get_close_matches(target, cols, n=3)
        hint = f"did you mean {', '.join(map(repr, close))}?" if close else \
            f"columns are {', '.join(map(repr, cols[:10]))}{' ...' if len(cols) > 10 else ''}"
        raise DataError(f"{path}: no target column {target!r}: {hint}")
    if len(cols) < 2:
        raise DataError(f"{path}: only the target column {target!r}, no features: is the "
                        "delimiter one of , ; TAB |?")
    return frame.drop(columns=[target]), frame[target], target, notes


def infer_task(y, requested: str = "auto") -> tuple[str, list]:
    """'classification' or 'regression' from the target's values, with a note
    that names the rule which decided."""
    import pandas as pd

    if requested != "auto":
        return requested, []
    present = y.dropna()
    if pd.api.types.is_bool_dtype(present) or not pd.api.types.is_numeric_dtype(present):
        return "classification", ["task: classification (the target is not numeric)"]
    values = present.to_numpy(dtype=float)
    if not np.all(np.mod(values, 1) == 0):
        return "regression", ["task: regression (a numeric target with fractional values; "
                              "use --task classification to treat its values as classes)"]
    task, why = _integer_task(np.unique(values), len(values))
    hint = ("use --task regression to predict it as a number" if task == "classification"
            else "use --task classification to treat its values as classes")
    return task, [f"task: {task} (an integer target {why}; {hint})"]


def _integer_task(levels: np.ndarray, n_rows: int) -> tuple[str, str]:
    """Classes when the distinct values are few relative to the rows and look
    like labels; the reason in words."""
    n = len(levels)
    if n <= 2:
        return "classification", f"with {n} values"
    share = LARGE_TABLE_SHARE if n_rows > LARGE_TABLE_ROWS else SMALL_TABLE_SHARE
    limit = int(share * n_rows)
    if n > limit:
        return "regression", (f"with {n} distinct values on {n_rows} rows: more than "
                              f"{share:.0%} of the rows ({limit}), so a quantity, not labels")
    if n > MAX_LABELS:
        return "regression", (f"with {n} distinct values: more than {MAX_LABELS}, so counts "
                              "or scores, not labels")
    step = int(np.gcd.reduce(np.diff(levels).astype(np.int64)))
    if step > 1:
        return "regression", (f"on a grid of {step} ({', '.join(f'{v:g}' for v in levels[:3])}"
                              ", ...): a measured quantity, not labels")
    return "classification", (f"with {n} values on {n_rows} rows: at most {MAX_LABELS} "
                              f"labels and at most {share:.0%} of the rows ({limit})")


def make_problem(frame, target, task_option: str = "auto", path: str = "") -> Problem:
    """Check the target and build the learning problem; raises ``DataError``."""
    import pandas as pd

    X, y, target, notes = split_target(frame, target, path)
    n_missing = int(y.isna().sum())
    if n_missing == len(y):
        raise DataError(f"{path}: target column {target!r} has no values: choose another "
                        "with --target")
    if n_missing:
        keep = y.notna().to_numpy()
        X, y = X[keep], y[keep]
        notes.append(f"{n_missing} row(s) with a missing target dropped")
    if len(y) < MIN_ROWS:
        raise DataError(f"{path}: {len(y)} row(s) with a target; at least {MIN_ROWS} are "
                        "needed: give more rows")
    if y.nunique() < 2:
        raise DataError(f"{path}: target column {target!r} has a single value "
                        f"({y.iloc[0]!r}): there is nothing to learn")
    task, task_notes = infer_task(y, task_option)
    notes += task_notes
    if task == "regression":
        yn = pd.to_numeric(y.astype("object"), errors="coerce")
        bad = int(yn.isna().sum())
        if bad:
            first = y[yn.isna()].iloc[0]
            raise DataError(f"{path}: target column {target!r} has {bad} non-numeric value(s) "
                            f"such as {first!r}: use --task classification or clean the column")
        yv = yn.to_numpy(dtype=float)
        if not np.all(np.isfinite(yv)):
            raise DataError(f"{path}: target column {target!r} has infinite values: remove or "
                            "fix those rows")
        return Problem(X.reset_index(drop=True), yv, target, task, "regression", None, notes,
                       path)
    yv = _labels(y)
    classes, counts = np.unique(yv, return_counts=True)
    if len(classes) < 2:
        raise DataError(f"{path}: target column {target!r} has a single class")
    rare = [str(c) for c, n in zip(classes, counts) if n < 2]
    if rare:
        notes.append(f"class(es) {', '.join(rare[:5])} have a single row: they are kept, but "
                     "cross-validation cannot test them well")
    kind = "binary" if len(classes) == 2 else "multiclass"
    return Problem(X.reset_index(drop=True), yv, target, task, kind, classes.tolist(), notes,
                   path)


def _labels(y) -> np.ndarray:
    """Class labels as one numpy type: ints stay ints, text stays text, mixed becomes text."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(y):
        return y.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(y):
        v = y.to_numpy(dtype=float)
        return v.astype(np.int64) if np.all(np.mod(v, 1) == 0) else v
    return y.astype(str).to_numpy(dtype=object)
