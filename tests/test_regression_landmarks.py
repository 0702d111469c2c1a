"""Tests of the regression landmarkers TargetLinearR2, TargetStumpR2, TargetkNN1NR2
(metabase/_metafeatures/_regression_landmarks.py) on synthetic tables built here."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from metabase._metafeatures import QUALITY_NAMES, profile
from metabase._metafeatures import _regression_landmarks as rl
from metabase._metafeatures._table import make_table

NAMES = ("TargetLinearR2", "TargetStumpR2", "TargetkNN1NR2")


def landmarks(X, y, **kwargs):
    """(values, reasons, notes) of the three names; no value may come from a crash."""
    r = profile(X, y, task="regression", groups=["target"], **kwargs)
    for name in NAMES:
        if math.isnan(r.values[name]):
            assert r.reasons[name] and not r.reasons[name].startswith("failed"), r.reasons
        else:
            assert -1.0 <= r.values[name] <= 1.0 and name not in r.reasons
    return {n: r.values[n] for n in NAMES}, {n: r.reasons.get(n) for n in NAMES}, r.notes


def uniform(n, columns, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.uniform(-1, 1, (n, columns)),
                        columns=[f"x{j}" for j in range(columns)]), rng


def test_names_registered_after_the_target_statistics():
    assert len(QUALITY_NAMES) == 86
    assert QUALITY_NAMES[-3:] == NAMES
    assert QUALITY_NAMES.index("TargetPercentageOfIntegerValues") == len(QUALITY_NAMES) - 4


def test_linear_relation():
    X, rng = uniform(400, 3)
    v, _, _ = landmarks(X, 2 * X.x0 - X.x1 + rng.normal(0, 0.02, 400))
    assert v["TargetLinearR2"] > 0.99
    # one split of a linear function of one uniform input explains 3/4 of the variance
    X, rng = uniform(400, 3, seed=1)
    v, _, _ = landmarks(X, 2 * X.x0 + rng.normal(0, 0.02, 400))
    assert v["TargetLinearR2"] > 0.99 and 0.6 < v["TargetStumpR2"] < 0.85


def test_linear_in_many_inputs_leaves_the_stump_near_zero():
    X, rng = uniform(400, 20)
    v, _, _ = landmarks(X, X.sum(axis=1) + rng.normal(0, 0.05, 400))
    assert v["TargetLinearR2"] > 0.99
    assert abs(v["TargetStumpR2"]) < 0.1


def test_step_function():
    X, rng = uniform(400, 3)
    v, _, _ = landmarks(X, (X.x0 > 0.3).astype(float) + rng.normal(0, 0.05, 400))
    assert v["TargetStumpR2"] > 0.95
    assert v["TargetLinearR2"] < 0.8


def test_smooth_nonlinear_function():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, 400)
    v, _, _ = landmarks(pd.DataFrame({"x": x}), np.sin(3 * x) + rng.normal(0, 0.05, 400))
    assert v["TargetkNN1NR2"] > 0.95
    assert v["TargetLinearR2"] < 0.2 and v["TargetStumpR2"] < 0.3


def test_pure_noise_is_near_zero_or_below():
    X, rng = uniform(400, 3)
    v, _, _ = landmarks(X, rng.normal(size=400))
    assert v["TargetLinearR2"] < 0.05 and v["TargetStumpR2"] < 0.05
    assert v["TargetkNN1NR2"] < -0.5  # 1-NN on noise: E[R²] = -1


def test_nominal_inputs():
    rng = np.random.default_rng(0)
    c = rng.choice(list("pqrs"), 400)
    X = pd.DataFrame({"c": c, "z": rng.normal(size=400)})
    y = pd.Series(c).map({"p": 0.0, "q": 1.0, "r": 5.0, "s": 6.0}) + rng.normal(0, 0.1, 400)
    v, _, _ = landmarks(X, y)
    assert v["TargetLinearR2"] > 0.99 and v["TargetkNN1NR2"] > 0.99
    assert 0.9 < v["TargetStumpR2"] < 0.99  # one split: {p, q} vs {r, s}


def test_missing_cells_a_split_of_their_own_and_infinity_is_missing():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    missing = rng.random(400) < 0.3
    y = np.where(missing, 3.0, 0.0) + rng.normal(0, 0.1, 400)
    v, _, _ = landmarks(pd.DataFrame({"x": np.where(missing, np.nan, x)}), y)
    assert v["TargetStumpR2"] > 0.95  # the split "missing vs present"
    assert abs(v["TargetLinearR2"]) < 0.05  # NaN -> mean: the linear model sees nothing
    w, _, _ = landmarks(pd.DataFrame({"x": np.where(missing, np.inf, x)}), y)
    assert w == v


@pytest.mark.parametrize("missing_like", [0.0, 1.0])
def test_missing_cells_go_to_the_side_that_fits_better(missing_like):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 400)
    y = np.where(x > 0.5, 1.0, 0.0) + rng.normal(0, 0.05, 400)
    x[rng.random(400) < 0.1] = np.nan
    y[np.isnan(x)] = missing_like  # the missing cells behave like one side
    v, _, _ = landmarks(pd.DataFrame({"x": x}), y)
    assert v["TargetStumpR2"] > 0.95


def split_of(x, y):
    """(gain, threshold, missing_left) of one numeric column, by hand-made inputs."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    y = y - y.mean()
    order = np.argsort(x, kind="stable")
    xs, ys = x[order][None, :], np.where(np.isnan(x[order]), 0.0, y[order])[None, :]
    missing = np.isnan(x)
    gain, threshold, left = rl._numeric_splits(xs, ys, np.array([missing.sum()]),
                                               np.array([y[missing].sum()]))
    return gain[0], threshold[0], bool(left[0])


