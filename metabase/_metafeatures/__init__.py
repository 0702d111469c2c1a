"""OpenML data qualities ("meta-features") of a table.

>>> from metabase._metafeatures import profile
>>> result = profile(X, y, task="classification")  # doctest: +SKIP
>>> result.values["ClassEntropy"], result.reasons  # doctest: +SKIP

Definitions follow OpenML's characterizer; see ``QUALITIES.md`` beside this file.
"""

from . import (  # noqa: F401  (registration; _regression_landmarks imports _target first)
    _information,
    _landmarking,
    _regression_landmarks,
    _simple,
    _statistical,
    _target,
)
from ._profile import Profile, profile
from ._registry import GROUPS, Undefined, quality_names

QUALITY_NAMES = tuple(n for g in GROUPS for n in quality_names((g,)))

__all__ = ["GROUPS", "QUALITY_NAMES", "Profile", "Undefined", "profile"]
