"""The steps of ``fit`` after the search: the ensemble's members refitted on all rows
(in order of weight, while time allows), then the score of what is saved (fresh
repeated k-fold when the time left allows it, else out of fold on the search), then
the untouched holdout."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from metabase import build_pipeline, cross_validate, metrics_for, run_isolated

from ._budget import Budget
from ._ensemble import Ensemble, assemble, reweighted, unfitted
from ._errors import NoModelError
from ._task import Problem
from ._trial import Trial

#: Seconds kept for writing the model directory.
SAVE_RESERVE = 0.5


@dataclass
class Run:
    """What one fit carries from phase to phase."""

    problem: Problem
    options: object             # the fit's FitOptions
    budget: Budget
    log: Callable
    metric: str
    schema: dict
    X: object                   # all rows but the holdout, prepared
    y: np.ndarray
    holdout: tuple | None       # (X, y) of the untouched rows, or None
    notes: list
    warns: list
    timings: dict


@dataclass
class Costs:
    """Time estimates of the steps after the search, from the trials measured."""

    folds: int                  # search folds
    scale: float                # all rows / search rows
    final_folds: int

    def per_fit(self, trial: Trial) -> float:
        # one fold of the trial (fit, predict, process start), scaled to all rows
        return trial.elapsed / self.folds * self.scale * 1.2 + 0.05

    def reserve(self, best: Trial | None) -> float:
        # keep time for the refit of the best so far and then for a final evaluation of
        # at least 5 folds (more if time is left), or for the other members' refits
        if best is None:
            return SAVE_RESERVE
        return self.per_fit(best) * (min(self.final_folds, 5) + 2) + SAVE_RESERVE


@dataclass
class Final:
    model: object               # the fitted scikit-learn estimator that is saved
    ensemble: Ensemble          # its members as saved (refits that did not finish dropped)
    cv_scores: dict
    holdout_scores: dict | None


def finish(run: Run, ens: Ensemble, search_y, splits, costs: Costs,
           interrupted: bool) -> Final:
    """Refit, score and (with ``--holdout``) test the ensemble (``search_y``: the rows its
    out-of-fold predictions are on)."""
    t1 = time.perf_counter()
    fitted = _refit_members(run, ens, costs)
    ens = reweighted(ens, [t for t, _ in fitted], search_y, run.problem.classes, run.metric)
    model = assemble(ens, [m for _, m in fitted], run.problem.task, run.X, run.y)
    run.timings["refit"] = time.perf_counter() - t1
    t0 = time.perf_counter()
    cv_scores = None
    if not interrupted:
        per_fit = sum(costs.per_fit(t) for t in ens.members)
        cv_scores = _final_cv(run, _maker(run, ens), splits, per_fit)
    if cv_scores is None:
        cv_scores = _search_score(run, ens, interrupted)
    run.timings["final_cv"] = time.perf_counter() - t0
    holdout = None if run.holdout is None else _holdout_scores(run, model)
    return Final(model, ens, cv_scores, holdout)


def _search_score(run: Run, ens: Ensemble, interrupted: bool) -> dict:
    why = "interrupted" if interrupted else "no time for the final evaluation"
    if len(ens.members) == 1 and not ens.prior:
        t = ens.members[0]
        run.notes.append(f"{why}: the score is the search's cross-validation (optimistic: it "
                         "chose the config)")
        return {run.metric: {"mean": t.score, "std": t.score_std, "folds": None,
                             "source": "search"}}
    run.notes.append(f"{why}: the score is the ensemble's, out of fold on the search's "
                     "folds (optimistic: those predictions chose its members)")
    return {run.metric: {"mean": _round(ens.score), "std": None, "folds": None,
                         "source": "oof"}}


def _make(run: Run, config: dict):
    return lambda: build_pipeline(config, run.schema, run.problem.task,
                                  random_state=run.options.seed)


def _maker(run: Run, ens: Ensemble):
    """A function making the unfitted ensemble (for its fresh cross-validation)."""
    return lambda: unfitted(ens, [_make(run, t.config)() for t in ens.members],
                            run.problem.task)


def _quiet_fit(pipeline, X, y):
    """Fit without library warnings on stderr (the trials silence theirs the same way)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pipeline.fit(X, y)


def _refit_members(run: Run, ens: Ensemble, costs: Costs) -> list:
    """``[(trial, fitted pipeline)]``, by weight. The first comes first and may use the
    slack of the promised bound: without it there is no model; each other member only
    when its refit is expected to fit in the time left (else it is left out)."""
    fitted = []
    for i, trial in enumerate(ens.members):
        if i == 0:
            timeout = run.budget.grace_timeout(SAVE_RESERVE)
        else:
            timeout = run.budget.timeout(SAVE_RESERVE)
            if timeout is not None and costs.per_fit(trial) > timeout:
                run.notes.append(f"ensemble: {len(ens.members) - i} member(s) left out "
                                 "(no time to refit them on all rows)")
                break
        run.log(f"refit on all rows: {trial.config['family']} (trial {trial.number})")
        make = _make(run, trial.config)
        out = run_isolated(lambda make=make: _quiet_fit(make(), run.X, run.y), timeout=timeout,
                           memory_limit=run.options.memory_limit)
        if out.ok:
            fitted.append((trial, out.value))
        elif i == 0:
            raise NoModelError(f"the refit of the best config did not finish ({out.status}: "
                               f"{out.error}); give a larger --time-budget")
        else:
            run.notes.append(f"ensemble: the refit of trial {trial.number} {out.status}: "
                             "left out")
    return fitted


def _final_cv(run: Run, make, splits, per_fit: float) -> dict | None:
    """Scores of a fresh repeated k-fold, on as many folds as the time left allows."""
    task, names = run.problem.task, metrics_for(run.problem.task)
    timeout = run.budget.timeout(SAVE_RESERVE)
    if timeout is not None and timeout < per_fit * 3:
        return None
    n = len(splits) if timeout is None else min(len(splits), int(timeout / per_fit))
    if n < len(splits):
        run.notes.append(f"final evaluation on {n} of {len(splits)} fresh folds (time budget)")
        splits = splits[:n]
    run.log(f"final evaluation: {len(splits)} fresh folds")
    out = run_isolated(lambda: cross_validate(make, run.X, run.y, task, run.problem.classes,
                                              names, splits),
                       timeout=timeout, memory_limit=run.options.memory_limit)
    if out.ok:
        return _summarise(out.value, names)
    run.notes.append(f"final evaluation {out.status}: {out.error}")
    return None


def _holdout_scores(run: Run, model) -> dict:
    from metabase import aligned_proba, score_all

    task, classes = run.problem.task, run.problem.classes
    Xh, yh = run.holdout
    if task == "classification":
        proba = aligned_proba(model, Xh, classes)
        pred = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    else:
        proba, pred = None, model.predict(Xh)
    scores = score_all(metrics_for(task), yh, pred, proba, classes)
    out = {k: _round(v) for k, v in scores.items()}
    out["rows"] = int(len(yh))
    return out


def _round(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(float(v), 6)


def _summarise(folds: list[dict], names) -> dict:
    out = {}
    for name in names:
        vals = np.array([f[name] for f in folds], dtype=float)
        ok = vals[~np.isnan(vals)]
        out[name] = {"mean": _round(ok.mean()) if len(ok) else None,
                     "std": _round(ok.std()) if len(ok) else None,
                     "folds": len(ok), "source": "final"}
    return out
