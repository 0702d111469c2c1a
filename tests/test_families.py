"""One common check over every estimator family (like scikit-learn's estimator
checks): its defaults and a random config fit, predict and survive a one-trial
budget on a tiny table, for both tasks; its space and defaults agree."""

from __future__ import annotations

import numpy as np
import pytest

from metabase import (FAMILIES, build_pipeline, config_key, infer_schema, prepare_frame,
                      sample_config, validate_config)
from metabase._space import to_unit_vector
from conftest import mixed_frame

TASKS = ["classification", "regression"]


@pytest.fixture(scope="module")
def tiny():
    f = mixed_frame(n=60)
    X = f.drop(columns=["y"])
    schema = infer_schema(X)
    Xp, _ = prepare_frame(X, schema)
    return Xp, schema, f["y"].to_numpy(dtype=object), X["x1"].to_numpy() * 3 + 1


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("name", list(FAMILIES))
def test_defaults_lie_in_the_space(name, task):
    fam = FAMILIES[name]
    assert validate_config(fam.space(task), fam.defaults(task)) == []
    assert set(fam.defaults(task)) == set(fam.space(task))


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_fits_and_predicts(tiny, name, task):
    Xp, schema, ylab, ynum = tiny
    fam = FAMILIES[name]
    y = ylab if task == "classification" else ynum
    rng = np.random.default_rng(0)
    for params in (fam.defaults(task), sample_config(fam.space(task), rng)):
        pipe = build_pipeline({"family": name, "params": params}, schema, task)
        pipe.fit(Xp, y)
        pred = pipe.predict(Xp.iloc[:5])
        assert len(pred) == 5
        if task == "classification":
            p = pipe.predict_proba(Xp.iloc[:5])
            assert p.shape == (5, 2) and np.allclose(p.sum(axis=1), 1)
        else:
            assert np.all(np.isfinite(pred))


@pytest.mark.parametrize("name", ["svm", "mlp", "hgb", "linear"])
def test_regression_defaults_do_not_depend_on_the_target_s_scale(tiny, name):
    """SVR's epsilon and the MLP's output are in the target's units: those families get
    it standardised (``SCALE_TARGET``), so a target in units 10,000 times smaller
    gets predictions 10,000 times smaller (trees and ridge are invariant already)."""
    Xp, schema, _, ynum = tiny
    config = {"family": name, "params": FAMILIES[name].defaults("regression")}
    rng = np.random.default_rng(1)
    y = ynum + rng.normal(0, 0.3, len(ynum))
    small = build_pipeline(config, schema, "regression").fit(Xp, y * 1e-4).predict(Xp)
    unit = build_pipeline(config, schema, "regression").fit(Xp, y).predict(Xp)
    assert np.allclose(small * 1e4, unit, rtol=1e-3, atol=1e-3 * np.std(y))


@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_survives_a_one_trial_budget(run, binary_csv, tmp_path, name, monkeypatch):
    from automl_cli import _candidates

    def only(task, n_rows, seed, *shape):
        yield {"family": name, "params": FAMILIES[name].defaults(task)}, "default", None
    monkeypatch.setattr(_candidates, "default_candidates", only)
    monkeypatch.setattr("automl_cli._fit.default_candidates", only)
    res = run("fit", binary_csv, "--max-trials", "1", "--no-metalearning", "-o", tmp_path / "m",
              "-q")
    assert res.exit_code == 0, res.output
    assert f"model:   {name}" in res.stdout


def test_unit_vector_and_keys_are_stable():
    space = FAMILIES["svm"].space("classification")
    d = FAMILIES["svm"].defaults("classification")
    u = to_unit_vector(space, d)
    assert all(0 <= v <= 1 for v in u) and len(u) == len(space)
    assert config_key("svm", d) == config_key("svm", dict(reversed(list(d.items()))))
    assert config_key("svm", d) != config_key("svm", {**d, "C": 2.0})


def test_hgb_never_stops_early_so_the_refit_is_the_model_cross_validated():
    """scikit-learn's early_stopping="auto" turns on above 10,000 rows: a refit on all rows
    would then differ from the model scored on smaller folds."""
    import numpy as np

    from metabase import FAMILIES

    rng = np.random.default_rng(0)
    X = rng.normal(size=(10_500, 3))          # noise targets: scikit-learn's auto stops early
    for task, target in (("classification", np.arange(10_500) % 2),
                         ("regression", rng.normal(size=10_500))):
        params = dict(FAMILIES["hgb"].defaults(task), max_iter=30)
        model = FAMILIES["hgb"].build(task, params).fit(X, target)
        assert model.n_iter_ == 30
