"""Regularised linear models: logistic regression, ridge regression."""

from .._space import Float

NAME = "linear"
TITLE = "Linear model (logistic / ridge)"
SCALE = True
CATEGORICAL = "onehot"


def space(task):
    if task == "classification":
        return {"C": Float(1e-4, 1e4, log=True)}
    return {"alpha": Float(1e-4, 1e4, log=True)}


def defaults(task):
    return {"C": 1.0} if task == "classification" else {"alpha": 1.0}


def build(task, params, random_state=0, n_jobs=1, categorical_mask=None):
    from sklearn.linear_model import LogisticRegression, Ridge

    if task == "classification":
        return LogisticRegression(**params, max_iter=1000, random_state=random_state)
    return Ridge(**params, random_state=random_state)
