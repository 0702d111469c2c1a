"""``fit`` as a library function: problem → search → refit → final evaluation."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from metabase import (METRICS, build_pipeline, cross_validate, default_metric, infer_schema,
                      make_splits, metrics_for, prepare_frame, run_isolated)

from ._budget import Budget
from ._errors import DataError, NoModelError
from ._task import Problem
from ._tune import (SearchResult, Trial, default_candidates, fallback_candidates, run_trial,
                    search, warm_candidates)

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


def fit(problem: Problem, options: FitOptions, candidates=None, log=lambda m: None,
        budget: Budget | None = None) -> FitResult:
    """Search configs, refit the best on all rows, then score it with a fresh repeated k-fold."""
    budget = budget or Budget(options.time_budget)
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

    cap = SEARCH_ROWS
    if options.time_budget:
        cap = min(cap, max(2000, int(options.time_budget * SEARCH_ROWS_PER_SECOND)))
    Xs, ys = _search_rows(X, y, problem, options.seed, notes, cap)
    splits = make_splits(ys, problem.task, options.cv, 1, options.seed)
    folds = len(splits)
    final_splits = make_splits(y, problem.task, options.cv, options.repeats, options.seed + 7919)
    scale = len(y) / max(1, len(ys))

    def per_fit(best: Trial) -> float:
        # one fold of the best so far (fit, predict, process start), scaled to all rows
        return best.elapsed / folds * scale * 1.2 + 0.05

    def reserve(best: Trial | None) -> float:
        # keep time for a final evaluation of at least 5 folds (more if time is left
        # when the search ends) and the refit of the best so far
        if best is None:
            return SAVE_RESERVE
        return per_fit(best) * (min(len(final_splits), 5) + 2) + SAVE_RESERVE

    def evaluate(trial: Trial, timeout, cancel=None):
        return run_trial(trial, Xs, ys, problem.task, problem.classes, metric, splits,
                         options.seed, schema, timeout, options.memory_limit, cancel)

    advice = None
    if candidates is None and options.metalearning:
        advice = _advise(problem, options, notes, log, timings)
    if candidates is None and advice is not None:
        candidates = warm_candidates(advice.recommendations, problem.task, options.seed,
                                     METRICS[metric].greater_is_better, len(ys),
                                     time_scale=len(ys) / max(1, len(y)))
    elif candidates is None:
        candidates = default_candidates(problem.task, len(ys), options.seed)
    log(f"search: {metric} by {folds}-fold cross-validation on {len(ys)} rows")
    t1 = time.perf_counter()
    pool = _make_pool(options, evaluate, Xs, ys, problem, metric, splits, schema, log)
    try:
        result = search(candidates, pool, metric, budget, options.max_trials, reserve, folds,
                        log, fallback_candidates(problem.task))
    finally:
        pool.close()
    timings["search"] = time.perf_counter() - t1
    if result.best is None and result.interrupted:
        raise KeyboardInterrupt
    if result.best is None:
        failed = ", ".join(sorted({t.status for t in result.trials})) or "no trial could start"
        raise NoModelError(f"no model within the budget ({len(result.trials)} trial(s): {failed}); "
                           "give a larger --time-budget")
    best = result.best
    config = best.config
    cv_scores, holdout_scores, pipeline = _final(config, X, y, problem, schema, metric,
                                                 final_splits, holdout, options, budget, timings,
                                                 notes, log, best, per_fit(best),
                                                 result.interrupted)
    return FitResult(pipeline, schema, problem, metric, config, cv_scores, holdout_scores,
                     result, timings, notes + warns,
                     advice.to_dict() if advice is not None else None, options)


def _make_pool(options, evaluate, X, y, problem, metric, splits, schema, log):
    """Inline, local threads (--n-jobs) or a Dask cluster (--dask-scheduler)."""
    from ._pool import DaskPool, InlinePool, ThreadPool

    if options.dask_scheduler:
        from metabase._distributed import DaskUnavailable, connect

        try:
            client = connect(options.dask_scheduler)
        except DaskUnavailable as exc:
            raise DataError(str(exc)) from None
        pool = DaskPool(client, (X, y), {
            "task": problem.task, "classes": problem.classes, "metric": metric,
            "splits": splits, "seed": options.seed, "schema": schema,
            "memory_limit": options.memory_limit})
        log(f"trials on the Dask cluster at {options.dask_scheduler} ({pool.slots} at once)")
        return pool
    if options.n_jobs > 1:
        return ThreadPool(evaluate, options.n_jobs)
    return InlinePool(evaluate)


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


def _split_rows(y, task, seed, **size):
    """Row positions (kept, rest), stratified for classification where every class
    has two rows."""
    from sklearn.model_selection import train_test_split

    strat = None
    if task == "classification":
        _, counts = np.unique(y, return_counts=True)
        strat = y if counts.min() >= 2 else None
    return train_test_split(np.arange(len(y)), random_state=seed, stratify=strat, **size)


def _split_holdout(X, y, problem, options):
    tr, te = _split_rows(y, problem.task, options.seed + 31, test_size=options.holdout)
    return X.iloc[tr].reset_index(drop=True), y[tr], (X.iloc[te].reset_index(drop=True), y[te])


def _search_rows(X, y, problem, seed, notes, cap):
    if len(y) <= cap:
        return X, y
    idx, _ = _split_rows(y, problem.task, seed, train_size=cap)
    idx = np.sort(idx)
    notes.append(f"search on a {cap}-row sample of {len(y)}; final evaluation on all")
    return X.iloc[idx].reset_index(drop=True), y[idx]


def _quiet_fit(pipeline, X, y):
    """Fit without library warnings on stderr (the trials silence theirs the same way)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pipeline.fit(X, y)


