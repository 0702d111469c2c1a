"""The steps of ``fit`` after the search: the ensemble's members, each bagged (the k fold
models its trial fitted, kept by the search: no refit, and the out-of-fold predictions
are those models' own) or refitted on all rows (in order of weight, while time allows),
then the score of what is saved (bagged: out of fold on the search's folds; refitted: a
fresh repeated k-fold when the time left allows it), then the untouched holdout."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from metabase import build_pipeline, cross_validate, metrics_for, run_isolated

from ._budget import Budget
from ._ensemble import Ensemble, assemble, reweighted, scorer, unfitted
from ._errors import NoModelError
from ._task import Problem
from ._trial import Trial

#: Seconds kept for writing the model directory.
SAVE_RESERVE = 0.5


def bag_reserve(budget: float | None) -> float:
    """Seconds kept, when members are bagged, for assembling and saving them (2 s plus 5 %
    of the budget, at most a quarter of it): skops writes (and later reads) a fitted model
    at a cost per object, k times over for a bagged member (one fold model of gradient
    boosting or a forest: 0.1-0.2 s), so the save of a bagged ensemble takes seconds;
    ``_final_members`` measures it and admits members while it fits."""
    return 1.0 if not budget else min(0.25 * budget, 2.0 + 0.05 * budget)


#: Fit time grows with the rows as rows ** this (1 when not listed): gradient boosting's
#: early stopping (on from 10,000 rows) and binning make it grow slower (measured: a
#: 16,000-row fold in 0.48 s, 1,000,000 rows in 15.7 s). An underestimate is safe: the first
#: refit that does not finish falls back to its fold models.
REFIT_EXPONENT = {"hgb": 0.85}
#: ... but from a trial on fewer than SMALL_FIT_ROWS rows its rounds' fixed costs weigh
#: more, and the growth is slower still (a 3,200-row holdout trial's fit of 0.3 s, its
#: refit on 90,000 rows about 2 s: an exponent of 0.57; pendigits 3,200 -> 9,900: 0.3-0.4).
SMALL_FIT_ROWS, SMALL_REFIT_EXPONENT = 10000, {"hgb": 0.6}
#: A refit is given up for the fold models (see ``Costs.reserve``) only when expected to
#: take this many times the time it could have: the estimate is pessimistic for gradient
#: boosting on a few thousand rows (pendigits at 10 s: 6.4-8.1 s expected, 4.0 s taken),
#: and a refit that times out still falls back to them.
UNAFFORDABLE = 1.5
#: Seconds kept to save a first member's model (its fold models when its refit cannot
#: finish, or its refit): skops writes a fitted model at a cost per tree (dumps measured on
#: 3,200 x 40: extra trees 4-7 ms per tree, random forest 2 ms; a boosting round of one
#: class 0.3 ms, 1.5 ms in a whole save of a blend with the class priors and temperature:
#: pendigits' 204 rounds x 10 classes took about 3 s and ended a 10 s run at 13.5 s).
FOLD_SAVE, SAVE_PER_TREE, SAVE_PER_ROUND = 0.5, 0.007, 0.0015


def fold_save_seconds(config: dict, n_classes: int) -> float:
    """Expected seconds to save a trial's fold models (see :data:`FOLD_SAVE`)."""
    params = config["params"]
    trees = params.get("n_estimators", 0) * SAVE_PER_TREE
    rounds = params.get("max_iter", 0) * max(1, n_classes if n_classes > 2 else 1) \
        * SAVE_PER_ROUND if config["family"] == "hgb" else 0.0
    return FOLD_SAVE + trees + rounds


#: Refits of the best so far kept in reserve on a table scored on rows set apart (its
#: estimate has a 1.2 margin already; the million-row bench at 1.5 left 13 s of 60 idle)
CHECK_MARGIN = 1.1
#: skops writes each fitted model of a blend twice (``estimators_``, ``named_estimators_``)
#: and the save then audits the file's types (about a third more): seconds to save a
#: model are this many times one ``_artifact.skops_bytes`` of it.
SAVE_FACTOR = 2.6


#: The most of the budget the search stops early for, to leave the final evaluation its
#: fresh folds; where they cost more, the search runs on and the evaluation takes the time
#: left at the end (at least 3 folds, else the search's out-of-fold score, with a note).
#: At 10 s on ames-housing (2,197 x 73) the 5 fresh folds took 2.7 s where the search had
#: run 1 trial in 2.4 s; and the score they give is not measurably more honest than the
#: out-of-fold one (README, Benchmark: the optimism by source).
FINAL_EVAL_SHARE = 0.2


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
    #: (X, y) of rows set apart for the final score of a table larger than its search
    #: sample (see ``_fidelity.CHECK_SHARE``), or None
    check: tuple | None = None
    #: how the search scores trials, in words (``_fidelity.describe``)
    screening: str = ""


