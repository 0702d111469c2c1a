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
    assert col["kind"] == "text" and col["used"] and "target-encoded" in col["note"]


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


# -- many-level text columns: target encoding ----------------------------------------------------

def _many_levels(n=400, levels=120, seed=0, task="classification", n_classes=3):
    rng = np.random.default_rng(seed)
    code = rng.integers(0, levels, n)
    effect = rng.normal(size=levels)[code]
    f = pd.DataFrame({"shop": [f"shop{c}" for c in code], "x": rng.normal(size=n),
                      "colour": rng.choice(["r", "g"], n)})
    if task == "regression":
        y = np.round(3 * effect + f["x"] * 0.1 + 10)        # whole numbers: still continuous
    else:
        y = np.digitize(effect, np.quantile(effect, np.linspace(0, 1, n_classes + 1)[1:-1]))
    return f, y


@pytest.mark.parametrize("family", ["linear", "hgb", "rf", "knn"])
@pytest.mark.parametrize("task, n_classes", [("classification", 2), ("classification", 3),
                                             ("regression", 0)])
def test_many_levels_are_target_encoded(family, task, n_classes):
    from metabase import build_pipeline, get_family
    from metabase._pipeline import TARGET_ENCODE_ABOVE, high_cardinality

    f, y = _many_levels(task=task, n_classes=n_classes)
    schema = infer_schema(f)
    X, _ = prepare_frame(f, schema)
    fam = get_family(family)
    pipe = build_pipeline({"family": family, "params": fam.defaults(task)}, schema, task)
    encoded = high_cardinality(schema)
    assert encoded == (["shop"] if 120 > TARGET_ENCODE_ABOVE else [])
    pipe.fit(X, y)
    steps = dict((name, cols) for name, _, cols in pipe.named_steps["prep"].transformers_)
    if encoded:
        te = pipe.named_steps["prep"].named_transformers_["te"].named_steps["target"]
        assert steps["te"] == ["shop"]
        assert te.target_type_ == ("continuous" if task == "regression" else
                                   "binary" if n_classes == 2 else "multiclass")
    later = f.head(5).assign(shop=["never seen"] * 5)        # unseen levels still predict
    out = pipe.predict(prepare_frame(later, schema)[0])
    assert len(out) == 5


def test_target_encoding_is_cross_fitted_and_seeded():
    from metabase._pipeline import target_encoder

    f, y = _many_levels(task="regression")
    X = f[["shop"]]
    a = target_encoder("regression", 0).fit_transform(X, y)
    b = target_encoder("regression", 0).fit_transform(X, y)
    full = target_encoder("regression", 0).fit(X, y).transform(X)
    assert np.array_equal(a, b) and not np.allclose(a, full)   # each row: other folds' means


def test_schema_of_an_older_model_builds_as_before():
    """Manifests written before n_unique mattered still give a pipeline."""
    from metabase import build_pipeline

    f, y = _many_levels()
    schema = infer_schema(f)
    for col in schema["columns"]:
        col.pop("n_unique")
    pipe = build_pipeline({"family": "linear", "params": {}}, schema, "classification")
    names = [name for name, _, _ in pipe.named_steps["prep"].transformers]
    assert "te" not in names and "cat" in names


# -- the block-at-a-time typing and preparation equal the per-column rules ------------------------

def _mixed(n=60, seed=0, wide=40):
    """Every kind of column, with missing values; then `wide` plain float columns."""
    rng = np.random.default_rng(seed)
    f = pd.DataFrame({
        "x": rng.normal(size=n), "f32": rng.normal(size=n).astype(np.float32),
        "nan": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
        "inf": np.where(rng.random(n) < 0.1, np.inf, rng.normal(size=n)),
        "small_int": rng.integers(0, 5, n), "uint": rng.integers(0, 50, n).astype(np.uint16),
        "row_id": np.arange(n), "perm": rng.permutation(n) * 3,
        "const_f": np.full(n, 2.5), "const_i": np.full(n, 7), "empty": np.full(n, np.nan),
        "one_and_nan": np.where(rng.random(n) < 0.5, np.nan, 1.0),
        "signed_zeros": rng.choice([0.0, -0.0, 1.0], n),
        "nullable": pd.array(np.where(rng.random(n) < 0.1, None, rng.integers(0, 9, n)),
                             dtype="Int64"),
        "flag": rng.random(n) < 0.5, "cat": pd.Categorical(rng.choice(list("abc"), n)),
        "txt": rng.choice(["p", "q", None], n), "numtext": [str(v) for v in rng.integers(0, 99, n)],
        "mixed": pd.Series(rng.choice([1, 2.0, "z", None], n), dtype=object),
        "date": pd.date_range("2020-01-01", periods=n, freq="h").astype(str),
        "ts": pd.date_range("2020-01-01", periods=n, freq="D"),
        "txt_id": [f"u{i}" for i in range(n)],
    })
    block = rng.normal(size=(n, wide))
    block[rng.random((n, wide)) < 0.05] = np.nan
    block[:, ::5] = np.round(block[:, ::5], 1)            # repeated values
    return pd.concat([f, pd.DataFrame(block, columns=[f"w{j}" for j in range(wide)])], axis=1)


@pytest.mark.parametrize("n", [0, 1, 12, 60])
def test_block_typing_equals_the_per_column_rules(n):
    from metabase._schema import _column

    f = _mixed(n)
    assert infer_schema(f)["columns"] == [_column(name, f[name], n) for name in f.columns]


@pytest.mark.parametrize("n", [1, 60])
def test_block_preparation_equals_the_per_column_rules(n):
    from metabase._schema import _prepared_column

    f = _mixed(n)
    schema = infer_schema(f)
    moved = f.assign(x=f["x"].astype(str), small_int=f["small_int"].astype(float))
    moved.loc[0, "w1"] = np.inf
    for X in (f, moved, f.iloc[::-1]):
        expected, warns = {}, []
        for col in schema["columns"]:
            if col["used"]:
                expected.update(_prepared_column(X[col["name"]], col, warns))
        got, got_warns = prepare_frame(X, schema)
        pd.testing.assert_frame_equal(
            got, pd.DataFrame(expected, index=X.index)[schema["features"]], check_exact=True)
        assert got_warns == warns and not np.isinf(got.select_dtypes("number").to_numpy()).any()
