"""Random forest (OpenML flow 6969's hyperparameters, plus the forest size)."""

from .._space import Choice, Float, Int

NAME = "rf"
TITLE = "Random forest"
SCALE = False
CATEGORICAL = "onehot"
ESTIMATOR = ("RandomForestClassifier", "RandomForestRegressor")


def space(task):
    # absolute_error is left out for regression: its cost grows with n² per node.
    crit = ("gini", "entropy") if task == "classification" else ("squared_error",)
    return {
        "n_estimators": Int(16, 512, log=True),
        # "sqrt" is sklearn's classification default; 0.3 is where it sits for distances.
        "max_features": Float(0.05, 1.0, specials={"sqrt": 0.3}),
        "min_samples_leaf": Int(1, 20),
        "min_samples_split": Int(2, 20),
        "bootstrap": Choice((True, False)),
        "criterion": Choice(crit),
    }


def defaults(task):
    clf = task == "classification"
    return {"n_estimators": 100, "max_features": "sqrt" if clf else 1.0,
            "min_samples_leaf": 1, "min_samples_split": 2, "bootstrap": True,
            "criterion": "gini" if clf else "squared_error"}


def build(task, params, random_state=0, n_jobs=1, categorical_mask=None):
    from sklearn import ensemble

    name = ESTIMATOR[0] if task == "classification" else ESTIMATOR[1]
    return getattr(ensemble, name)(**params, random_state=random_state, n_jobs=n_jobs)