@dataclass
class Costs:
    """Time estimates of the steps after the search, from the trials measured."""

    folds: int                  # search folds
    scale: float                # all rows / search rows
    final_folds: int
    bagged: bool = False        # members are bagged (no final evaluation: see ``finish``)
    budget: float | None = None  # the time budget, seconds
    check: bool = False         # scored on set-apart rows (no final cross-validation)
    n_classes: int = 0          # classes of the task (0: regression)
    fit_rows: int = SMALL_FIT_ROWS  # rows a trial's fit is scaled from (``TrialContext``)

    def per_fit(self, trial: Trial) -> float:
        if self.folds == 1 and math.isfinite(trial.fold_fit_time):
            # a holdout trial's seconds are mostly its predictions of up to 5,000 rows
            # (more than it trains on, at short budgets): its fit time, and a process start
            return self.refit_seconds(trial.config, trial.fold_fit_time + 0.1, trial.rows,
                                      trial.growth)
        return self.refit_seconds(trial.config, trial.elapsed)

    def refit_seconds(self, config: dict, trial_seconds: float, rows: int | None = None,
                      growth: float | None = None) -> float:
        """Seconds to fit ``config`` on all rows, from its trial's on ``rows`` (None: the
        search's, ``fit_rows``): one fold of the trial (fit, predict, process start),
        scaled to all rows as rows ** ``growth`` (measured by a halving search), at least
        the family's exponent."""
        return trial_seconds * self._per_trial_second(config, rows, growth) + 0.05

    def _per_trial_second(self, config: dict, rows: int | None = None,
                          growth: float | None = None) -> float:
        rows = rows or self.fit_rows
        exponents = SMALL_REFIT_EXPONENT if rows < SMALL_FIT_ROWS else REFIT_EXPONENT
        # a measured growth only raises the family's: on small samples the fixed costs
        # (binning, each round's overhead) hide it (gradient boosting's defaults, two runs:
        # 1.26 and 1.05 s on 16,000 rows, 1.62 and 1.88 s on 64,000, refits on 950,000
        # of 25.4 and 19.5 s)
        growth = max(growth or 0.0, exponents.get(config["family"], 1.0))
        return (self.scale * self.fit_rows / rows) ** growth * 1.2 / self.folds

    def refit_factor(self, config: dict, rows: int | None = None) -> float:
        """Seconds of ``config``'s refit per second of its trial on ``rows`` (a halving
        rung; None: the search's rows), should the trial become the best (the search's
        deadlines, see ``_tune.SearchPlan``): none when bagged."""
        return 0.0 if self.bagged else self._per_trial_second(config, rows)

    def reserve(self, best: Trial | None, left: float = math.inf,
                measuring: bool = False) -> float:
        # keep time for the refit of the best so far and then for a final evaluation of
        # 5 folds (more if time is left; none kept where 5 cost more than a share of the
        # budget: ``final_eval_folds``), or for the other members' refits;
        # bagged, only for assembling (or for the best's refit if its models were too big).
        # On a sampled table (check rows), a best whose refit no longer fits in the ``left``
        # seconds has its fold models to fall back on: only their save is kept, and the
        # search goes on (a cheaper config may still be refitted in time); so too while a
        # halving search measures the growth of the best's fit time (``measuring``)
        if best is None:
            return SAVE_RESERVE
        if self.bagged:
            save = bag_reserve(self.budget)
            return save + (0 if best.models is not None else self.per_fit(best) * 2)
        if self.check:
            refit = self.per_fit(best) * CHECK_MARGIN + SAVE_RESERVE
            # the first refit may use the bound's slack (``Budget.grace_timeout``)
            slack = 0.05 * self.budget + 1.0 if self.budget else 0.0
            if best.models and (measuring or refit > UNAFFORDABLE * (left + slack)):
                return fold_save_seconds(best.config, self.n_classes) + SAVE_RESERVE
            return refit
        per_fit = self.per_fit(best)
        return per_fit * (2 + self.final_eval_folds(per_fit)) + SAVE_RESERVE

    def final_eval_folds(self, per_fit: float) -> int:
        """Fresh folds the search stops early for: up to 5, or none where they would take
        more than :data:`FINAL_EVAL_SHARE` of the budget (the evaluation then gets what is
        left at the end, see ``_final_cv``)."""
        folds = min(self.final_folds, 5)
        if self.budget and folds * per_fit > FINAL_EVAL_SHARE * self.budget:
            return 0
        return folds


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
    fitted = _final_members(run, ens, costs)
    ens = reweighted(ens, [t for t, _, _ in fitted], search_y, run.problem.classes, run.metric)
    ens.how = {t.number: how for t, _, how in fitted}
    model = assemble(ens, [m for _, m, _ in fitted], run.problem.task, run.X, run.y)
    run.timings["refit"] = time.perf_counter() - t1
    t0 = time.perf_counter()
    cv_scores = None
    if not interrupted and not costs.bagged and run.check is None:
        per_fit = sum(costs.per_fit(t) for t in ens.members)
        cv_scores = _final_cv(run, _maker(run, ens), splits, per_fit)
    if cv_scores is None and not interrupted:
        model = _calibrate(run, ens, model, search_y)
    if run.check is not None:
        cv_scores = _check_scores(run, model)
    if cv_scores is None and costs.bagged and not interrupted:
        cv_scores = _oof_scores(run, ens, search_y)
    if cv_scores is None:
        cv_scores = _search_score(run, ens, interrupted)
    run.timings["final_cv"] = time.perf_counter() - t0
    holdout = None if run.holdout is None else _holdout_scores(run, model)
    return Final(model, ens, cv_scores, holdout)


