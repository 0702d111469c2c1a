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
from ._costs import SAVE_FACTOR, SAVE_RESERVE, UNAFFORDABLE, Costs, fold_save_seconds
from ._ensemble import Ensemble, assemble, reweighted, scorer, unfitted
from ._errors import NoModelError
from ._task import Problem
from ._trial import Trial


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
