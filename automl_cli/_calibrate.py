"""Temperature scaling of a classifier's blend, fitted on its out-of-fold predictions.

One parameter (an inverse temperature ``beta``: probabilities become
``softmax(beta * log p)``), fitted by scikit-learn's own temperature scaling on the
blend's out-of-fold predictions of the search rows, and kept only where it lowers their
log loss by at least :data:`MIN_GAIN` (relative): with one parameter fitted on thousands
of predictions, what it gains there is what it gains on new rows, within noise. The
saved model is then scikit-learn's ``CalibratedClassifierCV(method="temperature")`` over
the frozen blend, its fitted parts set here (its own ``fit`` would refit the blend).
Only where no fresh cross-validation scores the saved model (bagged members, rows set
apart, or no time left): a fresh cross-validation would score a model without it.
"""

from __future__ import annotations

import numpy as np

#: Relative out-of-fold log-loss gain below which the blend is left as it is.
MIN_GAIN = 0.01
#: scikit-learn's ``_convert_to_logits`` offset.
LOGIT_EPS = 1e-12


def fit_temperature(proba, y, classes) -> float | None:
    """The inverse temperature that lowers the out-of-fold log loss of ``proba`` by at
    least :data:`MIN_GAIN`, or None."""
    import warnings

    from sklearn.calibration import _TemperatureScaling

    proba = np.asarray(proba, dtype=np.float64)
    codes = np.searchsorted(np.asarray(classes), np.asarray(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        beta = float(_TemperatureScaling().fit(proba, codes).beta_)
    before, after = _log_loss(proba, codes, 1.0), _log_loss(proba, codes, beta)
    return beta if after < before * (1 - MIN_GAIN) else None


def scaled(proba, beta: float):
    """``proba`` at inverse temperature ``beta`` (rows sum to 1), as scikit-learn's
    temperature scaling computes it (logits ``log(p + 1e-12)``)."""
    z = beta * np.log(np.asarray(proba, dtype=np.float64) + LOGIT_EPS)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def calibrated(model, beta: float):
    """``model`` (a fitted classifier) behind scikit-learn's temperature scaling."""
    from sklearn.calibration import (CalibratedClassifierCV, _CalibratedClassifier,
                                     _TemperatureScaling)
    from sklearn.frozen import FrozenEstimator

    scaler = _TemperatureScaling()
    scaler.beta_ = np.float64(beta)
    out = CalibratedClassifierCV(FrozenEstimator(model), method="temperature")
    out.calibrated_classifiers_ = [_CalibratedClassifier(model, [scaler],
                                                         classes=model.classes_,
                                                         method="temperature")]
    out.classes_ = model.classes_
    if hasattr(model, "n_features_in_"):
        out.n_features_in_ = model.n_features_in_
    return out


def _log_loss(proba, codes, beta: float) -> float:
    p = scaled(proba, beta)[np.arange(len(codes)), codes]
    return float(-np.mean(np.log(np.clip(p, 1e-15, 1.0))))
