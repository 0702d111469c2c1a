"""Time-aware orders of the configs: a greedy portfolio built offline without
meta-features (auto-sklearn 2.0's idea), the meta-model's ranking made cost-aware
(FLAML's zero-shot and auto-sklearn 2.0 both count a config's cost), and the
simulated search that measures them (``metabase evaluate``, leave-one-task-out).

The simulated search (:func:`found_within`) runs a task's configs in a given order
at their recorded cross-validation times (seconds per fold x :data:`FOLDS`); a
config that would not finish in the time left is skipped, as the fit skips a trial
whose predicted time does not fit, and the next one is tried. The time-aware regret
of an order on a task is its best known score minus the best score found within a
budget (:data:`BUDGETS`: 10 s and 60 s).

The greedy portfolio (:func:`greedy_portfolio`) adds, one at a time, the config that
most lowers the mean over past tasks of the regret found within 10 s plus within
60 s (plus a small weight on the regret without a budget, which orders the configs
once both budgets are full), on the median-to-best scale of each task's scores
(:func:`scaled_scores`), from the tasks of the new table's kind. Chosen by
measurement (``tests/bench/greedy_portfolio.py``, output in
``bench-results/greedy-portfolio.txt``; store of 149 tables; mean over all held-out
tasks of the regret within 10 s and within 60 s): this 0.0051; on ranks instead of
the scale 0.0066; from the pooled classification tasks 0.0082; the regret lowered per
median second without a budget 0.0051, within the budgets per second 0.0046 (the same
within the noise, and its prefix re-ranked by the meta-model measures worse: 0.0054
against 0.0042). The meta-model's ranking: 0.0044. Every portfolio variant is worse
than the meta-model on more held-out tasks than it is better at 10 s (this one: 23
better, 37 worse): auto-sklearn 2.0's finding does not carry over to our store.

The cost-aware order (:func:`cost_aware_order`) is the meta-model's greedy top-k with
each gain divided by the config's expected seconds on the new table (the value scale
and :data:`TRIAL_OVERHEAD` chosen the same way: 0.0038, the lowest of all orders).
Its lower mean comes from two or three tasks per kind: without each kind's three
largest gains its regret is higher or equal in every kind and budget; it is better on
26 tasks and worse on 24 at 10 s (8 and 7 at 60 s); its first config is much worse
(top-1 median regret 0.0145 / 0.0811 / 0.0649 on binary / multiclass / regression
tasks, against 0.0074 / 0.0183 / 0.0078); and closer to a 10 s fit (0.5 s more per
simulated trial, 2 / 5 / 10 s budgets, HistGradientBoosting's defaults run second as
the fit runs them) it is no better on the mean (0.0362 against 0.0362) and worse on
most tasks (40 better / 74 worse at 2 s, 33 / 47 at 5 s, 23 / 44 at 10 s). So it does
not ship: ``recommend`` keeps the meta-model's ranking (README, ``automl metabase
evaluate``).
"""

from __future__ import annotations

from itertools import chain, zip_longest

import numpy as np

from ._recommend import PORTFOLIO_ROWS

#: Simulated search budgets, seconds, for the time-aware regret.
BUDGETS = (10.0, 60.0)
#: Folds of the fit's cross-validation: a config's cost is its fold time times this.
FOLDS = 5
#: Weight of the regret without a budget in the greedy's objective: it orders the
#: configs once the budgets are full and breaks ties, nothing more.
UNBOUNDED_WEIGHT = 1e-3
#: Seconds added to every config's expected time in the ratios (gain per second): 0 by
#: measurement (``tests/bench/greedy_portfolio.py``: 0, 0.5 and 2 s tried).
TRIAL_OVERHEAD = 0.0


def rows_used(n_rows) -> np.ndarray:
    """Training rows behind each past task's recorded fold times: its portfolio runs used
    at most :data:`PORTFOLIO_ROWS` rows (a stratified sample), 4 in 5 of them per fold."""
    return np.minimum(np.asarray(n_rows, dtype=float), PORTFOLIO_ROWS) * 0.8


