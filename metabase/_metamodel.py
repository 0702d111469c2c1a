"""The meta-model: rank configs for a new table from its meta-features.

Chosen by measurement (``tests/bench/select_metamodel.py``, leave-one-task-out
on our portfolio runs): a multi-output extra-trees surrogate predicts every
config's *rank-normalised* score on the task (1 = the task's best config,
0 = its worst; a failed run counts as the worst) from a core set of
meta-features (size, shape, missing values, class balance and entropy,
OpenML's landmarkers, target statistics and our regression landmarkers).
Its prediction is a weighted mean of past tasks' normalised scores, the weight
of a past task being how often it shares a leaf with the new one: those
weights name the past tasks that support each recommendation. The top-5 is
then completed greedily so that it covers the ways those tasks differ.
Nearest-neighbour distances on the same scaled meta-features still tell when
a table is far from everything in the metabase (then: robust defaults).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._metrics import METRICS, default_metric, kind_of

#: Meta-feature columns used when at most this share of tasks lacks them.
MAX_MISSING_SHARE = 0.3

#: The meta-features the meta-model reads (by name prefix), when present for the kind:
#: the per-attribute moment summaries and the raw numeric means add noise, not signal,
#: on a few dozen tasks (``tests/bench/select_metamodel.py``; figures in the README).
CORE_PREFIXES = (
    "NumberOfInstances", "NumberOfFeatures", "Dimensionality", "NumberOfClasses",
    "PercentageOfSymbolic", "PercentageOfMissing", "MajorityClass", "MinorityClass",
    "ClassEntropy", "kNN1N", "DecisionStump", "NaiveBayes", "MeanSkewness", "MeanKurtosis",
    "MeanMutualInformation", "EquivalentNumberOfAtts", "Target")

#: The surrogate's settings (extra trees, multi-output): scikit-learn's defaults (leaves of
#: one task, every feature tried at each split), 200 trees for stable weights. A sweep of
#: leaf size {1,2,3,5} x max_features {0.33,0.5,1} (LOTO, all kinds) found none better
#: across the three kinds, so the untuned defaults stay.
N_TREES, MIN_SAMPLES_LEAF, MAX_FEATURES, SEED = 200, 1, 1.0, 0


def normalise(scores: np.ndarray, greater_is_better: bool) -> np.ndarray:
    """Per row (task): scale to [0, 1] between the median and the best; NaN (failed) → 0."""
    s = np.where(greater_is_better, scores, -scores)
    best = np.nanmax(s, axis=1, keepdims=True)
    ref = np.nanmedian(s, axis=1, keepdims=True)
    span = np.where(best - ref > 1e-12, best - ref, 1.0)
    out = np.clip((s - ref) / span, 0.0, 1.0)
    return np.nan_to_num(out, nan=0.0)


def normalise_rank(scores: np.ndarray, greater_is_better: bool) -> np.ndarray:
    """Per row (task): 1 for the best config, 0 for the worst, linear in rank; ties share
    their mean rank; NaN (failed) ranks below every success."""
    s = np.where(greater_is_better, scores, -scores)
    s = np.where(np.isnan(s), -np.inf, s)
    n = s.shape[1]
    out = np.empty_like(s, dtype=float)
    for i, row in enumerate(s):
        order = np.argsort(-row, kind="stable")
        ranks = np.empty(n)
        ranks[order] = np.arange(n)
        for v in np.unique(row):            # ties: mean rank
            tie = row == v
            if tie.sum() > 1:
                ranks[tie] = ranks[tie].mean()
        out[i] = 1.0 - ranks / max(n - 1, 1)
    return out


@dataclass
class FeatureScaler:
    """Signed log, median imputation, z-scores; fitted on the store's tasks."""

    names: list
    median: np.ndarray = None
    mean: np.ndarray = None
    std: np.ndarray = None

    @staticmethod
    def choose(frame, names, core: bool = False) -> list[str]:
        """Names present for most of ``frame``'s tasks and not constant (``core``: and in
        :data:`CORE_PREFIXES`)."""
        share = frame[names].isna().mean()
        return [n for n in names if share[n] <= MAX_MISSING_SHARE and frame[n].nunique() > 1
                and (not core or n.startswith(CORE_PREFIXES))]

    def _raw(self, values: np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        return np.sign(v) * np.log1p(np.abs(v))

    def fit(self, frame):
        raw = self._raw(frame[self.names].to_numpy(dtype=float))
        self.median = np.nanmedian(raw, axis=0)
        filled = np.where(np.isnan(raw), self.median, raw)
        self.mean, self.std = filled.mean(axis=0), filled.std(axis=0) + 1e-9
        return self

    def transform(self, values: np.ndarray) -> np.ndarray:
        raw = self._raw(values)
        filled = np.where(np.isnan(raw), self.median, raw)
        return (filled - self.mean) / self.std


@dataclass
class MetaModel:
    """Past tasks, configs and scores for one kind of new task (binary, multiclass or
    regression); with pooling, the tasks of the other classification kind too (``own``)."""

    kind: str
    metric: str
    task_keys: list
    names: list              # dataset names, for explanations
    openml_ids: list
    configs: list            # [{"id", "family", "params"}]
    raw: np.ndarray          # tasks x configs, the metric's scores (NaN: failed)
    norm: np.ndarray         # tasks x configs, rank-normalised (1 best, 0 worst)
    fit_time: np.ndarray     # tasks x configs, seconds per fold
    n_rows: np.ndarray
    X: np.ndarray            # tasks x features, scaled
    scaler: FeatureScaler
    notes: list = field(default_factory=list)
    own: np.ndarray = None   # the tasks of this kind (the others only train the surrogate;
    #                          their ``raw`` scores are on their own metric)
    _shared: object = field(default=None, repr=False)

    def __post_init__(self):
        if self.own is None:
            self.own = np.ones(len(self.X), bool)
        if self._shared is None:
            self._shared = _Shared()

    def distances(self, x: np.ndarray) -> np.ndarray:
        return np.sqrt(((self.X - x) ** 2).mean(axis=1))

    def typical_distance(self) -> float:
        """The 95th percentile of the past tasks' distances to their nearest neighbour."""
        d = np.sqrt(((self.X[:, None, :] - self.X[None, :, :]) ** 2).mean(axis=2))
        np.fill_diagonal(d, np.inf)
        return float(np.percentile(d.min(axis=1), 95)) if len(d) > 1 else float("inf")

    def forest(self, exclude: np.ndarray | None = None):
        """The surrogate fitted on all tasks (cached) or on all but ``exclude``."""
        if exclude is None and self._shared.forest is not None:
            return self._shared.forest
        from sklearn.ensemble import ExtraTreesRegressor

        keep = np.ones(len(self.X), bool) if exclude is None else ~exclude
        f = ExtraTreesRegressor(n_estimators=N_TREES, min_samples_leaf=MIN_SAMPLES_LEAF,
                                max_features=MAX_FEATURES, random_state=SEED, n_jobs=1)
        f.fit(self.X[keep], self.norm[keep])
        f.rows_ = np.flatnonzero(keep)
        f.leaves_ = f.apply(self.X[keep])
        if exclude is None:
            self._shared.forest = f
        return f

    def predict(self, x: np.ndarray, exclude: np.ndarray | None = None):
        """Predicted normalised score per config, and each past task's weight in it.

        The forest's prediction equals ``weights @ norm``: a past task's weight is
        the mean over trees of 1 / (tasks in the new table's leaf) if it is in it.
        """
        f = self.forest(exclude)
        leaves = f.apply(x[None, :])[0]
        same = f.leaves_ == leaves[None, :]              # training tasks x trees
        w_rows = (same / same.sum(axis=0, keepdims=True)).mean(axis=1)
        weights = np.zeros(len(self.X))
        weights[f.rows_] = w_rows
        return weights @ self.norm, weights

    def predict_knn(self, x: np.ndarray, exclude: np.ndarray | None = None, k: int = 10,
                    shrink: float = 0.3):
        """Baseline: distance-weighted mean of the k nearest tasks, shrunk to the mean."""
        keep = np.ones(len(self.X), bool) if exclude is None else ~exclude
        idx = np.flatnonzero(keep)
        d = self.distances(x)[idx]
        o = np.argsort(d, kind="stable")[:k]
        w = 1.0 / (d[o] + 1e-3)
        weights = np.zeros(len(self.X))
        weights[idx[o]] = (1 - shrink) * w / w.sum()
        weights[idx] += shrink / len(idx)
        return weights @ self.norm, weights


def greedy_top(pred: np.ndarray, norm: np.ndarray, weights: np.ndarray, top: int = 5) -> list:
    """Configs best first: the highest predicted score, then a greedy portfolio.

    After the first, each next config is the one that most raises the weighted
    mean, over the supporting past tasks, of the best normalised score among
    those chosen (so the top-5 covers the ways those tasks differ instead of
    repeating five near-copies of one config); the rest follow by prediction.
    """
    ranked = list(np.argsort(-pred, kind="stable"))
    use = weights > 0
    w, N = weights[use] / weights[use].sum(), norm[use]
    chosen = [ranked[0]]
    best = N[:, ranked[0]].copy()
    while len(chosen) < min(top, len(ranked)):
        gain = (w[:, None] * np.maximum(N, best[:, None])).sum(axis=0) + 1e-3 * pred
        gain[chosen] = -np.inf
        c = int(np.argmax(gain))
        chosen.append(c)
        best = np.maximum(best, N[:, c])
    return chosen + [c for c in ranked if c not in chosen]


def rank_configs(m: "MetaModel", x: np.ndarray, exclude: np.ndarray | None = None,
                 top: int = 5, method: str = "forest"):
    """(ranked config indices, predicted scores, per-task weights) for scaled features ``x``.

    ``method``: "forest" (the meta-model), "knn" (baseline), "prior" (robust defaults:
    the configs' mean normalised score over all past tasks), "portfolio" (the greedy
    time-aware portfolio of the past tasks of the kind, no meta-features; scores as
    "prior") or "reranked" (that portfolio's chosen prefix ordered by the meta-model's
    prediction, then the meta-model's order): ``_greedy``.
    """
    if method in ("portfolio", "reranked"):
        from ._greedy import FOLDS, greedy_portfolio, reranked, scaled_scores

        keep = m.own if exclude is None else m.own & ~exclude
        order, size = greedy_portfolio(scaled_scores(m.raw, m.norm)[keep],
                                       m.fit_time[keep] * FOLDS)
        inner = "prior" if method == "portfolio" else "forest"
        ours, pred, weights = rank_configs(m, x, exclude, len(order), inner)
        ranked = order if method == "portfolio" else reranked(order, size, pred, ours)
        return ranked[:top], pred, weights
    if method == "forest":
        pred, weights = m.predict(x, exclude)
    elif method == "knn":
        pred, weights = m.predict_knn(x, exclude)
    else:
        keep = np.ones(len(m.X), bool) if exclude is None else ~exclude
        weights = keep / keep.sum()
        pred = weights @ m.norm
    return greedy_top(pred, m.norm, weights, top), pred, weights


def build_metamodels(store, source: str = "portfolio",
                     pool_classification: bool = True) -> dict[str, MetaModel]:
    """Meta-models for binary, multiclass and regression tasks from the store's complete
    (portfolio) runs.

    ``pool_classification``: binary and multiclass tasks train one surrogate together
    (each task's configs rank-normalised on its own metric, ROC AUC or log loss; the
    number of classes is then a meta-feature); each kind's model is evaluated and
    reports regret on its own tasks only. Measured (``select_metamodel.py --pool``,
    store of 144 tables, 38 binary and 43 multiclass tasks): top-1 median regret 0.0069
    -> 0.0050 (binary) and 0.0342 -> 0.0183 (multiclass) against per-kind surrogates;
    store of 149 tables (41 binary): 0.0078 -> 0.0074 and 0.0342 both
    (``tests/bench/evaluate_ci.py``: the medians move within wide bootstrap intervals).
    """
    tasks = store.tasks[store.tasks["source"] == source].set_index("task_key")
    runs = store.runs[store.runs["source"] == source]
    ncls = tasks["NumberOfClasses"] if "NumberOfClasses" in tasks else pd.Series(
        np.nan, index=tasks.index)
    kind = pd.Series([_kind(t, n) for t, n in zip(tasks["task"], ncls)], index=tasks.index)
    groups = [["regression"]] + ([["binary", "multiclass"]] if pool_classification
                                 else [["binary"], ["multiclass"]])
    models = {}
    for group in groups:
        sub = tasks[kind.isin(group)]
        metric_of = pd.Series([default_metric(t, n) for t, n in zip(sub["task"], ncls[sub.index])],
                              index=sub.index)
        r = runs[runs["task_key"].isin(sub.index)]
        r = r[r["metric"].to_numpy() == metric_of.reindex(r["task_key"]).to_numpy()]
        pooled = _pooled_runs(r, sub)
        if pooled is None:
            continue
        rows, cols, raw, ftime, configs = pooled
        gib = np.array([METRICS[metric_of[k]].greater_is_better for k in rows])
        # each task ranked on its own metric: a loss is a negated score
        norm = normalise_rank(np.where(gib[:, None], raw, -raw), True)
        names = FeatureScaler.choose(sub.loc[rows], store.meta_feature_names, core=True)
        scaler = FeatureScaler(names).fit(sub.loc[rows])
        shared = _Shared()
        for k in group:
            own = (kind.loc[rows] == k).to_numpy()
            if not own.any():
                continue
            metric = metric_of.loc[rows][own].iloc[0]
            models[k] = MetaModel(
                k, metric, list(rows), list(sub.loc[rows, "name"]),
                [None if v is None or v != v else int(v)
                 for v in sub.loc[rows, "openml_dataset_id"].astype("float")],
                configs, raw, norm, ftime, sub.loc[rows, "n_rows"].to_numpy(dtype=float),
                scaler.transform(sub.loc[rows, names].to_numpy(dtype=float)), scaler,
                own=own, _shared=shared)
    return {k: models[k] for k in ("binary", "multiclass", "regression") if k in models}


class _Shared:
    """The surrogate fitted on all tasks, shared by the kinds that pool their tasks."""

    forest = None


def _pooled_runs(r, sub):
    """(task keys, config ids, raw scores, fold fit times, configs) over the configs run on
    (almost) every task and the tasks with (almost) every such config; None if < 3 tasks."""
    import json

    if r.empty:
        return None
    score = r.pivot_table(index="task_key", columns="config_id", values="score",
                          aggfunc="first", dropna=False)
    ftime = r.pivot_table(index="task_key", columns="config_id", values="fit_time",
                          aggfunc="first", dropna=False)
    cover = score.notna().sum(axis=0) + (r.groupby("config_id")["status"].apply(
        lambda s: (s != "ok").sum()).reindex(score.columns).fillna(0))
    cols = cover.index[cover >= 0.8 * len(score)]
    done = r[r["config_id"].isin(cols)].groupby("task_key").size()
    rows = done.index[done >= 0.9 * len(cols)].intersection(sub.index)
    if len(rows) < 3:
        return None
    cfg = r.drop_duplicates("config_id").set_index("config_id").loc[cols]
    configs = [{"id": cid, "family": f, "params": json.loads(p)}
               for cid, f, p in zip(cols, cfg["family"], cfg["params"])]
    return (rows, cols, score.loc[rows, cols].to_numpy(dtype=float),
            ftime.reindex(columns=cols).loc[rows].to_numpy(dtype=float), configs)


def _kind(task: str, n_classes) -> str | None:
    """``kind_of``, or None for a classification task without a known class count."""
    if task != "regression" and not (n_classes >= 2):     # NaN compares False
        return None
    return kind_of(task, n_classes)

