"""The search: trials in stoppable worker processes, within a time and trial budget.

Each trial cross-validates one config in a forked child (``metabase.run_isolated``)
that is killed at the deadline; a failed, killed or timed-out trial is recorded
in the leaderboard and skipped. Ctrl-C (or SIGTERM) stops the search and keeps
the best config so far.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from metabase import METRICS, build_pipeline, config_key, cross_validate, run_isolated


@dataclass
class Trial:
    number: int
    config: dict
    source: str
    status: str = "pending"
    score: float = float("nan")
    score_std: float = float("nan")
    fold_fit_time: float = float("nan")
    elapsed: float = 0.0
    error: str = ""

    def to_dict(self) -> dict:
        return {"trial": self.number, "config_id": config_key(self.config["family"],
                                                               self.config["params"]),
                "family": self.config["family"], "params": self.config["params"],
                "source": self.source, "status": self.status, "score": _num(self.score),
                "score_std": _num(self.score_std), "fold_fit_time": _num(self.fold_fit_time),
                "seconds": round(self.elapsed, 3), "error": self.error}


def _num(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)


@dataclass
class SearchResult:
    trials: list = field(default_factory=list)
    best: Trial | None = None
    interrupted: bool = False
    stopped_by: str = ""


def run_trial(trial: Trial, X, y, task, classes, metric: str, splits, seed: int,
              schema: dict, timeout: float | None, memory_limit: int | None) -> Trial:
    """Cross-validate ``trial.config`` in a child process; fills in the trial."""
    config = trial.config
    out = run_isolated(
        lambda: cross_validate(lambda: build_pipeline(config, schema, task, random_state=seed),
                               X, y, task, classes, [metric], splits),
        timeout=timeout, memory_limit=memory_limit)
    trial.elapsed = out.elapsed
    if not out.ok:
        trial.status, trial.error = out.status, out.error
        return trial
    scores = np.array([f[metric] for f in out.value], dtype=float)
    trial.fold_fit_time = float(np.mean([f["fit_time"] for f in out.value]))
    if np.all(np.isnan(scores)):
        trial.status, trial.error = "error", f"{metric} could not be computed on any fold"
        return trial
    trial.status = "ok"
    trial.score = float(np.nanmean(scores))
    trial.score_std = float(np.nanstd(scores))
    return trial


def search(candidates: Iterable[tuple[dict, str]], evaluate: Callable[[Trial, float | None], Trial],
           metric: str, budget, max_trials: int | None, reserve: Callable[[Trial | None], float],
           log=lambda msg: None) -> SearchResult:
    """Evaluate candidates in order until the budget, the trial count or the list ends.

    ``reserve(best)`` is the time to keep for the final evaluation and refit of
    the best trial so far; a trial gets at most the time left beyond it.
    """
    result = SearchResult()
    better = METRICS[metric].better
    try:
        for number, (config, source) in enumerate(candidates, start=1):
            if max_trials is not None and number > max_trials:
                result.stopped_by = "max-trials"
                break
            timeout = budget.timeout(reserve(result.best))
            if timeout is not None and timeout < 0.2:
                result.stopped_by = "time budget"
                break
            trial = evaluate(Trial(number, config, source), timeout)
            result.trials.append(trial)
            if trial.status == "ok" and (result.best is None or better(trial.score, result.best.score)):
                result.best = trial
            log(_trial_line(trial, result.best))
        else:
            result.stopped_by = "no more candidates"
    except KeyboardInterrupt:
        result.interrupted = True
        result.stopped_by = "interrupted"
    return result


def _trial_line(trial: Trial, best: Trial | None) -> str:
    star = "*" if trial is best else " "
    if trial.status == "ok":
        what = f"{trial.score:.4f} ± {trial.score_std:.4f}"
    else:
        what = f"{trial.status}: {trial.error[:80]}"
    return f"{star} trial {trial.number:3d} {trial.config['family']:<8} {what}  ({trial.elapsed:.1f}s)"


def default_candidates(task: str, n_rows: int, seed: int) -> Iterable[tuple[dict, str]]:
    """scikit-learn defaults of each family, strongest first, then random configs.

    The baseline search until the metabase-driven tuner replaces it.
    """
    from metabase import FAMILIES, sample_config

    order = ["hgb", "rf", "linear", "et", "knn", "mlp", "svm", "adaboost"]
    if n_rows > 10000:
        order.remove("svm")     # kernel SVMs cost n² to n³: hopeless on large tables
    for name in order:
        yield {"family": name, "params": FAMILIES[name].defaults(task)}, "default"
    rng = np.random.default_rng(seed)
    while True:
        name = order[int(rng.integers(len(order)))]
        yield {"family": name, "params": sample_config(FAMILIES[name].space(task), rng)}, "random"


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0
