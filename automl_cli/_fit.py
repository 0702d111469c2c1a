"""``fit`` as a library function: problem → search → ensemble → refit → final evaluation
(the steps after the search are in ``_final``)."""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass, field

import numpy as np

from metabase import (METRICS, default_metric, infer_schema, make_splits, metrics_for,
                      prepare_frame, stratified_rows, while_next_child_runs)

from ._artifact import preload_save
from ._budget import Budget
from ._ensemble import DEFAULT_SIZE, Ensemble, select
from ._errors import DataError, NoModelError
from ._fidelity import (CHECK_ROWS, CHECK_SHARE, describe, halving_splits, scored_rows,
                        search_eval, search_rows, search_splits)
from ._costs import SAVE_RESERVE, Costs
from ._final import Run, finish
from ._halving import PROBE_RATIO, Ladder, rung_rows
from ._task import Problem
from ._trial import Trial, TrialContext, run_trial
from ._candidates import (FIRST_TRIAL_SHARE, RARE_CLASS_ROWS, cheap_first, default_candidates,
                          fallback_candidates, warm_candidates)
from ._tune import SearchPlan, SearchResult, search

#: The last resort (see ``_last_resort``) runs only with this many seconds in the bound's
#: slack, keeping LAST_RESORT_SAVE more for saving its fold models (skops' import included).
LAST_RESORT_MIN = 0.5
LAST_RESORT_SAVE = 1.0


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
    ensemble_size: int = DEFAULT_SIZE
    #: "bag" (each member is its trial's k fold models), "refit" (each member refitted on
    #: all rows, then a fresh cross-validation) or "auto" (see ``bagging``)
    final_model: str = "auto"
    #: how the search scores a trial: "cv", "holdout" or "auto" (see ``_fidelity``)
    search_eval: str = "auto"
    #: the order of the warm start: "meta-model" (its ranking, by the table's meta-
    #: features), "portfolio" (the greedy time-aware portfolio of past tasks, without
    #: meta-features) or "both" (the portfolio re-ranked by the meta-model)
    warm_start: str = "meta-model"


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
    ensemble: Ensemble | None = None
    #: the saved model's out-of-fold predictions on the search rows: {"y", "predictions"}
    #: (probabilities rows x classes, or values; None when unavailable)
    oof: dict | None = None
    #: how the search scored its trials, in words (``_fidelity.describe``)
    screening: str = ""

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
    """Search configs, blend the best (``_ensemble``), refit the members on all rows, then
    score the blend with a fresh repeated k-fold where the time left allows."""
    run = _prepare(problem, options, budget or Budget(options.time_budget), log)
    ctx, bagged = _search_context(run)
    final_splits = make_splits(run.y, problem.task, options.cv, options.repeats,
                               options.seed + 7919)
    costs = Costs(ctx.folds, len(run.y) / max(1, ctx.fit_rows), len(final_splits),
                  bagged, options.time_budget, run.check is not None,
                  len(problem.classes or []), ctx.fit_rows)
    advice = None
    if candidates is None:
        candidates, advice = _candidates(run, ctx)
    result = _run_search(run, ctx, candidates, costs)
    ens = _select(run, ctx, result)
    final = finish(run, ens, ctx.scored_y, final_splits, costs, result.interrupted)
    return FitResult(final.model, run.schema, problem, run.metric, final.ensemble.members[0].config,
                     final.cv_scores, final.holdout_scores, result, run.timings,
                     run.notes + run.warns, advice.to_dict() if advice is not None else None,
                     options, final.ensemble,
                     {"y": ctx.scored_y,
                      "predictions": final.ensemble.predictions(ctx.scored_y, ctx.classes)},
                     run.screening)


def _select(run: Run, ctx: TrialContext, result: SearchResult) -> Ensemble:
    """The ensemble of the search (the best trial alone with ``--ensemble-size 1`` or
    after Ctrl-C, which must stop quickly)."""
    best = result.best
    if result.interrupted or run.options.ensemble_size <= 1:
        return Ensemble([best], [1.0], 0.0, best.score)
    t0 = time.perf_counter()
    ens = select(result.trials, ctx.scored_y, ctx.classes, run.metric,
                 run.options.ensemble_size)
    run.timings["ensemble"] = time.perf_counter() - t0
    names = ", ".join(f"{t.config['family']} {w:.2f}" for t, w in zip(ens.members, ens.weights))
    run.log(f"ensemble: {len(ens.members)} member(s) ({names}); out-of-fold {run.metric} "
            f"{ens.score:.4f} (best trial {best.score:.4f})")
    return ens


