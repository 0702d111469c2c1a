"""Sparse linear models: L1-penalised logistic regression, elastic net.

The family for wide tables (thousands of columns, few rows), where a handful of
columns carry the signal and every other family drowns in the rest: the L1 penalty
selects them. liblinear is the solver: saga, the other that takes an L1 penalty,
needs tens of seconds where liblinear needs a fraction of one on 400 x 3,000.
"""

from .._space import Float

NAME = "sparse"
TITLE = "Sparse linear model (L1 logistic / elastic net)"
SCALE = True
CATEGORICAL = "onehot"


def space(task):
    if task == "classification":
        return {"C": Float(1e-3, 1e2, log=True)}
    return {"alpha": Float(1e-4, 1e1, log=True), "l1_ratio": Float(0.05, 1.0)}


def defaults(task):
    return {"C": 1.0} if task == "classification" else {"alpha": 1.0, "l1_ratio": 0.5}


def build(task, params, random_state=0, n_jobs=1, categorical_mask=None):
    from sklearn.linear_model import ElasticNet, LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    if task == "classification":
        # liblinear is binary only: one-vs-rest for more classes (one model for two)
        return OneVsRestClassifier(LogisticRegression(
            **params, l1_ratio=1.0, solver="liblinear", max_iter=1000,
            random_state=random_state))
    return ElasticNet(**params, max_iter=5000, random_state=random_state)
