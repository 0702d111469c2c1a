"""Statistics of a numeric (regression) target: our own names, not OpenML's.

OpenML describes a numeric target only through the Statistical group (where it
counts as one more numeric attribute) and AutoCorrelation. These qualities
describe it on its own, with the same conventions as the Statistical group
(non-missing values, sample moments, weibull quartiles). Undefined for a
nominal target, which the simple and information groups describe.
"""

from __future__ import annotations

import numpy as np

from ._registry import Undefined, register
from ._statistical import column_moments

G = "target"


@register("_target_values", G)
def _target_values(t, v):
    if t.task != "regression":
        raise Undefined("classification target (described by class sizes and ClassEntropy)")
    values = t.y_num[~np.isnan(t.y_num)]
    if values.size == 0:
        raise Undefined("no non-missing target value")
    return values


@register("_target_moments", G, requires=("_target_values",))
def _target_moments(t, v):
    return {k: float(a[0]) for k, a in column_moments(v["_target_values"][:, None]).items()}


def _moment_reason(stat, n):
    if stat == "Skewness" and n < 3:
        return "fewer than 3 target values"
    if stat == "Kurtosis" and n < 4:
        return "fewer than 4 target values"
    return "constant or infinite target"


for _name, _stat in (("TargetMean", "Means"), ("TargetStdDev", "StdDev"),
                     ("TargetSkewness", "Skewness"), ("TargetKurtosis", "Kurtosis")):

    def _moment(t, v, stat=_stat):
        value = v["_target_moments"][stat]
        if not np.isfinite(value):
            raise Undefined(_moment_reason(stat, v["_target_values"].size))
        return value

    register(_name, G, requires=("_target_moments", "_target_values"))(_moment)

_ORDER_STATS = {
    "TargetMin": np.min,
    "TargetQuartile1": lambda a: np.percentile(a, 25, method="weibull"),
    "TargetQuartile2": lambda a: np.percentile(a, 50, method="weibull"),
    "TargetQuartile3": lambda a: np.percentile(a, 75, method="weibull"),
    "TargetMax": np.max,
}

for _name, _reduce in _ORDER_STATS.items():

    def _order_stat(t, v, reduce=_reduce):
        return float(reduce(v["_target_values"]))

    register(_name, G, requires=("_target_values",))(_order_stat)


@register("TargetNumberOfDistinctValues", G, requires=("_target_values",))
def target_number_of_distinct_values(t, v):
    return np.unique(v["_target_values"]).size


@register("TargetPercentageOfDistinctValues", G,
          requires=("TargetNumberOfDistinctValues", "_target_values"))
def target_percentage_of_distinct_values(t, v):
    return 100.0 * v["TargetNumberOfDistinctValues"] / v["_target_values"].size


@register("TargetPercentageOfIntegerValues", G, requires=("_target_values",))
def target_percentage_of_integer_values(t, v):
    values = v["_target_values"]
    return 100.0 * np.count_nonzero(values == np.round(values)) / values.size
