"""``fit`` as a library function: problem → search → refit → final evaluation."""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from metabase import (METRICS, build_pipeline, cross_validate, default_metric, infer_schema,
                      make_splits, metrics_for, prepare_frame, run_isolated, stratified_rows)

from ._budget import Budget
from ._errors import DataError, NoModelError
from ._task import Problem
from ._trial import Trial, TrialContext, run_trial
from ._tune import (SearchPlan, SearchResult, default_candidates, fallback_candidates, search,
                    warm_candidates)

#: Rows the search cross-validates on; the final evaluation uses them all.
SEARCH_ROWS = 20000
#: Under a time budget, at most this many search rows per second of budget, so
#: that the first trials finish on large tables (10 s -> 4,000 rows).
SEARCH_ROWS_PER_SECOND = 400
#: Seconds kept for writing the model directory.
SAVE_RESERVE = 0.5


@dataclass
class FitOptions:
    metric: str | None = None
    time_budget: float | None = 60.0
    max_trials: int | None = None
    cv: int = 5
    repeats: int = 2
    seed: int = 0
    holdout: float = 0.0
    memory_limit: int | None = None
    metalearning: bool = True
    store: str | None = None
    n_jobs: int = 1
    dask_scheduler: str | None = None


@dataclass
class FitResult:
    pipeline: object
    schema: dict
    problem: Problem
    metric: str
    config: dict
    cv_scores: dict               # metric -> {"mean", "std", "folds"}
    holdout_scores: dict | None
    search: SearchResult
    timings: dict
    notes: list = field(default_factory=list)
    advice: dict | None = None
    options: FitOptions = field(default_factory=FitOptions)

    @property
    def score(self) -> float:
        return self.cv_scores[self.metric]["mean"]


def choose_metric(problem: Problem, metric: str | None) -> str:
    if metric is None:
        return default_metric(problem.task, len(problem.classes or []))
    if metric not in METRICS:
        raise DataError(f"unknown metric {metric!r}: choose one of {', '.join(METRICS)}")
    if METRICS[metric].task != problem.task:
        raise DataError(f"metric {metric!r} is for {METRICS[metric].task}, but this is "
                        f"{problem.task}: choose one of {', '.join(metrics_for(problem.task))}")
    return metric


@dataclass
class _Run:
    """What one fit carries from phase to phase."""

    problem: Problem
    options: FitOptions
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
class _Costs:
    """Time estimates of the steps after the search, from the best trial so far."""

    folds: int                  # search folds
    scale: float                # all rows / search rows
    final_folds: int

    def per_fit(self, best: Trial) -> float:
        # one fold of the best so far (fit, predict, process start), scaled to all rows
        return best.elapsed / self.folds * self.scale * 1.2 + 0.05

    def reserve(self, best: Trial | None) -> float:
        # keep time for a final evaluation of at least 5 folds (more if time is left
        # when the search ends) and the refit of the best so far
        if best is None:
            return SAVE_RESERVE
        return self.per_fit(best) * (min(self.final_folds, 5) + 2) + SAVE_RESERVE


def fit(problem: Problem, options: FitOptions, candidates=None, log=lambda m: None,
        budget: Budget | None = None) -> FitResult:
    """Search configs, refit the best on all rows, then score it with a fresh repeated k-fold."""
    run = _prepare(problem, options, budget or Budget(options.time_budget), log)
    ctx = _search_context(run)
    final_splits = make_splits(run.y, problem.task, options.cv, options.repeats,
                               options.seed + 7919)
    costs = _Costs(ctx.folds, len(run.y) / max(1, len(ctx.y)), len(final_splits))
    advice = None
    if candidates is None:
        candidates, advice = _candidates(run, ctx)
    result = _run_search(run, ctx, candidates, costs)
    best = result.best
    cv_scores, holdout_scores, pipeline = _final(run, best, final_splits, costs.per_fit(best),
                                                 result.interrupted)
    return FitResult(pipeline, run.schema, problem, run.metric, best.config, cv_scores,
                     holdout_scores, result, run.timings, run.notes + run.warns,
                     advice.to_dict() if advice is not None else None, options)


