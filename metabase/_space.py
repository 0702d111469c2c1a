"""Search-space domains, declared as data.

A family's space is a plain ``dict`` mapping a hyperparameter name to a
domain. Domains know how to sample a value, map it onto the unit interval (for
distances and local search) and back, and check a value received from outside
(a metabase row, a user's config file).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Float:
    """A real interval, optionally on a log scale.

    ``specials`` are named values outside the interval that an estimator also
    accepts (``"sqrt"`` for ``max_features``, ``"scale"`` for ``gamma``), each
    with the unit-interval position used for distances.
    """

    low: float
    high: float
    log: bool = False
    specials: dict = field(default_factory=dict)

    def sample(self, rng) -> float:
        return self.from_unit(rng.uniform())

    def to_unit(self, value) -> float:
        if value in self.specials:
            return float(self.specials[value])
        v = min(max(float(value), self.low), self.high)
        if self.log:
            return (math.log(v) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (v - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return float(math.exp(lo + u * (hi - lo)))
        return float(self.low + u * (self.high - self.low))

    def contains(self, value) -> bool:
        if isinstance(value, str):
            return value in self.specials
        try:
            return self.low <= float(value) <= self.high
        except (TypeError, ValueError):
            return False


@dataclass(frozen=True)
class Int(Float):
    """An integer interval, optionally on a log scale."""

    def from_unit(self, u: float) -> int:
        return int(round(Float.from_unit(self, u)))

    def sample(self, rng) -> int:
        return self.from_unit(rng.uniform())

    def contains(self, value) -> bool:
        if isinstance(value, bool):
            return False
        if isinstance(value, str):
            return value in self.specials
        return isinstance(value, (int, float)) and float(value).is_integer() and \
            self.low <= value <= self.high


@dataclass(frozen=True)
class Choice:
    """One of a few unordered options."""

    options: tuple

    def sample(self, rng):
        return self.options[int(rng.integers(len(self.options)))]

    def to_unit(self, value) -> float:
        if len(self.options) == 1:
            return 0.0
        return self.options.index(value) / (len(self.options) - 1)

    def from_unit(self, u: float):
        i = int(round(min(max(u, 0.0), 1.0) * (len(self.options) - 1)))
        return self.options[i]

    def contains(self, value) -> bool:
        return value in self.options


def sample_config(space: dict, rng) -> dict:
    """Draw one config uniformly (log-uniformly where declared) from ``space``."""
    return {name: dom.sample(rng) for name, dom in space.items()}


def validate_config(space: dict, params: dict) -> list[str]:
    """Problems with ``params`` against ``space``: unknown names, values out of range."""
    problems = [f"unknown hyperparameter {k!r}" for k in params if k not in space]
    for name, value in params.items():
        if name in space and not space[name].contains(value):
            problems.append(f"{name}={value!r} outside {space[name]}")
    return problems


def to_unit_vector(space: dict, params: dict) -> list[float]:
    """The config's position in the unit cube, in the space's declared order."""
    return [dom.to_unit(params[name]) for name, dom in space.items()]


def config_key(family: str, params: dict) -> str:
    """A short stable identifier of a config (family + sorted params)."""
    import hashlib
    import json

    text = json.dumps({"family": family, "params": _plain(params)}, sort_keys=True)
    return family + "-" + hashlib.sha1(text.encode()).hexdigest()[:10]


def _plain(params: dict) -> dict:
    out: dict[str, Any] = {}
    for k, v in params.items():
        if isinstance(v, float):
            v = float(f"{v:.6g}")
        out[k] = v
    return out


def round_config(params: dict) -> dict:
    """Round floats to 6 significant digits so configs print and hash stably."""
    return _plain(params)
