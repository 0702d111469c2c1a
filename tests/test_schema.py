"""Column typing and the frame the model sees."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metabase import SchemaError, infer_schema, prepare_frame


def kinds(frame):
    return {c["name"]: c["kind"] for c in infer_schema(frame)["columns"]}


def test_kinds():
    n = 50
    f = pd.DataFrame({
        "num": np.linspace(0, 1, n), "int_id": np.arange(n), "txt_id": [f"u{i}" for i in range(n)],
        "cat": ["a", "b"] * 25, "flag": [True, False] * 25, "empty": [np.nan] * n,
        "const": ["k"] * n, "date": pd.date_range("2021-01-01", periods=n).astype(str),
        "numtext": [str(i) for i in range(n - 1)] + ["?x"],
        "highcard": [f"v{i % 120}" for i in range(n)] * 1,
    })
    k = kinds(f)
    assert k == {"num": "numeric", "int_id": "id", "txt_id": "id", "cat": "categorical",
                 "flag": "boolean", "empty": "empty", "const": "constant", "date": "datetime",
                 "numtext": "numeric", "highcard": "id"}


def test_high_cardinality_text_is_kept_compactly():
    f = pd.DataFrame({"t": [f"w{i % 300}" for i in range(1000)]})
    col = infer_schema(f)["columns"][0]
    assert col["kind"] == "text" and col["used"] and "compactly" in col["note"]


def test_integer_column_unique_but_not_an_id_is_numeric():
    f = pd.DataFrame({"area": np.random.default_rng(0).permutation(1000)[:40] * 7})
    assert kinds(f) == {"area": "numeric"}


def test_prepare_expands_dates_and_matches_by_name():
    f = pd.DataFrame({"d": ["2020-03-04 05:06:07", "2021-12-31 23:00:00"] * 10,
                      "x": np.arange(20.0), "c": ["p", "q"] * 10})
    schema = infer_schema(f)
    X, warns = prepare_frame(f[["c", "x", "d"]], schema)
    assert list(X.columns) == ["d__year", "d__month", "d__day", "d__dayofweek", "d__hour", "x",
                               "c"]
    assert X["d__year"].tolist()[:2] == [2020.0, 2021.0] and X["d__hour"][0] == 5.0
    assert warns == []


def test_prepare_reports_missing_columns_and_bad_cells():
    f = pd.DataFrame({"x": np.arange(10.0), "c": list("ababababab")})
    schema = infer_schema(f)
    with pytest.raises(SchemaError, match="missing: 'x'"):
        prepare_frame(f[["c"]], schema)
    g = pd.DataFrame({"x": ["1", "oops", "3"] + ["4"] * 7, "c": list("ababababab")})
    X, warns = prepare_frame(g, schema)
    assert np.isnan(X["x"][1]) and "1 non-numeric cell" in warns[0]


def test_category_labels_agree_across_files():
    fit = pd.DataFrame({"c": ["1", "2", "3"] * 5, "x": np.arange(15.0)})
    schema = infer_schema(fit.assign(c=fit["c"].astype(object)))
    schema["columns"][0]["kind"] = "categorical"
    schema["numeric"], schema["categorical"] = ["x"], ["c"]
    schema["features"] = ["x", "c"]
    later = pd.DataFrame({"c": [1.0, 2.0, np.nan], "x": [1.0, 2.0, 3.0]})
    X, _ = prepare_frame(later, schema)
    assert X["c"].tolist()[:2] == ["1", "2"] and pd.isna(X["c"][2])
