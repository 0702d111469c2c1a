"""The disk cache of the meta-models (``metabase._cache``): the same advice, rebuilt
whenever the store or the code changes, and never an error."""

from __future__ import annotations

import os
import shutil

import pytest

from metabase import _cache, recommend
from metabase import _recommend


def _counting(value="built"):
    calls = []

    def build():
        calls.append(1)
        return {"value": value, "n": len(calls)}
    return build, calls


@pytest.fixture
def store(tmp_path):
    d = tmp_path / "store"
    d.mkdir()
    (d / "header.json").write_text('{"format": "x"}')
    (d / "runs.parquet").write_bytes(b"1234")
    return d


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("AUTOML_CACHE_DIR", str(d))
    return d


def test_a_value_is_built_once_then_read_back(store, cache):
    build, calls = _counting()
    assert _cache.cached("m", store, [_cache], build) == {"value": "built", "n": 1}
    assert _cache.cached("m", store, [_cache], build) == {"value": "built", "n": 1}
    assert len(calls) == 1 and len(list(cache.glob("m-*.pkl"))) == 1


def test_a_changed_store_file_rebuilds_and_replaces_the_old_entry(store, cache):
    build, calls = _counting()
    _cache.cached("m", store, [_cache], build)
    (store / "runs.parquet").write_bytes(b"123456")          # another size
    _cache.cached("m", store, [_cache], build)
    (store / "header.json").write_text('{"format": "y"}')     # same size, other bytes
    _cache.cached("m", store, [_cache], build)
    assert len(calls) == 3 and len(list(cache.glob("m-*.pkl"))) == 1


def test_a_torn_entry_is_rebuilt_and_an_unwritable_cache_is_no_error(store, cache):
    build, calls = _counting()
    _cache.cached("m", store, [_cache], build)
    entry, = cache.glob("m-*.pkl")
    entry.write_bytes(b"\x80\x05not a pickle")
    assert _cache.cached("m", store, [_cache], build)["n"] == 2
    shutil.rmtree(cache)
    cache.write_text("a file where the directory should be")
    assert _cache.cached("m", store, [_cache], build)["n"] == 3
    assert _cache.cached("m", store, [_cache], build)["n"] == 4


def test_an_empty_cache_dir_turns_the_cache_off(store, monkeypatch):
    monkeypatch.setenv("AUTOML_CACHE_DIR", "")
    build, calls = _counting()
    _cache.cached("m", store, [_cache], build)
    _cache.cached("m", store, [_cache], build)
    assert len(calls) == 2


def test_the_advice_from_the_cache_is_the_advice_built_afresh(cache, monkeypatch):
    meta = {"NumberOfInstances": 500.0, "NumberOfFeatures": 8.0, "NumberOfClasses": 2.0,
            "NumberOfNumericFeatures": 8.0, "MajorityClassPercentage": 60.0}

    def advice():
        _recommend._models.cache_clear()
        a = recommend(meta, "classification", 500, top=10)
        return [(r["config_id"], r["predicted"], r["fit_time"]) for r in a.recommendations]

    fresh = advice()                                  # builds and writes the entry
    assert len(list(cache.glob("metamodels-*.pkl"))) == 1
    stamp = os.stat(next(cache.glob("metamodels-*.pkl"))).st_mtime_ns
    assert advice() == fresh                          # read back
    assert os.stat(next(cache.glob("metamodels-*.pkl"))).st_mtime_ns == stamp
    monkeypatch.setenv("AUTOML_CACHE_DIR", "")
    assert advice() == fresh                          # no cache at all
    _recommend._models.cache_clear()
