"""Faults and concurrency, with nothing lost (issue 18).

- two ``automl fit -o DIR`` at once: without --force one saves and the other says
  the directory appeared meanwhile (exit 6); with --force both save, in turn; either
  way DIR is one complete, loadable model and nothing else is left beside it;
- two ``automl predict -o FILE`` at once: the same, for the predictions file;
- ``kill -9`` of ``automl fit`` at random moments (fixed seed): no trial process
  outlives it, DIR is absent or complete, and the next fit removes what it left.

The longer soak of all of this is ``tests/bench/bench_faults.py`` (make bench-reliability).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl_cli import _artifact
from metabase import _atomic
from conftest import ROOT, mixed_frame

sys.path.insert(0, str(ROOT / "tests" / "bench"))

AUTOML = [sys.executable, "-c", "from automl_cli.cli import main; main()"]
FAST = ["--max-trials", "1", "--no-metalearning", "--cv", "2", "-q"]


def _start(*args, env=None):
    return subprocess.Popen([*AUTOML, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _finish(procs):
    return [(p.wait(timeout=600), p.stderr.read()) for p in procs]


def _leftovers(directory: Path, name: str) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(f".{name}."))


@pytest.mark.slow
def test_two_fits_at_once_one_wins(binary_csv, tmp_path):
    out = tmp_path / "m"
    results = _finish([_start("fit", binary_csv, "-o", out, *FAST) for _ in range(2)])
    codes = sorted(code for code, _ in results)
    assert codes == [0, 6], results
    loser = next(err for code, err in results if code == 6)
    assert loser.startswith("error: ") and len(loser.strip().splitlines()) == 1
    assert "already exists" in loser
    _artifact.load_model(out)
    assert _leftovers(tmp_path, "m") == []


@pytest.mark.slow
def test_two_fits_at_once_with_force_both_save_in_turn(binary_csv, tmp_path):
    out = tmp_path / "m"
    results = _finish([_start("fit", binary_csv, "-o", out, "--force", *FAST)
                       for _ in range(2)])
    assert [code for code, _ in results] == [0, 0], results
    _artifact.load_model(out)
    assert {"manifest.json", "model.skops", "profile.json"} <= {p.name for p in out.iterdir()}
    assert _leftovers(tmp_path, "m") == []


@pytest.fixture
def scored(fitted, tmp_path):
    data = tmp_path / "new.csv"
    mixed_frame(n=3000, seed=3).drop(columns=["y"]).to_csv(data, index=False)
    reference = tmp_path / "reference.csv"
    assert subprocess.run([*AUTOML, "predict", fitted, data, "-o", reference, "-q"]).returncode == 0
    return data, reference.read_text()


def test_two_predicts_at_once_one_wins(fitted, scored, tmp_path):
    data, reference = scored
    out = tmp_path / "p.csv"
    results = _finish([_start("predict", fitted, data, "-o", out, "--chunk-rows", "500", "-q")
                       for _ in range(2)])
    assert sorted(code for code, _ in results) == [0, 6], results
    assert "already exists" in next(err for code, err in results if code == 6)
    assert out.read_text() == reference
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".p.csv")] == []


def test_two_predicts_at_once_with_force(fitted, scored, tmp_path):
    data, reference = scored
    out = tmp_path / "p.csv"
    results = _finish([_start("predict", fitted, data, "-o", out, "--force", "-q")
                       for _ in range(2)])
    assert [code for code, _ in results] == [0, 0], results
    assert out.read_text() == reference


# ----------------------------------------------------------------------- kill -9

def _wait_gone(token: str, seconds: float = 5.0) -> list[int]:
    """Processes still carrying the fit's environment (``token``): the fit and every
    trial it forked share it."""
    import bench_faults

    deadline = time.monotonic() + seconds
    while (left := bench_faults._tagged(token.encode())) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture
def slow_csv(tmp_path):
    """Trials that take a few seconds each, so that kills land inside them."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 20))
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(20)])
    frame["y"] = np.where(X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(size=3000) > 0, "a", "b")
    path = tmp_path / "slow.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_kill_9_of_fit_leaves_no_orphan_and_no_partial_model(slow_csv, tmp_path):
    """Kills at a random moment, at a random moment inside a trial, and while the
    model is being saved (seeded); the budget leaves room for trials on a busy machine."""
    import bench_faults

    rng = random.Random(18)
    out = tmp_path / "m"
    orphans, landed = 0, []
    for mode in ("random", "in a trial", "saving"):
        token = uuid.uuid4().hex
        proc = _start("fit", slow_csv, "-o", out, "--force", "--time-budget", "12",
                      "--n-jobs", "2", "-q", env={**os.environ, "AUTOML_FAULT_TAG": token})
        landed.append(bench_faults._kill_at(mode, proc, token.encode(), lambda p=proc.pid: any(
            f".tmp-{p}-" in n for n in _leftovers(tmp_path, "m")), rng))
        orphans += len(_wait_gone(token))
        if out.exists():
            _artifact.load_model(out)           # never a partial directory
    assert orphans == 0
    assert "in a trial" in landed and "saving" in landed, landed
    res = subprocess.run([*AUTOML, "fit", slow_csv, "-o", out, "--force", *FAST],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert _leftovers(tmp_path, "m") == []      # the next fit removed stale temporaries
    _artifact.load_model(out)


# --------------------------------------------------------- what killed saves leave

def test_stale_temporaries_of_dead_runs_are_removed(fitted, tmp_path):
    out = tmp_path / "m"
    shutil.copytree(fitted, out)
    dead = _dead_pid()
    for name in (f".m.tmp-{dead}-abc", f".m.tmp-{os.getpid()}-mine", ".m.tmp-oldstyle",
                 ".m.tmp-ancient"):
        (tmp_path / name).mkdir()
    old = time.time() - 2 * _atomic.STALE_SECONDS
    os.utime(tmp_path / ".m.tmp-ancient", (old, old))
    removed = _atomic.clean_stale(out)
    assert sorted(removed) == [f".m.tmp-{dead}-abc", ".m.tmp-ancient"]
    assert _leftovers(tmp_path, "m") == [f".m.tmp-{os.getpid()}-mine", ".m.tmp-oldstyle"]


def test_a_model_moved_aside_by_a_dead_save_is_put_back(fitted, tmp_path):
    out = tmp_path / "m"
    shutil.copytree(fitted, tmp_path / f".m.old-{_dead_pid()}")
    _atomic.clean_stale(out)
    _artifact.load_model(out)
    assert _leftovers(tmp_path, "m") == []


def test_replace_without_the_atomic_swap(fitted, tmp_path, monkeypatch):
    """Where renameat2 is missing, two renames; the old model goes only once the new
    one is in place."""
    from sklearn.dummy import DummyClassifier

    out = tmp_path / "m"
    shutil.copytree(fitted, out)
    monkeypatch.setattr(_atomic, "_exchange", lambda a, b: False)
    _artifact.save_model(DummyClassifier().fit([[0], [1]], [0, 1]), {}, out, force=True)
    assert type(_artifact.load_model(out)[0]).__name__ == "DummyClassifier"
    assert _leftovers(tmp_path, "m") == []


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid
