"""Leave-one-task-out evaluation of the meta-model against baselines.

(a) Our portfolio runs, where every config ran on every table: for each task,
    rank the configs from the other tasks and measure the regret (best score
    known for the task minus the score of what was recommended) of the top-1
    and of the best of the top-5; and, time-aware, the regret of the best config
    found by a simulated search of 10 s and 60 s that runs the configs in the
    method's order at the held-out task's recorded times (``_greedy.found_within``).
(b) OpenML's logged runs (RandomForest, AdaBoost, SVC flows), where each task
    has its own random configs: rank the held-out task's own configs.
"""

from __future__ import annotations

import json

import numpy as np

from ._greedy import (BUDGETS, FOLDS, cost_aware_order, expected_seconds, greedy_portfolio,
                      regret_within, reranked, rows_used, scaled_scores, take_turns)
from ._metamodel import MetaModel, greedy_top, normalise_rank, rank_configs
from ._metrics import METRICS, task_of
from ._space import to_unit_vector
from .families import DEFAULTS_ORDER, FAMILIES


def _regret(raw_row: np.ndarray, picks: list[int], gib: bool) -> tuple[float, bool]:
    """Best known minus best of ``picks``; a failed pick scores the task's worst."""
    s = raw_row if gib else -raw_row
    best, worst = np.nanmax(s), np.nanmin(s)
    got = [s[j] for j in picks]
    failed = bool(np.isnan(got[0]))
    vals = [worst if np.isnan(g) else g for g in got]
    return float(best - max(vals)), failed


def _l1_minmax(X: np.ndarray) -> np.ndarray:
    lo, hi = X.min(axis=0), X.max(axis=0)
    return (X - lo) / np.where(hi - lo > 0, hi - lo, 1)


#: The name of our method in the tables (the shipped meta-model), on (a) and on (b).
OURS = "ours: extra-trees surrogate + greedy top-5"
OURS_B = "ours: neighbour-weighted kernel surrogate + greedy top-5"
#: The time-aware orders compared with ours (``_greedy``).
PORTFOLIO = "greedy portfolio (no meta-features)"
COST_AWARE = "meta-model, cost-aware order"
RERANKED = "greedy portfolio re-ranked by the meta-model"
#: The fit's own orders: the search without meta-learning (every family's defaults, then,
#: as its random configs are not in the store, the single best's order), ours with
#: HistGradientBoosting's defaults second (as the fit runs it), and that with the other
#: configs taking turns with the families' defaults (``_candidates``' "defaults").
NOMETA = "defaults, as without meta-learning"
SHIPPED = "ours, HGB defaults second (as the fit)"
ALTERNATE = "ours, HGB defaults second, then turns with the defaults"
RANKED_TURNS = "ours, HGB defaults second, then turns with the defaults by predicted score"


def portfolio_methods(m: MetaModel, i: int, scaled: np.ndarray | None = None):
    """Rankings (config indices, best first) of every method for held-out task ``i``;
    ``scaled``: ``scaled_scores(m.raw, m.norm)``, computed once per model."""
    n_tasks, n_cfg = m.norm.shape
    exclude = np.zeros(n_tasks, bool)
    exclude[i] = True
    out = {}
    pred, weights = m.predict(m.X[i], exclude)      # one forest per held-out task
    out[OURS] = greedy_top(pred, m.norm, weights)
    out.update(time_aware_methods(m, i, (pred, weights), out[OURS], scaled))
    out["extra-trees surrogate, no greedy"] = list(np.argsort(-pred, kind="stable"))
    out["10 nearest tasks, shrunk 30 % to the mean"] = rank_configs(
        m, m.X[i], exclude=exclude, method="knn")[0]
    # single best: the config with the best mean rank on the other tasks
    out["single best (mean rank)"] = rank_configs(m, m.X[i], exclude=exclude,
                                                  method="prior")[0]
    # auto-sklearn 1.0: best configs of the 25 nearest tasks, L1 on min-max scaled features
    Z = _l1_minmax(m.X)
    d = np.abs(Z - Z[i]).sum(axis=1)
    d[i] = np.inf
    picks = []
    for t in np.argsort(d)[:25]:
        best = int(np.argmax(m.norm[t]))
        if best not in picks:
            picks.append(best)
    out["auto-sklearn 1.0 (25 NN, L1)"] = picks + [j for j in out["single best (mean rank)"]
                                                   if j not in picks]
    out.update(fit_orders(m, out[OURS], out["single best (mean rank)"], pred))
    return out


