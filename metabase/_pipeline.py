"""From a config and a schema to a plain scikit-learn ``Pipeline``.

Only scikit-learn classes are used, so a saved model loads without this package.
"""

from __future__ import annotations

import numpy as np

from .families import get_family

#: One-hot columns per categorical: the most frequent levels, the rest pooled.
MAX_ONEHOT = 32
#: Histogram gradient boosting handles at most 255 category codes.
MAX_NATIVE = 255


def build_pipeline(config: dict, schema: dict, task: str, random_state: int = 0,
                   n_jobs: int = 1):
    """An unfitted ``Pipeline(prep, model)`` for ``config`` on tables of ``schema``.

    Parameters
    ----------
    config : dict
        ``{"family": name, "params": {...}}``.
    schema : dict
        From :func:`metabase.infer_schema`; only ``numeric`` and ``categorical`` are read.
    task : {"classification", "regression"}
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    family = get_family(config["family"])
    numeric, categorical = list(schema["numeric"]), list(schema["categorical"])
    steps = []
    mask = None
    if family.CATEGORICAL == "native":
        if numeric:
            steps.append(("num", "passthrough", numeric))
        if categorical:
            steps.append(("cat", OrdinalEncoder(
                handle_unknown="use_encoded_value", unknown_value=np.nan,
                encoded_missing_value=np.nan, max_categories=MAX_NATIVE), categorical))
            mask = [False] * len(numeric) + [True] * len(categorical)
    else:
        if numeric:
            num = [("impute", SimpleImputer(strategy="median", add_indicator=True,
                                            keep_empty_features=True))]
            if family.SCALE:
                num.append(("scale", StandardScaler()))
            steps.append(("num", Pipeline(num), numeric))
        if categorical:
            cat = [("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
                   ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                            max_categories=MAX_ONEHOT, sparse_output=False))]
            steps.append(("cat", Pipeline(cat), categorical))
    if not steps:
        raise ValueError("no usable feature columns")
    prep = ColumnTransformer(steps, remainder="drop", verbose_feature_names_out=False)
    model = family.build(task, dict(config["params"]), random_state=random_state,
                         n_jobs=n_jobs, categorical_mask=mask)
    return Pipeline([("prep", prep), ("model", model)])
