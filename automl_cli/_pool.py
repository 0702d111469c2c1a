"""Where trials run: inline (one at a time), on local threads that each wait on a
forked trial (``--n-jobs``), or on a Dask cluster (``--dask-scheduler``)."""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time

import numpy as np


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
    """Trials on a Dask cluster: the data is scattered once to every worker."""

    def __init__(self, client, data, args: dict, slots: int | None = None):
        self.client = client
        self.data = client.scatter(data, broadcast=True)
        self.args = args
        workers = client.scheduler_info().get("workers", {})
        self.slots = slots or max(1, sum(w.get("nthreads", 1) for w in workers.values()))

    def submit(self, trial, timeout):
        from metabase._distributed import trial_unit

        a = self.args
        f = self.client.submit(trial_unit, trial.config, self.data, a["task"], a["classes"],
                               a["metric"], a["splits"], a["seed"], a["schema"], timeout,
                               a["memory_limit"], pure=False)
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
        return fill_trial(trial, res["status"], res["value"], res["error"], res["elapsed"],
                          self.args["metric"])

    def cancel_all(self, pending):
        self.client.cancel(list(pending))

    def close(self):
        self.client.close()


def fill_trial(trial, status, folds, error, elapsed, metric):
    """Scores and times of a trial from its folds (or its failure)."""
    trial.elapsed = elapsed
    if status != "ok":
        trial.status, trial.error = status, error
        return trial
    scores = np.array([f[metric] for f in folds], dtype=float)
    trial.fold_fit_time = float(np.mean([f["fit_time"] for f in folds]))
    if np.all(np.isnan(scores)):
        trial.status, trial.error = "error", f"{metric} could not be computed on any fold"
        return trial
    trial.status = "ok"
    trial.score = float(np.nanmean(scores))
    trial.score_std = float(np.nanstd(scores))
    return trial
