"""Run a function in a child process that can be stopped: time and memory limits.

The child is forked, so it shares the parent's data without copying or
pickling it; only the (small) result travels back through a pipe. A child that
overruns its time is killed; one that exceeds its memory limit fails with
``MemoryError`` (address-space limit) and is reported as ``"memory"``.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable


@dataclass
class Outcome:
    status: str                  # "ok", "error", "timeout", "memory", "crashed"
    value: Any = None
    error: str = ""
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _child(conn, fn, memory_limit, threads):
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if memory_limit:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)
    except Exception:  # noqa: BLE001 - limiting threads is best effort
        pass
    try:
        conn.send(("ok", fn(), ""))
    except MemoryError:
        conn.send(("memory", None, "MemoryError: over the memory limit"))
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" ({os.path.basename(last[0].filename)}:{last[0].lineno})" if last else ""
        msg = f"{type(exc).__name__}: {exc}"[:500] + where
        try:
            conn.send(("memory" if "Unable to allocate" in msg else "error", None, msg))
        except Exception:  # noqa: BLE001
            pass
    finally:
        conn.close()


def run_isolated(fn: Callable[[], Any], timeout: float | None = None,
                 memory_limit: int | None = None, threads: int = 1) -> Outcome:
    """Call ``fn()`` in a forked child; never raises for the child's failures.

    Parameters
    ----------
    fn : callable
        Takes no arguments; its return value must be picklable.
    timeout : float, optional
        Seconds after which the child is killed (status ``"timeout"``).
    memory_limit : int, optional
        Bytes of address space the child may use.
    threads : int
        BLAS/OpenMP threads in the child.
    """
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, memory_limit, threads), daemon=True)
    t0 = time.perf_counter()
    proc.start()
    child.close()
    try:
        ready = parent.poll(timeout)
        elapsed = time.perf_counter() - t0
        if not ready:
            return Outcome("timeout", error=f"stopped after {elapsed:.1f} s", elapsed=elapsed)
        try:
            status, value, error = parent.recv()
        except EOFError:
            proc.join(5)
            code = proc.exitcode
            status = "memory" if code == -signal.SIGKILL else "crashed"
            return Outcome(status, error=f"worker died (exit code {code})", elapsed=elapsed)
        return Outcome(status, value, error, elapsed)
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
