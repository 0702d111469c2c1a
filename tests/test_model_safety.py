"""A model file that would run code is refused, whatever its checksum (issue 18).

The attacker here can write the model directory: they replace the model file and
update the manifest's sha256 to match. Every case runs the real ``automl predict``
in a subprocess and checks the exit code, the one-line reason and that the payload
(``touch MARKER``) did not run. A control shows each payload is real: loaded the
way a careless loader would (skops trusting whatever the file names, joblib), it
does create the marker.
"""

from __future__ import annotations

import functools
import json
import pickle
import shutil
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest

from automl_cli import _artifact
from automl_cli._errors import DataError
from automl_cli._trusted import TRUSTED, check_model
from conftest import mixed_frame

AUTOML = [sys.executable, "-c", "from automl_cli.cli import main; main()"]


def _predict(*args):
    return subprocess.run([*AUTOML, "predict", *map(str, args)], capture_output=True,
                          text=True, timeout=300)


def _one_line(res, code, *words):
    assert res.returncode == code, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.stderr
    for w in words:
        assert w in lines[0], lines[0]


def _install(model_dir, name, payload: bytes, **manifest_changes):
    """Replace the model file and update the manifest's checksum to match."""
    for old in ("model.skops", "model.joblib"):
        (model_dir / old).unlink(missing_ok=True)
    (model_dir / name).write_bytes(payload)
    m = json.loads((model_dir / "manifest.json").read_text())
    m.update(model_file=name, model_sha256=_artifact.sha256(model_dir / name),
             **manifest_changes)
    (model_dir / "manifest.json").write_text(json.dumps(m))


def _evil_skops(marker) -> bytes:
    """A real scikit-learn Pipeline whose first step evaluates a shell command when the
    model predicts: eval(code, {}, X) accepts the DataFrame as its locals."""
    import skops.io as sio
    from sklearn.dummy import DummyClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    code = f"__import__('os').system('touch {marker}') or 0"
    step = FunctionTransformer(func=functools.partial(eval, code, {}))    # stateless
    model = DummyClassifier().fit(pd.DataFrame({"a": [0.0, 1.0]}), ["no", "yes"])
    return sio.dumps(Pipeline([("prep", step), ("model", model)]))     # never fitted here


