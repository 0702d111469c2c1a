"""Stoppable child processes: results, errors, time and memory limits."""

from __future__ import annotations

import time

import numpy as np

from metabase import run_isolated


def test_ok_and_error():
    assert run_isolated(lambda: 41 + 1).value == 42
    out = run_isolated(lambda: 1 / 0)
    assert out.status == "error" and "ZeroDivisionError" in out.error


def test_timeout_kills_the_child():
    t0 = time.perf_counter()
    out = run_isolated(lambda: time.sleep(30), timeout=0.5)
    assert out.status == "timeout" and time.perf_counter() - t0 < 5


def test_memory_limit():
    out = run_isolated(lambda: np.ones((2 ** 31,), dtype=np.float64).sum(),
                       memory_limit=2 ** 30)
    assert out.status == "memory", out


def test_crash_is_reported():
    import os

    out = run_isolated(lambda: os._exit(3))
    assert out.status == "crashed" and "exit code 3" in out.error
