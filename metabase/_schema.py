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
        counts = present.map(_category_text).value_counts()
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
    columns = [_column(name, X[name], n_rows) for name in X.columns]
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
    warnings_out: list[str] = []
    out: dict[str, pd.Series] = {}
    categorical: dict[str, pd.Series] = {}
    for col in used:
        s = X[col["name"]]
        name, kind = col["name"], col["kind"]
        if kind == "numeric":
            num = _as_numeric(s) if _is_text(s) else pd.to_numeric(s, errors="coerce")
            num = num.astype("float64")
            bad = int((num.isna() & s.notna()).sum())
            inf = np.isinf(num.to_numpy())
            if bad:
                warnings_out.append(
                    f"column {name!r}: {bad} non-numeric cell(s) treated as missing")
            if inf.any():
                num = num.mask(inf)
            out[name] = num
        elif kind == "datetime":
            dates = s if pd.api.types.is_datetime64_any_dtype(s) else _parse_dates(s)
            bad = int((dates.isna() & s.notna()).sum())
            if bad:
                warnings_out.append(f"column {name!r}: {bad} cell(s) not dates, treated as missing")
            for part in DATE_PARTS:
                attr = "day_of_week" if part == "dayofweek" else part
                out[f"{name}__{part}"] = getattr(dates.dt, attr).astype("float64")
        else:
            text = s.astype("object")
            mask = text.notna()
            text = text.where(~mask, text[mask].map(_category_text)) if mask.any() else text
            categorical[name] = text.where(mask, np.nan)
    frame = pd.DataFrame({**out, **categorical}, index=X.index)
    return frame[schema["features"]], warnings_out


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
