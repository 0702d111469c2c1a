"""Time estimates of the steps after the search (the refit of the best, the members' saves,
the final evaluation), from the trials measured: what the search keeps in reserve and
how long a trial may run (``_tune.SearchPlan``), and what ``_final`` plans by."""

from __future__ import annotations

import math
from dataclasses import dataclass

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
