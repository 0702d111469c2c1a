"""The search: trials in stoppable worker processes, within a time and trial budget.

Each trial cross-validates one config in a forked child (``metabase.run_isolated``)
that is killed at the deadline; a failed, killed or timed-out trial is recorded
in the leaderboard and skipped. Ctrl-C (or SIGTERM) stops the search and keeps
the best config so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from metabase import METRICS

from ._halving import best_of
from ._trial import Trial, prune_predictions


#: Share of the time left that a trial may take while no trial has succeeded.
FIRST_MODEL_SHARE = 0.6
#: Share of the whole budget that a trial may take once a model exists: one slow
#: recommended config (a kernel SVM on a large sample) must not take the rest of it.
TRIAL_SHARE = 0.35
#: Once a model exists, a candidate whose deadline (kept short by its refit, see
#: ``SearchPlan.refit_factor``) is below this is skipped rather than started and killed;
#: after MAX_SKIPS such skips in a row the search stops (a generator of local steps and
#: random configs never ends).
MIN_TRIAL_SECONDS = 0.3
MAX_SKIPS = 50
#: Trials whose out-of-fold predictions are kept for the ensemble (auto-sklearn's
#: ensemble_nbest default is 50; fewer keep a 20,000-row multiclass search small).
KEEP_PREDICTIONS = 30


@dataclass
class SearchResult:
    trials: list = field(default_factory=list)
    best: Trial | None = None
    interrupted: bool = False
    stopped_by: str = ""
    skipped: list = field(default_factory=list)


@dataclass
class SearchPlan:
    """The limits one search runs under. ``reserve(best)`` is the time kept for the
    steps after the search (final model, evaluation, save) given the best trial so far."""

    metric: str
    budget: object                      # a ``_budget.Budget``
    max_trials: int | None = None
    reserve: Callable[[Trial | None], float] = lambda best: 0.0
    folds: int = 5
    fallbacks: tuple = ()
    #: ``refit_factor(config)``: seconds of the config's fit on all rows after the search
    #: (should its trial become the best) per second of its trial. A candidate expected to
    #: overrun the time left with its refit is skipped, and once a model exists a trial's
    #: deadline keeps its own refit in the time left: on a table scored by a holdout, one
    #: fit per trial makes a costly config's trial affordable where its refit on several
    #: times the rows is not (ailerons at 10 s: a 2.8 s extra-trees trial, its refit timed
    #: out, the run ended over its bound). The first model's trial is not cut so: killed,
    #: it leaves no model (pendigits at 10 s: a 2.6 s boosting trial, cut at 2.1 s, left
    #: a linear model, log loss 0.21 for 0.04).
    refit_factor: Callable[[dict, int | None], float] = lambda config, rows=None: 0.0
    #: successive halving's ``_halving.Ladder`` (a search scored by a holdout whose best
    #: trials move up to more rows), or None
    ladder: object = None


def search(candidates, pool, plan: SearchPlan, log=lambda msg: None) -> SearchResult:
    """Evaluate candidates until the budget, the trial count or the list ends.

    ``candidates`` is an iterable of ``(config, source, predicted_fit_seconds)`` or a
    function of the running ``SearchResult`` returning one (so a local search can follow
    the best so far). ``pool`` runs up to ``pool.slots`` trials at once (``_pool``). A
    trial gets at most the time left beyond ``plan.reserve(best)`` (and its own refit,
    see ``SearchPlan``), and is not started when its predicted time (from the metabase,
    corrected by the trials so far) does not fit. When a trial times out before any has
    succeeded, ``plan.fallbacks`` (cheap configs) go next: a table too large for the
    budget still gets a model."""
    result = SearchResult()
    budget, max_trials = plan.budget, plan.max_trials
    fallbacks = list(plan.fallbacks)
    ratios: list[float] = []
    expected: dict[int, float] = {}
    pending: set = set()
    number = skips = 0
    source_iter = iter(candidates(result) if callable(candidates) else candidates)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < pool.slots:
                if max_trials is not None and number >= max_trials:
                    result.stopped_by, exhausted = "max-trials", True
                    break
                timeout = _share(plan, result)
                if timeout is not None and timeout < 0.2:
                    result.stopped_by, exhausted = "time budget", True
                    break
                try:
                    config, source, predicted, promo = _pick(plan, result, fallbacks,
                                                             source_iter)
                except StopIteration:
                    result.stopped_by, exhausted = "no more candidates", True
                    break
                rows, factor, guess = _estimate(plan, result, config, promo, predicted,
                                                ratios)
                timeout = _capped(plan, result, factor, timeout)
                if timeout is not None and timeout < MIN_TRIAL_SECONDS:
                    # too short to finish: skipped, not started and killed
                    result.skipped.append({"config": config, "source": source,
                                           "expected_seconds": None})
                    skips += 1
                    result.stopped_by, exhausted = ("time budget", True) if \
                        skips >= MAX_SKIPS else (result.stopped_by, False)
                    continue
                if guess is not None and timeout is not None and (
                        guess > timeout or guess * (1 + factor) > budget.timeout()):
                    result.skipped.append({"config": config, "source": source,
                                           "expected_seconds": round(guess, 2)})
                    continue
                number, skips = number + 1, 0
                expected[number] = guess if predicted is not None else None   # metabase only
                pending.add(pool.submit(_trial(number, config, source, promo, rows), timeout))
            if not pending:
                break
            for f in pool.wait_any(pending):
                pending.discard(f)
                trial = pool.result(f)
                trial.finished = budget.elapsed
                _record(plan, result, trial)
                if trial.status == "ok" and expected.get(trial.number):
                    ratios.append(trial.elapsed / max(expected[trial.number], 0.05))
                log(_trial_line(trial, result.best, budget))
    except KeyboardInterrupt:
        result.interrupted = True
        result.stopped_by = "interrupted"
        pool.cancel_all(pending)
    result.trials.sort(key=lambda t: t.number)
    return result


def _pick(plan: SearchPlan, result: SearchResult, fallbacks: list, source_iter):
    """``(config, source, predicted seconds per fold or None, the trial it moves up or
    None)``: a successive-halving promotion first, then a fallback (a timeout before any
    model), then the next candidate; StopIteration when they have run out."""
    promo = None if plan.ladder is None else plan.ladder.promotion(result.trials)
    if promo is not None:
        return (promo.config, f"rung {promo.rung + 1} (trial {promo.number})", None, promo)
    fallback = result.best is None and fallbacks and any(
        t.status == "timeout" for t in result.trials)
    config, source, predicted = fallbacks.pop(0) if fallback else next(source_iter)
    return config, source, predicted, None


def _estimate(plan: SearchPlan, result: SearchResult, config: dict, promo, predicted,
              ratios: list) -> tuple:
    """``(training rows, refit factor, expected seconds or None)`` of a candidate: the
    metabase's prediction corrected by the trials so far, or a promotion's guess from its
    trial; the growth probe (``_halving.Ladder``) measures the refit's growth, so it has
    neither a refit factor nor a guess to be skipped by."""
    ladder = plan.ladder
    rows = None if ladder is None else ladder.rows_of(promo)
    if promo is not None and ladder.is_probe(promo):
        return rows, 0.0, None
    guess = None if promo is None else ladder.expected_seconds(promo)
    if predicted is not None:
        guess = predicted * plan.folds * (float(np.median(ratios)) if ratios else 1.0)
    elif promo is None:
        guess = _measured(result, config["family"], rows)
    return rows, plan.refit_factor(config, rows), guess


def _measured(result: SearchResult, family: str, rows) -> float | None:
    """The median seconds of the family's successful trials on ``rows``, or None: the
    guess for a config without a prediction (a local step, a random config), so that one
    whose deadline is shorter is skipped, not started and killed (the million-row table at
    60 s: 50 local steps of gradient boosting started with 0.3-1 s, all timed out)."""
    times = [t.elapsed for t in result.trials
             if t.status == "ok" and t.config["family"] == family and t.rows == rows]
    return float(np.median(times)) if times else None


def _record(plan: SearchPlan, result: SearchResult, trial: Trial) -> None:
    """A finished trial into the result: the trials, their kept predictions, the best."""
    better = METRICS[plan.metric].better
    result.trials.append(trial)
    if plan.ladder is not None:
        plan.ladder.record(result.trials, trial)
    prune_predictions(result.trials, better, KEEP_PREDICTIONS)
    result.best = best_of(result.trials, better)


def _trial(number: int, config: dict, source: str, promo, rows) -> Trial:
    if promo is None:
        return Trial(number, config, source, rows=rows)
    return Trial(number, config, source, rung=promo.rung + 1, rows=rows, parent=promo.number)


def _share(plan: SearchPlan, result: SearchResult) -> float | None:
    """The most the next trial may take (before its own refit is considered), or None."""
    budget = plan.budget
    timeout = budget.timeout(plan.reserve(result.best))
    if timeout is None or timeout < 0.2:
        return timeout
    if result.best is None:
        # no model yet: one slow trial must not take the whole budget
        return max(0.2, timeout * FIRST_MODEL_SHARE)
    return min(timeout, max(1.0, TRIAL_SHARE * budget.seconds))


def _capped(plan: SearchPlan, result: SearchResult, factor: float, timeout):
    """``timeout``, less the room for the config's own refit (``factor`` seconds per second
    of its trial) once a model exists (see
    ``SearchPlan.refit_factor``; the first model's trial keeps its share: killed, it
    leaves none)."""
    if timeout is None or result.best is None:
        return timeout
    return min(timeout, plan.budget.timeout() / (1 + factor))


def _trial_line(trial: Trial, best: Trial | None, budget) -> str:
    """``* trial  3 hgb      0.8123 ± 0.0101  (1.2s)  [12.3 s elapsed, 47.7 s left]``; the
    star marks the best so far."""
    star = "*" if trial is best else " "
    if trial.status == "ok":
        what = f"{trial.score:.4f} ± {trial.score_std:.4f}"
    else:
        what = f"{trial.status}: {trial.error[:80]}"
    family = trial.config["family"]
    clock = f"{budget.elapsed:.1f} s elapsed"
    if budget.seconds is not None:
        clock += f", {max(0.0, budget.left):.1f} s left"
    return (f"{star} trial {trial.number:3d} {family:<8} {what}  ({trial.elapsed:.1f}s)  "
            f"[{clock}]")
