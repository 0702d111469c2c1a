"""Estimator families: one module each, with its search space declared as data.

Every family module defines

- ``NAME``, ``TITLE``;
- ``SCALE``: whether numeric inputs are standardised before the estimator;
- ``SCALE_TARGET`` (optional, False if absent): whether a regression target is
  standardised for the estimator and its predictions mapped back (``_pipeline``):
  where a hyperparameter is in the target's units (trees, k-NN and ridge do not care);
- ``CATEGORICAL``: ``"onehot"`` or ``"native"`` (ordinal codes the estimator
  treats as categories);
- ``space(task)``: ``{hyperparameter: domain}``, names as scikit-learn spells them;
- ``defaults(task)``: scikit-learn's defaults, in the space's terms;
- ``build(task, params, random_state, n_jobs)``: the unfitted estimator.

``task`` is ``"classification"`` or ``"regression"``.
"""

from __future__ import annotations

from types import ModuleType

from . import adaboost, et, hgb, knn, linear, mlp, rf, sparse, svm

#: Version of the search spaces; stored in the metabase header so a store built
#: from other spaces is refused instead of silently misread.
SPACE_VERSION = 1

FAMILIES: dict[str, ModuleType] = {
    m.NAME: m for m in (hgb, rf, et, linear, svm, knn, mlp, adaboost, sparse)
}
#: The order in which the search without meta-learning runs the families' defaults
#: (``automl_cli._candidates``; ``metabase evaluate`` simulates it).
DEFAULTS_ORDER = ("hgb", "rf", "linear", "et", "knn", "mlp", "svm", "adaboost", "sparse")


def get_family(name: str) -> ModuleType:
    """The family module called ``name``; ``KeyError`` naming the known ones."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise KeyError(f"unknown estimator family {name!r}; known: {', '.join(FAMILIES)}") from None

