"""metabase._evaluate: folds, aligned probabilities, cross-validation records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metabase import aligned_proba, cross_validate, make_splits


def _covers_every_row_once(splits, n):
    tests = np.concatenate([te for _, te in splits])
    return sorted(tests.tolist()) == list(range(n))


def test_stratified_folds_keep_the_class_shares():
    y = np.array([0] * 80 + [1] * 20)
    splits = make_splits(y, "classification", 5, 1, seed=0)
    assert len(splits) == 5 and _covers_every_row_once(splits, 100)
    assert all((y[te] == 1).sum() == 4 for _, te in splits)
    for tr, te in splits:
        assert not set(tr) & set(te)


def test_repeats_and_seeds():
    y = np.arange(50, dtype=float)
    a = make_splits(y, "regression", 5, 2, seed=3)
    assert len(a) == 10 and _covers_every_row_once(a[:5], 50) and _covers_every_row_once(a[5:], 50)
    b = make_splits(y, "regression", 5, 2, seed=3)
    assert all(np.array_equal(x[1], z[1]) for x, z in zip(a, b))
    c = make_splits(y, "regression", 5, 1, seed=4)
    assert not all(np.array_equal(x[1], z[1]) for x, z in zip(a, c))


def test_folds_shrink_to_a_tiny_table_and_tolerate_a_rare_class():
    assert len(make_splits(np.array([1.0, 2.0, 3.0]), "regression", 5)) == 3
    y = np.array([0, 0, 0, 0, 0, 1])                  # one row of class 1: plain k-fold
    splits = make_splits(y, "classification", 5)
    assert len(splits) == 5 and _covers_every_row_once(splits, 6)
    with pytest.raises(ValueError):
        make_splits(np.array([1.0]), "regression")


def test_aligned_proba_fills_classes_a_fold_model_never_saw():
    class Fake:
        classes_ = np.array(["a", "c"])

        def predict_proba(self, X):
            return np.array([[0.25, 0.75]] * len(X))

    p = aligned_proba(Fake(), [0, 1], ["a", "b", "c"])
    assert p.shape == (2, 3) and np.allclose(p[0], [0.25, 0.0, 0.75])


def test_cross_validate_records_each_fold():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=60)})
    y = (X["x"] > 0).astype(int).to_numpy()
    splits = make_splits(y, "classification", 3, 1, seed=0)
    folds = cross_validate(LogisticRegression, X, y, "classification", [0, 1],
                           ["roc_auc", "accuracy"], splits)
    assert [f["fold"] for f in folds] == [0, 1, 2]
    assert all(f["roc_auc"] > 0.9 and f["n_test"] == 20 and f["fit_time"] >= 0 for f in folds)


def test_out_of_fold_predictions_match_the_folds():
    from sklearn.linear_model import LogisticRegression, Ridge

    from metabase import cross_validate_oof

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"x": rng.normal(size=90), "z": rng.normal(size=90)})
    y = np.where(X["x"] > 0.3, "b", np.where(X["x"] < -0.3, "a", "c"))
    splits = make_splits(y, "classification", 3, 1, seed=0)
    folds, oof = cross_validate_oof(LogisticRegression, X, y, "classification",
                                    ["a", "b", "c"], ["accuracy"], splits)
    assert oof.shape == (90, 3) and oof.dtype == np.float32
    assert np.allclose(oof.sum(axis=1), 1, atol=1e-5)
    tr, te = splits[0]
    direct = LogisticRegression().fit(X.iloc[tr], y[tr]).predict_proba(X.iloc[te])
    assert np.allclose(oof[te], direct, atol=1e-5)
    acc = np.mean(np.array(["a", "b", "c"])[oof[te].argmax(axis=1)] == y[te])
    assert folds[0]["accuracy"] == pytest.approx(acc)
    yr = X["x"].to_numpy() * 2
    _, oofr = cross_validate_oof(Ridge, X, yr, "regression", None, ["r2"],
                                 make_splits(yr, "regression", 3, 2, seed=0))
    assert oofr.shape == (90,) and np.corrcoef(oofr, yr)[0, 1] > 0.99   # mean of 2 repeats
