"""fit → predict on real tables from ../shared/datasets with tiny budgets:
binary with categoricals and missing values, multiclass, regression."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import shared_table


@pytest.mark.parametrize("name, kind, metric, floor", [
    ("credit-approval", "binary", "roc_auc", 0.85),
    ("vehicle", "multiclass", "log_loss", None),
    ("auto-mpg", "regression", "r2", 0.75),
])
def test_fit_predict_shared(run, tmp_path, name, kind, metric, floor):
    data = shared_table(name)
    res = run("fit", data, "--max-trials", "2", "-o", tmp_path / "m", "--json", "-q")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["kind"] == kind and doc["metric"] == metric
    if floor is not None:
        assert doc["score"]["mean"] > floor
    else:
        assert doc["score"]["mean"] < 1.0
    out = tmp_path / "p.csv"
    res = run("predict", tmp_path / "m", data, "-o", out, "--proba" if kind != "regression" else
              "--force")
    assert res.exit_code == 0, res.output
    pred = pd.read_csv(out)
    assert len(pred) == len(pd.read_csv(data))