def fit_orders(m: MetaModel, ours: list, single: list, pred=None) -> dict:
    """:data:`NOMETA`, :data:`SHIPPED`, :data:`ALTERNATE` and (given the meta-model's
    predicted scores ``pred``) :data:`RANKED_TURNS` from our ranking ``ours`` and the
    single best's order ``single`` (config indices, best first)."""
    defaults = [j for j in (_default_index(m, f) for f in DEFAULTS_ORDER) if j is not None]
    hgb = _default_index(m, "hgb")
    head = ours[:1] + ([hgb] if hgb is not None and hgb != ours[0] else [])  # second
    rest = [j for j in ours if j not in head]
    later = [j for j in defaults if j not in head]
    out = {NOMETA: defaults + [j for j in single if j not in defaults],
           SHIPPED: head + rest, ALTERNATE: head + take_turns(rest, later)}
    if pred is not None:
        by_pred = sorted(later, key=lambda j: -pred[j])
        out[RANKED_TURNS] = head + take_turns(rest, by_pred)
    return out


def time_aware_methods(m: MetaModel, i: int, predicted, ours: list, scaled=None) -> dict:
    """The greedy portfolio of the held-out kind's other tasks (no meta-features), the
    meta-model's cost-aware order, and the portfolio re-ranked by the meta-model."""
    pred, weights = predicted
    scaled = scaled_scores(m.raw, m.norm) if scaled is None else scaled
    train = m.own.copy()
    train[i] = False
    order, size = greedy_portfolio(scaled[train], m.fit_time[train] * FOLDS)
    support = [j for j in np.argsort(-weights, kind="stable")[:10] if weights[j] > 0]
    used = rows_used(m.n_rows)
    seconds = expected_seconds(m.fit_time, used, support, used[i])
    return {PORTFOLIO: order, COST_AWARE: cost_aware_order(pred, scaled, weights, seconds),
            RERANKED: reranked(order, size, pred, ours)}


def _time_aware(raw_row, seconds_row, order, gib) -> dict:
    """Regret and whether nothing finished, per simulated budget."""
    return {b: regret_within(raw_row, seconds_row, order, b, gib) for b in BUDGETS}


def _random_time_aware(raw_row, seconds_row, gib, i: int, draws: int = 20) -> dict:
    """Expected time-aware regret of a random order (``draws`` seeded permutations)."""
    rng = np.random.default_rng(i)
    runs = [_time_aware(raw_row, seconds_row, rng.permutation(len(raw_row)), gib)
            for _ in range(draws)]
    return {b: (float(np.mean([r[b][0] for r in runs])), bool(np.mean([r[b][1] for r in runs])
                                                           > 0.5)) for b in BUDGETS}


def evaluate_portfolio(models: dict) -> dict:
    """Regret tables per task kind; one entry per method and baseline."""
    result = {}
    for kind, m in models.items():
        gib = METRICS[m.metric].greater_is_better
        n_cfg = m.raw.shape[1]
        own = np.flatnonzero(m.own)         # pooled tasks of the other kind only train
        n_tasks = len(own)
        rows: dict[str, dict] = {}

        def add(name, r1, r5, failed, timed, rows=rows):
            e = rows.setdefault(name, {"top1": [], "top5": [], "failed_top1": 0,
                                       **{f"t{b:g}": [] for b in BUDGETS},
                                       **{f"none_t{b:g}": 0 for b in BUDGETS}})
            e["top1"].append(r1)
            e["top5"].append(r5)
            e["failed_top1"] += int(failed)
            for b, (r, none) in timed.items():
                e[f"t{b:g}"].append(r)
                e[f"none_t{b:g}"] += int(none)

        scaled = scaled_scores(m.raw, m.norm)
        for i in own:
            seconds = m.fit_time[i] * FOLDS
            for name, order in portfolio_methods(m, i, scaled).items():
                r1, failed = _regret(m.raw[i], order[:1], gib)
                r5, _ = _regret(m.raw[i], order[:5], gib)
                add(name, r1, r5, failed, _time_aware(m.raw[i], seconds, order, gib))
            s = m.raw[i] if gib else -m.raw[i]
            worst = np.nanmin(s)
            filled = np.where(np.isnan(s), worst, s)
            add("random config (expected)", float(np.nanmax(s) - filled.mean()),
                float(np.nanmax(s) - np.mean([np.max(np.random.default_rng(r).choice(
                    filled, min(5, len(filled)), replace=False)) for r in range(50)])), False,
                _random_time_aware(m.raw[i], seconds, gib, int(i)))
            for fam in FAMILIES:
                j = _default_index(m, fam)
                if j is not None:
                    r1, failed = _regret(m.raw[i], [j], gib)
                    add(f"default {fam}", r1, r1, failed,
                        _time_aware(m.raw[i], seconds, [j], gib))
        result[kind] = {"metric": m.metric, "tasks": n_tasks, "configs": n_cfg,
                        "methods": {k: _summary(v) for k, v in rows.items()}}
    return result


