"""OpenML data qualities ("meta-features") of a table.

>>> from metabase._metafeatures import profile
>>> result = profile(X, y, task="classification")  # doctest: +SKIP
>>> result.values["ClassEntropy"], result.reasons  # doctest: +SKIP

Definitions follow OpenML's characterizer; see ``QUALITIES.md`` beside this file.
"""

from . import _information, _landmarking, _simple, _statistical, _target  # noqa: F401  (registration)
from ._profile import Profile, profile
from ._registry import GROUPS, Undefined, quality_names

QUALITY_NAMES = tuple(n for g in GROUPS for n in quality_names((g,)))

__all__ = ["GROUPS", "QUALITY_NAMES", "Profile", "Undefined", "profile"]