def test_stump_numeric_splits_by_hand():
    nan = np.nan

    def sst(y):
        return float(np.sum((np.asarray(y) - np.mean(y)) ** 2))

    # missing cells like the high values: right; like the low ones: left
    y = [0, 0, 1, 1, 1, 1]
    assert split_of([1, 2, 3, 4, nan, nan], y) == (pytest.approx(sst(y)), 2.5, False)
    y = [0, 0, 1, 1, 0, 0]
    assert split_of([1, 2, 3, 4, nan, nan], y) == (pytest.approx(sst(y)), 2.5, True)
    # only missingness matters: the split "missing vs present" (threshold -inf)
    y = [0, 0, 0, 0, 3, 3]
    assert split_of([1, 2, 3, 4, nan, nan], y) == (pytest.approx(sst(y)), -np.inf, True)
    # no missing cell in training: a missing test cell goes to the larger side
    assert split_of([1, 2, 3, 4, 5], [0, 0, 0, 1, 1])[1:] == (3.5, True)
    assert split_of([1, 2, 3, 4, 5], [0, 0, 1, 1, 1])[1:] == (2.5, False)
    # ties: thresholds only between distinct values
    assert split_of([1, 1, 2, 2], [0, 5, 5, 6])[1] == 1.5


@pytest.mark.parametrize("larger, expected", [("a", 0.0), ("b", 10.0)])
def test_stump_sends_unseen_levels_to_the_larger_side(larger, expected):
    rng = np.random.default_rng(0)
    sizes = {"a": 30, "b": 20} if larger == "a" else {"a": 20, "b": 30}
    c = ["a"] * sizes["a"] + ["b"] * sizes["b"] + ["z"]
    y = np.where(np.array(c) == "b", 10.0, 0.0) + rng.normal(0, 0.01, len(c))
    y[-1] = 5.0
    s = rl._sample(make_table(pd.DataFrame({"c": c}), y, "regression"), {})
    pred = rl._stump(s)  # "z" is in one row only: unseen when that row is tested
    side = (np.array(c) == larger) & (s.fold != s.fold[-1])
    assert pred[-1] == pytest.approx(s.y[side].mean())
    assert (pred[-1] < 0) == (expected == 0.0)  # s.y is standardised: a's side is below 0


