"""`automl explain`: permutation importance of each input column on a labelled holdout,
in text and JSON, through the path predict uses."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import mixed_frame

import automl_cli
from automl_cli._errors import DataError
from automl_cli._explain import explain_file, importance


@pytest.fixture(scope="module")
def model_and_holdout(tmp_path_factory):
    """A model fitted on 200 rows, and 150 other labelled rows with an id column."""
    root = tmp_path_factory.mktemp("explain")
    train = mixed_frame(200, seed=5)
    train.insert(0, "row_id", [f"r{i}" for i in range(len(train))])
    result = automl_cli.fit(train, target="y", max_trials=2, no_metalearning=True,
                            ensemble_size=1)
    out = result.save(root / "model")
    holdout = mixed_frame(150, seed=6)
    holdout.insert(0, "row_id", [f"h{i}" for i in range(len(holdout))])
    path = root / "holdout.csv"
    holdout.to_csv(path, index=False)
    return out, path


def test_text_lists_every_input_column_with_mean_and_spread(run, model_and_holdout):
    out, holdout = model_and_holdout
    res = run("explain", out, holdout)
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert "roc_auc" in text and "150 labelled rows" in text and "± std" in text
    for col in ("x1", "x2", "colour", "flag"):
        assert col in text
    assert "not used by the model: row_id (id)" in text
    lines = [ln.split() for ln in text.splitlines() if ln.split()[:1] in (["x1"], ["flag"])]
    assert lines[0][0] == "x1"                               # sorted: the strongest first


def test_json_holds_every_repeat_and_ranks_the_signal_first(run, model_and_holdout):
    out, holdout = model_and_holdout
    res = run("explain", out, holdout, "--json", "--repeats", "3", "--seed", "2")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["metric"] == "roc_auc" and doc["rows"] == 150 and doc["n_repeats"] == 3
    cols = {c["column"]: c for c in doc["columns"]}
    assert set(cols) == {"x1", "x2", "colour", "flag"}
    for c in cols.values():
        assert len(c["repeats"]) == 3 and c["std"] >= 0
        assert c["mean"] == pytest.approx(np.mean(c["repeats"]), abs=1e-5)
    assert cols["x1"]["mean"] > 0.05 > abs(cols["flag"]["mean"])
    assert doc["columns"][0]["column"] == "x1"
    again = json.loads(run("explain", out, holdout, "--json", "--repeats", "3",
                           "--seed", "2").stdout)
    assert again["columns"] == doc["columns"]                # a fixed seed: the same numbers


def test_needs_the_target_and_every_column(run, model_and_holdout, tmp_path):
    out, holdout = model_and_holdout
    frame = pd.read_csv(holdout)
    frame.drop(columns=["y"]).to_csv(tmp_path / "unlabelled.csv", index=False)
    res = run("explain", out, tmp_path / "unlabelled.csv")
    assert res.exit_code == 4 and "no target column 'y'" in res.output
    frame.drop(columns=["x2"]).to_csv(tmp_path / "short.csv", index=False)
    res = run("explain", out, tmp_path / "short.csv")
    assert res.exit_code == 4 and "'x2'" in res.output


def test_unseen_classes_and_missing_targets_are_left_out(model_and_holdout, tmp_path):
    out, holdout = model_and_holdout
    frame = pd.read_csv(holdout)
    frame.loc[:4, "y"] = "maybe"
    frame.loc[5:6, "y"] = np.nan
    frame.to_csv(tmp_path / "odd.csv", index=False)
    doc = explain_file(out, tmp_path / "odd.csv", n_repeats=2)
    assert doc["rows"] == 143
    assert any("classes unseen at fit time" in n for n in doc["notes"])
    assert any("missing target" in n for n in doc["notes"])


def test_a_loss_counts_as_importance_when_it_rises(regression_csv, tmp_path):
    result = automl_cli.fit(regression_csv, metric="mae", max_trials=1, no_metalearning=True,
                            cv=3, ensemble_size=1)
    frame = pd.read_csv(regression_csv)
    manifest = result.manifest()
    doc = importance(result.pipeline, manifest, frame.drop(columns=["target"]),
                     frame["target"].to_numpy(), n_repeats=2, max_rows=100)
    assert doc["metric"] == "mae" and not doc["greater_is_better"] and doc["rows"] == 100
    assert doc["baseline"] > 0                                # the loss itself, not negated
    assert doc["columns"][0]["mean"] > 0                      # shuffling raises the loss
    assert any("100-row sample" in n for n in doc["notes"])
    with pytest.raises(DataError, match="'bmi'"):
        importance(result.pipeline, manifest, frame.drop(columns=["bmi"]), frame["target"])
