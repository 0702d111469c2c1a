"""Drift (issue 18): the training profile, the comparison, and `predict`'s warning,
--json section and --fail-on-drift gate. False-alarm rates over many batches are
measured by tests/bench/bench_drift.py (bench-results/drift.txt)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from automl_cli._drift import (PSI_MAJOR, DriftMonitor, compare, drift_warning,
                               training_profile)
from metabase import infer_schema, prepare_frame


def table(n: int, seed: int) -> pd.DataFrame:
    """Rows drawn independently from one fixed distribution."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10, 0.5, size=n)
    age = rng.integers(18, 90, size=n).astype(float)
    age[rng.random(n) < 0.05] = np.nan
    city = rng.choice(["paris", "lyon", "nice", "lille"], size=n, p=[0.4, 0.3, 0.2, 0.1])
    member = rng.random(n) < 0.3
    y = np.where(np.log(income) + 0.01 * np.nan_to_num(age) + rng.normal(size=n) > 10.5,
                 "yes", "no")
    return pd.DataFrame({"income": income, "age": age, "city": city, "member": member, "y": y})


@pytest.fixture(scope="module")
def trained():
    frame = table(5000, 0).drop(columns="y")
    schema = infer_schema(frame)
    return training_profile(frame, schema), schema


def test_profile_is_compact_and_complete(trained):
    profile, _ = trained
    assert set(profile["numeric"]) == {"income", "age"}
    assert set(profile["categorical"]) == {"city", "member"}
    age = profile["numeric"]["age"]
    assert abs(age["missing"] - 0.05) < 0.01 and len(age["edges"]) == 9
    assert sum(age["p"]) + age["missing"] == pytest.approx(1, abs=1e-3)
    assert profile["categorical"]["city"]["levels"][0] == "paris"
    assert profile["meta"]["NumberOfInstances"] == 5000
    assert len(json.dumps(profile)) < 2000


def test_profile_of_a_thousand_columns_stays_small():
    rng = np.random.default_rng(1)
    wide = pd.DataFrame(rng.normal(size=(500, 1000)) * rng.lognormal(size=1000),
                        columns=[f"c{i}" for i in range(1000)])
    size = len(json.dumps(training_profile(wide, infer_schema(wide)), separators=(",", ":")))
    assert size < 200_000          # about 180 bytes a numeric column


@pytest.mark.parametrize("n", [50, 1000, 5000])
def test_unshifted_batches_do_not_alarm(trained, n):
    profile, schema = trained
    alarms = [compare(profile, table(n, seed).drop(columns="y"), schema)["drifted"]
              for seed in range(100, 110)]
    assert alarms == [[]] * 10


def _shifted(n=2000, seed=7):
    frame = table(n, seed).drop(columns="y")
    frame["income"] *= 100                       # a unit changed upstream
    frame.loc[: n // 10, "city"] = "marseille"   # a new category
    frame["member"] = frame["member"].astype(object)
    frame.loc[: n // 2, "member"] = np.nan       # a feed that stopped filling a column
    return frame


def test_shifted_batch_names_the_moved_columns(trained):
    profile, schema = trained
    report = compare(profile, _shifted(), schema)
    assert report["status"] == "drift"
    assert set(report["drifted"]) == {"income", "city", "member"}
    cols = report["columns"]
    assert cols["income"]["level"] == "major" and cols["income"]["above_range"] > 0.9
    assert cols["city"]["unseen"] == pytest.approx(0.1, abs=0.01)
    assert cols["member"]["missing_batch"] == pytest.approx(0.5, abs=0.01)
    assert cols["income"]["psi"] >= PSI_MAJOR and cols["age"]["drifted"] is False
    line = drift_warning(report)
    assert line.startswith("drift: 3 of 4 columns moved") and "'income' (PSI" in line
    assert "outside the training range" in line and "unseen categories" in line
    assert report["thresholds"] == {"psi_moderate": 0.1, "psi_major": 0.25, "alpha": 0.01,
                                    "p_value_below": 0.0025}


def test_chunks_accumulate_to_the_same_report(trained):
    profile, schema = trained
    X, _ = prepare_frame(_shifted(), schema)
    whole, chunked = DriftMonitor(profile, schema), DriftMonitor(profile, schema)
    whole.update(X)
    for start in range(0, len(X), 333):
        chunked.update(X.iloc[start:start + 333])
    assert whole.report() == chunked.report()


def test_dates_are_not_compared():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"day": pd.date_range("2020-01-01", periods=400).astype(str),
                          "x": rng.normal(size=400)})
    schema = infer_schema(frame)
    profile = training_profile(frame, schema)
    assert list(profile["numeric"]) == ["x"] and not profile["categorical"]
    later = frame.assign(day=pd.date_range("2024-01-01", periods=400).astype(str))
    assert compare(profile, later, schema)["status"] == "none"


# ------------------------------------------------------------------- automl predict

@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from click.testing import CliRunner

    from automl_cli.cli import cli

    d = tmp_path_factory.mktemp("drift")
    table(1500, 0).to_csv(d / "train.csv", index=False)
    res = CliRunner().invoke(cli, ["fit", str(d / "train.csv"), "--max-trials", "1", "--cv", "2",
                                   "--no-metalearning", "-o", str(d / "m"), "-q"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    table(1000, 11).drop(columns="y").to_csv(d / "same.csv", index=False)
    _shifted(1000).to_csv(d / "shifted.csv", index=False)
    return d


def test_predict_says_nothing_on_an_unshifted_batch(run, model, tmp_path):
    res = run("predict", model / "m", model / "same.csv", "-o", tmp_path / "p.csv", "--json",
              "--fail-on-drift")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["drift"]["status"] == "none" and doc["drift"]["drifted"] == []
    assert doc["drift"]["rows"] == 1000 and "drift" not in res.stderr


def test_predict_warns_on_a_shifted_batch(run, model, tmp_path):
    res = run("predict", model / "m", model / "shifted.csv", "-o", tmp_path / "p.csv", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["drift"]["status"] == "drift"
    assert set(doc["drift"]["drifted"]) == {"income", "city", "member"}
    warning = [w for w in res.stderr.splitlines() if w.startswith("warning: drift: ")]
    assert len(warning) == 1 and "'income'" in warning[0] and "'age'" not in warning[0]
    assert any(w.startswith("drift: ") for w in doc["warnings"])


def test_fail_on_drift_exits_7_after_writing(run, model, tmp_path):
    out = tmp_path / "p.csv"
    res = run("predict", model / "m", model / "shifted.csv", "-o", out, "--fail-on-drift", "-q")
    assert res.exit_code == 7
    assert res.stderr.strip().splitlines() == [
        res.stderr.strip()] and res.stderr.startswith("error: ")
    assert "3 column(s) drifted" in res.stderr and "predictions were written" in res.stderr
    assert len(pd.read_csv(out)) == 1000


def test_fail_on_drift_without_a_profile_is_exit_4(run, model, tmp_path):
    import shutil

    m = tmp_path / "m"
    shutil.copytree(model / "m", m)
    manifest = json.loads((m / "manifest.json").read_text())
    del manifest["profile_file"], manifest["profile_sha256"]
    (m / "manifest.json").write_text(json.dumps(manifest))
    res = run("predict", m, model / "same.csv", "-o", tmp_path / "p.csv", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["drift"]["status"] == "unavailable"
    res = run("predict", m, model / "same.csv", "-o", tmp_path / "q.csv", "--fail-on-drift")
    assert res.exit_code == 4 and "--fail-on-drift cannot check" in res.stderr