def test_agrees_with_scikit_learn_on_complete_numeric_inputs():
    """Same folds, same models: Ridge(alpha = 1e-3 n) on standardised inputs, a depth-1
    tree, 1-NN on min-max scaled inputs (continuous values: no ties)."""
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.default_rng(1)
    n, p = 300, 6
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 100, p) + rng.uniform(-1000, 1000, p)
    y = np.sin(X[:, 0] / 30) * 5 + X[:, 1] / 50 + rng.normal(size=n)
    table = make_table(pd.DataFrame(X), y, "regression")
    s = rl._sample(table, {})
    ours = {"ridge": rl._ridge(s), "stump": rl._stump(s), "knn": rl._knn(s)}
    ref = {k: np.empty(n) for k in ours}
    lo, hi = X.min(axis=0), X.max(axis=0)
    for f in range(rl.N_FOLDS):
        tr, te = s.fold != f, s.fold == f
        scaler = StandardScaler().fit(X[tr])
        ridge = Ridge(alpha=rl.RIDGE_ALPHA * tr.sum()).fit(scaler.transform(X[tr]), s.y[tr])
        ref["ridge"][te] = ridge.predict(scaler.transform(X[te]))
        ref["stump"][te] = DecisionTreeRegressor(max_depth=1).fit(X[tr], s.y[tr]).predict(X[te])
        knn = KNeighborsRegressor(n_neighbors=1).fit((X[tr] - lo) / (hi - lo), s.y[tr])
        ref["knn"][te] = knn.predict((X[te] - lo) / (hi - lo))
    for name, pred in ours.items():
        np.testing.assert_allclose(pred, ref[name], atol=1e-9, err_msg=name)
    # R² over the pooled out-of-fold predictions, SST around the whole sample's mean
    expected = 1 - np.sum((s.y - ref["ridge"]) ** 2) / np.sum((s.y - s.y.mean()) ** 2)
    assert rl.r2(s.y, ours["ridge"]) == pytest.approx(expected)


def test_ridge_imputes_the_training_folds_mean():
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(2)
    n = 200
    X = rng.normal(size=(n, 4)) * [1, 10, 100, 0.1]
    y = X @ [1.0, 0.1, 0.01, 10] + rng.normal(size=n)
    X += [0.0, 1e6, 0.0, 1e5]  # large offsets: sums of squares must not cancel
    X[rng.random((n, 4)) < 0.15] = np.nan
    s = rl._sample(make_table(pd.DataFrame(X), y, "regression"), {})
    ref = np.empty(n)
    for f in range(rl.N_FOLDS):
        tr, te = s.fold != f, s.fold == f
        mean = np.nanmean(X[tr], axis=0)
        fill = lambda a: np.where(np.isnan(a), mean, a)  # noqa: B023
        scaler = StandardScaler().fit(fill(X[tr]))
        model = Ridge(alpha=rl.RIDGE_ALPHA * tr.sum()).fit(scaler.transform(fill(X[tr])), s.y[tr])
        ref[te] = model.predict(scaler.transform(fill(X[te])))
    np.testing.assert_allclose(rl._ridge(s), ref, atol=1e-9)


def test_ridge_on_more_columns_than_rows_is_the_same_model():
    """A wide table's ridge is solved from the rows' Gram matrix: same predictions as
    scikit-learn's, and as the columns' Gram matrix gives."""
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import StandardScaler

    from metabase._metafeatures import _ridge

    rng = np.random.default_rng(3)
    n, p = 80, 300
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 10, p) + rng.uniform(-100, 100, p)
    y = X[:, 0] - 2 * X[:, 1] / X[:, 1].std() + rng.normal(size=n)
    X[rng.random((n, p)) < 0.05] = np.nan
    X[:, 2] = 5.0                                        # constant: dropped
    codes = rng.choice(["a", "b", "c"], n)
    frame = pd.DataFrame(X).assign(level=codes)
    s = rl._sample(make_table(frame, y, "regression"), {})
    raw, miss, inc = _ridge._inputs(s)
    assert raw.shape[1] > n                              # the dual way
    np.testing.assert_allclose(_ridge._dual(s, raw, miss, inc), _ridge._primal(s, raw, miss, inc),
                               atol=1e-8)
    onehot = (codes[:, None] == np.array(["a", "b", "c"])).astype(float)
    ref = np.empty(n)
    for f in range(rl.N_FOLDS):
        tr, te = s.fold != f, s.fold == f
        mean = np.nanmean(X[tr], axis=0)
        full = np.hstack([np.delete(np.where(np.isnan(X), mean, X), 2, axis=1), onehot])
        scaler = StandardScaler().fit(full[tr])
        model = Ridge(alpha=rl.RIDGE_ALPHA * tr.sum()).fit(scaler.transform(full[tr]), s.y[tr])
        ref[te] = model.predict(scaler.transform(full[te]))
    np.testing.assert_allclose(rl._ridge(s), ref, atol=1e-8)


