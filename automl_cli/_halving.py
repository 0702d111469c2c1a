"""Successive halving over sample sizes for a search scored by a holdout: trials start on
the fewest training rows (rung 0), and a config in the top 1/ETA of the trials of its
rung moves to ETA times the rows, scored on the same holdout rows (asynchronous
successive halving, ASHA: Li et al., 2020, as in Ray Tune and Optuna; FLAML grows its
sample the same way). A config's score is that of the largest sample it reached; the
refit on all rows is then estimated from the time of that sample, not from one many
times smaller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ._costs import REFIT_EXPONENT
from ._trial import score_order

#: Each rung trains on this many times the rows of the one below, and takes its top
#: 1/ETA: the growth of a refit measured on 4x the rows (see ``_costs.REFIT_EXPONENT``).
ETA = 4


def rung_rows(train: int, pool: int) -> tuple:
    """The training rows of each rung: ``train``, ETA x ``train``, ... while the pool of
    training rows holds them (one rung: no halving)."""
    rows = [train]
    while rows[-1] * ETA <= pool:
        rows.append(rows[-1] * ETA)
    return tuple(rows)


#: Where the refit trains on at least this many times rung 0's rows, the first
#: successful trial moves up at once, whatever its rank (the growth probe): its refit's
#: time is then extrapolated from a measured growth, over a shorter span. From one fit on
#: 16,000 of 950,000 rows, gradient boosting's family exponent (0.85) and margins kept
#: so much for the refit that a 60 s search stopped after its first trial, with 45.7 s
#: left; the refit took 25.4 s.
PROBE_RATIO = ETA ** 2


@dataclass
class Ladder:
    """Which trial moves up next. ``rows``: the rungs' training rows (``rung_rows``);
    ``probe``: whether the first successful trial moves up at once (see PROBE_RATIO)."""

    rows: tuple
    better: object                      # the metric's better(a, b)
    probe: bool = False
    tried: set = field(default_factory=set)
    probe_parent: int | None = None     # the trial the probe moved up
    probe_over: bool = False            # the probe has finished (or failed)

    def is_probe(self, promo) -> bool:
        return self.probe and promo.number == self.probe_parent

    def measuring(self, best) -> bool:
        """Whether the refit of ``best`` waits for the probe's measurement."""
        return (self.probe and not self.probe_over and best is not None
                and best.growth is None)

    def record(self, trials: list, trial) -> None:
        """A finished ``trial`` (in ``trials``): it supersedes the one it moved up from,
        and ends the probe if it was the probe."""
        supersede(trials, trial)
        if self.probe and trial.parent is not None and trial.parent == self.probe_parent:
            self.probe_over = True

    def _ranked(self, trials: list, rung: int) -> list:
        return sorted((t for t in trials if t.status == "ok" and t.rung == rung),
                      key=score_order(self.better))

    def promotion(self, trials: list):
        """The trial to rerun on the next rung's rows, or None: the growth probe first,
        then the highest rung first, each rung's top 1/ETA of its successful trials (by
        score) not yet moved up."""
        if self.probe and self.probe_parent is None:
            done = self._ranked(trials, 0)
            if done:
                self.probe_parent = done[0].number
                self.tried.add(done[0].number)
                return done[0]
        for rung in range(len(self.rows) - 2, -1, -1):
            done = self._ranked(trials, rung)
            for t in done[:len(done) // ETA]:
                if t.number not in self.tried:
                    self.tried.add(t.number)
                    return t
        return None

    def rows_of(self, promo) -> int:
        """The training rows of a new trial (``promo``: the trial it moves up, or None)."""
        return self.rows[0 if promo is None else promo.rung + 1]

    def expected_seconds(self, trial) -> float:
        """A guess of the trial's time on the next rung: its fit scaled to the rows, the
        rest (predicting the holdout, a process start) as it was."""
        ratio = self.rows[trial.rung + 1] / self.rows[trial.rung]
        # an overestimate only skips the promotion
        fit = trial.fold_fit_time * ratio ** REFIT_EXPONENT.get(trial.config["family"], 1.0)
        return fit + max(0.0, trial.elapsed - trial.fold_fit_time)


#: Measured growth exponents are kept within these bounds, and measured only from fits
#: of at least MIN_FIT_SECONDS (a few hundredths of a second are mostly noise).
GROWTH_BOUNDS = (0.3, 1.3)
MIN_FIT_SECONDS = 0.05


def supersede(trials: list, trial) -> None:
    """Once ``trial`` (a promotion) succeeded, the same config's trial on fewer rows
    leaves the ensemble's pool: a config is scored at its largest sample, and one config
    twice in a blend would be refitted twice. The two fit times give the config's own
    growth with the rows (``trial.growth``), from which its refit is estimated."""
    if trial.status != "ok" or trial.parent is None:
        return
    for t in trials:
        if t.number == trial.parent:
            t.oof = t.models = None
            t.superseded = True
            trial.growth = measured_growth(t, trial)


def measured_growth(small, large) -> float | None:
    """The exponent of fit time in rows between two trials of one config, or None."""
    a, b = small.fold_fit_time, large.fold_fit_time
    if not (a >= MIN_FIT_SECONDS and b >= MIN_FIT_SECONDS):
        return None
    if not (small.rows and large.rows and large.rows > small.rows):
        return None
    rows = large.rows / small.rows
    lo, hi = GROWTH_BOUNDS
    return min(hi, max(lo, math.log(b / a) / math.log(rows)))


def best_of(trials: list, better):
    """The best successful trial that no larger sample superseded, or None."""
    best = None
    for t in trials:
        if t.status == "ok" and not t.superseded and (best is None
                                                        or better(t.score, best.score)):
            best = t
    return best
