"""Map a logged scikit-learn estimator config onto our families and their spaces.

Decisions (the same for every source, offline or live):

- A hyperparameter of our space is taken as logged, after renaming old
  scikit-learn spellings (``criterion="mse"``, ``max_features="auto"``).
  ``None`` in our space means "inactive" and takes our default (SVM ``degree``
  for a non-poly kernel); inactive values are reset to our defaults so that
  equal models get equal configs.
- Any other hyperparameter must equal what our ``build()`` uses (scikit-learn's
  current default, or the family's own setting); otherwise the run is *not
  mapped*, with the reason. A few, listed per estimator in ``noted``, only
  earn a note (e.g. MLP ``max_iter``, HGB early stopping).
- A value outside our space is *not mapped* (never clipped): a clipped config
  was never evaluated, so its score would be misattributed.
- The numeric imputer strategy is not ours to tune (we impute the median):
  other strategies stay mapped with an ``imputer`` note, and no note at all
  when the task is known to have no missing values.
- AdaBoost SAMME.R is not mapped: scikit-learn 1.6 removed it.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
from dataclasses import dataclass, field
from functools import cache, lru_cache

from .._space import Int, validate_config
from ..families import get_family
from ..families.mlp import FIXED as MLP_FIXED

#: Parameters that never change the model's predictions, or that another step records.
IGNORED = frozenset({"n_jobs", "random_state", "verbose", "warm_start", "oob_score", "cache_size",
                     "probability", "copy_X", "decision_function_shape", "break_ties",
                     "base_estimator", "estimator", "categorical_features", "monotonic_cst",
                     "interaction_cst"})
#: Values of removed or deprecated parameters that behave like today's default.
HARMLESS = {"presort": (False, "deprecated", "auto"), "min_impurity_split": (None,),
            "penalty": ("l2",), "multi_class": ("auto", "deprecated", "ovr"),
            "normalize": (False, "deprecated"), "algorithm": ("SAMME",),
            "max_samples": (None,)}
RENAMED = {"criterion": {"mse": "squared_error", "mae": "absolute_error"},
           "loss": {"auto": "log_loss", "binary_crossentropy": "log_loss",
                    "categorical_crossentropy": "log_loss", "least_squares": "squared_error"}}
_MISSING = object()


@dataclass(frozen=True)
class Spec:
    """How one scikit-learn estimator class maps onto one of our families."""

    family: str
    task: str
    module: str
    rename: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)      # our build()'s own non-default settings
    noted: frozenset = frozenset()                 # differences that only earn a note


_TREE = {"base_estimator__max_depth": "max_depth", "estimator__max_depth": "max_depth"}
_HGB_NOTED = frozenset({"early_stopping", "n_iter_no_change", "validation_fraction"})
_MLP_NOTED = frozenset({"max_iter", "n_iter_no_change", "tol", "batch_size", "shuffle",
                        "validation_fraction", "beta_1", "beta_2", "epsilon"})

SPECS = {
    "RandomForestClassifier": Spec("rf", "classification", "sklearn.ensemble"),
    "RandomForestRegressor": Spec("rf", "regression", "sklearn.ensemble"),
    "ExtraTreesClassifier": Spec("et", "classification", "sklearn.ensemble"),
    "ExtraTreesRegressor": Spec("et", "regression", "sklearn.ensemble"),
    "AdaBoostClassifier": Spec("adaboost", "classification", "sklearn.ensemble", rename=_TREE),
    "AdaBoostRegressor": Spec("adaboost", "regression", "sklearn.ensemble", rename=_TREE),
    "HistGradientBoostingClassifier": Spec("hgb", "classification", "sklearn.ensemble",
                                           noted=_HGB_NOTED),
    "HistGradientBoostingRegressor": Spec("hgb", "regression", "sklearn.ensemble",
                                          noted=_HGB_NOTED),
    "SVC": Spec("svm", "classification", "sklearn.svm"),
    "SVR": Spec("svm", "regression", "sklearn.svm"),
    "KNeighborsClassifier": Spec("knn", "classification", "sklearn.neighbors"),
    "KNeighborsRegressor": Spec("knn", "regression", "sklearn.neighbors"),
    "LogisticRegression": Spec("linear", "classification", "sklearn.linear_model",
                               fixed={"max_iter": 1000}, noted=frozenset({"max_iter", "tol"})),
    "Ridge": Spec("linear", "regression", "sklearn.linear_model"),
    "MLPClassifier": Spec("mlp", "classification", "sklearn.neural_network",
                          fixed=MLP_FIXED, noted=_MLP_NOTED),
    "MLPRegressor": Spec("mlp", "regression", "sklearn.neural_network",
                         fixed=MLP_FIXED, noted=_MLP_NOTED),
}


@dataclass
class Mapping:
    """The outcome of mapping one config: ours when ``mapped``, else the original."""

    family: str | None
    params: dict
    mapped: bool
    notes: list

    @property
    def note(self) -> str:
        return "; ".join(self.notes)


def coerce(value):
    """A logged value as a Python value: ``"True"``/``"true"`` → True, ``"18"`` → 18, ..."""
    if not isinstance(value, str):
        if isinstance(value, float) and math.isnan(value):
            return None
        return value
    return _coerce_text(value)


@lru_cache(maxsize=65536)       # logged strings repeat a lot ("True", "18", "None")
def _coerce_text(value: str):
    text = value.strip()
    if text in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[text]
    try:
        return json.loads(text)     # OpenML logs JSON: 'true', 'null', '"gini"', '0.5'
    except ValueError:
        return text


@cache
def sklearn_default(estimator: str, name: str):
    """scikit-learn's current default for ``estimator(name=...)``; ``_MISSING`` if unknown."""
    cls = getattr(importlib.import_module(SPECS[estimator].module), estimator)
    p = inspect.signature(cls).parameters.get(name)
    return _MISSING if p is None or p.default is inspect.Parameter.empty else p.default