def _calibrate(run: Run, ens: Ensemble, model, search_y):
    """``model`` behind temperature scaling where it lowers the blend's out-of-fold log
    loss (``_calibrate``), ``ens`` then scored with it; else ``model`` itself."""
    from ._calibrate import calibrated, fit_temperature

    blend = ens.predictions(search_y, run.problem.classes)
    if run.problem.task != "classification" or blend is None:
        return model
    beta = fit_temperature(blend, search_y, run.problem.classes)
    if beta is None:
        return model
    loss = scorer("log_loss", search_y, run.problem.classes)
    before = loss(blend)
    ens.temperature = beta
    blend = ens._blend(search_y, run.problem.classes)
    ens.score = scorer(run.metric, search_y, run.problem.classes)(blend)
    run.notes.append(f"probabilities temperature-scaled (inverse temperature {beta:.3f}, "
                     f"fitted out of fold: log loss {before:.4f} -> {loss(blend):.4f})")
    return calibrated(model, beta)


def _oof_scores(run: Run, ens: Ensemble, search_y) -> dict | None:
    """Every metric of the bagged ensemble, out of fold on the search's folds (None when a
    member lost its predictions)."""
    blend = ens.predictions(search_y, run.problem.classes)
    if blend is None:
        return None
    run.notes.append("bagged: the score is the ensemble's, out of fold on the search's "
                     "folds, by the fold models saved (optimistic only by the choice of "
                     "configs and members)")
    scores = _scores(run, search_y, blend.astype(np.float64))
    out = {k: {"mean": v, "std": None, "folds": None, "source": "oof"}
           for k, v in scores.items()}
    out[run.metric]["mean"] = _round(ens.score)     # the selection's own figure
    return out


def _search_score(run: Run, ens: Ensemble, interrupted: bool) -> dict:
    why = "interrupted" if interrupted else "no time for the final evaluation"
    if len(ens.members) == 1 and not ens.prior:
        t = ens.members[0]
        run.notes.append(f"{why}: the score is the search's, by {run.screening} "
                         "(optimistic: it chose the config)")
        return {run.metric: {"mean": t.score, "std": t.score_std, "folds": None,
                             "source": "search"}}
    run.notes.append(f"{why}: the score is the ensemble's, out of fold by the search's "
                     f"{run.screening} (optimistic: those predictions chose its members)")
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


