"""``--task auto``: classes when an integer target's distinct values are few
relative to the rows and look like labels; the note names the rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from automl_cli._task import infer_task


def _task(values):
    task, notes = infer_task(pd.Series(values))
    return task, notes[0]


def test_eleven_labels_on_5500_rows_are_classes():
    y = np.random.default_rng(0).integers(0, 11, 5500)
    task, note = _task(y)
    assert task == "classification" and "11 values on 5500 rows" in note
    assert "5% of the rows (275)" in note and "--task regression" in note


@pytest.mark.parametrize("values, task, words", [
    (["a", "b", "c"] * 5, "classification", "not numeric"),
    ([True, False] * 5, "classification", "not numeric"),
    ([1.5, 2.0, 3.25] * 5, "regression", "fractional values"),
    ([0, 1] * 3, "classification", "with 2 values"),
    # 28 ring counts on 4,177 rows: few relative to the rows, but too many for labels
    (np.r_[np.arange(1, 29), np.random.default_rng(1).integers(3, 20, 4149)], "regression",
     "more than 20"),
    # a percentage in steps of 10: a measured quantity
    (np.repeat(np.arange(0, 101, 10), 100), "regression", "grid of 10"),
    # a small table: 10 % of the rows may be labels, not more
    (np.arange(30) % 3, "classification", "at most 10% of the rows (3)"),
    (np.arange(30) % 4, "regression", "more than 10% of the rows (3)"),
    # many distinct integers on a large table: prices
    (np.random.default_rng(2).integers(10_000, 500_000, 3000), "regression", "more than 5%"),
])
def test_rules(values, task, words):
    got, note = _task(values)
    assert got == task and words in note, note


def test_missing_values_are_ignored_and_explicit_task_wins():
    y = pd.Series([1.0, 2.0, np.nan, 3.0] * 10)
    assert infer_task(y)[0] == "classification"
    assert infer_task(y, "regression") == ("regression", [])
