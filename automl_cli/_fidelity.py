"""How the search scores a trial, and on how many rows: k-fold cross-validation, or one
holdout split where the table is too large for k fits per trial within the budget (as
FLAML's ``eval_method="auto"`` and AutoGluon's default presets do at short budgets).

A holdout trial fits once instead of k times: the search runs about k times as many
trials, and ranks them (and selects the ensemble) on the holdout rows' predictions.
The rule and the sample sizes were chosen by ``make bench`` at 10 s (README, "Choices
(and why)").
"""

from __future__ import annotations

import numpy as np

#: Rows the search cross-validates on at most; the final model uses them all.
SEARCH_ROWS = 20000
#: Under a time budget, at most this many search rows per second of budget with k-fold
#: cross-validation, so that the first trials finish on large tables (10 s -> 4,000 rows).
SEARCH_ROWS_PER_SECOND = 400
#: With a holdout, the trials train on this many rows per second of budget (3,200 at
#: 10 s: what a fold of the 5-fold search trains on), between HOLDOUT_TRAIN_MIN and
#: HOLDOUT_TRAIN_MAX ...
HOLDOUT_TRAIN_PER_SECOND = 320
HOLDOUT_TRAIN_MIN, HOLDOUT_TRAIN_MAX = 1600, 16000
#: ... and are scored on up to VALID_ROWS other rows, at least VALID_SHARE of the search
#: rows: predicting costs little next to fitting, and a small holdout ranks by noise
#: (``make bench`` at 10 s: 800 rows of mammography, 18 of them positive, chose an SVM
#: that lost 0.06 ROC AUC to the 5-fold search's choice).
VALID_ROWS = 5000
VALID_SHARE = 0.2
#: ``auto`` cross-validates while the table has fewer rows than this many per second of
#: budget (and than HOLDOUT_MIN_ROWS): 5,000 at 10 s, 30,000 at 60 s.
CV_ROWS_PER_SECOND = 500
HOLDOUT_MIN_ROWS = 5000
#: Fewest search rows under a budget, however short.
MIN_SEARCH_ROWS = 2000
#: A table larger than its search sample keeps this share of its rows (at most
#: CHECK_ROWS), outside the sample, for the final score: rows that neither chose the model
#: nor trained it (a fresh cross-validation would cost k refits on all rows).
CHECK_SHARE = 0.1
CHECK_ROWS = 50000

CHOICES = ("auto", "cv", "holdout", "halving")
#: The modes scored by one holdout split (no k fold models: bagging refuses them).
HOLDOUT_MODES = ("holdout", "halving")


def search_eval(choice: str, n_rows: int, budget: float | None, bagged: bool) -> str:
    """``"cv"``, ``"holdout"`` or ``"halving"`` (a holdout whose best trials move up to
    more training rows, ``_halving``): what ``--search-eval`` (``choice``) means for a
    table of ``n_rows`` under ``budget`` seconds. Bagged members need their k fold
    models, and without a time budget there is time for k folds: both cross-validate."""
    if choice != "auto":
        return choice
    if bagged or budget is None:
        return "cv"
    large = n_rows >= max(HOLDOUT_MIN_ROWS, CV_ROWS_PER_SECOND * budget)
    return "halving" if large else "cv"


def search_rows(mode: str, n_rows: int, budget: float | None) -> tuple[int, int | None]:
    """``(search rows, training rows of the holdout split or None)`` for a table of
    ``n_rows``: with k folds, a sample that grows with the budget; with a holdout, the
    training rows the budget affords and up to :data:`VALID_ROWS` more to score on,
    leaving the check rows (:data:`CHECK_SHARE`) outside when the table is sampled."""
    if mode == "cv":
        cap = SEARCH_ROWS if budget is None else min(
            SEARCH_ROWS, max(MIN_SEARCH_ROWS, int(budget * SEARCH_ROWS_PER_SECOND)))
        return min(n_rows, cap), None
    train = HOLDOUT_TRAIN_MAX if budget is None else min(
        HOLDOUT_TRAIN_MAX, max(HOLDOUT_TRAIN_MIN, int(budget * HOLDOUT_TRAIN_PER_SECOND)))
    if n_rows * (1 - VALID_SHARE) <= train:
        return n_rows, max(1, int(round(n_rows * (1 - VALID_SHARE))))
    check = min(CHECK_ROWS, int(CHECK_SHARE * n_rows))
    if mode == "halving":
        return n_rows - check, train          # the rungs above draw on every row
    return min(n_rows - check, train + VALID_ROWS), train


def search_splits(y, task: str, mode: str, folds: int, seed: int,
                  train: int | None = None) -> list:
    """The search's shared (train, test) index pairs: k folds, or one holdout split of
    ``train`` training rows (stratified for classification where every class has two
    rows)."""
    from metabase import make_splits

    if mode == "cv":
        return make_splits(y, task, folds, 1, seed)
    train = train or max(1, int(round(len(y) * (1 - VALID_SHARE))))
    kept, rest = _split(y, task, seed, train)
    return [(np.sort(kept), np.sort(rest))]


def _split(y, task: str, seed: int, train: int) -> tuple:
    """``(train rows, the others)``: stratified where it can be, else at random (fewer
    held-out rows than classes: a tiny table held out on request)."""
    from metabase import stratified_rows

    try:
        return stratified_rows(y, task, seed, train_size=train)
    except ValueError:
        order = np.random.default_rng(seed).permutation(len(y))
        return order[:train], order[train:]


def halving_splits(y, task: str, seed: int, train: int) -> tuple[list, np.ndarray]:
    """``(splits, pool)`` of a halving search: up to :data:`VALID_ROWS` rows scored
    (stratified), as a holdout search scores, and every other row in ``pool``, the first
    ``train`` a stratified sample (rung 0), the rest in random order (each next rung is
    a longer prefix, so it holds the rows of the one below)."""
    n = len(y)
    valid = min(n - train, VALID_ROWS)
    rest, scored = _split(y, task, seed, n - valid)
    first, later = (_split(y[rest], task, seed + 1, train) if train < len(rest)
                    else (np.arange(len(rest)), np.arange(0)))
    rng = np.random.default_rng(seed + 2)
    pool = np.concatenate([rng.permutation(rest[first]), rng.permutation(rest[later])])
    return [(np.sort(pool[:train]), np.sort(scored))], pool


def scored_rows(splits: list, n_rows: int):
    """The rows the search's predictions are on (sorted), or None when it is every row."""
    rows = np.unique(np.concatenate([te for _, te in splits]))
    return None if len(rows) == n_rows else rows


def describe(mode: str, splits: list, n_rows: int, rungs: tuple = ()) -> str:
    """``5-fold cross-validation on 4000 rows``, ``a holdout of 800 of 4000 rows`` or
    ``a holdout of 5000 of 90000 rows, trials on 3200 rows, the best on 12800, 51200``."""
    if mode in HOLDOUT_MODES:
        text = f"a holdout of {len(splits[0][1])} of {n_rows} rows"
        if len(rungs) > 1:
            text += (f", trials on {rungs[0]} rows, the best on "
                     + ", ".join(str(r) for r in rungs[1:]))
        return text
    return f"{len(splits)}-fold cross-validation on {n_rows} rows"
