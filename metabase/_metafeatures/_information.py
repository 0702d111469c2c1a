"""OpenML's information-theoretic qualities and nominal distinct-value counts.

Entropies use log base 2 and counts over all rows. As in OpenML's Java code, a
missing nominal cell (and a missing class) is counted as the *first declared
value* of its attribute. Defined only for a nominal target, as on OpenML.
"""

from __future__ import annotations

import numpy as np

from ._registry import Undefined, register, register_summaries

G = "information"
_DENSE_LIMIT = 1 << 22  # joint tables larger than this are counted sparsely


def entropy(counts, total):
    """Entropy in bits of a count vector over `total` rows."""
    p = counts[counts > 0] / total
    return float(-(p * np.log2(p)).sum())


@register("_class_filled", G)
def _class_filled(t, v):
    """Class codes with a missing class counted as the first declared class."""
    if t.task != "classification":
        raise Undefined("regression target (OpenML defines entropies for a nominal target)")
    if t.n_rows == 0:
        raise Undefined("no rows")
    return np.maximum(t.y_codes, 0)


@register("ClassEntropy", G, requires=("_class_filled",))
def class_entropy(t, v):
    return entropy(np.bincount(v["_class_filled"]), t.n_rows)


@register("_nominal_inputs", G, requires=("_class_filled",))
def _nominal_inputs(t, v):
    if t.nominal.shape[1] == 0:
        raise Undefined("no nominal input attributes")
    return True


@register("_attribute_entropies", G, requires=("_nominal_inputs",))
def _attribute_entropies(t, v):
    n = t.n_rows
    return np.array([entropy(np.bincount(np.maximum(t.nominal[:, j], 0)), n)
                     for j in range(t.nominal.shape[1])])


def mutual_information(a, c, n_a, n_c, h_c):
    """Information gain (bits) of codes `a` about classes `c`, as OpenML computes it.

    ``H(C) - sum_v (n_v / N) H(C | A = v)``, rounded to 14 decimals like OpenML.
    """
    n = a.size
    joint = a.astype(np.int64) * n_c + c
    if n_a * n_c <= max(_DENSE_LIMIT, 4 * n):
        counts = np.bincount(joint, minlength=n_a * n_c).reshape(n_a, n_c)
        row = np.broadcast_to(counts.sum(axis=1, keepdims=True), counts.shape)
        keep = counts > 0
        counts, row = counts[keep], row[keep]
    else:
        keys, counts = np.unique(joint, return_counts=True)
        _, inverse = np.unique(keys // n_c, return_inverse=True)
        row = np.bincount(inverse, weights=counts)[inverse]
    conditional = -(counts * np.log2(counts / row)).sum() / n
    return round(h_c - conditional, 14)


@register("_mutual_informations", G,
          requires=("_nominal_inputs", "_class_filled", "ClassEntropy"))
def _mutual_informations(t, v):
    c = v["_class_filled"]
    n_c = max(t.n_classes_declared, int(c.max()) + 1)
    return np.array([
        mutual_information(np.maximum(t.nominal[:, j], 0), c,
                           max(int(t.n_declared[j]), 1), n_c, v["ClassEntropy"])
        for j in range(t.nominal.shape[1])])


register_summaries("{agg}AttributeEntropy", G, "_attribute_entropies", "attribute entropy")
register_summaries("{agg}MutualInformation", G, "_mutual_informations", "mutual information")


def _positive_mean_mi(v):
    mi = v["MeanMutualInformation"]
    if mi <= 0:
        raise Undefined("mean mutual information is 0")
    return mi


@register("EquivalentNumberOfAtts", G,
          requires=("ClassEntropy", "MeanMutualInformation"))
def equivalent_number_of_atts(t, v):
    return v["ClassEntropy"] / _positive_mean_mi(v)


@register("MeanNoiseToSignalRatio", G,
          requires=("MeanAttributeEntropy", "MeanMutualInformation"))
def mean_noise_to_signal_ratio(t, v):
    mi = _positive_mean_mi(v)
    return (v["MeanAttributeEntropy"] - mi) / mi


@register("_distinct_values", G)
def _distinct_values(t, v):
    """Distinct non-missing values that occur, per nominal attribute (target included)."""
    columns = [t.nominal[:, j] for j in range(t.nominal.shape[1])]
    if t.task == "classification":
        columns.append(t.y_codes)
    if not columns:
        raise Undefined("no nominal attributes")
    return np.array([np.count_nonzero(np.bincount(c[c >= 0])) if (c >= 0).any() else 0
                     for c in columns], dtype=np.float64)


@register("MaxNominalAttDistinctValues", G, requires=("_distinct_values",))
def max_nominal_att_distinct_values(t, v):
    return v["_distinct_values"].max()


@register("MinNominalAttDistinctValues", G, requires=("_distinct_values",))
def min_nominal_att_distinct_values(t, v):
    return v["_distinct_values"].min()


@register("MeanNominalAttDistinctValues", G, requires=("_distinct_values",))
def mean_nominal_att_distinct_values(t, v):
    return v["_distinct_values"].mean()


@register("StdvNominalAttDistinctValues", G, requires=("_distinct_values",))
def stdv_nominal_att_distinct_values(t, v):
    counts = v["_distinct_values"]
    # commons-math: the standard deviation of a single value is 0
    return counts.std(ddof=1) if counts.size > 1 else 0.0