def _default_index(m: MetaModel, family: str):
    task = task_of(m.kind)
    want = FAMILIES[family].defaults(task)
    from ._space import round_config

    want = round_config(want)
    for j, c in enumerate(m.configs):
        if c["family"] == family and c["params"] == want:
            return j
    return None


def _summary(v: dict) -> dict:
    a1, a5 = np.array(v["top1"]), np.array(v["top5"])
    out = {"top1_mean": float(a1.mean()), "top1_median": float(np.median(a1)),
           "top5_mean": float(a5.mean()), "top5_median": float(np.median(a5)),
           "failed_top1": v["failed_top1"], "_top1": a1.tolist(), "_top5": a5.tolist()}
    for key in [k for k in v if k.startswith("t") and k[1:2].isdigit()]:
        a = np.array(v[key])
        out.update({f"{key}_mean": float(a.mean()), f"{key}_median": float(np.median(a)),
                    f"none_{key}": v[f"none_{key}"], f"_{key}": a.tolist()})
    return out


def win_rates(table: dict, ours: str, key: str = "_top1") -> dict:
    """Share of tasks where ``ours`` has lower regret (``key``: ``_top1``, or ``_t10``
    for the time-aware regret at 10 s) than each baseline (ties: half)."""
    mine = np.array(table["methods"][ours][key])
    out = {}
    for name, v in table["methods"].items():
        if name == ours or key not in v:
            continue
        other = np.array(v[key])
        out[name] = float(((mine < other - 1e-9) + 0.5 * (np.abs(mine - other) <= 1e-9)).mean())
    return out


def against(table: dict, ours: str, key: str) -> dict:
    """Per method: tasks where it has lower (``better``), equal and higher regret than
    ``ours`` on ``key`` (e.g. ``_t10``), and its mean regret minus ours."""
    mine = np.array(table["methods"][ours][key])
    out = {}
    for name, v in table["methods"].items():
        if key not in v:
            continue
        other = np.array(v[key])
        out[name] = {"better": int((other < mine - 1e-9).sum()),
                     "equal": int((np.abs(other - mine) <= 1e-9).sum()),
                     "worse": int((other > mine + 1e-9).sum()),
                     "mean_difference": float(other.mean() - mine.mean())}
    return out


# ---- (b) OpenML's logged runs -------------------------------------------------------------

def evaluate_openml(store, scaler_names=None, n_neighbours: int = 25, max_tasks=None,
                    bandwidth: float = 0.05, shrink: float = 0.0) -> dict:
    """Per OpenML source: regret of ranking each held-out task's own logged configs."""
    from ._metamodel import FeatureScaler

    out = {}
    runs = store.runs[(store.runs["source"] != "portfolio") & (store.runs["status"] == "ok")]
    tasks = store.tasks.set_index("task_key")
    for source, r in runs.groupby("source"):
        fams = r["family"].unique()
        if len(fams) != 1 or r["task_key"].nunique() < 10:
            continue
        fam = fams[0]
        task_type = tasks.loc[r["task_key"].iloc[0], "task"]
        space = FAMILIES[fam].space(task_type)
        keys = [k for k in r["task_key"].unique() if k in tasks.index]
        t = tasks.loc[keys]
        names = scaler_names or FeatureScaler.choose(t, store.meta_feature_names, core=True)
        t = t[t[names].notna().mean(axis=1) > 0.5]
        keys = list(t.index)[:max_tasks] if max_tasks else list(t.index)
        if len(keys) < 10:
            continue
        scaler = FeatureScaler(names).fit(t.loc[keys])
        X = scaler.transform(t.loc[keys, names].to_numpy(dtype=float))
        per = {}
        for k in keys:
            g = r[r["task_key"] == k]
            U = np.array([to_unit_vector(space, _fill(space, json.loads(p), fam, task_type))
                          for p in g["params"]])
            s = g["score"].to_numpy(dtype=float)
            per[k] = (U, s, normalise_rank(s[None, :], True)[0])
        out[source] = _loto_openml(keys, X, per, (space, fam, task_type),
                                   (n_neighbours, bandwidth, shrink))
        out[source]["family"] = fam
    return out


