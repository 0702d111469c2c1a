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
#: Text columns with more levels than this are target-encoded (cross-fitted)
#: instead of one-hot or native codes, for every family: the frequent levels alone
#: lose what the others carry. Chosen by ``tests/bench/high_cardinality.py``.
TARGET_ENCODE_ABOVE = MAX_ONEHOT
#: Whether a target-encoded column also keeps its frequent-level codes (measured
#: worse for linear models and HGB by the same bench).
CODES_BESIDE_TARGET = False


def build_pipeline(config: dict, schema: dict, task: str, random_state: int = 0,
                   n_jobs: int = 1):
    """An unfitted ``Pipeline(prep, model)`` for ``config`` on tables of ``schema``.

    Parameters
    ----------
    config : dict
        ``{"family": name, "params": {...}}``.
    schema : dict
        From :func:`metabase.infer_schema`: ``numeric``, ``categorical`` and the
        columns' ``n_unique`` (which categoricals are target-encoded).
    task : {"classification", "regression"}
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    family = get_family(config["family"])
    numeric, categorical = list(schema["numeric"]), list(schema["categorical"])
    high = high_cardinality(schema)
    low = [c for c in categorical if c not in high or CODES_BESIDE_TARGET]
    steps = []
    mask = None
    if family.CATEGORICAL == "native":
        if numeric:
            steps.append(("num", "passthrough", numeric))
        if low:
            steps.append(("cat", OrdinalEncoder(
                handle_unknown="use_encoded_value", unknown_value=np.nan,
                encoded_missing_value=np.nan, max_categories=MAX_NATIVE), low))
            # indices, not a boolean mask: the target encoding's width (one column
            # per class) is known only once it is fitted, and it comes after these
            mask = list(range(len(numeric), len(numeric) + len(low)))
    else:
        if numeric:
            num = [("impute", SimpleImputer(strategy="median", add_indicator=True,
                                            keep_empty_features=True))]
            if family.SCALE:
                num.append(("scale", StandardScaler()))
            steps.append(("num", Pipeline(num), numeric))
        if low:
            cat = [("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
                   ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                            max_categories=MAX_ONEHOT, sparse_output=False))]
            steps.append(("cat", Pipeline(cat), low))
    if high:
        te = [("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
              ("target", target_encoder(task, random_state))]
        if family.SCALE:
            te.append(("scale", StandardScaler()))
        steps.append(("te", Pipeline(te), high))
    if not steps:
        raise ValueError("no usable feature columns")
    prep = ColumnTransformer(steps, remainder="drop", verbose_feature_names_out=False)
    model = family.build(task, dict(config["params"]), random_state=random_state,
                         n_jobs=n_jobs, categorical_mask=mask)
    if task == "regression" and getattr(family, "SCALE_TARGET", False):
        from sklearn.compose import TransformedTargetRegressor

        # the family's hyperparameters then mean the same on every target's scale
        model = TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
    return Pipeline([("prep", prep), ("model", model)])


def high_cardinality(schema: dict) -> list[str]:
    """The categorical columns of ``schema`` that are target-encoded (a schema
    without level counts, from elsewhere, gets none)."""
    levels = {c["name"]: c.get("n_unique", 0) for c in schema.get("columns", [])}
    return [c for c in schema["categorical"] if levels.get(c, 0) > TARGET_ENCODE_ABOVE]


def target_encoder(task: str, random_state: int = 0):
    """scikit-learn's cross-fitted ``TargetEncoder``, with seeded folds.

    ``fit_transform`` (what a ``Pipeline`` calls while fitting) encodes each row
    with means from the other folds, so a level's own row never leaks into its
    code; ``transform`` uses the means of all rows.
    """
    from sklearn.model_selection import KFold, StratifiedKFold
    from sklearn.preprocessing import TargetEncoder

    # a regression target of whole numbers would otherwise be taken as classes
    target_type = "continuous" if task == "regression" else "auto"
    if TargetEncoder().random_state == "deprecated":        # scikit-learn >= 1.9
        split = KFold if task == "regression" else StratifiedKFold
        return TargetEncoder(target_type=target_type,
                             cv=split(5, shuffle=True, random_state=random_state))
    return TargetEncoder(target_type=target_type, shuffle=True, random_state=random_state)
