"""``openml:ID`` and ``openml:task/ID`` as inputs, against recorded OpenML
responses (tests/fixtures/openml, the ones the metabase's live path uses)."""

from __future__ import annotations

import json

import pytest

from automl_cli._errors import DataError
from automl_cli._io import load_table
from test_sources import live, no_network  # noqa: F401 - fixtures


@pytest.fixture
def openml_cache(live, monkeypatch):  # noqa: F811
    import openml

    monkeypatch.setattr(openml.config, "_root_cache_directory", live["cache"])
    return live


def test_dataset_gives_its_default_target_and_task(openml_cache):
    table = load_table("openml:990061")
    assert table.frame.shape == (20, 6) and table.frame.columns[-1] == "class"
    assert (table.target, table.task) == ("class", "classification")
    assert "default target" in table.notes[0] and "iris20" in table.notes[0]
    assert table.target_and_task(None, "auto") == ("class", "classification")
    assert table.target_and_task("petalwidth", "regression") == ("petalwidth", "regression")


def test_task_gives_its_target_and_type(openml_cache):
    table = load_table("openml:task/990060")
    assert (table.target, table.task) == ("petalwidth", "regression")
    assert table.frame.columns[-1] == "petalwidth" and "task 990060" in table.notes[0]


@pytest.mark.parametrize("spec, message", [
    ("openml:123456", "no OpenML dataset 123456 on OpenML"),
    ("openml:task/7", "no OpenML task 7 on OpenML"),
    ("openml:credit-g", "not an OpenML input: write openml:ID"),
])
def test_unknown_ids_are_one_line(openml_cache, spec, message):
    with pytest.raises(DataError, match=message):
        load_table(spec)


def test_fit_from_openml(run, openml_cache, tmp_path):
    res = run("fit", "openml:task/990059", "--max-trials", "1", "-o", tmp_path / "m", "--json",
              "-q")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["target"] == "class" and doc["kind"] == "multiclass"
    assert any("OpenML task 990059" in n for n in doc["notes"])


def test_no_network_is_one_line_exit_4(run, no_network, monkeypatch, tmp_path):  # noqa: F811
    import openml

    monkeypatch.setattr(openml.config, "server", "http://127.0.0.1:9/api/v1/xml")
    monkeypatch.setattr(openml.config, "connection_n_retries", 1)
    monkeypatch.setattr(openml.config, "_root_cache_directory", tmp_path / "cache")
    res = run("fit", "openml:31", "-o", tmp_path / "m")
    assert res.exit_code == 4 and "Traceback" not in res.output
    assert res.stderr.startswith("error: openml:31: cannot download OpenML dataset 31")