def _fill(space, params, fam, task):
    d = FAMILIES[fam].defaults(task)
    return {name: params.get(name, d[name]) for name in space}


def _kernel_scores(U_target, U_src, norm_src, bandwidth=0.15):
    d2 = ((U_target[:, None, :] - U_src[None, :, :]) ** 2).mean(axis=2)
    w = np.exp(-d2 / (2 * bandwidth ** 2))
    return (w * norm_src[None, :]).sum(axis=1) / (w.sum(axis=1) + 1e-12)


def _loto_openml(keys, X, per, family, kernel) -> dict:
    """``family`` is (space, name, task); ``kernel`` (n_neighbours, bandwidth, shrink)."""
    space, fam, task = family
    n_neighbours, bandwidth, shrink = kernel
    default_u = np.array(to_unit_vector(space, FAMILIES[fam].defaults(task)))
    Z = _l1_minmax(X)
    rows: dict[str, dict] = {}

    def add(name, s, order):
        best = np.max(s)
        e = rows.setdefault(name, {"top1": [], "top5": [], "failed_top1": 0})
        e["top1"].append(float(best - s[order[0]]))
        e["top5"].append(float(best - np.max(s[order[:5]])))

    for i, k in enumerate(keys):
        U, s, _ = per[k]
        others = [j for j in range(len(keys)) if j != i]
        # ours: per past task, a kernel regression of its rank-normalised scores on the
        # hyperparameters predicts each of the held-out task's configs; the 25 nearest
        # tasks (L1 on min-max scaled meta-features) weighted by 1 / distance, shrunk
        # towards the mean over all other tasks by ``shrink``; greedy top-5
        dl1 = np.abs(Z[others] - Z[i]).sum(axis=1)
        K = np.array([_kernel_scores(U, per[keys[j]][0], per[keys[j]][2], bandwidth)
                      for j in others])
        w = np.zeros(len(others))
        near_pos = np.argsort(dl1)[:n_neighbours]
        w[near_pos] = 1.0 / (dl1[near_pos] + 1e-3)
        w = (1 - shrink) * w / w.sum() + shrink / len(others)
        glob = K.mean(axis=0)
        pred = w @ K
        add(OURS_B, s, greedy_top(pred, K, w))
        add("kernel surrogate, no greedy", s, np.argsort(-pred, kind="stable"))
        add("single best (global surrogate)", s, np.argsort(-glob, kind="stable"))
        add("default (logged config nearest to sklearn defaults)", s,
            np.argsort(((U - default_u) ** 2).sum(axis=1), kind="stable"))
        rng = np.random.default_rng(i)
        add("random config", s, list(rng.permutation(len(s))))
        # auto-sklearn 1.0, adapted: the configs nearest to the best config of each of the
        # 25 nearest tasks (L1 on min-max scaled meta-features), nearest task first
        order = []
        for j in [others[j] for j in np.argsort(dl1)[:25]]:
            Uj, sj, _ = per[keys[j]]
            target = Uj[int(np.argmax(sj))]
            for c in np.argsort(((U - target) ** 2).sum(axis=1)):
                if c not in order:
                    order.append(int(c))
                    break
        order += [c for c in range(len(s)) if c not in order]
        add("auto-sklearn 1.0 (25 NN, L1, adapted)", s, order)
    return {"tasks": len(keys), "metric": "accuracy",
            "methods": {k: _summary(v) for k, v in rows.items()}}
