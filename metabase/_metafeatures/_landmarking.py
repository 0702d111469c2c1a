"""OpenML's landmarkers NaiveBayes, kNN1N and DecisionStump: AUC, ErrRate, Kappa.

Protocol and learners follow Weka 3.6 (see :mod:`._weka`, :mod:`._knn`). Large
tables are cut to a stratified random subsample in file order
(``max_rows_landmarkers``; 1-NN, quadratic in rows, to ``max_rows_knn``), noted
in the profile's notes. Infinite numeric cells count as missing here.
"""

from __future__ import annotations

import numpy as np

from ._knn import knn1
from ._registry import Undefined, one_blas_thread, register
from ._weka import Data, cross_validate, cv_folds, decision_stump, naive_bayes, scores

G = "landmarking"


def stratified_subsample(y, n_max, random_state):
    """Row indices of a class-stratified random subsample of at most ~`n_max`, sorted."""
    n = y.size
    if n <= n_max:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    keep = []
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        take = max(1, round(rows.size * n_max / n))
        keep.append(rng.choice(rows, size=min(take, rows.size), replace=False))
    return np.sort(np.concatenate(keep))


def landmark_data(t, rows):
    """:class:`._weka.Data` of some rows, nominal codes renumbered to the values seen."""
    numeric = t.numeric[rows]
    numeric[np.isinf(numeric)] = np.nan
    nominal = np.empty((rows.size, t.nominal.shape[1]), dtype=np.int64)
    n_declared = np.zeros(t.nominal.shape[1], dtype=np.int64)
    for j in range(t.nominal.shape[1]):
        codes = t.nominal[rows, j]
        seen, inverse = np.unique(codes[codes >= 0], return_inverse=True)
        nominal[:, j] = -1
        nominal[codes >= 0, j] = inverse
        n_declared[j] = max(int(t.n_declared[j]), seen.size)
    y = t.y_codes[rows].astype(np.int64)
    n_classes = max(t.n_classes_declared, int(y.max(initial=-1)) + 1)
    return Data(numeric, nominal, n_declared, y, n_classes, t.column_order)


def _check(t):
    if t.task != "classification":
        raise Undefined("regression target (OpenML's landmarkers are classifiers)")
    classes = np.unique(t.y_codes[t.y_codes >= 0])
    if classes.size < 2:
        raise Undefined("single class" if classes.size == 1 else "no class values")
    if not t.column_order:
        raise Undefined("no input attributes")


def _subsample(t, cap, what):
    rows = stratified_subsample(t.y_codes, cap, t.options.get("random_state", 0))
    if rows.size < t.n_rows:
        t.notes.append(f"{what} computed on a stratified subsample of {rows.size} "
                       f"of {t.n_rows} rows")
    return landmark_data(t, rows)


@register("_landmark_data", G)
def _landmark_data(t, v):
    _check(t)
    return _subsample(t, t.options.get("max_rows_landmarkers", 20000),
                      "NaiveBayes and DecisionStump landmarkers")


@register("_knn_data", G)
def _knn_data(t, v):
    _check(t)
    cap = min(t.options.get("max_rows_knn", 5000), t.options.get("max_rows_landmarkers", 20000))
    return _subsample(t, cap, "kNN1N landmarker")


for _data in ("_landmark_data", "_knn_data"):

    def _folds(t, v, data=_data):  # Weka's folds, shared by the learners of the same rows
        return cv_folds(v[data].y, 2, t.options.get("cv_seed", 1))

    register(f"{_data}_folds", G, requires=(_data,))(_folds)

_LEARNERS = {
    "NaiveBayes": (naive_bayes, "_landmark_data"),
    "kNN1N": (knn1, "_knn_data"),
    "DecisionStump": (decision_stump, "_landmark_data"),
}

for _name, (_learner, _data) in _LEARNERS.items():

    def _run(t, v, learner=_learner, data=_data):
        with one_blas_thread():    # small products: threads cost more than they give
            y_true, proba = cross_validate(learner, v[data], folds=v[f"{data}_folds"])
        return scores(y_true, proba)

    register(f"_{_name}_scores", G, requires=(_data, f"{_data}_folds"))(_run)
    for _score in ("AUC", "ErrRate", "Kappa"):

        def _pick(t, v, key=f"_{_name}_scores", score=_score):
            return v[key][score]

        register(f"{_name}{_score}", G, requires=(f"_{_name}_scores",))(_pick)
