"""automl_cli._calibrate: temperature scaling fitted on out-of-fold predictions, kept only
where it lowers their log loss, saved as scikit-learn's own CalibratedClassifierCV."""

from __future__ import annotations

import numpy as np
import pytest

from automl_cli._calibrate import calibrated, fit_temperature, scaled


def _draw(n=3000, seed=0, sharpen=1.0):
    """Probabilities of 3 classes and labels drawn from them, then made over- (sharpen > 1)
    or not (1) confident."""
    rng = np.random.default_rng(seed)
    true = rng.dirichlet([1, 1, 1], size=n)
    y = np.array([rng.choice(3, p=p) for p in true])
    return scaled(true, sharpen), np.array(["a", "b", "c"])[y]


def test_overconfident_probabilities_get_a_temperature_that_softens_them():
    proba, y = _draw(sharpen=3.0)
    beta = fit_temperature(proba, y, ["a", "b", "c"])
    assert beta is not None and beta == pytest.approx(1 / 3, rel=0.15)


def test_calibrated_probabilities_are_left_alone(monkeypatch):
    import automl_cli._calibrate as calibrate

    proba, y = _draw(sharpen=1.0)
    assert fit_temperature(proba, y, ["a", "b", "c"]) is None      # gain < MIN_GAIN
    # what left them alone is the threshold: without it, a temperature near 1 is fitted
    monkeypatch.setattr(calibrate, "MIN_GAIN", 0.0)
    beta = fit_temperature(proba, y, ["a", "b", "c"])
    assert beta is not None and beta == pytest.approx(1.0, abs=0.15)


def test_the_calibrated_model_is_sklearn_own_and_saves_as_it_predicts(tmp_path):
    import io

    import skops.io as sio
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import RandomForestClassifier

    from automl_cli._artifact import skops_bytes
    from automl_cli._trusted import TRUSTED, check_model

    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 3))
    y = np.where(X[:, 0] + rng.normal(size=300) > 0, "no", "yes")
    model = RandomForestClassifier(20, random_state=0).fit(X, y)
    cal = calibrated(model, 0.5)
    assert type(cal) is CalibratedClassifierCV and list(cal.classes_) == ["no", "yes"]
    want = scaled(model.predict_proba(X), 0.5)
    assert np.allclose(cal.predict_proba(X), want)
    assert (cal.predict(X) == np.array(["no", "yes"])[want.argmax(1)]).all()
    data = skops_bytes(cal)
    assert set(sio.get_untrusted_types(data=data)) <= set(TRUSTED)
    back = sio.load(io.BytesIO(data), trusted=TRUSTED)
    check_model(back)
    assert np.allclose(back.predict_proba(X), want)