def _prepare(problem: Problem, options: FitOptions, budget: Budget, log) -> _Run:
    """Metric, schema and the prepared rows (less the holdout)."""
    metric = choose_metric(problem, options.metric)
    notes = list(problem.notes)
    t0 = time.perf_counter()
    schema = infer_schema(problem.X)
    for col in schema["columns"]:
        if col.get("note"):
            notes.append(f"column {col['name']!r}: {col['note']}")
    if not schema["features"]:
        raise DataError(f"{problem.path}: no usable feature columns: every column is empty, "
                        "constant or an identifier (see the notes): add informative columns")
    X, warns = prepare_frame(problem.X, schema)
    y = problem.y
    holdout = None
    if options.holdout:
        X, y, holdout = _split_holdout(X, y, problem, options)
    timings = {"prepare": time.perf_counter() - t0}
    return _Run(problem, options, budget, log, metric, schema, X, y, holdout, notes, warns,
                timings)


def _search_context(run: _Run) -> TrialContext:
    """The search rows (a sample on large tables) and their shared folds."""
    options, problem = run.options, run.problem
    cap = SEARCH_ROWS
    if options.time_budget:
        cap = min(cap, max(2000, int(options.time_budget * SEARCH_ROWS_PER_SECOND)))
    Xs, ys = _search_rows(run.X, run.y, problem, options.seed, run.notes, cap)
    splits = make_splits(ys, problem.task, options.cv, 1, options.seed)
    return TrialContext(Xs, ys, problem.task, problem.classes, run.metric, splits,
                        options.seed, run.schema, options.memory_limit)


def _candidates(run: _Run, ctx: TrialContext):
    """``(candidates, advice)``: the metabase's warm start, or defaults without it."""
    advice = None
    if run.options.metalearning:
        advice = _advise(run.problem, run.options, run.notes, run.log, run.timings)
    if advice is None:
        return default_candidates(ctx.task, len(ctx.y), ctx.seed), None
    greater = METRICS[run.metric].greater_is_better
    return warm_candidates(advice.recommendations, ctx.task, ctx.seed, greater, len(ctx.y),
                           time_scale=len(ctx.y) / max(1, len(run.y))), advice


def _run_search(run: _Run, ctx: TrialContext, candidates, costs: _Costs) -> SearchResult:
    """The search, on the pool the options ask for; raises when it found no model."""
    run.log(f"search: {run.metric} by {ctx.folds}-fold cross-validation on {len(ctx.y)} rows")
    t1 = time.perf_counter()
    plan = SearchPlan(run.metric, run.budget, run.options.max_trials, costs.reserve,
                      ctx.folds, tuple(fallback_candidates(ctx.task)))
    pool = _make_pool(run.options, ctx, run.log)
    try:
        result = search(candidates, pool, plan, run.log)
    finally:
        pool.close()
    run.timings["search"] = time.perf_counter() - t1
    if result.best is None and result.interrupted:
        raise KeyboardInterrupt
    if result.best is None:
        failed = ", ".join(sorted({t.status for t in result.trials})) or "no trial could start"
        raise NoModelError(f"no model within the budget ({len(result.trials)} trial(s): {failed}); "
                           "give a larger --time-budget")
    return result


def _make_pool(options: FitOptions, ctx: TrialContext, log):
    """Inline, local threads (--n-jobs) or a Dask cluster (--dask-scheduler)."""
    from metabase import DaskUnavailable, connect

    from ._pool import DaskPool, InlinePool, ThreadPool

    if options.dask_scheduler:
        try:
            client = connect(options.dask_scheduler)
        except DaskUnavailable as exc:
            raise DataError(str(exc)) from None
        pool = DaskPool(client, ctx)
        log(f"trials on the Dask cluster at {options.dask_scheduler} ({pool.slots} at once)")
        return pool
    run = functools.partial(run_trial, ctx)
    if options.n_jobs > 1:
        return ThreadPool(run, options.n_jobs)
    return InlinePool(run)