def test_one_hot_caps_levels_and_keeps_missing_apart():
    codes = np.array([0, 0, 0, 1, 1, 2, 3, -1])
    oh = rl.one_hot(codes, max_levels=2)
    # columns: level 0, level 1, "other" (2 and 3), missing
    assert oh.shape == (8, 4)
    np.testing.assert_array_equal(oh.argmax(axis=1), [0, 0, 0, 1, 1, 2, 2, 3])


def test_ties_in_1nn_are_averaged_whatever_the_row_order():
    # x takes 4 values; every test row has several training rows at distance 0
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, 200).astype(float)
    y = x + rng.normal(0, 1, 200)
    s = rl._sample(make_table(pd.DataFrame({"x": x}), y, "regression"), {})
    pred = rl._knn(s)
    for i in range(0, 200, 17):
        same = (s.fold != s.fold[i]) & (x == x[i])
        assert pred[i] == pytest.approx(s.y[same].mean())


def weka_distance(a, b, lo, hi, nominal):
    """IBk's squared distance of two rows, by hand: range-normalised numeric cells, a
    missing numeric cell 1 from a missing one and max(v, 1 - v) from a present v;
    nominal: 0 if equal, else 1 (also when either is missing)."""
    total = 0.0
    for j, (u, w) in enumerate(zip(a, b)):
        if nominal[j]:
            total += 0.0 if (u == w and u is not None) else 1.0
            continue
        u, w = [(v - lo[j]) / (hi[j] - lo[j]) for v in (u, w)]
        if np.isnan(u) and np.isnan(w):
            d = 1.0
        elif np.isnan(u) or np.isnan(w):
            v = w if np.isnan(u) else u
            d = max(v, 1 - v)
        else:
            d = u - w
        total += d * d
    return total


@pytest.mark.parametrize("dense_levels", [rl.DENSE_LEVELS, 1])  # 1: the sparse one-hot path
def test_1nn_distances_follow_weka_ibk(dense_levels, monkeypatch):
    monkeypatch.setattr(rl, "DENSE_LEVELS", dense_levels)
    rng = np.random.default_rng(3)
    n = 14
    a = rng.normal(size=n) * 5
    a[[1, 4, 5]] = np.nan
    b = rng.uniform(size=n)
    c = rng.choice(["p", "q", "r"], n).astype(object)
    c[[2, 4]] = None
    X = pd.DataFrame({"a": a, "c": c, "b": b})
    s = rl._sample(make_table(X, rng.normal(size=n), "regression"), {})
    rows = np.arange(n)
    sim = rl.knn_similarity(s, rows)
    lo = [np.nanmin(a), None, b.min()]
    hi = [np.nanmax(a), None, b.max()]
    cells = X.to_numpy(dtype=object)
    dist = np.array([[weka_distance(cells[i], cells[j], lo, hi, [False, True, False])
                      for j in range(n)] for i in range(n)])
    # similarity = -distance / 2 up to a constant per row
    shifted = sim + dist / 2
    np.testing.assert_allclose(shifted - shifted[:, :1], 0, atol=1e-12)


def test_classification_target_is_undefined():
    X, _ = uniform(100, 2)
    r = profile(X, pd.Series(np.where(X.x0 > 0, "a", "b")), groups=["target"])
    for name in NAMES:
        assert math.isnan(r.values[name])
        assert r.reasons[name] == "classification target (described by OpenML's landmarkers)"


