"""Support vector machines (OpenML flow 8784's space: kernel, C, gamma, degree, ...)."""

from .._space import Choice, Float, Int

NAME = "svm"
TITLE = "Support vector machine"
SCALE = True
#: Regression targets standardised: SVR's epsilon is in the target's units (0.1
#: swallows a target of scale 1e-4) and C=1 over-regularises one of scale 1e5
#: (measured: ``tests/bench/target_scale.py``, README, Choices).
SCALE_TARGET = True
CATEGORICAL = "onehot"


def space(task):
    s = {
        "kernel": Choice(("rbf", "poly", "sigmoid")),
        "C": Float(2.0 ** -5, 2.0 ** 15, log=True),
        # "scale" (1 / (n_features * var)) is sklearn's default; 0.6 is about where it sits.
        "gamma": Float(2.0 ** -15, 2.0 ** 3, log=True, specials={"scale": 0.6}),
        "degree": Int(2, 5),
        "coef0": Float(-1.0, 1.0),
        "shrinking": Choice((True, False)),
        "tol": Float(1e-5, 1e-1, log=True),
    }
    if task == "regression":
        s["epsilon"] = Float(1e-3, 1.0, log=True)
    return s


def defaults(task):
    d = {"kernel": "rbf", "C": 1.0, "gamma": "scale", "degree": 3, "coef0": 0.0,
         "shrinking": True, "tol": 1e-3}
    if task == "regression":
        d["epsilon"] = 0.1
    return d


def build(task, params, random_state=0, n_jobs=1, categorical_mask=None):
    from sklearn.svm import SVC, SVR

    if task == "classification":
        # probability=True: log loss and ROC AUC need calibrated probabilities.
        return SVC(**params, probability=True, cache_size=500, random_state=random_state)
    return SVR(**params, cache_size=500)
