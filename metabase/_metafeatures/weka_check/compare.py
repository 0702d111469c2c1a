"""Compare our landmarkers with Weka's on one ARFF file (development check).

``python -m metabase._metafeatures.weka_check.compare data.arff predictions.csv``
where ``predictions.csv`` was written by ``WekaCV.java`` (see there) on the same
file. Prints, per learner, whether the fold order is Weka's, both sets of scores,
and the largest difference between the pooled class probabilities.
"""

from __future__ import annotations

import sys

import arff  # liac-arff, installed with openml
import numpy as np
import pandas as pd

from .._knn import knn1
from .._landmarking import landmark_data
from .._table import make_table
from .._weka import cv_folds, decision_stump, naive_bayes, scores


def read_arff(path):
    """An ARFF file as (X, y) with its declared value lists as categories."""
    with open(path) as f:
        doc = arff.load(f)
    df = pd.DataFrame(doc["data"], columns=[name for name, _ in doc["attributes"]])
    for name, kind in doc["attributes"]:
        if isinstance(kind, list):
            df[name] = pd.Categorical(df[name], categories=kind)
    return df.iloc[:, :-1], df.iloc[:, -1]


def main(argv=None):
    data_path, weka_path = (argv or sys.argv[1:])[:2]
    X, y = read_arff(data_path)
    data = landmark_data(make_table(X, y, "classification"), np.arange(len(y)))
    weka = pd.read_csv(weka_path, header=None)
    folds = cv_folds(data.y)
    order = np.concatenate(folds)
    scored = data.y[order] >= 0
    for name, learner in (("NaiveBayes", naive_bayes), ("kNN1N", knn1),
                          ("DecisionStump", decision_stump)):
        rows = weka[weka[0] == name]
        ours = np.concatenate([
            learner(data, np.concatenate(folds[:i] + folds[i + 1:])[
                data.y[np.concatenate(folds[:i] + folds[i + 1:])] >= 0], test)
            for i, test in enumerate(folds)])
        theirs = rows.iloc[:, 4:].to_numpy(dtype=float)
        same_order = np.array_equal(rows[2].to_numpy(), order)
        print(f"{name}: fold order {'equal' if same_order else 'DIFFERENT'}; "
              f"max |p_ours - p_weka| = {np.abs(ours - theirs).max():.3g}")
        for who, proba in (("ours", ours), ("weka", theirs)):
            values = scores(data.y[order][scored], proba[scored])
            print(f"  {who} " + ", ".join(f"{k} {float(v)!r}" for k, v in values.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