@pytest.mark.parametrize("case, reason", [
    ("constant", "constant target"),
    ("few rows", "fewer than 10 rows with a target value"),
    ("missing target", "fewer than 10 rows with a target value"),
    ("no inputs", "no input attributes"),
])
def test_undefined_cases(case, reason):
    X, rng = uniform(40, 2)
    y = pd.Series(rng.normal(size=40))
    if case == "constant":
        y = pd.Series(np.where(np.arange(40) % 2, 7.0, np.nan))  # missing rows left out
    elif case == "few rows":
        X, y = X.iloc[:9], y.iloc[:9]
    elif case == "missing target":
        y[np.arange(40) % 4 != 0] = np.nan  # 10 rows with a target... minus one
        y[0] = np.nan
    else:
        X = pd.DataFrame(index=range(40))
    _, reasons, _ = landmarks(X, y)
    assert set(reasons.values()) == {reason}


def test_odd_tables_give_values_or_reasons_never_failures():
    rng = np.random.default_rng(0)
    n = 60
    y = rng.normal(size=n)
    tables = {
        "nominal only": pd.DataFrame({"c": rng.choice(list("abc"), n)}),
        "all missing": pd.DataFrame({"a": np.full(n, np.nan),
                                     "b": pd.Series([None] * n, dtype=object)}),
        "constant columns": pd.DataFrame({"a": np.ones(n), "b": ["k"] * n}),
        "ids and huge declarations": pd.DataFrame({
            "id": [f"id{i}" for i in range(n)],
            "d": pd.Categorical(rng.choice(["u", "v"], n),
                                categories=[f"c{i}" for i in range(50000)] + ["u", "v"])}),
        "huge values": pd.DataFrame({"a": rng.normal(size=n) * 1e300,
                                     "b": rng.normal(size=n) * 1e-300}),
        "infinite and missing": pd.DataFrame({"a": np.where(np.arange(n) % 3, np.inf, np.nan)}),
        "dates and bools": pd.DataFrame({"when": pd.date_range("2020-01-01", periods=n),
                                         "flag": rng.random(n) > 0.5}),
    }
    for name, X in tables.items():
        v, reasons, _ = landmarks(X, y * 1e200 if name == "huge values" else y)
        assert all(math.isfinite(x) for x in v.values()), (name, reasons)
    # columns without information: every learner predicts (about) the training mean
    v, _, _ = landmarks(tables["all missing"], y)
    assert all(-0.2 < x <= 0 for x in v.values())


def test_deterministic():
    X, rng = uniform(300, 4)
    X["c"] = rng.choice(list("abcde"), 300)
    X.loc[::9, "x1"] = np.nan
    y = np.sin(2 * X.x0) + X.x2 + rng.normal(0, 0.2, 300)
    first, _, _ = landmarks(X, y)
    second, _, _ = landmarks(X, y)
    assert first == second
    other, _, _ = landmarks(X, y, cv_seed=2)  # other folds, other (close) values
    assert other != first
    assert all(abs(other[n] - first[n]) < 0.1 for n in NAMES)


def test_subsample_is_noted_and_seeded():
    X, rng = uniform(300, 3)
    y = X.x0 + rng.normal(0, 0.1, 300)
    full, _, notes = landmarks(X, y)
    assert not any("subsample" in n for n in notes)
    small, _, notes = landmarks(X, y, max_rows_regression_landmarkers=100)
    assert any(n.startswith("TargetLinearR2, TargetStumpR2, TargetkNN1NR2 computed on a random "
                            "subsample of 100 of 300 rows") for n in notes)
    assert small != full
    again, _, _ = landmarks(X, y, max_rows_regression_landmarkers=100)
    assert again == small
    other, _, _ = landmarks(X, y, max_rows_regression_landmarkers=100, random_state=1)
    assert other != small


def test_r2_is_clipped_at_minus_one():
    y = np.array([0.0, 1.0, 2.0, 3.0])
    assert rl.r2(y, y) == 1.0
    assert rl.r2(y, np.full(4, 1.5)) == 0.0
    assert rl.r2(y, y[::-1] * 100) == -1.0


def test_the_extractor_does_not_import_scikit_learn():
    code = ("import sys, numpy as np, pandas as pd\n"
            "from metabase._metafeatures import profile\n"
            "X = pd.DataFrame({'a': np.arange(50.0), 'c': ['x', 'y'] * 25})\n"
            "r = profile(X, np.arange(50.0) ** 2, task='regression')\n"
            "assert not np.isnan(r.values['TargetkNN1NR2'])\n"
            "print('sklearn' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
