"""The meta-model: rank configs for a new table from its meta-features.

Scores from different tasks are made comparable per task: each config's score
(losses negated) is scaled between the task's median and best config, clipped
to [0, 1], and failed runs count 0. The ranking of a new task is then a
distance-weighted mean of its nearest past tasks' normalised scores, shrunk
towards the configs' mean over all tasks (the "single best" prior), so that a
table far from everything falls back to robust defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._metrics import METRICS

#: Meta-feature columns used when at most this share of tasks lacks them.
MAX_MISSING_SHARE = 0.3


def task_metric(task: str, n_classes: float | None) -> str:
    if task == "regression":
        return "r2"
    return "roc_auc" if n_classes == 2 else "log_loss"


def normalise(scores: np.ndarray, greater_is_better: bool) -> np.ndarray:
    """Per row (task): scale to [0, 1] between the median and the best; NaN (failed) → 0."""
    s = np.where(greater_is_better, scores, -scores)
    best = np.nanmax(s, axis=1, keepdims=True)
    ref = np.nanmedian(s, axis=1, keepdims=True)
    span = np.where(best - ref > 1e-12, best - ref, 1.0)
    out = np.clip((s - ref) / span, 0.0, 1.0)
    return np.nan_to_num(out, nan=0.0)


@dataclass
class FeatureScaler:
    """Signed log, median imputation, z-scores; fitted on the store's tasks."""

    names: list
    median: np.ndarray = None
    mean: np.ndarray = None
    std: np.ndarray = None

    @staticmethod
    def choose(frame, names) -> list[str]:
        share = frame[names].isna().mean()
        return [n for n in names if share[n] <= MAX_MISSING_SHARE and frame[n].nunique() > 1]

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
    """Past tasks of one kind (binary, multiclass or regression), configs and scores."""

    kind: str
    metric: str
    task_keys: list
    names: list              # dataset names, for explanations
    openml_ids: list
    configs: list            # [{"id", "family", "params"}]
    raw: np.ndarray          # tasks x configs, the metric's scores (NaN: failed)
    norm: np.ndarray         # tasks x configs, normalised
    fit_time: np.ndarray     # tasks x configs, seconds per fold
    n_rows: np.ndarray
    X: np.ndarray            # tasks x features, scaled
    scaler: FeatureScaler
    k: int = 10
    shrink: float = 0.3
    notes: list = field(default_factory=list)

    def distances(self, x: np.ndarray) -> np.ndarray:
        return np.sqrt(((self.X - x) ** 2).mean(axis=1))

    def typical_distance(self) -> float:
        """The 95th percentile of the past tasks' distances to their nearest neighbour."""
        d = np.sqrt(((self.X[:, None, :] - self.X[None, :, :]) ** 2).mean(axis=2))
        np.fill_diagonal(d, np.inf)
        return float(np.percentile(d.min(axis=1), 95)) if len(d) > 1 else float("inf")

    def predict(self, x: np.ndarray, exclude: np.ndarray | None = None, k: int | None = None,
                shrink: float | None = None):
        """Predicted normalised score per config, and the neighbour indices used."""
        k = self.k if k is None else k
        shrink = self.shrink if shrink is None else shrink
        keep = np.ones(len(self.X), bool) if exclude is None else ~exclude
        idx = np.flatnonzero(keep)
        d = self.distances(x)[idx]
        order = idx[np.argsort(d, kind="stable")[:k]]
        dn = np.sort(d)[:k]
        w = 1.0 / (dn + 1e-3)
        local = (self.norm[order] * w[:, None]).sum(axis=0) / w.sum()
        prior = self.norm[idx].mean(axis=0)
        return (1 - shrink) * local + shrink * prior, order, dn


