"""automl_cli._ensemble: greedy selection on out-of-fold predictions, the class-prior share,
the assembled scikit-learn model, and that model loading where automl is not installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig

import numpy as np
import pandas as pd
import pytest

from automl_cli._ensemble import (Ensemble, assemble, reweighted, scorer, select, unfitted)
from automl_cli._trial import Trial
from conftest import mixed_frame
from metabase import METRICS


def _trial(number, oof, score, family="hgb"):
    t = Trial(number, {"family": family, "params": {}}, "test")
    t.status, t.score, t.oof = "ok", score, np.asarray(oof, dtype=np.float32)
    return t


def test_fast_scorers_agree_with_the_metrics():
    rng = np.random.default_rng(0)
    y = rng.choice(["a", "b"], size=200)
    p = rng.dirichlet([1, 1], size=200)
    for name in ("roc_auc", "log_loss", "accuracy"):
        want = METRICS[name].fn(y, np.array(["a", "b"])[p.argmax(1)], p, ["a", "b"])
        assert scorer(name, y, ["a", "b"])(p) == pytest.approx(want, rel=1e-9)
    yr, pr = rng.normal(size=50), rng.normal(size=50)
    assert scorer("r2", yr, None)(pr) == pytest.approx(METRICS["r2"].fn(yr, pr, None, None))


def test_selection_blends_complementary_trials_and_stops():
    # two trials, each right on a different half of the rows: the blend beats both
    y = np.array([0, 1] * 50)
    good_first = np.where(np.arange(100) < 50, y, 0.5).astype(float)
    good_second = np.where(np.arange(100) >= 50, y, 0.5).astype(float)
    a = _trial(1, good_first, 0.75)
    b = _trial(2, good_second, 0.74)
    bad = _trial(3, np.full(100, 3.0), -5.0)
    ens = select([a, b, bad], y.astype(float), None, "r2", 25)
    assert {t.number for t in ens.members} == {1, 2}
    assert sum(ens.weights) == pytest.approx(1.0) and ens.prior == 0.0
    assert ens.score > max(scorer("r2", y, None)(good_first), scorer("r2", y, None)(good_second))


def test_one_trial_still_gets_class_priors():
    y = np.array(["a"] * 8 + ["b"] * 2)
    p = np.tile([1.0, 0.0], (10, 1))                  # certain, and wrong on the b rows
    ens = select([_trial(1, p, 9.0)], y, ["a", "b"], "log_loss", 25)
    assert ens.members[0].number == 1 and ens.prior > 0
    assert ens.predictions(y, ["a", "b"]).min() > 0


def test_size_one_is_the_best_trial_alone():
    y = np.array([0.0, 1.0, 2.0])
    a, b = _trial(1, [0, 1, 2], 0.9), _trial(2, [0, 1, 1], 0.95)
    ens = select([a, b], y, None, "r2", 1)
    assert ens.members == [b] and ens.weights == [1.0]


def test_a_confident_wrong_blend_gets_class_priors_and_never_zero():
    # a trial certain of every row and wrong on one: log loss explodes without a floor
    y = np.array(["a"] * 30 + ["b"] * 10)
    p = np.zeros((40, 2))
    p[y == "a", 0] = 1.0
    p[y == "b", 1] = 1.0
    p[0] = [0.0, 1.0]
    ens = select([_trial(1, p, 1.0), _trial(2, p, 1.0)], y, ["a", "b"], "log_loss", 25)
    assert ens.prior > 0
    blend = ens.predictions(y, ["a", "b"])
    assert blend.min() > 0 and blend.max() < 1
    assert ens.score < scorer("log_loss", y, ["a", "b"])(p) / 5


def _fitted_members(task):
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"u": rng.normal(size=120), "v": rng.normal(size=120)})
    if task == "classification":
        y = np.where(X["u"] + 0.3 * rng.normal(size=120) > 0, "yes", "no")
        models = [make_pipeline(StandardScaler(), LogisticRegression()),
                  DecisionTreeClassifier(max_depth=3, random_state=0)]
    else:
        y = X["u"].to_numpy() * 3 + rng.normal(size=120)
        models = [make_pipeline(StandardScaler(), LinearRegression()),
                  DecisionTreeRegressor(max_depth=3, random_state=0)]
    return X, y, [m.fit(X, y) for m in models]


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_assembled_blend_is_the_weighted_mean_of_its_members(task):
    X, y, fitted = _fitted_members(task)
    trials = [_trial(1, np.zeros(1), 0.0, "linear"), _trial(2, np.zeros(1), 0.0, "rf")]
    prior = 0.01 if task == "classification" else 0.0
    ens = Ensemble(trials, [0.7, 0.3], prior, 0.0)
    model = assemble(ens, fitted, task, X, y)
    if task == "regression":
        want = 0.7 * fitted[0].predict(X) + 0.3 * fitted[1].predict(X)
        assert type(model).__name__ == "VotingRegressor"
        assert np.allclose(model.predict(X), want)
        return
    share = np.array([np.mean(y == c) for c in ["no", "yes"]])
    want = (0.7 * fitted[0].predict_proba(X) + 0.3 * fitted[1].predict_proba(X)
            + prior * share) / (1 + prior)
    assert type(model).__name__ == "VotingClassifier"
    assert list(model.classes_) == ["no", "yes"]
    assert np.allclose(model.predict_proba(X), want)
    assert (model.predict(X) == np.array(["no", "yes"])[want.argmax(1)]).all()
    # the unfitted form cross-validates the same blend
    refit = unfitted(ens, [f for f in fitted], task).fit(X, y)
    assert np.allclose(refit.predict_proba(X), want, atol=1e-6)


def test_a_member_left_out_is_not_reported():
    y = np.array([0.0, 1.0, 2.0, 3.0])
    a, b = _trial(1, [0, 1, 2, 3], 1.0), _trial(2, [3, 2, 1, 0], -3.0)
    ens = Ensemble([a, b], [0.5, 0.5], 0.0, 0.0)
    kept = reweighted(ens, [a], y, None, "r2")
    assert kept.members == [a] and kept.weights == [1.0] and kept.score == pytest.approx(1.0)


def test_fit_saves_an_ensemble_that_loads_where_automl_is_not_installed(run, tmp_path):
    """The model file is scikit-learn's own classes: a Python without automl (the
    project's site-packages without the editable install's path hook) loads it and
    gives the same probabilities as ``automl predict``."""
    frame = mixed_frame(n=300, seed=4)
    # a linear and a non-linear part, so that no one family wins alone; scikit-learn's
    # defaults (--no-metalearning), so that the blend does not depend on the store
    rng = np.random.default_rng(4)
    logit = 1.2 * frame["x1"] + np.sin(2 * frame["x2"].fillna(5)) * 1.5
    frame["y"] = np.where(logit + rng.normal(scale=0.6, size=300) > 0, "yes", "no")
    frame.to_csv(tmp_path / "train.csv", index=False)
    res = run("fit", tmp_path / "train.csv", "--target", "y", "--max-trials", "8",
              "--no-metalearning", "-o", tmp_path / "m", "--json", "-q")
    assert res.exit_code == 0, res.stderr
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    members = [m for m in manifest["ensemble"] if m["config"]]
    assert len(members) >= 2 and abs(sum(m["weight"] for m in members) - 1) < 1e-3
    new = mixed_frame(n=40, seed=5).drop(columns=["y"])
    new.to_csv(tmp_path / "new.csv", index=False)
    res = run("predict", tmp_path / "m", tmp_path / "new.csv", "--proba", "-o",
              tmp_path / "pred.csv")
    assert res.exit_code == 0, res.stderr
    from automl_cli._trusted import TRUSTED
    from metabase import prepare_frame

    prepared, _ = prepare_frame(new, manifest["schema"])
    prepared.to_pickle(tmp_path / "prepared.pkl")
    model_file = tmp_path / "m" / manifest["model_file"]
    code = f"""
