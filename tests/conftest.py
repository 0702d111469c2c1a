"""Shared fixtures: tiny tables built here, scikit-learn's bundled data, and
../shared (skipped with a reason where it is absent, as in a user's clone)."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

# the meta-model cache (``metabase._cache``) of the test run, not the user's: set before
# anything runs, so that the CLI's subprocesses inherit it
os.environ["AUTOML_CACHE_DIR"] = tempfile.mkdtemp(prefix="automl-test-cache-")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATASETS = SHARED / "datasets"


def shared_table(name: str) -> Path:
    path = DATASETS / f"{name}.csv.gz"
    if not path.exists():
        pytest.skip(f"../shared/datasets not found ({path}): the shared tables are only on "
                    "the project's machines")
    return path


@pytest.fixture
def run():
    """Invoke the CLI in-process: run(args...) -> click Result."""
    from automl_cli.cli import cli

    runner = CliRunner()

    def _run(*args):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return _run


def signal_frame(n: int = 240, seed: int = 3) -> pd.DataFrame:
    """:func:`mixed_frame` with a binary target ``y`` ("yes"/"no") that its ``x1`` and
    ``x2`` predict, with noise."""
    frame = mixed_frame(n=n, seed=seed)
    rng = np.random.default_rng(seed)
    logit = 1.2 * frame["x1"] + np.sin(2 * frame["x2"].fillna(5)) * 1.5
    frame["y"] = np.where(logit + rng.normal(scale=0.6, size=n) > 0, "yes", "no")
    return frame


def mixed_frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """A binary table with numeric, categorical, boolean and missing cells."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.uniform(0, 10, size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    flag = rng.random(n) < 0.5
    logit = 1.5 * x1 + 0.3 * (x2 - 5) + (colour == "red") * 1.2
    y = np.where(logit + rng.normal(scale=0.5, size=n) > 0, "yes", "no")
    frame = pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "flag": flag, "y": y})
    frame.loc[rng.choice(n, 10, replace=False), "x2"] = np.nan
    frame.loc[rng.choice(n, 8, replace=False), "colour"] = np.nan
    return frame


@pytest.fixture
def binary_csv(tmp_path) -> Path:
    path = tmp_path / "binary.csv"
    mixed_frame().to_csv(path, index=False)
    return path


@pytest.fixture
def regression_csv(tmp_path) -> Path:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame.head(150)
    path = tmp_path / "diabetes.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def multiclass_csv(tmp_path) -> Path:
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    frame = data.frame.copy()
    frame["target"] = data.target_names[data.target]
    path = tmp_path / "iris.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def fitted(tmp_path_factory) -> Path:
    """A model directory fit once on the mixed binary table (2 trials)."""
    from automl_cli.cli import cli

    d = tmp_path_factory.mktemp("fitted")
    data = d / "train.csv"
    mixed_frame().to_csv(data, index=False)
    res = CliRunner().invoke(cli, ["fit", str(data), "--max-trials", "2", "-o", str(d / "model"),
                                   "-q"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return d / "model"


def read_json(text: str) -> dict:
    return json.loads(text)


@pytest.fixture
def tiny_folder(tmp_path):
    """Two tables in the shared-folder layout."""
    d = tmp_path / "datasets"
    d.mkdir()
    rows = []
    for i, n in enumerate((60, 80)):
        f = mixed_frame(n=n, seed=i).rename(columns={"y": "target"})
        f.to_csv(d / f"t{i}.csv.gz", index=False, compression="gzip")
        rows.append({"name": f"t{i}", "task": "binary", "n_rows": n, "n_features": 4})
    with open(d / "MANIFEST.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, ["name", "task", "n_rows", "n_features"])
        w.writeheader()
        w.writerows(rows)
    return d


@pytest.fixture
def few_configs(monkeypatch):
    import metabase._portfolio as P

    full = P.portfolio
    monkeypatch.setattr(P, "portfolio", lambda task, seed=0: [
        c for c in full(task, seed) if c["family"] in ("linear", "knn", "hgb")][:6])