def found_within(scores: np.ndarray, seconds: np.ndarray, order, budget: float) -> np.ndarray:
    """Per task (row): the best score among the configs of ``order`` run one after
    another within ``budget`` seconds; -inf where none finished.

    ``scores``: tasks x configs, greater is better, NaN = failed (its time is still
    spent); ``seconds``: tasks x configs, a config's whole cross-validation, NaN =
    never run (skipped). A config longer than the time left is skipped at no cost.
    """
    scores, seconds = np.atleast_2d(scores), np.atleast_2d(seconds)
    left = np.full(len(scores), float(budget))
    best = np.full(len(scores), -np.inf)
    for c in order:
        t = seconds[:, c]
        run = ~np.isnan(t) & (t <= left)
        left = np.where(run, left - np.nan_to_num(t), left)
        s = scores[:, c]
        ok = run & ~np.isnan(s)
        best = np.where(ok, np.maximum(best, np.nan_to_num(s, nan=-np.inf)), best)
        if not (left > 0).any():
            break
    return best


def regret_within(raw_row: np.ndarray, seconds_row: np.ndarray, order, budget: float,
                  greater_is_better: bool) -> tuple[float, bool]:
    """(best known score minus the best found within ``budget``, whether none finished);
    nothing found scores the task's worst, as a failed pick does in ``_loto._regret``."""
    s = raw_row if greater_is_better else -raw_row
    got = found_within(s, seconds_row, order, budget)[0]
    none = not np.isfinite(got)
    return float(np.nanmax(s) - (np.nanmin(s) if none else got)), none


def greedy_portfolio(value: np.ndarray, seconds: np.ndarray, budgets=BUDGETS,
                     objective: str = "budgets", task_weights=None) -> tuple[list, int]:
    """(every config, best first; how many the budgets chose) from past tasks' runs.

    ``value``: tasks x configs in [0, 1], 1 = the task's best (the meta-model's
    rank-normalised scores; failed = 0); ``seconds``: tasks x configs, a config's
    cross-validation seconds on that task (NaN: not run). ``objective="budgets"``
    (shipped): each next config most lowers the mean over tasks of the regret
    (1 - best value found) within each budget, plus :data:`UNBOUNDED_WEIGHT` x the
    regret without a budget; ``"per_second"``: the most regret lowered without a
    budget per median second. Ties go to the cheaper config (median seconds), then to
    the lower index: the order is deterministic. The count is the length of the
    prefix that lowered a budgeted regret (all for ``"per_second"``). ``task_weights``
    (default: equal) weigh the tasks in the mean.
    """
    value = np.nan_to_num(np.asarray(value, dtype=float), nan=0.0)
    n_tasks, n_cfg = value.shape
    tw = np.full(n_tasks, 1.0 / n_tasks) if task_weights is None else (
        np.asarray(task_weights, dtype=float) / np.sum(task_weights))
    cost = np.where(np.isnan(seconds), np.inf, seconds)         # not run: never fits
    median = np.array([np.median(col[np.isfinite(col)]) if np.isfinite(col).any()
                       else np.inf for col in cost.T])
    bounded = list(budgets) if objective.startswith("budgets") else []
    weight = np.array([1.0] * len(bounded) + [UNBOUNDED_WEIGHT if bounded else 1.0])
    left = np.repeat(np.array(bounded, dtype=float)[:, None], n_tasks, axis=1)
    best = np.zeros((len(bounded) + 1, n_tasks))                # budgets (+ none) x tasks
    order, size = [], 0
    while len(order) < n_cfg:
        fits = np.concatenate([cost[None] <= left[:, :, None],
                               np.ones((1, n_tasks, n_cfg), bool)])
        per_budget = np.einsum("t,btc->bc", tw, np.where(
            fits, np.maximum(value[None] - best[:, :, None], 0.0), 0.0))  # budgets x configs
        gain = weight @ per_budget
        if objective.endswith("per_second"):
            gain = gain / np.maximum(median + TRIAL_OVERHEAD, 1e-3)
        gain[order] = -np.inf
        c = int(np.lexsort((np.arange(n_cfg), median, -gain))[0])
        if per_budget[:-1, c].sum() > 1e-12 and size == len(order):
            size += 1
        order.append(c)
        run = fits[:, :, c]
        left = left - np.where(run[:-1], cost[:, c][None], 0.0)
        best = np.where(run, np.maximum(best, value[:, c][None]), best)
    return order, (size if bounded else n_cfg)


