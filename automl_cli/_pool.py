"""Where trials run: inline (one at a time), on local threads that each wait on a
forked trial (``--n-jobs``), or on a Dask cluster (``--dask-scheduler``).

Every pool has ``slots``, ``submit(trial, timeout)``, ``wait_any(pending)``,
``result(future) -> Trial``, ``cancel_all(pending)`` and ``close()``."""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time

from ._trial import TrialContext, fill_trial, trial_unit


class InlinePool:
    """One trial at a time, in this process's own thread (its fit is still forked)."""

    slots = 1

    def __init__(self, run):
        self.run = run          # run(trial, timeout, cancel) -> Trial

    def submit(self, trial, timeout):
        f = cf.Future()
        f.set_result(self.run(trial, timeout, None))
        return f

    def wait_any(self, pending):
        return set(pending)

    def result(self, f):
        return f.result()

    def cancel_all(self, pending):
        pass

    def close(self):
        pass


class ThreadPool(InlinePool):
    """``slots`` trials at once; threads only wait on their forked children."""

    def __init__(self, run, slots: int):
        super().__init__(run)
        self.slots = slots
        self.cancel = threading.Event()
        self.executor = cf.ThreadPoolExecutor(max_workers=slots)

    def submit(self, trial, timeout):
        return self.executor.submit(self.run, trial, timeout, self.cancel)

    def wait_any(self, pending):
        done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        return done

    def cancel_all(self, pending):
        self.cancel.set()
        cf.wait(pending)

    def close(self):
        self.executor.shutdown(wait=True)


class DaskPool:
    """Trials on a Dask cluster: the trial context (with the data) is scattered once
    to every worker."""

    def __init__(self, client, ctx: TrialContext, slots: int | None = None):
        self.client = client
        self.metric = ctx.metric
        self.ctx = client.scatter(ctx, broadcast=True)
        workers = client.scheduler_info().get("workers", {})
        self.slots = slots or max(1, sum(w.get("nthreads", 1) for w in workers.values()))

    def submit(self, trial, timeout):
        f = self.client.submit(trial_unit, self.ctx, trial.config, timeout, None, trial.rows,
                               pure=False)
        f.trial = trial
        return f

    def wait_any(self, pending):
        # polled: distributed's wait/as_completed want a default client, and ours is private
        while True:
            done = {f for f in pending if f.done()}
            if done:
                return done
            time.sleep(0.02)

    def result(self, f):
        """The finished Trial; a lost worker makes it "crashed"."""
        trial = f.trial
        try:
            res = f.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker and friends
            trial.status, trial.error = "crashed", f"worker lost: {type(exc).__name__}: {exc}"
            return trial
        return fill_trial(trial, res, self.metric)

    def cancel_all(self, pending):
        self.client.cancel(list(pending))

    def close(self):
        self.client.close()