class _Evil:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import os
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture(autouse=True)
def one_thread():
    """OpenMP threads spin on a shared, loaded machine: fits here take seconds otherwise."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture
def model(fitted, tmp_path):
    dest = tmp_path / "model"
    shutil.copytree(fitted, dest)
    return dest


@pytest.fixture
def batch(tmp_path):
    path = tmp_path / "new.csv"
    mixed_frame(n=20, seed=4).drop(columns=["y"]).to_csv(path, index=False)
    return path


def test_the_skops_payload_is_real(tmp_path):
    """Control: trusting what the file names (``get_untrusted_types``) runs the command."""
    import skops.io as sio

    marker = tmp_path / "pwned"
    data = _evil_skops(marker)
    types = sio.get_untrusted_types(data=data)
    assert "builtins.eval" in types and "builtins.eval" not in TRUSTED
    careless = sio.loads(data, trusted=types)
    assert not marker.exists()
    with pytest.raises(TypeError):        # the command runs, then the pipeline fails
        careless.predict(pd.DataFrame({"a": [1.0]}))
    assert marker.exists()


def test_tampered_skops_model_is_refused(model, batch, tmp_path):
    marker = tmp_path / "pwned"
    _install(model, "model.skops", _evil_skops(marker))
    res = _predict(model, batch, "-o", tmp_path / "p.csv")
    _one_line(res, 4, "model.skops: refused", "outside automl's trusted set", "builtins.eval",
              "could run code")
    assert not marker.exists() and not (tmp_path / "p.csv").exists()


def test_pickle_in_place_of_the_skops_file_is_refused(model, batch, tmp_path):
    marker = tmp_path / "pwned"
    _install(model, "model.skops", pickle.dumps(_Evil(marker)))
    res = _predict(model, batch)
    _one_line(res, 4, "model.skops: not a readable skops model file")
    assert not marker.exists()


def test_tampered_joblib_model_needs_trust(model, batch, tmp_path):
    """Format 1: refused by default; --trust-joblib runs it (which is what it says)."""
    marker = tmp_path / "pwned"
    _install(model, "model.joblib", pickle.dumps(_Evil(marker)), format_version=1)
    res = _predict(model, batch)
    _one_line(res, 4, "model.joblib: a format-1 model", "could run any code",
              "--trust-joblib")
    assert not marker.exists()
    # a manifest claiming format 2 cannot smuggle a pickle past the flag either
    _install(model, "model.joblib", pickle.dumps(_Evil(marker)), format_version=2)
    _one_line(_predict(model, batch), 4, "--trust-joblib")
    assert not marker.exists()
    _predict(model, batch, "--trust-joblib")
    assert marker.exists()


def test_format_1_directory_loads_with_trust_and_a_warning(model, batch, tmp_path):
    import skops.io as sio

    estimator = sio.load(model / "model.skops", trusted=TRUSTED)
    buf = tmp_path / "m.joblib"
    joblib.dump(estimator, buf)
    _install(model, "model.joblib", buf.read_bytes(), format_version=1)
    (model / "profile.json").unlink()
    m = json.loads((model / "manifest.json").read_text())
    for key in ("profile_file", "profile_sha256"):
        m.pop(key)
    (model / "manifest.json").write_text(json.dumps(m))
    res = _predict(model, batch, "--trust-joblib")
    assert res.returncode == 0, res.stderr
    assert len(res.stdout.splitlines()) == 21
    assert "format-1 joblib model (--trust-joblib): a pickle can run any code" in res.stderr


def test_model_file_outside_the_directory_is_refused(model, batch, tmp_path):
    m = json.loads((model / "manifest.json").read_text())
    m["model_file"] = "../elsewhere.skops"
    (model / "manifest.json").write_text(json.dumps(m))
    _one_line(_predict(model, batch), 4, "not a file of the model directory")


def test_other_scikit_learn_version_is_named(run, model, batch):
    m = json.loads((model / "manifest.json").read_text())
    m["versions"]["scikit-learn"] = "1.2.0"
    (model / "manifest.json").write_text(json.dumps(m))
    res = run("predict", model, batch)
    import sklearn

    assert res.exit_code == 0
    assert (f"written by scikit-learn 1.2.0, this is scikit-learn {sklearn.__version__}"
            in res.stderr)


# ------------------------------------------------- trusted types whose content is checked

def _fitted(family, task, n=200, **params):
    from metabase import infer_schema, prepare_frame
    from metabase._pipeline import build_pipeline
    from metabase.families import FAMILIES

    frame = mixed_frame(n=n)
    y = frame.pop("y")
    if task == "regression":
        y = np.random.default_rng(0).normal(size=n)
    schema = infer_schema(frame)
    X, _ = prepare_frame(frame, schema)
    config = {"family": family, "params": {**FAMILIES[family].defaults(task), **params}}
    return build_pipeline(config, schema, task).fit(X, y), X, y


def _save_load(estimator, tmp_path, name="m"):
    _artifact.save_model(estimator, {}, tmp_path / name)
    return _artifact.load_model(tmp_path / name)[0]


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_every_family_saves_and_loads_the_same_model(tmp_path, task):
    from metabase.families import FAMILIES

    for family in FAMILIES:
        est, X, _ = _fitted(family, task)
        back = _save_load(est, tmp_path, family)
        how = "predict_proba" if task == "classification" else "predict"
        assert np.allclose(getattr(back, how)(X), getattr(est, how)(X)), family


def test_voting_and_calibrated_ensembles_of_pipelines(tmp_path):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import VotingClassifier

    hgb, X, y = _fitted("hgb", "classification", max_iter=20)
    rf = _fitted("rf", "classification", n_estimators=16)[0]
    vote = VotingClassifier([("hgb", hgb), ("rf", rf)], voting="soft", weights=[2, 1])
    vote.fit(X, y)
    back = _save_load(vote, tmp_path, "vote")
    assert np.allclose(back.predict_proba(X), vote.predict_proba(X))
    assert list(back.named_estimators_) == ["hgb", "rf"]
    cal = CalibratedClassifierCV(vote, cv=2).fit(X, y)
    assert np.allclose(_save_load(cal, tmp_path, "cal").predict_proba(X), cal.predict_proba(X))


def _tree_state_change(tree, field, index, value):
    state = tree.__getstate__()
    state["nodes"] = state["nodes"].copy()
    state["nodes"][field][index] = value
    tree.__setstate__(state)


def _first_split(tree):
    return int(np.flatnonzero(tree.children_left != -1)[0])


CRAFTED = {
    "tree reads column 999": lambda m: _tree_state_change(
        m.estimators_[0].tree_, "feature", _first_split(m.estimators_[0].tree_), 999),
    "tree node points back": lambda m: _tree_state_change(
        m.estimators_[0].tree_, "left_child", _first_split(m.estimators_[0].tree_), 0),
    "tree node points past the end": lambda m: _tree_state_change(
        m.estimators_[0].tree_, "right_child", _first_split(m.estimators_[0].tree_), 10 ** 6),
}


@pytest.mark.parametrize("case", list(CRAFTED))
def test_forest_with_crafted_indices_is_refused(tmp_path, case):
    est, X, _ = _fitted("rf", "classification", n_estimators=16)
    CRAFTED[case](est.named_steps["model"])
    _artifact.save_model(est, {}, tmp_path / "m")
    with pytest.raises(DataError, match="refused: a decision tree .*read outside its memory"):
        _artifact.load_model(tmp_path / "m")


def test_boosting_with_crafted_indices_is_refused(tmp_path):
    est, X, _ = _fitted("hgb", "classification", max_iter=20)
    pred = est.named_steps["model"]._predictors[0][0]
    inner = np.flatnonzero(pred.nodes["is_leaf"] == 0)[0]
    pred.nodes["right"][inner] = 10 ** 6
    _artifact.save_model(est, {}, tmp_path / "m")
    with pytest.raises(DataError, match="refused: a gradient-boosting tree"):
        _artifact.load_model(tmp_path / "m")
    pred.nodes["right"][inner] = inner + 1
    pred.nodes["feature_idx"][inner] = 500
    with pytest.raises(Exception, match="gradient-boosting tree reading column 500"):
        check_model(est)


def test_kd_tree_with_crafted_indices_is_refused(tmp_path):
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    knn = KNeighborsClassifier().fit(X, X[:, 0] > 0)
    assert type(knn._tree).__name__ == "KDTree"
    state = list(knn._tree.__getstate__())
    state[1] = state[1].copy()
    state[1][0] = 10 ** 6                   # an index far outside the 100 training rows
    knn._tree.__setstate__(tuple(state))
    _artifact.save_model(knn, {}, tmp_path / "m")
    with pytest.raises(DataError, match="refused: a k-d tree"):
        _artifact.load_model(tmp_path / "m")


def test_trusted_list_is_short_and_reasoned():
    from automl_cli._trusted import EXTRA_TRUSTED

    assert len(EXTRA_TRUSTED) <= 16 and all(len(why) > 10 for why in EXTRA_TRUSTED.values())
    assert not any(t.startswith(("builtins.", "os.", "subprocess.", "posix.")) for t in TRUSTED)