def expected_seconds(fit_time: np.ndarray, n_rows_used: np.ndarray, support, rows: float,
                     folds: int = FOLDS) -> np.ndarray:
    """Per config: the cross-validation seconds expected on a table of ``rows`` training
    rows, the median over the ``support`` tasks of their fold times scaled by rows
    (as ``recommend`` does for one config); NaN where no support task ran it."""
    support = np.asarray(support, dtype=int)
    t = fit_time[support] * (rows / np.maximum(n_rows_used[support], 1))[:, None]
    ran = ~np.isnan(t)
    out = np.full(t.shape[1], np.nan)
    for c in np.flatnonzero(ran.any(axis=0)):
        out[c] = folds * float(np.median(t[ran[:, c], c]))
    return out


def cost_aware_order(pred: np.ndarray, norm: np.ndarray, weights: np.ndarray,
                     seconds: np.ndarray, overhead: float = TRIAL_OVERHEAD) -> list:
    """The meta-model's configs by predicted gain per expected second.

    Each next config is the one that most raises, per expected second (``seconds`` +
    ``overhead``), the weighted mean over the supporting past tasks of the best
    normalised score among the configs chosen (the first: its predicted score per
    second); once no config raises it, the rest follow by predicted score. A config
    without an expected time is costed at the slowest known.
    """
    use = weights > 0
    w, N = weights[use] / weights[use].sum(), norm[use]
    known = seconds[~np.isnan(seconds)]
    cost = np.where(np.isnan(seconds), known.max() if known.size else 1.0, seconds)
    cost = np.maximum(cost + overhead, 1e-3)
    best = np.zeros(len(w))
    chosen: list[int] = []
    while len(chosen) < len(pred):
        gain = (w[:, None] * np.maximum(N - best[:, None], 0.0)).sum(axis=0)
        gain[chosen] = -np.inf
        if gain.max() <= 1e-12:
            break
        c = int(np.argmax(gain / cost))
        chosen.append(c)
        best = np.maximum(best, N[:, c])
    return chosen + [int(c) for c in np.argsort(-pred, kind="stable") if c not in chosen]


def scaled_scores(raw: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """Each task's scores on the median-to-best scale (``_metamodel.normalise``: 1 = the
    task's best, 0 = its median or worse, failed = 0), each on its own metric (a pooled
    model holds tasks of two metrics): a row's direction is read off its rank-normalised
    best. Unlike ranks, this keeps how much worse a config is."""
    from ._metamodel import normalise

    out = np.zeros_like(norm, dtype=float)
    for j, row in enumerate(raw):
        if np.isnan(row).all():
            continue
        top = row[int(np.argmax(norm[j]))]
        out[j] = normalise(row[None, :], bool(top >= np.nanmax(row)))[0]
    return out


def reranked(portfolio: list, size: int, pred: np.ndarray, fallback: list) -> list:
    """The portfolio's first ``size`` configs ordered by the meta-model's ``pred`` (best
    first), then the others in ``fallback``'s order (the meta-model's ranking)."""
    head = sorted(portfolio[:size], key=lambda c: (-pred[c], c))
    return head + [c for c in fallback if c not in head]


def take_turns(first, second, key=lambda item: item) -> list:
    """``first[0], second[0], first[1], second[1], ...``, then what is left of either, each
    item once, at its first place (by ``key``): how the fit's recommendations take turns
    with the families' defaults (``automl_cli._candidates``), and how ``metabase
    evaluate`` simulates that order (``_loto.fit_orders``)."""
    gap = object()      # pads the shorter list (None or 0 may be items)
    out, seen = [], set()
    for item in chain.from_iterable(zip_longest(first, second, fillvalue=gap)):
        if item is not gap and (k := key(item)) not in seen:
            seen.add(k)
            out.append(item)
    return out
