"""Extremely randomised trees."""

from . import rf

NAME = "et"
TITLE = "Extra trees"
SCALE = False
CATEGORICAL = "onehot"
space = rf.space


def defaults(task):
    return {**rf.defaults(task), "bootstrap": False}


def build(task, params, random_state=0, n_jobs=1, categorical_mask=None):
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    cls = ExtraTreesClassifier if task == "classification" else ExtraTreesRegressor
    return cls(**params, random_state=random_state, n_jobs=n_jobs)