def _final(config, X, y, problem, schema, metric, splits, holdout, options, budget, timings,
           notes, log, best, per_fit, interrupted=False):
    """The refit on all rows, then a fresh repeated k-fold on every metric."""
    task, classes = problem.task, problem.classes
    names = metrics_for(task)
    make = lambda: build_pipeline(config, schema, task, random_state=options.seed)  # noqa: E731
    # The refit first: without it there is no model, while the fresh evaluation only
    # improves the score's estimate; with the time left it falls back to the search's.
    t1 = time.perf_counter()
    log("refit on all rows")
    # may use the slack of the promised bound: without it there is no model at all
    out = run_isolated(lambda: _quiet_fit(make(), X, y),
                       timeout=budget.grace_timeout(SAVE_RESERVE),
                       memory_limit=options.memory_limit)
    if not out.ok:
        raise NoModelError(f"the refit of the best config did not finish ({out.status}: "
                           f"{out.error}); give a larger --time-budget")
    pipeline = out.value
    timings["refit"] = time.perf_counter() - t1
    t0 = time.perf_counter()
    cv_scores = None
    timeout = budget.timeout(SAVE_RESERVE)
    if interrupted:
        pass     # stop quickly: save the best so far
    elif timeout is None or timeout >= per_fit * 3:
        n = len(splits) if timeout is None else min(len(splits), int(timeout / per_fit))
        if n < len(splits):
            notes.append(f"final evaluation on {n} of {len(splits)} fresh folds (time budget)")
            splits = splits[:n]
        log(f"final evaluation: {len(splits)} fresh folds")
        out = run_isolated(lambda: cross_validate(make, X, y, task, classes, names, splits),
                           timeout=timeout, memory_limit=options.memory_limit)
        if out.ok:
            cv_scores = _summarise(out.value, names)
        else:
            notes.append(f"final evaluation {out.status}: {out.error}")
    if cv_scores is None:
        notes.append(("interrupted" if interrupted else "no time for the final evaluation")
                     + ": the score is the search's cross-validation (optimistic: it chose "
                     "the config)")
        cv_scores = {metric: {"mean": best.score, "std": best.score_std, "folds": None,
                              "source": "search"}}
    timings["final_cv"] = time.perf_counter() - t0
    holdout_scores = None
    if holdout is not None:
        from metabase import aligned_proba, score_all

        Xh, yh = holdout
        if task == "classification":
            proba = aligned_proba(pipeline, Xh, classes)
            pred = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
        else:
            proba, pred = None, pipeline.predict(Xh)
        scores = score_all(names, yh, pred, proba, classes)
        holdout_scores = {k: _round(v) for k, v in scores.items()}
        holdout_scores["rows"] = int(len(yh))
    return cv_scores, holdout_scores, pipeline


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
