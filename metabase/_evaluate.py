"""Cross-validation that copes with real tables: rare classes, failed folds, timings."""

from __future__ import annotations

import time
import warnings

import numpy as np

from ._metrics import score_all


def make_splits(y, task: str, n_splits: int = 5, n_repeats: int = 1, seed: int = 0):
    """Train/test index pairs: stratified k-fold for classification where possible.

    ``n_splits`` shrinks to what the data allow (a 3-row table gets 3 folds); a
    class with fewer rows than folds is tolerated (it misses some test folds).
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    y = np.asarray(y)
    n = len(y)
    if n < 2:
        raise ValueError(f"cross-validation needs at least 2 rows, got {n}")
    k = max(2, min(n_splits, n))
    out = []
    for r in range(n_repeats):
        rs = seed + 1000 * r
        if task == "classification":
            _, counts = np.unique(y, return_counts=True)
            if counts.max() >= k and len(counts) > 1:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cv = StratifiedKFold(k, shuffle=True, random_state=rs)
                    out.extend(cv.split(np.zeros(n), y))
                continue
        out.extend(KFold(k, shuffle=True, random_state=rs).split(np.zeros(n)))
    return out


def aligned_proba(model, X, classes) -> np.ndarray:
    """``predict_proba`` with one column per class of the whole task, in order.

    A fold's model may not have seen every class; its missing columns are 0.
    """
    p = model.predict_proba(X)
    seen = list(model.classes_)
    if seen == list(classes):
        return p
    full = np.zeros((p.shape[0], len(classes)))
    index = {c: i for i, c in enumerate(classes)}
    for j, c in enumerate(seen):
        full[:, index[c]] = p[:, j]
    return full


def _fit_predict(make_model, X, y, train, test, task, classes):
    """Fit on ``train``, predict ``test``: ``(model, fit seconds, predict seconds, labels
    or values, aligned probabilities or None)``."""
    model = make_model()
    Xtr, ytr = X.iloc[train], y[train]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(Xtr, ytr)
        fit_time = time.perf_counter() - t0
        t1 = time.perf_counter()
        Xte = X.iloc[test]
        if task == "classification":
            proba = aligned_proba(model, Xte, classes)
            pred = np.asarray(classes)[proba.argmax(axis=1)]
        else:
            proba = None
            pred = model.predict(Xte)
        predict_time = time.perf_counter() - t1
    return model, fit_time, predict_time, pred, proba


def _scores(metrics, y, pred, proba, classes) -> dict:
    with warnings.catch_warnings():        # e.g. a fold without some class
        warnings.simplefilter("ignore")
        return score_all(metrics, y, pred, proba, classes)


def fit_and_score(make_model, X, y, train, test, task, classes, metrics) -> dict:
    """Fit on ``train``, score on ``test``: metrics plus fit and predict seconds."""
    _, fit_time, predict_time, pred, proba = _fit_predict(make_model, X, y, train, test, task,
                                                          classes)
    scores = _scores(metrics, y[test], pred, proba, classes)
    return {"fit_time": fit_time, "predict_time": predict_time, "n_train": len(train),
            "n_test": len(test), **scores}


def cross_validate(make_model, X, y, task, classes, metrics, splits) -> list[dict]:
    """One dict per fold (see :func:`fit_and_score`), with its ``fold`` number."""
    y = np.asarray(y)
    return [{"fold": i, **fit_and_score(make_model, X, y, tr, te, task, classes, metrics)}
            for i, (tr, te) in enumerate(splits)]


def cross_validate_oof(make_model, X, y, task, classes, metrics, splits, keep_models=False):
    """:func:`cross_validate`'s folds and the out-of-fold predictions: probabilities
    (rows x classes) for classification, values for regression, float32 (compact: they
    are kept for every trial of a search). A row in several test folds (repeated
    splits) gets its mean; a row in none, NaN.

    With ``keep_models``, a third value: the fitted fold models, pickled (bytes: a
    search holds many and unpickles only the few its ensemble keeps, see k-fold
    bagging in ``automl_cli._final``)."""
    import pickle

    y = np.asarray(y)
    shape = (len(y), len(classes)) if task == "classification" else (len(y),)
    total, seen = np.zeros(shape), np.zeros(len(y))
    folds, models = [], []
    for i, (tr, te) in enumerate(splits):
        model, fit_time, predict_time, pred, proba = _fit_predict(make_model, X, y, tr, te,
                                                                  task, classes)
        folds.append({"fold": i, "fit_time": fit_time, "predict_time": predict_time,
                      "n_train": len(tr), "n_test": len(te),
                      **_scores(metrics, y[te], pred, proba, classes)})
        total[te] += proba if task == "classification" else np.asarray(pred, dtype=float)
        seen[te] += 1
        if keep_models:
            models.append(model)
    with np.errstate(invalid="ignore", divide="ignore"):
        oof = total / (seen[:, None] if total.ndim == 2 else seen)
    oof[seen == 0] = np.nan
    if not keep_models:
        return folds, oof.astype(np.float32)
    return folds, oof.astype(np.float32), pickle.dumps(models, protocol=pickle.HIGHEST_PROTOCOL)
