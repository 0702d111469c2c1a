"""What a model file may hold, and the checks that make it safe to use.

``model.skops`` is loaded with skops.io, which builds only types it trusts and
refuses a file holding any other (a function that runs a command, a class whose
state-setting runs code) before building anything. We trust skops' defaults
(scikit-learn's public estimators, numpy arrays read without pickle, Python's
containers and primitives) plus the short list below: the non-public types our
models are made of (every family, TargetEncoder, VotingClassifier/Regressor,
CalibratedClassifierCV), each with the reason it is safe. Never the types a
file happens to name.

Three of them (decision trees, histogram-gradient-boosting predictors, k-d
trees) hold node indices that scikit-learn's compiled code follows without
bounds checks: a crafted file could make ``predict`` read outside its arrays.
skops leaves them untrusted for that reason; we trust them only after
:func:`check_model` has checked every index against the array it points into
and against the width of the input the estimator validates.
"""

from __future__ import annotations

import numpy as np

#: type -> why building it from a file cannot run code
EXTRA_TRUSTED = {
    "numpy.dtype": "rebuilt from an empty .npy array read with allow_pickle=False",
    "functools.partial": "HistGradientBoosting's partial(check_array): built, never called, "
                         "on load; the function it wraps must be trusted itself",
    "sklearn.utils.validation.check_array": "the function in that partial: it only validates",
    "sklearn.utils._bunch.Bunch": "a dict with attribute access (Voting*.named_estimators_)",
    "sklearn.model_selection._split.KFold": "TargetEncoder's folds: integers and a seed",
    "sklearn.model_selection._split.StratifiedKFold": "the same, stratified",
    "sklearn.calibration._CalibratedClassifier": "CalibratedClassifierCV's (estimator, "
                                                 "calibrators) pair: plain attributes",
    "sklearn.calibration._SigmoidCalibration": "two floats, a_ and b_ (Platt scaling)",
    "sklearn.calibration._TemperatureScaling": "one float, beta_ (temperature scaling)",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer": "MLP's optimiser state: "
                                                                   "numbers, unused by predict",
    "sklearn.metrics._dist_metrics.EuclideanDistance64": "k-NN's distance: a few numbers",
    "sklearn.metrics._dist_metrics.ManhattanDistance64": "k-NN's distance (p=1)",
    "sklearn.tree._tree.Tree": "node arrays: trusted after check_model's bounds checks",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor": "node arrays: "
                                                                        "trusted after check_model",
    "sklearn.neighbors._kd_tree.KDTree": "index arrays: trusted after check_model",
}
TRUSTED = sorted(EXTRA_TRUSTED)


class UnsafeModel(ValueError):
    """The model's arrays point outside themselves: using it could read any memory."""


def check_model(model) -> None:
    """Raise ``UnsafeModel`` unless every tree index in ``model`` is within bounds.

    Walks the object graph; ``width`` is the number of input columns the nearest
    enclosing estimator validates (its ``n_features_in_``): what a tree below it
    receives, since forests, boosting and voting pass their input on unchanged,
    while a Pipeline's later steps and a ColumnTransformer's parts see other columns.
    """
    from sklearn.base import BaseEstimator

    seen: set = set()
    stack = [(model, None, None)]
    while stack:
        obj, width, categorical = stack.pop()
        key = (id(obj), width)
        if key in seen or isinstance(obj, (str, bytes, int, float, bool, type(None))):
            continue
        seen.add(key)
        kind = type(obj).__name__
        if kind == "Tree":
            _check_tree(obj, width)
        elif kind == "TreePredictor":
            _check_predictor(obj, width, categorical)
        elif kind == "KDTree":
            _check_kd_tree(obj)
        elif isinstance(obj, np.ndarray):
            if obj.dtype == object:
                stack.extend((o, width, categorical) for o in obj.ravel())
        elif isinstance(obj, (list, tuple, set)):
            stack.extend((o, width, categorical) for o in obj)
        elif isinstance(obj, dict):
            stack.extend((o, width, categorical) for o in obj.values())
        elif hasattr(obj, "__dict__"):
            if isinstance(obj, BaseEstimator):
                width = _width(obj, width)
            stack.extend(_children(obj, width, categorical))


#: below an estimator that validates no input width: no tree may be there
UNKNOWN = -1


def _width(est, width):
    """The input width below ``est``. ``None``: ``est`` is called directly on its own
    input (a Pipeline step, a ColumnTransformer part, the top), so it validates its
    ``n_features_in_``. Otherwise the smaller of what encloses it and what it claims:
    one of them is the truth (forests pass their input on unvalidated, bagging and
    stacking give members other columns that the members validate), and a smaller
    bound is only stricter."""
    own = _n_features(est)
    if width is None:
        return UNKNOWN if own is None else own
    if width == UNKNOWN or own is None:
        return width
    return min(width, own)


def _n_features(est):
    n = getattr(est, "n_features_in_", None)
    return int(n) if isinstance(n, (int, np.integer)) and n >= 0 else None


