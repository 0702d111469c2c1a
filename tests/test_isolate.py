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


def test_child_dies_with_its_parent(tmp_path):
    """kill -9 of the process running a trial leaves no orphan trial behind (Linux:
    PR_SET_PDEATHSIG), even one that would run for minutes."""
    import signal
    import subprocess
    import sys

    pidfile = tmp_path / "child.pid"
    code = f"""
import os, time
from metabase import run_isolated
def trial():
    open({str(pidfile)!r}, "w").write(str(os.getpid()))
    time.sleep(300)
run_isolated(trial)
"""
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60
        while not pidfile.exists() or not pidfile.read_text():
            assert time.monotonic() < deadline and parent.poll() is None
            time.sleep(0.05)
        child = int(pidfile.read_text())
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        for _ in range(100):
            if not _alive(child):
                break
            time.sleep(0.05)
        assert not _alive(child), f"trial {child} outlived its killed parent"
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_queued_step_runs_while_the_child_works_and_holds_the_next_fork():
    """The step (here 0.4 s of sleep) overlaps the child's 0.4 s; the next child is forked
    only after the step has ended (a fork during an import could deadlock the child)."""
    from metabase import while_next_child_runs

    step_at = {}

    def step():
        step_at["start"] = time.time()
        time.sleep(0.4)
        step_at["end"] = time.time()

    def child():
        start = time.time()
        time.sleep(0.4)
        return start, time.time()

    while_next_child_runs(step)
    child_start, child_end = run_isolated(child).value
    second = run_isolated(time.time)        # forked once the step has ended: "end" is set
    # overlapped (each began before the other ended), not one after the other; an order
    # of events, not a wall time, so that a loaded machine cannot fail it
    assert step_at["start"] < child_end and child_start < step_at["end"]
    assert second.ok and second.value >= step_at["end"]


def test_a_failing_queued_step_releases_the_forks():
    from metabase import while_next_child_runs

    def step():
        raise ImportError("no such module")

    while_next_child_runs(step)
    assert run_isolated(lambda: 1).value == 1
    assert run_isolated(lambda: 2, timeout=5).value == 2   # would hang on a held lock