import sys
sys.path.append({sysconfig.get_paths()["purelib"]!r})
try:
    import automl_cli
    sys.exit("automl is importable: not the environment this test needs")
except ImportError:
    pass
import pandas as pd
path = {str(model_file)!r}
if path.endswith(".skops"):
    import skops.io as sio
    untrusted = sio.get_untrusted_types(file=path)
    # what a user without automl trusts: the short list the README names
    assert set(untrusted) <= set({sorted(TRUSTED)!r}), untrusted
    model = sio.load(path, trusted=untrusted)
else:
    import joblib
    model = joblib.load(path)
X = pd.read_pickle({str(tmp_path / "prepared.pkl")!r})
p = model.predict_proba(X)
print(type(model).__module__.split(".")[0], ",".join(map(str, model.classes_)))
print(" ".join(f"{{v:.6f}}" for v in p[:, 1]))
"""
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env={k: v for k, v in os.environ.items()
                                            if k != "PYTHONPATH"})
    assert out.returncode == 0, out.stderr + out.stdout
    module, classes = out.stdout.splitlines()[0].split()
    assert module == "sklearn" and classes == "no,yes"
    theirs = np.array(out.stdout.splitlines()[1].split(), dtype=float)
    ours = pd.read_csv(tmp_path / "pred.csv")["proba_yes"].to_numpy()
    assert np.allclose(theirs, ours, atol=1e-5)
