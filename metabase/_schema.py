"""Column typing: what each input column is, and how the model will see it.

``infer_schema`` looks at a raw table once, at fit time, and returns a plain,
JSON-ready dict; ``prepare_frame`` applies it to any table with those columns
(the fit table, or a table to score), so both sides see the same features.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from ._pipeline import TARGET_ENCODE_ABOVE

#: Categoricals with more levels than this are called high-cardinality.
HIGH_CARDINALITY = 100
#: How many category levels the manifest lists per column.
VOCABULARY_LIMIT = 1000
_DATE_HINT = re.compile(r"\d{1,4}[-/.:]\d{1,2}")
_ID_NAME = re.compile(r"(^|_|\b)(id|uuid|key|index)$", re.IGNORECASE)
DATE_PARTS = ("year", "month", "day", "dayofweek", "hour")
#: Cells of the numeric blocks ``infer_schema`` types at once (bounds its memory).
BLOCK_CELLS = 1 << 22


class SchemaError(ValueError):
    """A table that does not fit the schema, or cannot give one."""


def _is_text(s: pd.Series) -> bool:
    return (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)
            or isinstance(s.dtype, pd.CategoricalDtype))


def _as_numeric(s: pd.Series) -> pd.Series:
    """Numbers from a text column; cells that are not numbers become NaN."""
    return pd.to_numeric(s.astype("object").where(s.notna(), None), errors="coerce")


def _parse_dates(s: pd.Series) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(s.astype("object"), errors="coerce", format="ISO8601")
        except (ValueError, TypeError):
            return pd.to_datetime(s.astype("object"), errors="coerce", format="mixed")


def _looks_like_dates(s: pd.Series) -> bool:
    sample = s.dropna().astype(str).head(200)
    if sample.empty or not sample.str.contains(_DATE_HINT).mean() > 0.9:
        return False
    return _parse_dates(sample).notna().mean() >= 0.95


def _column(name: str, s: pd.Series, n_rows: int) -> dict:
    """Type one column: a dict with kind, used, note and what prepare needs."""
    col = {"name": str(name), "dtype": str(s.dtype), "n_missing": int(s.isna().sum())}
    present = s.dropna()
    n_unique = int(present.nunique())
    col["n_unique"] = n_unique
    if present.empty:
        return {**col, "kind": "empty", "used": False, "note": "all values missing: dropped"}
    if n_unique == 1:
        return {**col, "kind": "constant", "used": False, "note": "a single value: dropped"}
    if pd.api.types.is_bool_dtype(s):
        return {**col, "kind": "boolean", "used": True, "categories": ["False", "True"]}
    if pd.api.types.is_datetime64_any_dtype(s):
        return {**col, "kind": "datetime", "used": True,
                "note": "date: expanded into " + ", ".join(DATE_PARTS)}
    if _is_text(s):
        numbers = _as_numeric(present)
        share = numbers.notna().mean()
        if share >= 0.95 and n_unique > 2:
            bad = present[numbers.isna()].astype(str)
            note = None
            if len(bad):
                note = (f"{len(bad)} non-numeric cell(s) such as {bad.iloc[0]!r} "
                        "treated as missing")
            col = {**col, "kind": "numeric", "used": True, "coerce": True}
            return {**col, "note": note} if note else col
        if _looks_like_dates(present):
            return {**col, "kind": "datetime", "used": True,
                    "note": "dates: expanded into " + ", ".join(DATE_PARTS)}
        if n_unique == len(present) and n_rows >= 20:
            return {**col, "kind": "id", "used": False,
                    "note": "unique for every row (an identifier): dropped"}
        counts = _category_texts(present).value_counts()
        col["kind"] = "categorical"
        col["used"] = True
        col["categories"] = sorted(counts.index[:VOCABULARY_LIMIT].tolist())
        if n_unique > HIGH_CARDINALITY:
            col["kind"] = "text"
        if n_unique > TARGET_ENCODE_ABOVE:
            col["note"] = (f"{n_unique} distinct values: encoded compactly (target-encoded: "
                           "each level by the target's mean on the other folds' rows)")
        return col
    # numeric dtypes
    if (pd.api.types.is_integer_dtype(s) and n_unique == n_rows and n_rows >= 20
            and (_ID_NAME.search(str(name)) or _is_consecutive(present))):
        return {**col, "kind": "id", "used": False,
                "note": "a unique integer per row (an identifier): dropped"}
    n_inf = int(np.isinf(present.to_numpy(dtype=float)).sum())
    col = {**col, "kind": "numeric", "used": True}
    if n_inf:
        col["note"] = f"{n_inf} infinite value(s) treated as missing"
    return col


def _is_consecutive(values: pd.Series) -> bool:
    v = np.sort(values.to_numpy())
    return bool(len(v) > 1 and np.all(np.diff(v) == 1))


def infer_schema(X: pd.DataFrame) -> dict:
    """Type every column of ``X`` (the features, target excluded).

    Returns ``{"columns": [...], "features": [...], "numeric": [...],
    "categorical": [...]}`` where ``features`` are the model's input columns
    after ``prepare_frame`` (dates expanded into parts).
    """
    n_rows = len(X)
    typed = _numeric_columns(X, n_rows)
    columns = [typed[j] if j in typed else _column(name, X[name], n_rows)
               for j, name in enumerate(X.columns)]
    numeric, categorical = [], []
    for col in columns:
        if not col["used"]:
            continue
        if col["kind"] == "numeric":
            numeric.append(col["name"])
        elif col["kind"] == "datetime":
            numeric.extend(f"{col['name']}__{part}" for part in DATE_PARTS)
        else:
            categorical.append(col["name"])
    return {"columns": columns, "numeric": numeric, "categorical": categorical,
            "features": numeric + categorical}


def _plain_numeric(dtype) -> bool:
    """A NumPy integer or float dtype: columns typed in one pass over their array."""
    return isinstance(dtype, np.dtype) and dtype.kind in "iuf"


def _numeric_columns(X: pd.DataFrame, n_rows: int) -> dict:
    """``_column``'s result for the plain numeric columns of ``X`` (by position), from one
    sort of each dtype's block instead of a pass of pandas calls per column (3,000 columns:
    0.1 s instead of 1-2 s). Integer columns with a value per row, which may be
    identifiers, are left to ``_column``."""
    typed = {}
    dtypes, names = list(X.dtypes), X.columns.tolist()
    chunk = max(1, BLOCK_CELLS // max(n_rows, 1))
    for dtype in {d for d in dtypes if _plain_numeric(d)}:
        where = [j for j, d in enumerate(dtypes) if d == dtype]
        for start in range(0, len(where), chunk):
            part = where[start:start + chunk]
            counts = _block_counts(X.iloc[:, part].to_numpy(), n_rows)
            for j, (n_missing, n_unique, n_inf) in zip(part, counts):
                if dtype.kind in "iu" and n_unique == n_rows and n_rows >= 20:
                    continue
                typed[j] = _numeric_column(names[j], str(dtype), n_missing, n_unique, n_inf)
    return typed


def _block_counts(block: np.ndarray, n_rows: int) -> list[tuple[int, int, int]]:
    """(missing, distinct present, infinite) values of each column of a numeric array."""
    floats = block.dtype.kind == "f"
    n_missing = np.isnan(block).sum(axis=0) if floats else np.zeros(block.shape[1], int)
    n_inf = np.isinf(block).sum(axis=0) if floats else np.zeros(block.shape[1], int)
    ordered = np.sort(block, axis=0)              # NaN last
    present = np.arange(1, n_rows)[:, None] < (n_rows - n_missing)[None, :]
    steps = ((ordered[1:] != ordered[:-1]) & present).sum(axis=0)
    n_unique = np.where(n_missing < n_rows, steps + 1, 0)
    return list(zip(n_missing.tolist(), n_unique.tolist(), n_inf.tolist()))


def _numeric_column(name, dtype: str, n_missing: int, n_unique: int, n_inf: int) -> dict:
    """What ``_column`` says of a plain numeric column that is not an identifier."""
    col = {"name": str(name), "dtype": dtype, "n_missing": n_missing, "n_unique": n_unique}
    if n_unique == 0:
        return {**col, "kind": "empty", "used": False, "note": "all values missing: dropped"}
    if n_unique == 1:
        return {**col, "kind": "constant", "used": False, "note": "a single value: dropped"}
    col = {**col, "kind": "numeric", "used": True}
    if n_inf:
        col["note"] = f"{n_inf} infinite value(s) treated as missing"
    return col


def prepare_frame(X: pd.DataFrame, schema: dict) -> tuple[pd.DataFrame, list[str]]:
    """Apply ``schema`` to a raw table: the model's input frame and warnings.

    Columns are found by name (order does not matter); extra columns are
    ignored; missing ones raise ``SchemaError`` naming them.
    """
    used = [c for c in schema["columns"] if c["used"]]
    missing = [c["name"] for c in used if c["name"] not in X.columns]
    if missing:
        raise SchemaError(
            f"column(s) seen at fit time, yet now missing: {', '.join(map(repr, missing))}")
    # numeric columns of a NumPy number dtype: one float block, no cell can be bad
    dtypes = dict(zip(X.columns, X.dtypes))
    plain = [c["name"] for c in used
             if c["kind"] == "numeric" and _plain_numeric(dtypes[c["name"]])]
    block = X[plain].to_numpy(dtype="float64") if plain else np.empty((len(X), 0))
    inf = np.isinf(block)
    if inf.any():
        block = np.where(inf, np.nan, block)
    warnings_out: list[str] = []
    out: dict[str, pd.Series] = {}
    fast = set(plain)
    for col in used:
        if col["name"] not in fast:
            out.update(_prepared_column(X[col["name"]], col, warnings_out))
    frame = pd.DataFrame(out, index=X.index)
    if plain:
        frame = pd.concat([pd.DataFrame(block, index=X.index, columns=plain), frame], axis=1)
    return frame[schema["features"]], warnings_out


def _prepared_column(s: pd.Series, col: dict, warnings_out: list) -> dict:
    """The model's column(s) from one raw column (a date gives several); warnings appended."""
    name, kind = col["name"], col["kind"]
    if kind == "numeric":
        num = _as_numeric(s) if _is_text(s) else pd.to_numeric(s, errors="coerce")
        num = num.astype("float64")
        bad = int((num.isna() & s.notna()).sum())
        inf = np.isinf(num.to_numpy())
        if bad:
            warnings_out.append(f"column {name!r}: {bad} non-numeric cell(s) treated as missing")
        return {name: num.mask(inf) if inf.any() else num}
    if kind == "datetime":
        dates = s if pd.api.types.is_datetime64_any_dtype(s) else _parse_dates(s)
        bad = int((dates.isna() & s.notna()).sum())
        if bad:
            warnings_out.append(f"column {name!r}: {bad} cell(s) not dates, treated as missing")
        return {f"{name}__{part}": getattr(
                    dates.dt, "day_of_week" if part == "dayofweek" else part).astype("float64")
                for part in DATE_PARTS}
    text = s.astype("object")
    mask = text.notna()
    text = text.where(~mask, _category_texts(text[mask])) if mask.any() else text
    return {name: text.where(mask, np.nan)}


def _category_texts(values: pd.Series) -> pd.Series:
    """``_category_text`` of every value (no missing ones); all-text columns as they are."""
    if values.dtype == object and set(map(type, values.to_numpy())) <= {str}:
        return values
    return values.map(_category_text)


def _category_text(v) -> str:
    """Category labels as text; 1.0 and 1 read from different files are one level."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def unseen_categories(X: pd.DataFrame, schema: dict) -> dict[str, int]:
    """Per categorical column, how many cells hold a level not seen at fit time."""
    out = {}
    for col in schema["columns"]:
        if (col["used"] and col["kind"] in ("categorical", "boolean", "text")
                and col["name"] in X and col["n_unique"] <= VOCABULARY_LIMIT):
            vocab = set(col.get("categories", []))
            s = X[col["name"]].dropna().astype(str)
            n = int((~s.isin(vocab)).sum())
            if n:
                out[col["name"]] = n
    return out
