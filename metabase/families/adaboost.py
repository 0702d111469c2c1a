"""AdaBoost over decision trees (OpenML flow 6970's space).

``algorithm`` is fixed to SAMME: scikit-learn 1.6 removed SAMME.R, so OpenML runs
logged with SAMME.R are imported as "not mapped" rather than misfiled.
"""

from .._space import Choice, Float, Int

NAME = "adaboost"
TITLE = "AdaBoost (decision trees)"
SCALE = False
CATEGORICAL = "onehot"


def space(task):
    s = {"n_estimators": Int(10, 500, log=True), "learning_rate": Float(0.01, 2.0, log=True),
         "max_depth": Int(1, 10)}
    if task == "regression":
        s["loss"] = Choice(("linear", "square", "exponential"))
    return s


def defaults(task):
    if task == "classification":
        return {"n_estimators": 50, "learning_rate": 1.0, "max_depth": 1}
    return {"n_estimators": 50, "learning_rate": 1.0, "max_depth": 3, "loss": "linear"}


def build(task, params, random_state=0, n_jobs=1, categorical_mask=None):
    from sklearn.ensemble import AdaBoostClassifier, AdaBoostRegressor
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    p = dict(params)
    depth = p.pop("max_depth")
    if task == "classification":
        return AdaBoostClassifier(DecisionTreeClassifier(max_depth=depth), **p,
                                  random_state=random_state)
    return AdaBoostRegressor(DecisionTreeRegressor(max_depth=depth), **p, random_state=random_state)