def _prepare(problem: Problem, options: FitOptions, budget: Budget, log) -> Run:
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
    return Run(problem, options, budget, log, metric, schema, X, y, holdout, notes, warns,
               timings)


def _search_context(run: Run) -> tuple[TrialContext, bool]:
    """The search rows (a sample on large tables) and their shared folds or holdout
    (``_fidelity``), and whether the members will be bagged; on a sample refitted, the
    check rows are set apart (``run``)."""
    options, problem = run.options, run.problem
    bagged = bagging(options.final_model, options.time_budget)
    mode = search_eval(options.search_eval, len(run.y), options.time_budget, bagged)
    cap, train = search_rows(mode, len(run.y), options.time_budget)
    idx = _search_rows(run.y, problem, options.seed, run.notes, cap)
    sampled = idx is not None
    Xs, ys = (run.X, run.y) if idx is None else (run.X.iloc[idx].reset_index(drop=True),
                                                 run.y[idx])
    if sampled and bagged:
        run.notes.append(f"--final-model bag: the members' fold models saw only the "
                         f"{len(ys)}-row search sample")
    if sampled and not bagged:
        _set_check_rows(run, idx)
    pool, rungs = None, ()
    if mode == "halving":
        splits, pool = halving_splits(ys, problem.task, options.seed, train)
        rungs = rung_rows(train, len(pool))
    else:
        splits = search_splits(ys, problem.task, mode, options.cv, options.seed, train)
    run.screening = describe(mode, splits, len(ys), rungs)
    # the fold models are kept where they are used: bagged, they are the members; on a
    # sample refitted, the first member falls back to them when its refit on all rows
    # (long: the table is large) does not finish. Elsewhere a refit costs about one fold,
    # and pickling every trial's models would cost short budgets their trials.
    return TrialContext(Xs, ys, problem.task, problem.classes, run.metric, splits,
                        options.seed, run.schema, options.memory_limit,
                        bagged or sampled, scored_rows(splits, len(ys)),
                        pool if len(rungs) > 1 else None, rungs), bagged


def _set_check_rows(run: Run, search_idx) -> None:
    """Move rows outside the search sample from ``run.X``/``run.y`` to ``run.check``."""
    n = len(run.y)
    rest = np.setdiff1d(np.arange(n), search_idx)
    size = min(CHECK_ROWS, int(CHECK_SHARE * n), len(rest))
    if size < 100:
        return
    pick = np.sort(np.random.default_rng(run.options.seed + 17).choice(rest, size,
                                                                       replace=False))
    keep = np.setdiff1d(np.arange(n), pick)
    run.check = (run.X.iloc[pick].reset_index(drop=True), run.y[pick])
    run.X, run.y = run.X.iloc[keep].reset_index(drop=True), run.y[keep]
    run.notes.append(f"final score on {size} rows set apart (neither the search nor the "
                     "refit used them)")


def bagging(final_model: str, budget: float | None = None) -> bool:
    """Whether the members are bagged: only with "bag". The default ("auto") refits, by
    measurement (``make bench``, 24 tables, one split): bagged members lost to refitted
    ones at 10 s (2 wins, 7 losses beyond the spread) and at 60 s (0 wins, 4 losses on the
    first 15 tables; README, Benchmark). A bagged member is k models to save, load and
    predict with, which a budget pays for with fewer trials and members; on a sample,
    the fold models would not even have seen most of the table."""
    return final_model == "bag"


def _candidates(run: Run, ctx: TrialContext):
    """``(candidates, advice)``: the metabase's warm start, or defaults without it."""
    advice = None
    if run.options.metalearning and run.budget.left <= 0:
        # profiling and a cold meta-model would only add to the overrun
        run.notes.append(f"no meta-learning: the {run.budget.seconds:g} s budget was spent "
                         f"before the search ({run.budget.elapsed:.1f} s of start-up)")
    elif run.options.metalearning:
        advice = _advise(run.problem, run.options, run.notes, run.log, run.timings)
    rare = ctx.task == "classification" and int(
        np.unique(ctx.y, return_counts=True)[1].min()) < RARE_CLASS_ROWS
    cheap = cheap_first(sum(len(tr) for tr, _ in ctx.splits), len(ctx.classes or []),
                        run.options.time_budget)
    if advice is None:
        return default_candidates(ctx.task, len(ctx.y), ctx.seed, True, ctx.X.shape[1],
                                  rare, cheap), None
    greater = METRICS[run.metric].greater_is_better
    return warm_candidates(advice.recommendations, ctx.task, ctx.seed, greater, len(ctx.y),
                           time_scale=ctx.fit_rows / max(1, len(run.y)),
                           shape={"n_features": ctx.X.shape[1], "rare_classes": rare,
                                  "cheap_first": cheap, "far": advice.out_of_range,
                                  "first_seconds": _first_seconds(run, ctx)}), advice


