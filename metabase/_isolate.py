"""Run a function in a child process that can be stopped: time and memory limits.

The child is forked (``os.fork``), so it shares the parent's data without
copying or pickling it; only the result travels back through a pipe. A child
that overruns its time is killed; one that exceeds its memory limit fails with
``MemoryError`` (address-space limit) and is reported as ``"memory"``. Plain
``os.fork`` rather than ``multiprocessing`` so that it also works inside
daemonic worker processes (joblib, Dask workers).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import threading
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


def _describe(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({os.path.basename(last[0].filename)}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}"[:500] + where


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_FORK_LOCK = threading.Lock()
_PR_SET_PDEATHSIG = 1
_WHILE_CHILD_RUNS: list = []


def while_next_child_runs(fn: Callable[[], Any]) -> None:
    """Call ``fn()`` in a thread of this process while the next forked child works.

    The parent only waits on its child, so a slow step it must take anyway (an import of
    a second or more) costs no wall time there. Forks are held back until ``fn`` ends: a
    child forked during an import would inherit a module lock no thread of it can
    release. ``fn``'s exceptions are swallowed (the step fails again, and is reported,
    where it is needed)."""
    _WHILE_CHILD_RUNS.append(fn)


def _hand_over_fork_lock() -> None:
    """Release the fork lock, or let the thread running the queued steps release it."""
    steps = _WHILE_CHILD_RUNS[:]
    del _WHILE_CHILD_RUNS[:]
    if not steps:
        _FORK_LOCK.release()
        return

    def work():
        try:
            for step in steps:
                try:
                    step()
                except Exception:  # noqa: BLE001 - see while_next_child_runs
                    pass
        finally:
            _FORK_LOCK.release()

    threading.Thread(target=work, name="while-child-runs", daemon=True).start()


def _libc():
    """The C library, for prctl (Linux); None elsewhere. Loaded in the parent, before
    any fork, so that no child has to take the dynamic loader's lock."""
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def _die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this child when the thread that forked it dies, so
    that a ``kill -9`` of the parent leaves no trial running on as an orphan (nothing
    else would stop it: its result pipe has no reader, but it writes only at the end).
    The parent may have died before the call: then exit at once."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _child(fd: int, fn, memory_limit, threads, mask, parent: int) -> None:
    """Runs in the forked child; never returns."""
    code = 0
    try:
        _die_with_parent(parent)
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent decides when to stop
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if memory_limit:
            import resource
            # the fork inherits the parent's mappings (1-2 GB once numpy and sklearn
            # are loaded): the limit is what the trial may add on top of them
            with open("/proc/self/statm") as fh:
                inherited = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            resource.setrlimit(resource.RLIMIT_AS, (inherited + memory_limit,) * 2)
        try:
            from threadpoolctl import threadpool_limits
            threadpool_limits(threads)
        except Exception:  # noqa: BLE001 - limiting threads is best effort
            pass
        try:
            payload = ("ok", fn(), "")
        except MemoryError:
            payload = ("memory", None, "MemoryError: over the memory limit")
        except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
            msg = _describe(exc)
            memory = any(s in msg for s in ("Unable to allocate", "failed to map segment",
                                            "Cannot allocate memory"))
            payload = ("memory" if memory else "error", None, msg)
        try:
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an unpicklable result
            data = pickle.dumps(("error", None, f"result not picklable: {_describe(exc)}"))
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    except MemoryError:
        code = 113
    except BaseException:  # noqa: BLE001
        code = 4
    finally:
        os._exit(code)


def run_isolated(fn: Callable[[], Any], timeout: float | None = None,
                 memory_limit: int | None = None, threads: int = 1, cancel=None) -> Outcome:
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
    cancel : threading.Event, optional
        When set (from another thread), the child is killed: status ``"cancelled"``.
    """
    t0 = time.perf_counter()
    # Hold SIGINT/SIGTERM until the child is under the try/finally that reaps it: an
    # interrupt between fork and try would leave an orphan holding our stdout open.
    # One fork at a time: another thread's child must not inherit our pipe's write
    # end, or we would see no end-of-file until that child exits too.
    _FORK_LOCK.acquire()
    try:
        # the child's time starts at its fork: a wait for the lock (a step queued by
        # while_next_child_runs) is not the trial's, though its deadline still counts it.
        # Inside the try: a Ctrl-C on this line must not leave the lock held for good
        started = time.perf_counter()
        r, w = os.pipe()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(w, fn, memory_limit, threads, blocked, parent)
        os.close(w)
    finally:
        _hand_over_fork_lock()
    chunks: list[bytes] = []
    deadline = None if timeout is None else t0 + timeout
    timed_out, finished, cancelled = False, False, False
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.perf_counter())
            if cancel is not None:
                wait = 0.1 if wait is None else min(wait, 0.1)
            ready, _, _ = select.select([r], [], [], wait)
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            if not ready:
                if deadline is not None and time.perf_counter() >= deadline:
                    timed_out = True
                    break
                continue
            block = os.read(r, 1 << 20)
            if not block:
                break
            chunks.append(block)
        finished = True
    finally:
        os.close(r)
        code = _reap(pid, kill=timed_out or cancelled or not finished)   # an interrupt too
    elapsed = time.perf_counter() - started
    if cancelled:
        return Outcome("cancelled", error="stopped: the search was interrupted", elapsed=elapsed)
    if timed_out:
        return Outcome("timeout", error=f"stopped after {elapsed:.1f} s", elapsed=elapsed)
    if not chunks:
        kind = "memory" if code in (-signal.SIGKILL, 113) else "crashed"
        return Outcome(kind, error=f"worker died (exit code {code})", elapsed=elapsed)
    try:
        status, value, error = pickle.loads(b"".join(chunks))
    except Exception as exc:  # noqa: BLE001 - a truncated result
        return Outcome("crashed", error=f"unreadable result: {_describe(exc)}", elapsed=elapsed)
    return Outcome(status, value, error, elapsed)


def _reap(pid: int, kill: bool) -> int:
    """Wait for the child, killing it first if asked; its exit code."""
    if kill:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status)
        except InterruptedError:
            continue
        except ChildProcessError:
            return -1
