"""The model directory: checksums, versions, atomic writes, loading without our package.
What a tampered model file can and cannot do is in test_model_safety.py; concurrent
saves and kill -9 in test_faults.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from automl_cli import _artifact
from automl_cli._errors import DataError, OutputError
from automl_cli._trusted import TRUSTED
from conftest import mixed_frame


@pytest.fixture
def model_copy(fitted, tmp_path):
    dest = tmp_path / "model"
    shutil.copytree(fitted, dest)
    return dest


def test_manifest_contents(fitted):
    m = json.loads((fitted / "manifest.json").read_text())
    assert m["format"] == "automl-model" and m["format_version"] == 2
    assert m["model_file"] == "model.skops" and "profile" not in m
    assert m["model_sha256"] == _artifact.sha256(fitted / "model.skops")
    assert m["profile_sha256"] == _artifact.sha256(fitted / "profile.json")
    assert set(m["model_types"]) <= set(TRUSTED)
    assert {"scikit-learn", "pandas", "numpy", "python", "skops"} <= set(m["versions"])
    assert {"manifest.json", "model.skops", "profile.json"} <= {p.name for p in fitted.iterdir()}
    cols = {c["name"]: c for c in m["schema"]["columns"]}
    assert cols["colour"]["kind"] == "categorical"
    assert cols["colour"]["categories"] == ["blue", "green", "red"]
    assert cols["x1"]["kind"] == "numeric" and cols["flag"]["kind"] == "boolean"
    assert m["classes"] == ["no", "yes"] and m["metric"] == "roc_auc" and m["seed"] == 0
    assert m["leaderboard"][0]["trial"] == 1 and m["config"]["family"]
    assert m["scores"]["cv"]["roc_auc"]["mean"] is not None and "total" in m["timings"]


def test_checksum_mismatch_refused(run, model_copy, binary_csv):
    with open(model_copy / "model.skops", "ab") as fh:
        fh.write(b"tampered")
    res = run("predict", model_copy, binary_csv)
    assert res.exit_code == 4 and "checksum mismatch" in res.stderr


def test_profile_checksum_mismatch_refused(run, model_copy, binary_csv):
    (model_copy / "profile.json").write_text("{}")
    res = run("predict", model_copy, binary_csv)
    assert res.exit_code == 4 and "profile.json: checksum mismatch" in res.stderr


def test_newer_format_refused(model_copy):
    m = json.loads((model_copy / "manifest.json").read_text())
    m["format_version"] = 99
    (model_copy / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(DataError, match="newer than this automl reads"):
        _artifact.load_model(model_copy)


@pytest.mark.parametrize("setup, message", [
    (lambda d: shutil.rmtree(d), "no such model directory"),
    (lambda d: (d / "manifest.json").unlink(), "not an automl model directory"),
    (lambda d: (d / "manifest.json").write_text("{nope"), "unreadable manifest"),
    (lambda d: (d / "manifest.json").write_text('{"format": "other"}'), "not an automl model"),
    (lambda d: (d / "model.skops").unlink(), "model.skops is missing"),
    (lambda d: (d / "profile.json").unlink(), "profile.json is missing"),
])
def test_broken_model_dirs(run, model_copy, binary_csv, setup, message):
    setup(model_copy)
    res = run("predict", model_copy, binary_csv)
    assert res.exit_code == 4 and message in res.stderr and "Traceback" not in res.output


def test_corrupt_model_file_with_matching_checksum(run, model_copy, binary_csv):
    (model_copy / "model.skops").write_bytes(b"not a zip")
    m = json.loads((model_copy / "manifest.json").read_text())
    m["model_sha256"] = _artifact.sha256(model_copy / "model.skops")
    (model_copy / "manifest.json").write_text(json.dumps(m))
    res = run("predict", model_copy, binary_csv)
    assert res.exit_code == 4 and "not a readable skops model file" in res.stderr


def test_failed_save_keeps_previous_model(model_copy, monkeypatch):
    from sklearn.dummy import DummyClassifier

    before = (model_copy / "manifest.json").read_text()

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(_artifact, "_write", full_disk)
    with pytest.raises(OutputError, match="No space left on device.*previous model"):
        _artifact.save_model(DummyClassifier(), {}, model_copy, force=True)
    assert (model_copy / "manifest.json").read_text() == before
    assert sorted(p.name for p in model_copy.parent.iterdir()) == ["model"]


def test_unwritable_output(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(OutputError, match="permission denied"):
            _artifact.check_output_dir(ro / "m", force=False)
    finally:
        os.chmod(ro, 0o700)


def test_model_loads_without_our_package(fitted, tmp_path):
    data = tmp_path / "x.csv"
    mixed_frame(n=10).drop(columns=["y"]).to_csv(data, index=False)
    code = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('automl_cli', 'metabase'):
            raise ImportError('blocked ' + name)
sys.meta_path.insert(0, Block())
import json, pandas as pd, skops.io as sio
# the types to trust beyond skops' defaults: those automl's manifest lists (review them)
types = json.load(open({str(fitted / 'manifest.json')!r}))["model_types"]
model = sio.load({str(fitted / 'model.skops')!r}, trusted=types)
X = pd.read_csv({str(data)!r})
X['colour'] = X['colour'].astype(object)
X['flag'] = X['flag'].astype(str).astype(object)
print(type(model).__module__, len(model.predict(X)))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    module, rows = out.stdout.split()        # a Pipeline, or a VotingClassifier of them
    assert module.startswith("sklearn.") and rows == "10"


def test_our_skops_bytes_are_skops_own_format_with_a_compact_schema():
    import io
    import zipfile

    import numpy as np
    import skops.io as sio
    from sklearn.ensemble import ExtraTreesClassifier, VotingClassifier

    from automl_cli._artifact import skops_bytes

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(80, 3)), rng.integers(0, 2, 80)
    model = VotingClassifier([("a", ExtraTreesClassifier(5, random_state=0)),
                              ("b", ExtraTreesClassifier(5, random_state=1))],
                             voting="soft").fit(X, y)
    ours, theirs = skops_bytes(model), sio.dumps(model)
    def shape(node):            # the schema less object ids (of arrays and their files)
        if isinstance(node, dict):
            return {k: shape(v) for k, v in node.items() if k not in ("file", "__id__")}
        return [shape(v) for v in node] if isinstance(node, list) else node

    schema = [shape(json.loads(zipfile.ZipFile(io.BytesIO(b)).read("schema.json")))
              for b in (ours, theirs)]
    assert schema[0] == schema[1]
    assert b"\n" not in zipfile.ZipFile(io.BytesIO(ours)).read("schema.json")
    back = sio.load(io.BytesIO(ours), trusted=sio.get_untrusted_types(data=ours))
    assert np.array_equal(back.predict_proba(X), model.predict_proba(X))
