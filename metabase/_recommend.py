"""``recommend``: ranked configs for a new table, with the past tasks behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ._metamodel import build_metamodels, rank_configs
from ._metrics import kind_of

#: Rows our portfolio runs were measured on at most (their fit times scale from there).
PORTFOLIO_ROWS = 5000


@dataclass
class Advice:
    kind: str
    metric: str
    recommendations: list          # [{"rank", "config", "predicted", "fit_time", "support"}]
    neighbours: list               # [{"task", "name", "openml_id", "distance"}]
    nearest_distance: float
    typical_distance: float
    out_of_range: bool
    method: str
    notes: list = field(default_factory=list)
    #: the new table's meta-features the advice was asked with (finite values only)
    meta_features: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@lru_cache(maxsize=2)
def _models(store_path: str | None):
    """``(meta-models by kind, typical distance by kind)``, from the disk cache
    (``_cache``) when an earlier run built them from the same store and code."""
    import sys

    from . import _metamodel, _metrics, _store
    from ._cache import cached

    root = _store.STORE_DIR if store_path is None else Path(store_path)
    _store.read_header(root)            # a store this code cannot read is refused first

    def build():
        models = build_metamodels(_store.load_store(root))
        for m in models.values():
            m.forest()                  # fitted now, so that the cache holds it
        return models, {k: m.typical_distance() for k, m in models.items()}

    return cached("metamodels", root, [_metamodel, _metrics, _store, sys.modules[__name__]], build)


#: Orders ``recommend`` can rank by (``rank_configs``' methods): the meta-model's
#: (shipped), the greedy portfolio without meta-features, or the portfolio re-ranked.
ORDERS = {"meta-model": "forest", "portfolio": "portfolio", "both": "reranked"}


def recommend(meta_values: dict, task: str, n_rows: int, top: int = 5,
              store_path: str | None = None, ranking: str = "meta-model") -> Advice:
    """Rank the metabase's configs for a table with these meta-features.

    Parameters
    ----------
    meta_values : dict
        OpenML quality name -> value (``metabase.profile(...).values``).
    task : {"classification", "regression"}
    n_rows : int
        Rows the model will be trained on, for the expected fit times.
    ranking : {"meta-model", "portfolio", "both"}
        See :data:`ORDERS`; a table far from every past task gets robust defaults
        whatever the ranking.
    """
    models, typical = _models(store_path)
    kind = kind_of(task, meta_values.get("NumberOfClasses"))
    if kind not in models:
        raise LookupError(f"the metabase has no {kind} tasks to learn from")
    m = models[kind]
    x = m.scaler.transform(np.array([[meta_values.get(n, np.nan) for n in m.scaler.names]]))[0]
    dist = m.distances(x)
    notes = []
    far = bool(dist.min() > typical[kind])
    if far:
        ranked, pred, weights = rank_configs(m, x, top=max(5, top), method="prior")
        order = np.argsort(dist, kind="stable")[:10]
        method = "robust defaults: configs by mean normalised score over all past tasks"
        notes.append(f"this table is far from every past {kind} task (distance "
                     f"{dist.min():.2f}, usually below {typical[kind]:.2f}): falling back to "
                     "robust defaults")
    else:
        ranked, pred, weights = rank_configs(m, x, top=max(5, top), method=ORDERS[ranking])
        order = [j for j in np.argsort(-weights, kind="stable")[:10] if weights[j] > 0]
        if ranking == "portfolio":      # no meta-features: the nearest tasks, for context
            order = list(np.argsort(dist, kind="stable")[:10])
        pool = (f"{int(m.own.sum())} {kind} and {int((~m.own).sum())} other classification"
                if (~m.own).any() else f"{len(m.X)} {kind}")
        method = (f"extra-trees surrogate over {pool} past tasks "
                  f"({len(m.scaler.names)} meta-features); supporting tasks by weight")
        if ranking == "portfolio":
            method = (f"greedy time-aware portfolio of {int(m.own.sum())} past {kind} tasks "
                      "(no meta-features); nearest tasks by distance")
        elif ranking == "both":
            method = "greedy time-aware portfolio re-ranked by the " + method
    neighbours = [{"task": m.task_keys[j], "name": m.names[j], "openml_id": m.openml_ids[j],
                   "distance": round(float(dist[j]), 3), "weight": round(float(weights[j]), 3)}
                  for j in order]
    recs = []
    for rank, c in enumerate(ranked[:top], start=1):
        support = sorted(({"name": m.names[j], "openml_id": m.openml_ids[j],
                           "distance": round(float(dist[j]), 3),
                           "normalised_score": round(float(m.norm[j, c]), 3)}
                          for j in order),
                         key=lambda s: -s["normalised_score"])[:3]
        recs.append({"rank": rank, "config": {"family": m.configs[c]["family"],
                                              "params": m.configs[c]["params"]},
                     "config_id": m.configs[c]["id"], "predicted": round(float(pred[c]), 4),
                     "fit_time": _expected_fit_time(m, order, c, n_rows),
                     "support": support})
    values = {k: float(v) for k, v in meta_values.items()
              if isinstance(v, (int, float)) and np.isfinite(v)}
    return Advice(kind, m.metric, recs, neighbours, float(dist.min()), typical[kind], far,
                  method, notes, values)


def _expected_fit_time(m, order, c, n_rows) -> float | None:
    """Seconds for one fit on ``n_rows``: the neighbours' fold times scaled by rows."""
    order = np.asarray(order, dtype=int)
    used = np.minimum(m.n_rows[order], PORTFOLIO_ROWS) * 0.8
    t = m.fit_time[order, c]
    ok = ~np.isnan(t)
    if not ok.any():
        return None
    return round(float(np.median(t[ok] * n_rows / np.maximum(used[ok], 1))), 3)
