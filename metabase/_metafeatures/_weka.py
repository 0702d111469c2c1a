"""OpenML's landmarker protocol, re-implemented after Weka 3.6.

``Evaluation.crossValidateModel(learner, data, 2, new Random(1))``: shuffle the
rows with ``java.util.Random(1)``, stratify them into 2 folds, train on one fold,
predict the other, pool both folds' predictions and score them (error rate,
Cohen's kappa, class-frequency-weighted one-vs-rest AUC). The learners follow
Weka's ``NaiveBayes`` and ``DecisionStump`` with default options; ``IBk`` (1-NN)
lives in :mod:`._knn`. Rows with a missing class take part in the shuffle but are
neither trained on nor scored.

Data passed around: ``Data(numeric, nominal, n_declared, y, n_classes, order)``
with the conventions of :class:`._table.Table` (NaN / -1 = missing).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from scipy.special import ndtr
from scipy.stats import rankdata

from ._weka_columns import multiply_in_order, normal_block, split_block

Data = namedtuple("Data", "numeric nominal n_declared y n_classes order")
_MASK = (1 << 48) - 1
_LOG2 = np.log(2.0)


class JavaRandom:
    """``java.util.Random``: the 48-bit linear congruential generator."""

    def __init__(self, seed):
        self.seed = (seed ^ 0x5DEECE66D) & _MASK

    def next_int(self, bound):
        """``nextInt(bound)``: uniform integer in [0, bound)."""
        self.seed = (self.seed * 0x5DEECE66D + 0xB) & _MASK
        bits = self.seed >> 17
        if bound & (bound - 1) == 0:
            return (bound * bits) >> 31
        value = bits % bound
        while bits - value + bound - 1 >= 1 << 31:  # Java's int overflow test
            self.seed = (self.seed * 0x5DEECE66D + 0xB) & _MASK
            bits = self.seed >> 17
            value = bits % bound
        return value


def cv_folds(y, n_folds=2, seed=1):
    """Test-fold row indices of Weka's stratified cross-validation.

    Parameters
    ----------
    y : ndarray of int
        Class codes, -1 = missing.

    Returns
    -------
    list of ndarray
        The rows of each test fold, in Weka's order.
    """
    n = y.size
    order = list(range(n))
    rnd = JavaRandom(seed)
    for j in range(n - 1, 0, -1):  # Instances.randomize
        k = rnd.next_int(j + 1)
        order[j], order[k] = order[k], order[j]
    order = np.array(order, dtype=np.int64)
    index = 1
    while index < n:  # Instances.stratify: group classes, Lomuto-style swaps
        cls = y[order]
        matches = (np.flatnonzero(cls[index:] == cls[index - 1]) + index).tolist()
        current = order.tolist()
        for j in matches:
            current[index], current[j] = current[j], current[index]
            index += 1
        order = np.array(current, dtype=np.int64)
        index += 1
    order = np.concatenate([order[start::n_folds] for start in range(n_folds)])
    sizes = [n // n_folds + (i < n % n_folds) for i in range(n_folds)]
    return np.split(order, np.cumsum(sizes)[:-1])


def cross_validate(learner, data, n_folds=2, seed=1, folds=None):
    """Pool out-of-fold class probabilities of `learner(data, train, test)` (on ``folds``,
    test rows of each fold, when given: ``cv_folds(data.y, n_folds, seed)``'s).

    Returns
    -------
    y_true : ndarray of int
        Classes of the scored rows (those with a class), in evaluation order.
    proba : ndarray of shape (n_scored, n_classes)
    """
    folds = cv_folds(data.y, n_folds, seed) if folds is None else folds
    y_parts, p_parts = [], []
    for i, test in enumerate(folds):
        train = np.concatenate([f for k, f in enumerate(folds) if k != i])
        train = train[data.y[train] >= 0]
        test = test[data.y[test] >= 0]
        if test.size == 0:
            continue
        y_parts.append(data.y[test])
        p_parts.append(learner(data, train, test))
    return np.concatenate(y_parts), np.concatenate(p_parts)


def scores(y_true, proba):
    """Weka's error rate, kappa and weighted AUC of pooled predictions."""
    n_classes = proba.shape[1]
    pred = proba.argmax(axis=1)  # Utils.maxIndex: first maximum
    confusion = np.zeros((n_classes, n_classes))
    np.add.at(confusion, (y_true, pred), 1)
    total = confusion.sum()
    correct = np.trace(confusion) / total
    chance = (confusion.sum(axis=1) * confusion.sum(axis=0)).sum() / total**2
    kappa = (correct - chance) / (1 - chance) if chance < 1 else 1.0
    counts = confusion.sum(axis=1)
    auc_total = 0.0
    for c in np.flatnonzero(counts):
        positives = y_true == c
        n_pos, n_neg = positives.sum(), (~positives).sum()
        if n_neg == 0:
            continue
        ranks = rankdata(proba[:, c])
        auc = (ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
        auc_total += counts[c] * auc
    return {"AUC": auc_total / total, "ErrRate": 1.0 - correct, "Kappa": kappa}


def naive_bayes(data, train, test):
    """Weka ``NaiveBayes`` (defaults): Gaussian estimators on precision-rounded
    numeric values, Laplace-smoothed counts for nominal values and classes.

    Probabilities are multiplied in Weka's attribute order, with its 1e-75 floor
    and rescaling, so that equal predictions stay equal (ties matter for AUC); runs of
    attributes at a time (``_weka_columns.multiply_in_order``), with the same bits.
    """
    k = data.n_classes
    y = data.y[train]
    class_counts = np.bincount(y, minlength=k)
    probs = np.tile((class_counts + 1.0) / (train.size + k), (test.size, 1))
    numeric = normal_block(data, train, test)   # _normal_probability, columns at a time
    step = max(1, min(64, (1 << 21) // max(1, test.size * k)))
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        for start in range(0, len(data.order), step):
            factors, present = [], []
            for is_nominal, j in data.order[start:start + step]:
                if is_nominal:
                    p, cells = _discrete_probability(data.nominal[train, j], y, k,
                                                     int(data.n_declared[j]),
                                                     data.nominal[test, j])
                    p = np.maximum(p, 1e-75)
                else:
                    p, cells, _ = numeric(j)                # the same, floored
                factors.append(p)
                present.append(cells)
            probs = multiply_in_order(probs, np.stack(factors, axis=1), np.stack(present, axis=1))
    return probs / np.cumsum(probs, axis=1)[:, -1:]


def _normal_probability(x, y, k, x_test):
    present = ~np.isnan(x)
    distinct = np.unique(x[present])
    # Weka sums the gaps in order; a pairwise sum can move values across rounding ties
    precision = (np.cumsum(np.diff(distinct))[-1] / (distinct.size - 1)
                 if distinct.size > 1 else 0.01)
    values = np.rint(x[present] / precision) * precision
    weights = np.bincount(y[present], minlength=k).astype(np.float64)
    sums = np.bincount(y[present], weights=values, minlength=k)
    squares = np.bincount(y[present], weights=values * values, minlength=k)
    mean = np.where(weights > 0, sums / weights, 0.0)
    std = np.sqrt(np.abs(squares - mean * sums) / weights)
    std = np.where(std > 1e-10, np.maximum(precision / 6, std), precision / 6)
    t = np.rint(x_test / precision)[:, None] * precision
    p = ndtr((t - mean + precision / 2) / std) - ndtr((t - mean - precision / 2) / std)
    return p, ~np.isnan(x_test)


def _discrete_probability(codes, y, k, n_values, codes_test):
    present = codes >= 0
    m = max(int(codes.max(initial=-1)), int(codes_test.max(initial=-1)), 0) + 1
    counts = np.bincount(codes[present] * k + y[present], minlength=m * k).reshape(m, k)
    # Laplace: one extra count for every declared value, seen or not
    denominator = np.bincount(y[present], minlength=k) + max(n_values, m)
    p = (counts + 1.0) / denominator
    return p[np.maximum(codes_test, 0)], codes_test >= 0


def _entropy_conditioned_on_rows(dists):
    """Weka ``ContingencyTables.entropyConditionedOnRows`` of many 3 x k tables.

    `dists` has shape (n_candidates, 3, k); sums run in Weka's order so equal
    tables give bit-identical values (ties are broken as in Weka).
    """
    def ln(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x < 1e-6, 0.0, x * np.log(x))

    value = np.zeros(dists.shape[0])
    total = np.zeros(dists.shape[0])
    for i in range(3):
        row = np.zeros(dists.shape[0])
        for j in range(dists.shape[2]):
            value = value + ln(dists[:, i, j])
            row = row + dists[:, i, j]
        value = value - ln(row)
        total = total + row
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(total) < 1e-6, 0.0, -value / (total * _LOG2))


def decision_stump(data, train, test):
    """Weka ``DecisionStump``: best single binary split by conditional entropy,
    with a third branch for missing values; leaves predict class frequencies."""
    k, y = data.n_classes, data.y[train]
    best = (np.finfo(np.float64).max, None, 0.0, None)  # value, attribute, point, dists
    split_point = 0.0  # a field in Weka: kept from the previous attribute when unset
    numeric = split_block(data, train)  # _split_numeric's, columns at a time
    for first, (is_nominal, j) in enumerate(data.order):
        if is_nominal:
            value, point, dists = _split_nominal(data.nominal[train, j], y, k,
                                                 int(data.n_declared[j]))
        else:
            value, point, dists = numeric(j)
        split_point = split_point if point is None else point
        if first == 0 or value < best[0]:
            best = (value, (is_nominal, j), split_point, dists)
    _, (is_nominal, j), point, dists = best
    sums = dists.sum(axis=1)
    dists[sums == 0] = dists[2]  # a branch without training rows predicts the missing branch
    sums = dists.sum(axis=1, keepdims=True)
    if (sums == 0).any():
        raise ValueError("DecisionStump has no training rows")
    dists = dists / sums
    column = data.nominal[test, j] if is_nominal else data.numeric[test, j]
    if is_nominal:
        branch = np.where(column < 0, 2, np.where(column == point, 0, 1))
    else:
        branch = np.where(np.isnan(column), 2, np.where(column <= point, 0, 1))
    return dists[branch]


def _best_split(candidate_dists, n_candidates, k):
    """First candidate with the lowest conditional entropy, in chunks of candidates."""
    best_value, best_index, best_dists = np.finfo(np.float64).max, None, None
    step = max(1, (1 << 18) // max(k, 1))
    for start in range(0, n_candidates, step):
        dists = candidate_dists(start, min(start + step, n_candidates))
        values = _entropy_conditioned_on_rows(dists)
        i = int(np.argmin(values))
        if values[i] < best_value:
            best_value, best_index, best_dists = values[i], start + i, dists[i].copy()
    return best_value, best_index, best_dists


def _split_nominal(codes, y, k, n_values):
    # only values that occur in the (sub)sample are tried: a value absent from the
    # training fold splits nothing off and can only tie with "no split"
    present = codes >= 0
    n_values = min(n_values, int(codes.max(initial=-1)) + 1)
    counts = np.bincount(codes[present] * k + y[present], minlength=n_values * k)
    counts = counts.reshape(n_values, k).astype(np.float64)
    total = counts.sum(axis=0)
    missing = np.bincount(y[~present], minlength=k).astype(np.float64)

    def candidate_dists(start, stop):
        dists = np.empty((stop - start, 3, k))
        dists[:, 0] = counts[start:stop]
        dists[:, 1] = total - counts[start:stop]
        dists[:, 2] = missing
        return dists

    value, best, dists = _best_split(candidate_dists, n_values, k)
    if best is None:
        return value, None, np.stack([np.zeros(k), total, missing])
    if present.all():
        dists[2] = total
    return value, float(best), dists


def _split_numeric(x, y, k):
    present = ~np.isnan(x)
    xs, ys = x[present], y[present]
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    missing = np.bincount(y[~present], minlength=k).astype(np.float64)
    total = np.bincount(ys, minlength=k).astype(np.float64)
    cut = np.flatnonzero(xs[:-1] < xs[1:])  # split between distinct neighbours
    positions = [np.flatnonzero(ys == c) for c in range(k)]

    def candidate_dists(start, stop):
        left = np.stack([np.searchsorted(p, cut[start:stop], side="right")
                         for p in positions], axis=1)
        dists = np.empty((stop - start, 3, k))
        dists[:, 0], dists[:, 1], dists[:, 2] = left, total - left, missing
        return dists

    value, best, dists = _best_split(candidate_dists, cut.size, k)
    if best is None:
        return value, None, np.stack([np.zeros(k), total, missing if not present.all() else total])
    if present.all():
        dists[2] = total
    return value, (xs[cut[best]] + xs[cut[best] + 1]) / 2.0, dists