def same(a, b) -> bool:
    """Equal values; numbers compared with a relative tolerance, bools never as numbers."""
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b and type(a) is type(b) or (a is None and b is None)


def unmapped(params: dict, why: str, notes=()) -> Mapping:
    return Mapping(None, params, False, [why, *notes])


def map_estimator(estimator: str, params: dict, *, imputer: str | None = None,
                  has_missing: bool | None = None, notes=()) -> Mapping:
    """Map one estimator's logged hyperparameters onto our family.

    Parameters
    ----------
    estimator : str
        scikit-learn class name, e.g. ``"RandomForestClassifier"``.
    params : dict
        The estimator's hyperparameters by scikit-learn name (raw logged values
        are coerced); a nested base estimator as ``"base_estimator__max_depth"``.
    imputer : str, optional
        The numeric imputer strategy of the run's pipeline.
    has_missing : bool, optional
        Whether the task has missing values (``None``: unknown).
    notes : sequence of str
        Notes to carry (e.g. about preprocessing).

    Returns
    -------
    Mapping
    """
    notes = list(notes)
    spec = SPECS.get(estimator)
    if spec is None:
        return unmapped(params, f"no family: {estimator} is none of our estimators", notes)
    space, defaults = _space(spec.family, spec.task)
    config = {}
    for key, raw in params.items():
        name, value = spec.rename.get(key, key), coerce(raw)
        value = RENAMED.get(name, {}).get(value, value) if isinstance(value, str) else value
        if name == "algorithm" and value == "SAMME.R":
            return unmapped(params, "SAMME.R: removed from scikit-learn 1.6, cannot be rerun",
                            notes)
        if name == "max_features":
            value, why = _max_features(value, spec.task)
            if why:
                return unmapped(params, why, notes)
        if name == "hidden_layer_sizes" and spec.family == "mlp":
            sizes = list(value) if isinstance(value, (list, tuple)) else [value]
            if len(set(sizes)) != 1:
                return unmapped(params, f"hidden layers: unequal widths {sizes}", notes)
            config.update(n_layers=len(sizes), width=sizes[0])
            continue
        if name in space:
            if value is not None:
                config[name] = value
            continue
        if name in IGNORED or value in HARMLESS.get(name, ()):
            continue
        ours = spec.fixed.get(name, _MISSING)
        if ours is _MISSING:
            ours = sklearn_default(estimator, name)
        if ours is _MISSING:
            return unmapped(params, f"unknown parameter: {name}={value!r} is not a parameter "
                                    f"of today's {estimator}", notes)
        if not same(value, ours):
            if name not in spec.noted:
                return unmapped(params, f"fixed parameter: {name}={value!r} (ours: {ours!r})",
                                notes)
            notes.append(f"differs: {name}={value!r} (ours: {ours!r})")
    config = _canonical(spec.family, space, config, defaults)
    problems = validate_config(space, config)
    if problems:
        return unmapped(params, "outside our space: " + ", ".join(problems), notes)
    if imputer not in (None, "median") and has_missing is not False:
        notes.append(f"imputer: numeric missing values filled with the {imputer} (ours: median)")
    return Mapping(spec.family, config, True, notes)