def rank_configs(m: "MetaModel", x: np.ndarray, exclude: np.ndarray | None = None,
                 k: int | None = None, shrink: float | None = None, top: int = 5):
    """Configs best first: the highest predicted score, then a greedy portfolio.

    After the first, each next config is the one that most raises the
    neighbours' weighted mean of the best normalised score among those chosen
    (so the top-5 covers the ways the neighbours differ instead of repeating
    five near-copies of one config); the rest follow by predicted score.
    """
    pred, order, dist = m.predict(x, exclude=exclude, k=k, shrink=shrink)
    ranked = list(np.argsort(-pred, kind="stable"))
    w = 1.0 / (dist + 1e-3)
    w = w / w.sum()
    N = m.norm[order]
    chosen = [ranked[0]]
    best = N[:, ranked[0]].copy()
    while len(chosen) < min(top, len(ranked)):
        gain = (w[:, None] * np.maximum(N, best[:, None])).sum(axis=0) + 1e-3 * pred
        gain[chosen] = -np.inf
        c = int(np.argmax(gain))
        chosen.append(c)
        best = np.maximum(best, N[:, c])
    return chosen + [c for c in ranked if c not in chosen], pred, order, dist


def build_metamodels(store, source: str = "portfolio") -> dict[str, MetaModel]:
    """One meta-model per task kind from the store's complete (portfolio) runs."""
    tasks = store.tasks[store.tasks["source"] == source].set_index("task_key")
    runs = store.runs[store.runs["source"] == source]
    names = FeatureScaler.choose(tasks, store.meta_feature_names)
    models = {}
    for kind in ("binary", "multiclass", "regression"):
        if kind == "regression":
            sub = tasks[tasks["task"] == "regression"]
        else:
            if "NumberOfClasses" not in tasks:
                continue
            ncls = tasks["NumberOfClasses"]
            want = (ncls == 2) if kind == "binary" else (ncls > 2)
            sub = tasks[(tasks["task"] == "classification") & want]
        if len(sub) < 3:
            continue
        metric = "r2" if kind == "regression" else ("roc_auc" if kind == "binary" else "log_loss")
        r = runs[(runs["metric"] == metric) & runs["task_key"].isin(sub.index)]
        score = r.pivot_table(index="task_key", columns="config_id", values="score",
                              aggfunc="first", dropna=False)
        ftime = r.pivot_table(index="task_key", columns="config_id", values="fit_time",
                              aggfunc="first", dropna=False)
        # configs run on (almost) every task of this kind; tasks with most configs done
        cover = score.notna().sum(axis=0) + (r.groupby("config_id")["status"].apply(
            lambda s: (s != "ok").sum()).reindex(score.columns).fillna(0))
        cols = cover.index[cover >= 0.8 * len(score)]
        score, ftime = score[cols], ftime.reindex(columns=cols)
        done = r[r["config_id"].isin(cols)].groupby("task_key").size()
        rows = done.index[done >= 0.9 * len(cols)].intersection(sub.index)
        if len(rows) < 3:
            continue
        score, ftime = score.loc[rows], ftime.loc[rows]
        cfg = r.drop_duplicates("config_id").set_index("config_id").loc[cols]
        import json

        configs = [{"id": cid, "family": f, "params": json.loads(p)}
                   for cid, f, p in zip(cols, cfg["family"], cfg["params"])]
        raw = score.to_numpy(dtype=float)
        scaler = FeatureScaler(names).fit(sub.loc[rows])
        models[kind] = MetaModel(
            kind, metric, list(rows), list(sub.loc[rows, "name"]),
            [None if v is None or v != v else int(v)
             for v in sub.loc[rows, "openml_dataset_id"].astype("float")],
            configs, raw, normalise(raw, METRICS[metric].greater_is_better),
            ftime.to_numpy(dtype=float), sub.loc[rows, "n_rows"].to_numpy(dtype=float),
            scaler.transform(sub.loc[rows, names].to_numpy(dtype=float)), scaler)
    return models


def kind_of(task: str, n_classes) -> str:
    if task == "regression":
        return "regression"
    return "binary" if n_classes == 2 else "multiclass"
