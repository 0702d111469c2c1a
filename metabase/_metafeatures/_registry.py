"""Registry of named quality functions with declared dependencies.

Each quality is a small function ``func(table, values) -> float`` registered
under its OpenML name, its group and the names it needs. Helpers (names that
start with ``_``) share intermediate results such as per-attribute moments;
they are computed only when a requested quality needs them and are not
reported. A function that cannot produce a value raises :class:`Undefined`
with a short reason; qualities depending on it inherit that reason.

Everything computed lives in the plain dict of one :func:`compute` call:
there is no module-level cache.
"""

from __future__ import annotations

import contextlib
import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

GROUPS = ("simple", "statistical", "information", "landmarking", "target")


class Undefined(Exception):
    """Raised by a quality function whose value is undefined; the message is the reason."""


@functools.lru_cache(maxsize=1)
def _blas_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover  (a dependency of scikit-learn)
        return None
    return ThreadpoolController()


def one_blas_thread():
    """Context manager: BLAS/LAPACK limited to one thread (if threadpoolctl is there).

    The landmarkers' matrix products and solves are small: on busy cores a threaded
    BLAS spins, a product of 150 x 3,000 by 3,000 x 150 taking 100 ms instead of 3."""
    controller = _blas_controller()
    if controller is None:  # pragma: no cover
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


@dataclass(frozen=True)
class Entry:
    name: str
    group: str
    func: Callable
    requires: tuple


REGISTRY: dict[str, Entry] = {}


def register(name, group, requires=()):
    """Decorator registering ``func(table, values)`` as quality (or helper) `name`.

    Parameters
    ----------
    name : str
        OpenML quality name, or a helper name starting with ``_``.
    group : str
        One of :data:`GROUPS`; its time is charged to this group.
    requires : tuple of str
        Names whose values ``func`` reads from ``values``.
    """
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}")

    def decorate(func):
        if name in REGISTRY:
            raise ValueError(f"quality {name!r} registered twice")
        REGISTRY[name] = Entry(name, group, func, tuple(requires))
        return func

    return decorate


def quality_names(groups=GROUPS):
    """Public (non-helper) names of the given groups: by group, then registration order."""
    return tuple(n for g in GROUPS if g in groups
                 for n, e in REGISTRY.items() if not n.startswith("_") and e.group == g)


# Summaries of per-attribute values (OpenML's "Min/Max/Mean/QuartileN" families).
# Quartiles use commons-math's default percentile rule = numpy's "weibull".
_SUMMARIES = {
    "Min": np.min,
    "Max": np.max,
    "Mean": np.mean,
    "Quartile1": lambda v: np.percentile(v, 25, method="weibull"),
    "Quartile2": lambda v: np.percentile(v, 50, method="weibull"),
    "Quartile3": lambda v: np.percentile(v, 75, method="weibull"),
}


def register_summaries(template, group, helper, what):
    """Register Min/Max/Mean/Quartile1-3 of the array produced by `helper`.

    `template` holds ``{agg}``, e.g. ``"{agg}MeansOfNumericAtts"``; `what` names the
    per-attribute value in the reason given when no finite value is left.
    """
    for agg, reduce in _SUMMARIES.items():

        def summary(t, v, reduce=reduce):
            values = v[helper]
            if values.size == 0:
                raise Undefined(f"no attribute with a finite {what}")
            return float(reduce(values))

        summary.__name__ = template.format(agg=agg)
        register(template.format(agg=agg), group, requires=(helper,))(summary)


def compute(table, names):
    """Compute `names` (and what they need) on `table`.

    Returns
    -------
    values : dict
        name -> float (NaN when undefined) for every requested name.
    reasons : dict
        name -> reason for every NaN in `values`.
    timings : dict
        group -> seconds spent in that group's functions.
    """
    done, reasons = {}, {}
    timings = dict.fromkeys(GROUPS, 0.0)

    def run(name):
        if name in done or name in reasons:
            return
        entry = REGISTRY[name]
        for dep in entry.requires:
            run(dep)
            if dep in reasons:
                reasons[name] = reasons[dep]
                return
        start = time.perf_counter()
        try:
            done[name] = entry.func(table, done)
        except Undefined as exc:
            reasons[name] = str(exc)
        except Exception as exc:  # noqa: BLE001  (a bug or an odd table: one NaN, no crash)
            reasons[name] = f"failed: {type(exc).__name__}: {exc}"[:200]
        timings[entry.group] += time.perf_counter() - start

    for name in names:
        run(name)
    values = {}
    for name in names:
        value = done.get(name, math.nan)
        value = math.nan if value is None else float(value)
        if not math.isfinite(value):
            reasons.setdefault(name, "not finite")
            value = math.nan
        values[name] = value
    reasons = {n: reasons[n] for n in names if n in reasons}
    return values, reasons, timings