def _children(obj, width, categorical):
    """(child, width, categorical mask) of an object's attributes."""
    kind = type(obj).__name__
    attrs = vars(obj)
    if kind == "Pipeline":
        steps = attrs.get("steps", [])
        return [(step, width if i == 0 else None, None) for i, step in enumerate(steps)]
    if kind == "ColumnTransformer":
        return [(v, None, None) for v in attrs.values()]
    if "_predictors" in attrs:                 # histogram gradient boosting
        width = _hgb_width(obj, width)
        mapper = attrs.get("_bin_mapper")
        categorical = getattr(mapper, "is_categorical_", None)
    return [(v, width, categorical) for v in attrs.values()]


def _hgb_width(hgb, width):
    """What HistGradientBoosting's predictors see: its input, or what its internal
    preprocessor makes of it, which must be scikit-learn's own: an OrdinalEncoder and
    a partial(check_array) on complementary column masks, one column out per column in."""
    pre = getattr(hgb, "_preprocessor", None)
    if pre is None:
        return width
    parts = [t for t in getattr(pre, "transformers_", []) if t[1] != "drop"]
    kinds = sorted(type(t[1]).__name__ for t in parts)
    masks = [np.asarray(t[2]) for t in parts]
    n = _n_features(pre)            # the preprocessor validates it
    if (kinds != ["FunctionTransformer", "OrdinalEncoder"] or n is None
            or any(m.dtype != bool or m.shape != (n,) for m in masks)
            or not np.array_equal(masks[0], ~masks[1])):
        raise UnsafeModel("a HistGradientBoosting preprocessor not built by scikit-learn")
    return n if width is None or width == UNKNOWN else min(width, n)


def _bounded(left, right, inner, n, what):
    idx = np.flatnonzero(inner)
    if np.any(left[inner] <= idx) or np.any(right[inner] <= idx) \
            or np.any(left[inner] >= n) or np.any(right[inner] >= n):
        # children always come after their parent: no index outside, and no cycle
        raise UnsafeModel(f"a {what} whose nodes point outside it or back up")


def _check_features(feature, width, what):
    if width is None or width == UNKNOWN:
        raise UnsafeModel(f"a {what} below no estimator that fixes its input width")
    if feature.size and (feature.min() < 0 or feature.max() >= width):
        raise UnsafeModel(f"a {what} reading column {int(feature.max())} of {width}")


def _check_tree(tree, width):
    n, capacity = int(tree.node_count), int(tree.capacity)
    if not 0 < n <= capacity:        # node_count bounds every array the tree reads
        raise UnsafeModel(f"a decision tree of {n} nodes in room for {capacity}")
    left, right = np.asarray(tree.children_left), np.asarray(tree.children_right)
    leaf = left == -1
    if np.any(leaf != (right == -1)):
        raise UnsafeModel("a decision tree with half-leaves")
    _bounded(left, right, ~leaf, n, "decision tree")
    _check_features(np.asarray(tree.feature)[~leaf], width, "decision tree")


def _check_predictor(pred, width, categorical):
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

    nodes = pred.nodes
    if not isinstance(nodes, np.ndarray) or nodes.dtype != PREDICTOR_RECORD_DTYPE \
            or nodes.ndim != 1 or len(nodes) == 0:
        raise UnsafeModel("a gradient-boosting tree with foreign node records")
    inner = nodes["is_leaf"] == 0
    left, right = nodes["left"].astype(np.int64), nodes["right"].astype(np.int64)
    _bounded(left, right, inner, len(nodes), "gradient-boosting tree")
    feature = nodes["feature_idx"].astype(np.int64)[inner]
    _check_features(feature, width, "gradient-boosting tree")
    cat = inner & (nodes["is_categorical"] != 0)
    if not cat.any():
        return
    bitsets = np.asarray(pred.raw_left_cat_bitsets)
    mask = None if categorical is None else np.asarray(categorical, dtype=bool)
    f = nodes["feature_idx"].astype(np.int64)[cat]
    if (bitsets.ndim != 2 or bitsets.shape[1] != 8 or mask is None
            or np.any(nodes["bitset_idx"][cat] >= bitsets.shape[0])
            or np.any(f >= mask.size) or not mask[f].all()):
        raise UnsafeModel("a gradient-boosting tree with categorical splits out of range")


def _check_kd_tree(tree):
    data, idx, nodes, bounds, leaf_size, _, n_nodes, *_, weight = tree.__getstate__()
    n, d = data.shape           # query() itself refuses input of another width than d
    starts, ends = nodes["idx_start"], nodes["idx_end"]
    inner = np.flatnonzero(nodes["is_leaf"] == 0)
    if (len(idx) != n or (n and (idx.min() < 0 or idx.max() >= n)) or len(nodes) != n_nodes
            or n_nodes == 0 or bounds.shape != (2, n_nodes, d) or leaf_size < 1
            or np.any(starts < 0) or np.any(ends > n) or np.any(starts > ends)
            or np.any(2 * inner + 2 >= n_nodes)
            or (weight is not None and len(weight) != n)):
        raise UnsafeModel("a k-d tree whose indices point outside it")
