"""The Python API end to end: fit -> save -> `automl predict` on the saved directory, and
`load` on a directory the CLI wrote; errors are the CLI's exception classes."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import mixed_frame

import automl_cli
from automl_cli._errors import DataError, OutputError


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A tiny fit through the API, saved: (result, model directory, frame)."""
    frame = mixed_frame(200, seed=3)
    result = automl_cli.fit(frame, target="y", max_trials=2, seed=1)
    out = tmp_path_factory.mktemp("api") / "model"
    assert result.save(out) == out
    return result, out, frame


def test_result_carries_the_model_and_its_score(fitted):
    result, _, frame = fitted
    assert result.metric == "roc_auc"
    assert result.score == result.scores["roc_auc"]["mean"] and 0.5 < result.score <= 1
    assert hasattr(result.pipeline, "predict_proba")
    manifest = result.manifest()
    assert manifest["target"] == "y" and manifest["data"]["format"] == "dataframe"
    assert manifest["data"]["rows"] == len(frame)
    assert "automl Result" in repr(result)


def test_saved_directory_is_what_fit_writes(fitted):
    _, out, _ = fitted
    names = {p.name for p in out.iterdir()}
    assert {"manifest.json", "model.skops", "profile.json", "oof.npz"} <= names
    assert "report.html" not in names


def test_cli_predict_scores_a_directory_the_api_saved(run, fitted, tmp_path):
    _, out, frame = fitted
    data = tmp_path / "new.csv"
    frame.drop(columns=["y"]).to_csv(data, index=False)
    res = run("predict", out, data, "--proba", "-q")
    assert res.exit_code == 0, res.output
    scored = pd.read_csv(io.StringIO(res.stdout))
    assert len(scored) == len(frame) and set(scored["prediction"]) <= {"yes", "no"}
    model = automl_cli.load(out)
    assert list(model.predict(frame)) == scored["prediction"].tolist()
    np.testing.assert_allclose(model.predict_proba(frame)[:, 1], scored["proba_yes"], atol=1e-6)


def test_load_applies_predicts_schema_checks(fitted):
    _, out, frame = fitted
    model = automl_cli.load(out)
    assert model.classes == ["no", "yes"]
    p = model.predict_proba(frame.drop(columns=["y"]))
    assert p.shape == (len(frame), 2) and np.allclose(p.sum(axis=1), 1)
    shuffled = frame[["flag", "colour", "x2", "x1"]]           # order does not matter
    assert list(model.predict(shuffled)) == list(model.predict(frame))
    with pytest.warns(UserWarning, match="unseen at fit time, ignored: 'extra'"):
        model.predict(frame.assign(extra=1))
    with pytest.raises(DataError, match="'x2'"):
        model.predict(frame.drop(columns=["x2"]))


def test_load_reads_a_directory_the_cli_wrote(run, binary_csv, tmp_path):
    out = tmp_path / "cli-model"
    res = run("fit", binary_csv, "--max-trials", "2", "-o", out, "-q", "--ensemble-size", "1")
    assert res.exit_code == 0, res.output
    model = automl_cli.load(out)
    frame = pd.read_csv(binary_csv)
    pred = model.predict(frame)
    assert len(pred) == len(frame) and set(pred) <= {"yes", "no"}
    assert model.target == "y" and model.metric == "roc_auc"


def test_regression_through_a_path(regression_csv, tmp_path):
    result = automl_cli.fit(regression_csv, max_trials=1, no_metalearning=True, cv=3)
    assert result.metric == "r2" and result.fit_result.problem.target == "target"
    out = result.save(tmp_path / "reg")
    model = automl_cli.load(out)
    pred = model.predict(pd.read_csv(regression_csv))
    assert pred.dtype.kind == "f" and len(pred) == 150
    with pytest.raises(TypeError, match="no class probabilities"):
        model.predict_proba(pd.read_csv(regression_csv))
    with pytest.raises(OutputError, match="already exists"):
        result.save(out)


def test_errors_are_the_cli_exception_classes(tmp_path):
    frame = mixed_frame(60)
    with pytest.raises(DataError, match="no target column 'price'"):
        automl_cli.fit(frame, target="price")
    with pytest.raises(DataError, match="no such"):
        automl_cli.fit(tmp_path / "missing.csv")
    with pytest.raises(DataError, match="no such model directory"):
        automl_cli.load(tmp_path / "nowhere")
    with pytest.raises(TypeError, match="time_limit"):
        automl_cli.fit(frame, target="y", time_limit=3)
    with pytest.raises(ValueError, match="cv=1"):
        automl_cli.fit(frame, target="y", cv=1)
    with pytest.raises(ValueError, match="not a duration"):
        automl_cli.fit(frame, target="y", time_budget="soon")


def test_import_stays_light():
    code = ("import sys, automl_cli\n"
            "ok = callable(automl_cli.fit) and callable(automl_cli.load)\n"
            "heavy = [m for m in ('sklearn', 'pandas', 'numpy') if m in sys.modules]\n"
            "print('HEAVY', heavy, ok)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert "HEAVY [] True" in out.stdout


def _predict_stderr(model_dir, data, *args, terminal: bool) -> str:
    """`automl predict`'s stderr, with stderr a pseudo-terminal or a pipe."""
    import os
    import pty
    from pathlib import Path

    cmd = [str(Path(sys.executable).parent / "automl"), "predict", str(model_dir), str(data),
           "-o", os.devnull, "--force", "--chunk-rows", "50", *args]
    if not terminal:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    master, slave = pty.openpty()
    try:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=slave, check=True, timeout=300)
        os.close(slave)
        chunks = []
        while True:
            try:
                block = os.read(master, 65536)
            except OSError:            # EIO: the terminal's other end is closed
                break
            if not block:
                break
            chunks.append(block)
        return b"".join(chunks).decode()
    finally:
        os.close(master)


def test_predict_shows_progress_only_on_a_terminal(fitted, tmp_path):
    _, out, frame = fitted
    data = tmp_path / "long.csv"
    frame.to_csv(data, index=False)
    shown = _predict_stderr(out, data, terminal=True)
    assert "scored 50 rows (" in shown and "scored 200 rows (" in shown and "rows/s)" in shown
    assert "rows/s" not in _predict_stderr(out, data, "-q", terminal=True)
    assert "rows/s" not in _predict_stderr(out, data, terminal=False)
