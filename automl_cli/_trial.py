"""One trial: cross-validate one config on the search rows, in a stoppable child.

Everything the trials of one fit share (the search rows, task, classes, metric,
folds, seed, schema, memory limit) travels as one frozen :class:`TrialContext`,
built once per fit; the pools of ``_pool`` run :func:`run_trial` (here, on
threads) or :func:`trial_unit` (on a Dask worker) with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from metabase import build_pipeline, config_key, cross_validate_oof, run_isolated


@dataclass(frozen=True)
class TrialContext:
    X: object                   # the search rows, prepared (a pandas DataFrame)
    y: np.ndarray
    task: str
    classes: list | None
    metric: str
    splits: list                # the search's shared folds: (train, test) index pairs
    seed: int
    schema: dict
    memory_limit: int | None = None
    #: keep each trial's fold models (pickled) for k-fold bagging (see ``_final``)
    keep_models: bool = False
    #: the rows with predictions, sorted, when not all rows are (a holdout: see
    #: ``_fidelity``); a trial's ``oof`` holds those rows only
    scored: np.ndarray | None = None
    #: a halving search's training rows, rung 0's first, and the rows of each rung
    #: (``_halving``); None and () otherwise
    pool: np.ndarray | None = None
    rungs: tuple = ()

    def splits_at(self, rows: int | None) -> list:
        """The splits of a trial on ``rows`` training rows (None: the search's own): the
        first ``rows`` of the pool, scored on the same holdout rows."""
        if rows is None or self.pool is None or rows == len(self.splits[0][0]):
            return self.splits
        return [(np.sort(self.pool[:rows]), self.splits[0][1])]

    @property
    def folds(self) -> int:
        return len(self.splits)

    @property
    def fit_rows(self) -> int:
        """The rows the time of a trial's fit is scaled from (to all rows, see
        ``_costs.Costs``): the search rows with k folds (the estimates' margins were
        measured so), the training rows of a holdout (which scores on more rows)."""
        return len(self.y) if self.scored is None else len(self.splits[0][0])

    @property
    def scored_y(self) -> np.ndarray:
        """The targets of the rows a trial's ``oof`` predictions are on."""
        return self.y if self.scored is None else self.y[self.scored]


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
    finished: float = float("nan")    # seconds into the run when its result came back
    #: out-of-fold predictions on the search rows (float32), for the ensemble
    oof: object = field(default=None, repr=False)
    #: the fold models, pickled (bytes), when the context keeps them and they are small
    #: enough (see ``MAX_MODEL_BYTES``); None otherwise
    models: bytes | None = field(default=None, repr=False)
    #: successive halving (``_halving``): the trial's rung, its training rows (None: the
    #: search's), the trial it moved up from, and whether one on more rows replaced it
    rung: int = 0
    rows: int | None = None
    parent: int | None = None
    superseded: bool = False
    #: the exponent of its fit time in rows, measured against the trial it moved up from
    #: (``_halving.measured_growth``); None: not measured
    growth: float | None = None

    def to_dict(self) -> dict:
        return {"trial": self.number, "config_id": config_key(self.config["family"],
                                                               self.config["params"]),
                "family": self.config["family"], "params": self.config["params"],
                "source": self.source, "status": self.status, "score": _num(self.score),
                "score_std": _num(self.score_std), "fold_fit_time": _num(self.fold_fit_time),
                "seconds": round(self.elapsed, 3), "finished": _num(self.finished),
                "error": self.error, "rung": self.rung, "rows": self.rows,
                "superseded": self.superseded}


def _num(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)


#: Fold models larger than this (pickled, all folds together) are not kept: a forest of
#: deep trees on 20,000 rows can weigh hundreds of megabytes per fold, and such a member
#: is refitted on all rows instead (one model rather than k to hold and to predict with).
MAX_MODEL_BYTES = 200 * 2 ** 20


def trial_unit(ctx: TrialContext, config: dict, timeout, cancel=None,
               rows: int | None = None) -> dict:
    """Cross-validate ``config`` (on ``rows`` training rows: ``TrialContext.splits_at``)
    in a stoppable child (here, or on a Dask worker): ``{"status", "value" ((folds,
    out-of-fold predictions, pickled fold models or None)), "error", "elapsed"}``,
    picklable."""
    def make():
        return build_pipeline(config, ctx.schema, ctx.task, random_state=ctx.seed)

    def unit():
        out = cross_validate_oof(make, ctx.X, ctx.y, ctx.task, ctx.classes, [ctx.metric],
                                 ctx.splits_at(rows), keep_models=ctx.keep_models)
        if ctx.scored is not None:
            out = (out[0], out[1][ctx.scored]) + out[2:]
        if not ctx.keep_models:
            return out + (None,)
        folds, oof, models = out
        return folds, oof, models if len(models) <= MAX_MODEL_BYTES else None

    out = run_isolated(unit, timeout=timeout, memory_limit=ctx.memory_limit, cancel=cancel)
    return {"status": out.status, "value": out.value, "error": out.error,
            "elapsed": out.elapsed}


def run_trial(ctx: TrialContext, trial: Trial, timeout, cancel=None) -> Trial:
    """Run ``trial`` (see :func:`trial_unit`) and fill in its scores."""
    return fill_trial(trial, trial_unit(ctx, trial.config, timeout, cancel, trial.rows),
                      ctx.metric)


def fill_trial(trial: Trial, out: dict, metric: str) -> Trial:
    """Scores and times of a trial from its unit's result (or its failure)."""
    trial.elapsed = out["elapsed"]
    if out["status"] != "ok":
        trial.status, trial.error = out["status"], out["error"]
        return trial
    folds, trial.oof, trial.models = out["value"]
    scores = np.array([f[metric] for f in folds], dtype=float)
    trial.fold_fit_time = float(np.mean([f["fit_time"] for f in folds]))
    if np.all(np.isnan(scores)):
        trial.status, trial.error = "error", f"{metric} could not be computed on any fold"
        return trial
    trial.status = "ok"
    trial.score = float(np.nanmean(scores))
    trial.score_std = float(np.nanstd(scores))
    return trial


def score_order(better):
    """A sort key putting trials best score first, by the metric's ``better(a, b)``."""
    import functools

    return functools.cmp_to_key(
        lambda a, b: -1 if better(a.score, b.score) else (1 if better(b.score, a.score) else 0))


def prune_predictions(trials: list, better, keep: int, model_bytes: int = 2 ** 30) -> None:
    """Free the out-of-fold predictions of all but the ``keep`` best successful trials
    (the ensemble draws from those), and the fold models beyond ``model_bytes`` in all
    (the best kept first), so that a long search stays bounded in memory."""
    kept = sorted((t for t in trials if t.oof is not None), key=score_order(better))
    for t in kept[keep:]:
        t.oof = t.models = None
    total = 0
    for t in kept[:keep]:
        total += len(t.models or b"")
        if total > model_bytes:
            t.models = None
