"""k-nearest neighbours."""

from .._space import Choice, Int

NAME = "knn"
TITLE = "k-nearest neighbours"
SCALE = True
CATEGORICAL = "onehot"


def space(task):
    return {"n_neighbors": Int(1, 100, log=True), "weights": Choice(("uniform", "distance")),
            "p": Choice((1, 2))}


def defaults(task):
    return {"n_neighbors": 5, "weights": "uniform", "p": 2}


def build(task, params, random_state=0, n_jobs=1, categorical_mask=None):
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    cls = KNeighborsClassifier if task == "classification" else KNeighborsRegressor
    return cls(**params, n_jobs=n_jobs)