def _final_members(run: Run, ens: Ensemble, costs: Costs) -> list:
    """``[(trial, fitted estimator or its fold models, "bagged" or "refit")]``, by weight:
    each member bagged where its trial kept its fold models, else refitted on all rows.
    The first member is always made (the first refit may use the slack of the promised
    bound: without it there is no model); each other only when what it costs (its refit,
    and its save, measured on one of its fold models) is expected to fit in the time left."""
    fitted, saving = [], 0.0
    for trial in ens.members:
        # the last resort ran in the bound's slack: no time is left to refit it
        bag_only = trial.source == "last resort"
        models = _bagged(run, trial) if costs.bagged or bag_only else None
        save = 0.0 if run.budget.seconds is None else _save_seconds(models)
        if (models is not None and not bag_only and save > costs.per_fit(trial) + save / len(models)
                and run.budget.timeout(SAVE_RESERVE + saving + save) == 0):
            # its k fold models would not be saved in time (a forest of many trees) and a
            # refit on all rows costs less: one model to save, a k-th of the time
            models, save = None, save / len(models)
        left = run.budget.timeout(SAVE_RESERVE + saving + save)
        refit = 0.0 if models is not None else costs.per_fit(trial)
        if fitted and left is not None and left <= refit:
            run.notes.append(f"ensemble: trial {trial.number} left out (no time to "
                             + ("save it)" if models is not None else "refit it on all rows)"))
            continue
        if models is None and not fitted and trial.models is not None and left is not None \
                and refit > UNAFFORDABLE * run.budget.grace_timeout(
                    SAVE_RESERVE + fold_save_seconds(trial.config, costs.n_classes)):
            # its refit cannot finish (the search went on past it, see ``Costs.reserve``):
            # its fold models now, rather than after a refit that times out
            models = _bagged(run, trial)
            if models is not None:
                run.notes.append(f"trial {trial.number}'s refit on all rows would not finish "
                                 f"(about {refit:.1f} s): the model is its {len(models)} "
                                 "fold model(s), trained on the search rows")
        if models is None:
            # the first refit may use the bound's slack, less its model's save
            timeout = run.budget.grace_timeout(SAVE_RESERVE + fold_save_seconds(
                trial.config, costs.n_classes)) if not fitted else left
            fallback = None if fitted else (lambda t=trial: _bagged(run, t))
            models = _refit(run, trial, timeout, fallback)
            if models is None:
                continue
        fitted.append((trial, models, "bagged" if isinstance(models, list) else "refit"))
        saving += save
    return fitted


def _bagged(run: Run, trial: Trial):
    """The trial's fold models (a list), or None (not kept, or a fold missed a class: its
    probabilities would not line up)."""
    import pickle

    if trial.models is None:
        return None
    models = pickle.loads(trial.models)
    classes = run.problem.classes
    if classes is not None and any(list(m.classes_) != list(classes) for m in models):
        return None
    return list(models)


def _save_seconds(models) -> float:
    """Expected seconds to save a bagged member: one fold model's skops dump, timed, times
    its k models (0 for a refit: its save is in the reserve of the search)."""
    if not models:
        return 0.0
    from ._artifact import skops_bytes

    t0 = time.perf_counter()
    skops_bytes(models[0])
    return (time.perf_counter() - t0) * SAVE_FACTOR * len(models)


def _refit(run: Run, trial: Trial, timeout, fallback):
    """The trial's config fitted on all rows, or None. ``fallback`` (for the first member
    only) gives its fold models or None: what the model is when the refit does not finish
    (without them, there is no model)."""
    run.log(f"refit on all rows: {trial.config['family']} (trial {trial.number})")
    make = _make(run, trial.config)
    out = run_isolated(lambda: _quiet_fit(make(), run.X, run.y), timeout=timeout,
                       memory_limit=run.options.memory_limit)
    if out.ok:
        return out.value
    if fallback is None:
        run.notes.append(f"ensemble: the refit of trial {trial.number} {out.status}: left out")
        return None
    folds = fallback()
    if folds is None:
        raise NoModelError(f"the refit of the best config did not finish ({out.status}: "
                           f"{out.error}); give a larger --time-budget")
    run.notes.append(f"the refit of trial {trial.number} on all rows {out.status}: the "
                     f"model is its {len(folds)} fold models (trained on the search rows)")
    return folds


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


def _check_scores(run: Run, model) -> dict:
    """The saved model's scores on the rows set apart (``run.check``), as cv scores."""
    scores = _scores_on(run, model, run.check)
    rows = scores.pop("rows")
    return {k: {"mean": v, "std": None, "folds": None, "source": "unseen", "rows": rows}
            for k, v in scores.items()}


def _holdout_scores(run: Run, model) -> dict:
    return _scores_on(run, model, run.holdout)


def _scores_on(run: Run, model, rows) -> dict:
    from metabase import aligned_proba

    Xh, yh = rows
    if run.problem.task == "classification":
        predictions = aligned_proba(model, Xh, run.problem.classes)
    else:
        predictions = model.predict(Xh)
    return {**_scores(run, yh, predictions), "rows": int(len(yh))}


def _scores(run: Run, y, predictions) -> dict:
    """Every metric of the task, rounded, for ``predictions`` of ``y`` (probabilities,
    rows x classes, or values)."""
    from metabase import score_all

    task, classes = run.problem.task, run.problem.classes
    if task == "classification":
        proba, pred = predictions, np.asarray(classes, dtype=object)[predictions.argmax(axis=1)]
    else:
        proba, pred = None, predictions
    return {k: _round(v) for k, v in score_all(metrics_for(task), y, pred, proba,
                                                classes).items()}


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
