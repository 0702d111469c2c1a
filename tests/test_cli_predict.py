"""`automl predict`: schema checks, outputs, streaming."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import mixed_frame


@pytest.fixture
def new_csv(tmp_path):
    frame = mixed_frame(n=40, seed=9).drop(columns=["y"])
    frame.insert(0, "row_id", np.arange(1000, 1040))
    path = tmp_path / "new.csv"
    frame.to_csv(path, index=False)
    return path


def test_predict_to_stdout(run, fitted, new_csv):
    res = run("predict", fitted, new_csv)
    assert res.exit_code == 0
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "prediction" and len(lines) == 41
    assert set(lines[1:]) <= {"yes", "no"}
    assert "unseen at fit time, ignored: 'row_id'" in res.stderr


def test_predict_proba_id_column_csv(run, fitted, new_csv, tmp_path):
    out = tmp_path / "p.csv"
    res = run("predict", fitted, new_csv, "-o", out, "--proba", "--id-column", "row_id")
    assert res.exit_code == 0, res.output
    pred = pd.read_csv(out)
    assert list(pred.columns) == ["row_id", "prediction", "proba_no", "proba_yes"]
    assert pred["row_id"].tolist() == list(range(1000, 1040))
    assert np.allclose(pred["proba_no"] + pred["proba_yes"], 1, atol=1e-5)
    assert (pred["prediction"] == np.where(pred["proba_yes"] > pred["proba_no"], "yes", "no")).all()


def test_predict_parquet_output_and_json_summary(run, fitted, new_csv, tmp_path):
    out = tmp_path / "p.parquet"
    res = run("predict", fitted, new_csv, "-o", out, "--json", "-q")
    doc = json.loads(res.stdout)
    assert doc["rows"] == 40 and sum(doc["predicted_classes"].values()) == 40
    assert doc["drift"]["status"] in ("none", "drift") and doc["drift"]["rows"] == 40
    assert len(pd.read_parquet(out)) == 40


def test_reordered_columns_give_the_same_predictions(run, fitted, new_csv, tmp_path):
    frame = pd.read_csv(new_csv)
    frame[frame.columns[::-1]].to_csv(tmp_path / "rev.csv", index=False)
    a = run("predict", fitted, new_csv, "--proba").stdout
    b = run("predict", fitted, tmp_path / "rev.csv", "--proba").stdout
    assert a == b


def test_missing_column_exit_4_names_it(run, fitted, new_csv, tmp_path):
    pd.read_csv(new_csv).drop(columns=["x2", "colour"]).to_csv(tmp_path / "m.csv", index=False)
    res = run("predict", fitted, tmp_path / "m.csv")
    assert res.exit_code == 4
    assert "missing: 'x2', 'colour'" in res.stderr and "Traceback" not in res.output


def test_unseen_categories_still_predicted(run, fitted, new_csv, tmp_path):
    frame = pd.read_csv(new_csv)
    frame.loc[:4, "colour"] = "purple"
    frame.to_csv(tmp_path / "u.csv", index=False)
    res = run("predict", fitted, tmp_path / "u.csv", "-o", tmp_path / "o.csv")
    assert res.exit_code == 0
    assert "'colour': 5 cell(s) with categories unseen" in res.stderr
    assert len(pd.read_csv(tmp_path / "o.csv")) == 40


def test_chunks_give_the_same_predictions(run, fitted, new_csv):
    whole = run("predict", fitted, new_csv, "--proba").stdout
    chunked = run("predict", fitted, new_csv, "--proba", "--chunk-rows", "7").stdout
    assert whole == chunked


def test_empty_table_exit_4(run, fitted, new_csv, tmp_path):
    (tmp_path / "e.csv").write_text(new_csv.read_text().splitlines()[0] + "\n")
    res = run("predict", fitted, tmp_path / "e.csv")
    assert res.exit_code == 4 and "no data rows" in res.stderr


def test_output_exists_needs_force(run, fitted, new_csv, tmp_path):
    out = tmp_path / "p.csv"
    out.write_text("keep me")
    res = run("predict", fitted, new_csv, "-o", out)
    assert res.exit_code == 6 and out.read_text() == "keep me"
    assert run("predict", fitted, new_csv, "-o", out, "--force").exit_code == 0
    assert out.read_text().startswith("prediction")


def test_failed_predict_leaves_no_output(run, fitted, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2\n1,2\n")
    res = run("predict", fitted, bad, "-o", tmp_path / "p.csv")
    assert res.exit_code == 4
    assert list(tmp_path.iterdir()) == [bad]


def test_json_needs_output_file(run, fitted, new_csv):
    assert run("predict", fitted, new_csv, "--json").exit_code == 2


def test_unknown_id_column(run, fitted, new_csv):
    res = run("predict", fitted, new_csv, "--id-column", "nope")
    assert res.exit_code == 4 and "--id-column 'nope'" in res.stderr


def test_regression_predictions(run, regression_csv, tmp_path):
    res = run("fit", regression_csv, "--max-trials", "1", "-o", tmp_path / "m", "-q")
    assert res.exit_code == 0
    res = run("predict", tmp_path / "m", regression_csv, "-o", tmp_path / "p.csv", "--json")
    doc = json.loads(res.stdout)
    pred = pd.read_csv(tmp_path / "p.csv")["prediction"]
    assert doc["prediction_mean"] == pytest.approx(pred.mean(), rel=1e-5)
    assert "column(s) unseen at fit time" not in " ".join(doc["warnings"])  # target ignored