def _advise(problem, options, notes, log, timings):
    """The metabase's ranked configs, or None (with a note) when it cannot advise."""
    from ._advice import advise
    from ._errors import DataError as _DataError

    t0 = time.perf_counter()
    try:
        advice, _ = advise(problem, top=100, store=options.store)
    except _DataError as exc:
        notes.append(f"no meta-learning ({exc.message}): starting from defaults")
        return None
    finally:
        timings["recommend"] = time.perf_counter() - t0
    notes += advice.notes
    top = advice.recommendations[0]
    log(f"metabase: {advice.method}; first: {top['config']['family']} "
        f"(predicted {top['predicted']:.2f}); nearest: "
        + ", ".join(n["name"] for n in advice.neighbours[:3]))
    return advice


def _split_holdout(X, y, problem, options):
    tr, te = stratified_rows(y, problem.task, options.seed + 31, test_size=options.holdout)
    return X.iloc[tr].reset_index(drop=True), y[tr], (X.iloc[te].reset_index(drop=True), y[te])


def _search_rows(X, y, problem, seed, notes, cap):
    if len(y) <= cap:
        return X, y
    idx, _ = stratified_rows(y, problem.task, seed, train_size=cap)
    idx = np.sort(idx)
    notes.append(f"search on a {cap}-row sample of {len(y)}; final evaluation on all")
    return X.iloc[idx].reset_index(drop=True), y[idx]


def _quiet_fit(pipeline, X, y):
    """Fit without library warnings on stderr (the trials silence theirs the same way)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pipeline.fit(X, y)


def _final(run: _Run, best: Trial, splits, per_fit: float, interrupted: bool):
    """The refit on all rows, then a fresh repeated k-fold on every metric:
    ``(cv_scores, holdout_scores, pipeline)``."""
    pipeline = _refit(run, best.config)
    t0 = time.perf_counter()
    cv_scores = None if interrupted else _final_cv(run, best.config, splits, per_fit)
    if cv_scores is None:
        run.notes.append(("interrupted" if interrupted else "no time for the final evaluation")
                         + ": the score is the search's cross-validation (optimistic: it chose "
                         "the config)")
        cv_scores = {run.metric: {"mean": best.score, "std": best.score_std, "folds": None,
                                  "source": "search"}}
    run.timings["final_cv"] = time.perf_counter() - t0
    holdout_scores = None if run.holdout is None else _holdout_scores(run, pipeline)
    return cv_scores, holdout_scores, pipeline


def _make(run: _Run, config: dict):
    return lambda: build_pipeline(config, run.schema, run.problem.task,
                                  random_state=run.options.seed)


def _refit(run: _Run, config: dict):
    """The config fitted on all rows. It comes first: without it there is no model, while
    the fresh evaluation only improves the score's estimate (with the time left it falls
    back to the search's), so it may use the slack of the promised bound."""
    make = _make(run, config)
    t1 = time.perf_counter()
    run.log("refit on all rows")
    out = run_isolated(lambda: _quiet_fit(make(), run.X, run.y),
                       timeout=run.budget.grace_timeout(SAVE_RESERVE),
                       memory_limit=run.options.memory_limit)
    if not out.ok:
        raise NoModelError(f"the refit of the best config did not finish ({out.status}: "
                           f"{out.error}); give a larger --time-budget")
    run.timings["refit"] = time.perf_counter() - t1
    return out.value


def _final_cv(run: _Run, config: dict, splits, per_fit: float) -> dict | None:
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
    make = _make(run, config)
    out = run_isolated(lambda: cross_validate(make, run.X, run.y, task, run.problem.classes,
                                              names, splits),
                       timeout=timeout, memory_limit=run.options.memory_limit)
    if out.ok:
        return _summarise(out.value, names)
    run.notes.append(f"final evaluation {out.status}: {out.error}")
    return None


def _holdout_scores(run: _Run, pipeline) -> dict:
    from metabase import aligned_proba, score_all

    task, classes = run.problem.task, run.problem.classes
    Xh, yh = run.holdout
    if task == "classification":
        proba = aligned_proba(pipeline, Xh, classes)
        pred = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    else:
        proba, pred = None, pipeline.predict(Xh)
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
