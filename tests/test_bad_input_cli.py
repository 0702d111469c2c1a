"""The bad-input catalogue at the CLI: one clear line, the documented exit code,
no traceback, no output left behind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import mixed_frame


def _csv(tmp_path, frame, name="t.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


CASES = {
    "target missing": (lambda: mixed_frame(), ["--target", "why"], "no target column 'why'"),
    "target all missing": (lambda: mixed_frame().assign(y=np.nan), [], "has no values"),
    "target constant": (lambda: mixed_frame().assign(y="a"), [], "a single value"),
    "one row": (lambda: mixed_frame().head(1), [], "at least 5 are needed"),
    "only target": (lambda: mixed_frame()[["y"]], [], "no features"),
    "regression target text": (lambda: mixed_frame(), ["--task", "regression"],
                               "non-numeric value"),
    "no usable features": (lambda: pd.DataFrame({"id": [f"r{i}" for i in range(30)],
                                                 "k": 1, "y": [0, 1] * 15}), [],
                           "no usable feature columns"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_tables_exit_4(run, tmp_path, case):
    make, args, message = CASES[case]
    res = run("fit", _csv(tmp_path, make()), "-o", tmp_path / "m", "--max-trials", "1", *args)
    assert res.exit_code == 4, res.output
    lines = res.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and message in lines[-1]
    assert "Traceback" not in res.output and not (tmp_path / "m").exists()


def test_target_hint_suggests_close_names(run, tmp_path):
    res = run("fit", _csv(tmp_path, mixed_frame()), "--target", "Y", "-o", tmp_path / "m")
    assert "did you mean 'y'" in res.stderr


def test_missing_target_values_dropped_with_note(run, tmp_path):
    f = mixed_frame()
    f.loc[:9, "y"] = np.nan
    res = run("fit", _csv(tmp_path, f), "--max-trials", "1", "-o", tmp_path / "m")
    assert res.exit_code == 0 and "10 row(s) with a missing target dropped" in res.stdout


def test_awkward_but_valid_table(run, tmp_path):
    n = 80
    rng = np.random.default_rng(1)
    f = pd.DataFrame({
        "customer_id": np.arange(n),                                   # identifier: dropped
        "code": [f"c{i}" for i in range(n)],                            # unique text: dropped
        "empty": np.nan,                                                # all missing: dropped
        "const": 7,                                                     # constant: dropped
        "inf": np.where(rng.random(n) < 0.1, np.inf, rng.normal(size=n)),
        "mixed": [str(v) if i % 40 else "n/a?" for i, v in enumerate(rng.normal(size=n))],
        "when": pd.date_range("2020-01-01", periods=n, freq="D").astype(str),
        "ok": rng.choice(["t", "f"], n),
        "many": [f"level{i % 60}" for i in range(n)],
        "y": np.r_[np.zeros(n // 2 - 1), np.ones(n // 2), 2],           # a class with one row
    })
    res = run("fit", _csv(tmp_path, f), "--max-trials", "2", "-o", tmp_path / "m", "--json", "-q")
    assert res.exit_code == 0, res.output
    import json
    notes = " ".join(json.loads(res.stdout)["notes"])
    for col, word in [("customer_id", "identifier"), ("code", "identifier"), ("empty", "missing"),
                      ("const", "single value"), ("inf", "infinite"), ("mixed", "non-numeric"),
                      ("when", "expanded"), ("2", "single row")]:
        assert col in notes and word in notes, (col, word, notes)


@pytest.mark.slow
def test_wide_table(run, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 10000)).astype(np.float32)
    f = pd.DataFrame(X, columns=[f"c{i}" for i in range(10000)])
    f["y"] = (X[:, 0] > 0).astype(int)
    # two folds: each fit of a pipeline over 10,000 named columns costs seconds
    res = run("fit", _csv(tmp_path, f), "--max-trials", "1", "--cv", "2", "-o", tmp_path / "m",
              "-q")
    assert res.exit_code == 0, res.output
