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

#: Rows the search scores trials on at most; the final model uses them all.
SEARCH_ROWS = 20000
#: Under a time budget, at most this many search rows per second of budget with k-fold
#: cross-validation, so that the first trials finish on large tables (10 s -> 4,000 rows).
SEARCH_ROWS_PER_SECOND = 400
#: The same with a holdout (one fit per trial, on 1 - VALID_SHARE of them).
HOLDOUT_ROWS_PER_SECOND = 400
#: ``auto`` cross-validates while the table has fewer rows than this many per second of
#: budget (and than HOLDOUT_MIN_ROWS): 5,000 at 10 s, 30,000 at 60 s.
CV_ROWS_PER_SECOND = 500
HOLDOUT_MIN_ROWS = 5000
#: Share of the search rows held out to score the trials.
VALID_SHARE = 0.2
#: Fewest search rows under which ``auto`` never holds out (too few rows to rank by).
MIN_SEARCH_ROWS = 2000

CHOICES = ("auto", "cv", "holdout")


def search_eval(choice: str, n_rows: int, budget: float | None, bagged: bool) -> str:
    """``"cv"`` or ``"holdout"``: what ``--search-eval`` (``choice``) means for a table of
    ``n_rows`` under ``budget`` seconds. Bagged members need their k fold models, and
    without a time budget there is time for k folds: both cross-validate."""
    if choice != "auto":
        return choice
    if bagged or budget is None:
        return "cv"
    return "holdout" if n_rows >= max(HOLDOUT_MIN_ROWS, CV_ROWS_PER_SECOND * budget) else "cv"


def search_cap(mode: str, budget: float | None) -> int:
    """The most rows the search scores its trials on."""
    if budget is None:
        return SEARCH_ROWS
    per_second = HOLDOUT_ROWS_PER_SECOND if mode == "holdout" else SEARCH_ROWS_PER_SECOND
    return min(SEARCH_ROWS, max(MIN_SEARCH_ROWS, int(budget * per_second)))


def search_splits(y, task: str, mode: str, folds: int, seed: int) -> list:
    """The search's shared (train, test) index pairs: k folds, or one holdout split
    (stratified for classification where every class has two rows)."""
    from metabase import make_splits, stratified_rows

    if mode == "cv":
        return make_splits(y, task, folds, 1, seed)
    try:
        train, test = stratified_rows(y, task, seed, test_size=VALID_SHARE)
    except ValueError:
        # fewer holdout rows than classes (a tiny table held out on request): unstratified
        order = np.random.default_rng(seed).permutation(len(y))
        cut = max(1, int(round(VALID_SHARE * len(y))))
        test, train = order[:cut], order[cut:]
    return [(np.sort(train), np.sort(test))]


def scored_rows(splits: list, n_rows: int):
    """The rows the search's predictions are on (sorted), or None when it is every row."""
    rows = np.unique(np.concatenate([te for _, te in splits]))
    return None if len(rows) == n_rows else rows


def describe(mode: str, splits: list, n_rows: int) -> str:
    """``5-fold cross-validation on 4000 rows`` or ``a holdout of 800 of 4000 rows``."""
    if mode == "holdout":
        return f"a holdout of {len(splits[0][1])} of {n_rows} rows"
    return f"{len(splits)}-fold cross-validation on {n_rows} rows"