def _first_seconds(run: Run, ctx: TrialContext) -> float | None:
    """Seconds per fold the first recommendation may be expected to take before the
    safety default goes first (``_candidates.FIRST_TRIAL_SHARE`` of the time left)."""
    if run.budget.seconds is None:
        return None
    return FIRST_TRIAL_SHARE * max(0.0, run.budget.left) / ctx.folds


def _run_search(run: Run, ctx: TrialContext, candidates, costs: Costs) -> SearchResult:
    """The search, on the pool the options ask for; raises when it found no model."""
    run.log(f"search: {run.metric} by {run.screening}")
    t1 = time.perf_counter()
    ladder = None if len(ctx.rungs) < 2 else Ladder(
        ctx.rungs, METRICS[run.metric].better, len(run.y) >= PROBE_RATIO * ctx.rungs[0])
    plan = SearchPlan(run.metric, run.budget, run.options.max_trials,
                      lambda best: costs.reserve(best, run.budget.left, ladder is not None
                                                 and ladder.measuring(best)),
                      ctx.folds, tuple(fallback_candidates(ctx.task)), costs.refit_factor,
                      ladder)
    pool = _make_pool(run.options, ctx, run.log)
    while_next_child_runs(preload_save)
    try:
        result = search(candidates, pool, plan, run.log)
    finally:
        pool.close()
    if result.best is None and not result.interrupted:
        _last_resort(run, ctx, result)
    run.timings["search"] = time.perf_counter() - t1
    if result.best is None and result.interrupted:
        raise KeyboardInterrupt
    if result.best is None:
        failed = ", ".join(sorted({t.status for t in result.trials})) or "no trial could start"
        raise NoModelError(f"no model within the budget ({len(result.trials)} trial(s): {failed}); "
                           "give a larger --time-budget")
    return result


def _last_resort(run: Run, ctx: TrialContext, result: SearchResult) -> None:
    """No trial succeeded in the budget (a loaded machine, a slow start): one linear model
    with its defaults, in the slack of the promised bound, so that a short budget still
    ends with a model (it says so) rather than exit 5."""
    b, timeout = run.budget, None
    if b.seconds is not None:
        # what is left of the promised bound (budget x 1.05 + 2 s), less the save and a
        # margin for the process's exit
        timeout = b.seconds * 1.05 + 2 - b.elapsed - SAVE_RESERVE - LAST_RESORT_SAVE - 0.5
        if timeout < LAST_RESORT_MIN:
            return                  # no room left (a budget of a few seconds): exit 5
    config, _, _ = fallback_candidates(ctx.task)[0]
    trial = Trial(len(result.trials) + 1, config, "last resort")
    # its fold models are the model: no time is left to refit it
    run_trial(dataclasses.replace(ctx, keep_models=True), trial, timeout)
    trial.finished = run.budget.elapsed
    result.trials.append(trial)
    run.log(f"  last resort: {config['family']} {trial.status} ({trial.elapsed:.1f}s)")
    if trial.status == "ok":
        result.best = trial
        run.notes.append(f"no trial finished within the budget: the model is the last "
                         f"resort, {config['family']} with its defaults (give a larger "
                         "--time-budget)")


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
        advice, profile_seconds = advise(problem, top=100, store=options.store,
                                         ranking=options.warm_start)
    except _DataError as exc:
        notes.append(f"no meta-learning ({exc.message}): starting from defaults")
        timings["recommend"] = time.perf_counter() - t0
        return None
    timings["profile"] = profile_seconds
    timings["recommend"] = time.perf_counter() - t0 - profile_seconds
    notes += advice.notes
    top = advice.recommendations[0]
    log(f"metabase: {advice.method}; first: {top['config']['family']} "
        f"(predicted {top['predicted']:.2f}); nearest: "
        + ", ".join(n["name"] for n in advice.neighbours[:3]))
    return advice


def _split_holdout(X, y, problem, options):
    tr, te = stratified_rows(y, problem.task, options.seed + 31, test_size=options.holdout)
    return X.iloc[tr].reset_index(drop=True), y[tr], (X.iloc[te].reset_index(drop=True), y[te])


def _search_rows(y, problem, seed, notes, cap):
    """The indices of the search sample, sorted, or None when all rows fit in ``cap``."""
    if len(y) <= cap:
        return None
    idx, _ = stratified_rows(y, problem.task, seed, train_size=cap)
    notes.append(f"search on a {cap}-row sample of {len(y)}")
    return np.sort(idx)