@cache
def _space(family: str, task: str):
    fam = get_family(family)
    return fam.space(task), fam.defaults(task)


def _max_features(value, task):
    """Our unit for ``max_features`` (fraction or ``"sqrt"``), or the reason it has none."""
    if value is None:
        return 1.0, None
    if value == "auto":     # scikit-learn < 1.3: sqrt for classifiers, all for regressors
        return ("sqrt" if task == "classification" else 1.0), None
    if isinstance(value, int) and not isinstance(value, bool):
        return value, f"max_features: {value} is a feature count, not a fraction"
    return value, None


def _canonical(family: str, space: dict, config: dict, defaults: dict) -> dict:
    """Fill our defaults, reset inactive values, give integers their type; space order."""
    if family == "svm":
        if config.get("kernel", defaults["kernel"]) != "poly":
            config.pop("degree", None)
        if config.get("kernel", defaults["kernel"]) not in ("poly", "sigmoid"):
            config.pop("coef0", None)
    out = {}
    for name, dom in space.items():
        v = config.get(name, defaults[name])
        if isinstance(dom, Int) and isinstance(v, float) and v.is_integer():
            v = int(v)
        out[name] = v
    return out


def numeric_imputer(flat: dict) -> str | None:
    """The numeric imputer's strategy in a flat ``step__param`` dict, if any."""
    key = _layout(tuple(flat), "")[1]
    return coerce(flat[key]) if key else None


@lru_cache(maxsize=256)
def _layout(keys: tuple, prefix: str):
    """The estimator's ``(flat key, param)`` pairs and the numeric imputer's key."""
    start = prefix + "__" if prefix else ""     # "": a bare estimator, every key is its own
    params = tuple((k, k[len(start):]) for k in keys if k.startswith(start))
    found = [k for k in keys if k.endswith("__strategy") and "imputer" in k.rsplit("__", 2)[-2]]
    found.sort(key=lambda k: "num" not in k)     # the numeric branch first
    return params, (found[0] if found else None)


def map_pipeline(estimator: str, prefix: str, flat: dict, *, has_missing: bool | None = None,
                 notes=()) -> Mapping:
    """Map a logged pipeline, its parameters named ``step__param`` as OpenML's sklearn flows do.

    ``prefix`` is the estimator's step path, e.g. ``"randomforestclassifier"``
    (``""`` for a bare estimator); the pipeline's other steps are not checked,
    except the numeric imputer.
    """
    pairs, imputer = _layout(tuple(flat), prefix)
    m = map_estimator(estimator, {name: flat[k] for k, name in pairs},
                      imputer=coerce(flat[imputer]) if imputer else None,
                      has_missing=has_missing, notes=notes)
    if not m.mapped:
        m.params = dict(flat)       # the whole original pipeline config
    return m
