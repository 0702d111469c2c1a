"""``profile``: compute OpenML data qualities of a table into a :class:`Profile`."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from ._registry import GROUPS, REGISTRY, compute, quality_names
from ._table import make_table


@dataclass
class Profile:
    """Qualities of one table.

    Attributes
    ----------
    values : dict
        OpenML quality name -> float; NaN when undefined.
    reasons : dict
        name -> why it is undefined, for every NaN in `values`.
    groups : dict
        name -> group, one of :data:`GROUPS`.
    notes : list of str
        How values were obtained where it matters (subsamples, approximations).
    timings : dict
        group -> seconds; ``"prepare"`` is the time spent reading the table.
    """

    values: dict
    reasons: dict
    groups: dict
    notes: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.values[name]

    def to_dict(self):
        """JSON-serialisable dict of all fields, NaN as None."""
        return {
            "values": {k: (None if math.isnan(v) else v) for k, v in self.values.items()},
            "reasons": dict(self.reasons),
            "groups": dict(self.groups),
            "notes": list(self.notes),
            "timings": dict(self.timings),
        }


#: The tunables of :func:`profile` (keyword options) and their defaults.
OPTIONS = {"max_rows_landmarkers": 20000, "max_rows_knn": 5000, "cv_seed": 1,
           "max_rows_regression_landmarkers": 2000}


def profile(X, y, task="classification", groups=None, random_state=0, **options):
    """Compute OpenML's data qualities of a table.

    Parameters
    ----------
    X : pandas.DataFrame
        Features. Columns of dtype category, object, string or bool are nominal;
        numeric (and datetime) columns are numeric.
    y : pandas.Series
        Target, same length as `X`.
    task : {"classification", "regression"}
        A classification target is nominal, a regression target numeric.
    groups : iterable of str, optional
        Subset of :data:`GROUPS` to compute; default all.
    random_state : int
        Seed of the landmarkers' row subsamples (only used on large tables).
    **options
        The tunables of :data:`OPTIONS`, by name (defaults there):
    max_rows_landmarkers, max_rows_knn : int
        Row caps of the landmarkers' stratified subsample; 1-NN has its own.
    cv_seed : int
        Seed of Weka's ``java.util.Random`` for the 2-fold CV (OpenML uses 1), and
        of ``numpy.random.default_rng`` for the regression landmarkers' 5 folds.
    max_rows_regression_landmarkers : int
        Row cap of the regression landmarkers' (``Target*R2``) random subsample.

    Returns
    -------
    Profile
    """
    bad = sorted(set(options) - set(OPTIONS))
    if bad:
        raise TypeError(f"profile() got unknown option(s) {bad}; known: {sorted(OPTIONS)}")
    groups = GROUPS if groups is None else tuple(groups)
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        raise ValueError(f"unknown groups {unknown}; choose from {GROUPS}")
    start = time.perf_counter()
    table = make_table(X, y, task)
    table.options = {"random_state": random_state, **OPTIONS, **options}
    prepare = time.perf_counter() - start
    names = quality_names(groups)
    values, reasons, timings = compute(table, names)
    timings = {"prepare": prepare, **{g: timings[g] for g in groups}}
    return Profile(values=values, reasons=reasons,
                   groups={n: REGISTRY[n].group for n in names},
                   notes=list(table.notes), timings=timings)
