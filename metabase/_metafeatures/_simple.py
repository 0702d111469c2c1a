"""OpenML's "simple" qualities: counts, percentages, class sizes, AutoCorrelation.

As on OpenML the target is an attribute here: it counts in NumberOfFeatures,
in the numeric/symbolic/binary counts and in the missing-value counts.
Percentages are on a 0-100 scale.
"""

from __future__ import annotations

import numpy as np

from ._registry import Undefined, register

G = "simple"


def _percent(count, total, what="rows"):
    if total == 0:
        raise Undefined(f"no {what}")
    return 100.0 * count / total


@register("NumberOfInstances", G)
def number_of_instances(t, v):
    return t.n_rows


@register("NumberOfFeatures", G)
def number_of_features(t, v):
    return t.numeric.shape[1] + t.nominal.shape[1] + 1


@register("Dimensionality", G, requires=("NumberOfFeatures",))
def dimensionality(t, v):
    if t.n_rows == 0:
        raise Undefined("no rows")
    return v["NumberOfFeatures"] / t.n_rows


@register("NumberOfNumericFeatures", G)
def number_of_numeric_features(t, v):
    return t.numeric.shape[1] + (t.task == "regression")


@register("NumberOfSymbolicFeatures", G)
def number_of_symbolic_features(t, v):
    return t.nominal.shape[1] + (t.task == "classification")


@register("NumberOfBinaryFeatures", G)
def number_of_binary_features(t, v):
    # declared (not observed) value lists of exactly two values, target included
    return int((t.n_declared == 2).sum()) + (t.n_classes_declared == 2)


for _kind in ("Numeric", "Symbolic", "Binary"):

    def _share(t, v, kind=_kind):
        return _percent(v[f"NumberOf{kind}Features"], v["NumberOfFeatures"], "features")

    register(f"PercentageOf{_kind}Features", G,
             requires=(f"NumberOf{_kind}Features", "NumberOfFeatures"))(_share)


@register("_missing_rows", G)
def _missing_rows(t, v):
    """Per-row count of missing cells, target included."""
    per_row = np.isnan(t.numeric).sum(axis=1) + (t.nominal < 0).sum(axis=1)
    return per_row + t.y_missing


@register("NumberOfMissingValues", G, requires=("_missing_rows",))
def number_of_missing_values(t, v):
    return int(v["_missing_rows"].sum())


@register("NumberOfInstancesWithMissingValues", G, requires=("_missing_rows",))
def number_of_instances_with_missing_values(t, v):
    return int(np.count_nonzero(v["_missing_rows"]))


@register("PercentageOfMissingValues", G,
          requires=("NumberOfMissingValues", "NumberOfFeatures"))
def percentage_of_missing_values(t, v):
    return _percent(v["NumberOfMissingValues"], v["NumberOfFeatures"] * t.n_rows, "cells")


@register("PercentageOfInstancesWithMissingValues", G,
          requires=("NumberOfInstancesWithMissingValues",))
def percentage_of_instances_with_missing_values(t, v):
    return _percent(v["NumberOfInstancesWithMissingValues"], t.n_rows)


@register("_class_counts", G)
def _class_counts(t, v):
    """Counts of the classes that occur (declared-but-absent classes dropped)."""
    if t.task != "classification":
        raise Undefined("regression target")
    codes = t.y_codes[t.y_codes >= 0]
    if codes.size == 0:
        raise Undefined("no non-missing class value")
    counts = np.bincount(codes)
    return counts[counts > 0]


@register("NumberOfClasses", G)
def number_of_classes(t, v):
    if t.task == "regression":
        return 0  # OpenML's convention for a numeric target
    return np.unique(t.y_codes[t.y_codes >= 0]).size


@register("MajorityClassSize", G, requires=("_class_counts",))
def majority_class_size(t, v):
    return int(v["_class_counts"].max())


@register("MinorityClassSize", G, requires=("_class_counts",))
def minority_class_size(t, v):
    return int(v["_class_counts"].min())


@register("MajorityClassPercentage", G, requires=("MajorityClassSize",))
def majority_class_percentage(t, v):
    return _percent(v["MajorityClassSize"], t.n_rows)


@register("MinorityClassPercentage", G, requires=("MinorityClassSize",))
def minority_class_percentage(t, v):
    return _percent(v["MinorityClassSize"], t.n_rows)


@register("AutoCorrelation", G)
def auto_correlation(t, v):
    """Share of consecutive rows (file order) whose class is the same.

    For a numeric target a "change" is the absolute difference of consecutive
    values, so the value is dimensionful and can be very negative.
    """
    n = t.n_rows
    if n == 0:
        raise Undefined("no rows")
    if t.y_missing.any():
        raise Undefined("missing target values")
    if n == 1:
        return 1.0
    if t.task == "classification":
        changes = np.count_nonzero(np.diff(t.y_codes))
    else:
        changes = np.abs(np.diff(t.y_num)).sum()
    return (n - 1 - changes) / (n - 1)
