"""The candidates a search tries, in order: scikit-learn's defaults and random configs
(``--no-metalearning``), or the metabase's recommendations then local steps around the
best so far (``warm_candidates``); cheap first trials for short budgets on costly tables.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Iterable

import numpy as np

from metabase import config_key

if TYPE_CHECKING:
    from ._tune import SearchResult

#: Kernel SVMs cost n² to n³: not tried on larger (search) tables.
MAX_SVM_ROWS = 10000
#: The family whose defaults run second in a warm-started search (see ``warm_candidates``).
SAFETY_FAMILY = "hgb"
#: On wide tables (see ``is_wide``) the sparse linear model's defaults run second instead:
#: a fraction of a second where gradient boosting on thousands of columns can take the
#: whole budget, and the model such tables usually want.
WIDE_SAFETY_FAMILY = "sparse"
WIDE_COLUMNS = 1000
#: A low-cost first trial (FLAML's low-cost initial point, for our booster): 20 rounds of
#: 15 leaves at a high rate, a fifth of the defaults' trees, when the defaults would cost a
#: short budget its first seconds (see ``cheap_first``): on nursery and pendigits at 10 s
#: (4,000 search rows x 4-10 classes) the defaults timed out and a linear model was kept.
CHEAP_HGB = {"learning_rate": 0.3, "max_iter": 20, "max_leaf_nodes": 15,
             "min_samples_leaf": 20, "l2_regularization": 1e-10, "max_features": 1.0}
#: Rows fitted per trial (over its folds) x classes (1 for binary and regression) above
#: which, under a budget of at most CHEAP_BUDGET seconds, the cheap booster runs first
#: (5-fold on 4,000 rows of 4 classes: 64,000).
CHEAP_WORK = 60000
CHEAP_BUDGET = 30.0
#: A class with fewer rows than this in the search rows is rare (see ``defaults_of``).
RARE_CLASS_ROWS = 10
RARE_CLASS_L2 = 0.1
#: Share of the time left at the search's start that the first recommendation is expected
#: to take at most before the safety default (when it is expected cheaper) goes first
#: instead: at 10 s a recommended forest of 2.7 s on concrete (772 rows) left no room for
#: a second trial, where the defaults of gradient boosting (1.4 s) scored 0.919 for 0.895.
#: A fifth, not the quarter that would leave half the search to the rest: a margin, as no
#: trial has corrected the metabase's times yet (not measured to be the best share; on
#: ailerons extra trees were expected at 1.39 s per fold against a threshold of 1.85 s,
#: no swap at either, and took 3.1-3.6 s).
FIRST_TRIAL_SHARE = 0.2
#: Recommended configs tried before the search starts mixing in other proposals.
FIRST_RECOMMENDED = 5
#: "local" (every recommended config, then local steps), "mixed" (the top
#: recommendations, then local steps, the next recommended and random configs in turn) or
#: "defaults" (as "local", but after the first two trials the recommended configs take
#: turns with the other families' defaults, in the order of the search without
#: meta-learning; shipped): the defaults of fully grown forests, which the ranking puts
#: late, were the best models of phoneme and wine-quality-red at 10 s. "local" was chosen
#: over "mixed" by ``tests/bench/search_phases.py``, "defaults" over "local" by the
#: simulated search of ``metabase evaluate`` and ``make bench`` (README, "Choices").
STRATEGY = "defaults"


def cheap_first(fitted_rows: int, n_classes: int, budget: float | None) -> bool:
    """Whether the search starts with :data:`CHEAP_HGB`: a short budget and a search
    whose boosting rounds are costly (one tree per class and round; ``fitted_rows``: the
    rows one trial fits on, summed over its folds)."""
    work = fitted_rows * (n_classes if n_classes > 2 else 1)
    return budget is not None and budget <= CHEAP_BUDGET and work >= CHEAP_WORK


def cheap_candidate(task: str, rare: bool = False) -> tuple:
    params = dict(CHEAP_HGB)
    if rare and task == "classification":
        params["l2_regularization"] = RARE_CLASS_L2
    return {"family": "hgb", "params": params}, "cheap start", None


def is_wide(n_rows: int, n_features: int) -> bool:
    """Thousands of columns, or more columns than rows: the sparse family's tables."""
    return n_features >= WIDE_COLUMNS or n_features > n_rows


def defaults_of(name: str, task: str, rare_classes: bool = False) -> dict:
    """A family's scikit-learn defaults, but for one guard: HistGradientBoosting without
    L2 regularisation diverges where a class has a handful of rows (Newton steps over a
    near-zero hessian: on nursery's 2-row class, fold accuracies of 0.49-0.98, log loss
    up to 17), so there it gets ``l2_regularization`` :data:`RARE_CLASS_L2`."""
    from metabase import FAMILIES

    params = dict(FAMILIES[name].defaults(task))
    if name == "hgb" and rare_classes:
        params["l2_regularization"] = max(params["l2_regularization"], RARE_CLASS_L2)
    return params


def default_candidates(task: str, n_rows: int, seed: int, defaults: bool = True,
                       n_features: int = 0, rare_classes: bool = False,
                       cheap: bool = False) -> Iterable[tuple]:
    """scikit-learn defaults of each family (see ``defaults_of``), strongest first (the
    sparse linear model first on wide tables), then random configs: the search without
    meta-learning (``--no-metalearning``, or no store)."""
    from metabase import DEFAULTS_ORDER, FAMILIES, sample_config

    order = list(DEFAULTS_ORDER)
    if is_wide(n_rows, n_features):
        order = ["sparse"] + [f for f in order if f != "sparse"]
    if n_rows > MAX_SVM_ROWS:
        order.remove("svm")
    if defaults and cheap:
        yield cheap_candidate(task, rare_classes)
    for name in order if defaults else ():
        yield {"family": name, "params": defaults_of(name, task, rare_classes)}, "default", None
    rng = np.random.default_rng(seed)
    while True:
        name = order[int(rng.integers(len(order)))]
        yield ({"family": name, "params": sample_config(FAMILIES[name].space(task), rng)},
               "random", None)


def fallback_candidates(task: str) -> list[tuple]:
    """Cheap configs that give some model on a table too large for the budget."""
    from metabase import FAMILIES

    return [({"family": name, "params": FAMILIES[name].defaults(task)}, "fallback", None)
            for name in ("linear", "knn")]


def warm_candidates(recommendations: list[dict], task: str, seed: int,
                    greater_is_better: bool = True, n_rows: int = 0,
                    strategy: str | None = None, time_scale: float = 1.0,
                    shape: dict | None = None):
    """The metabase's ranked configs first (in turn with the families' defaults, or not:
    :data:`STRATEGY`), then local steps around the best so far (``_local_steps``).

    The second trial is the config the search without meta-learning starts from
    (:data:`SAFETY_FAMILY`'s defaults) unless it is the first (it is not run again
    where the ranking has it): when the budget allows two trials, a wrong first
    recommendation costs one trial, not the model (``make bench`` at 10 s found a
    recommended tuned config on a sample losing to the defaults with no later trial to
    recover; README, "Choices (and why)"); ``_first_two`` may swap the two. The
    advice's fit times (whole table) are scaled by ``time_scale`` (search rows / rows).
    """
    from metabase import round_config

    strategy = strategy or STRATEGY
    shape = shape or {}
    n_features, rare = shape.get("n_features", 0), shape.get("rare_classes", False)
    family = WIDE_SAFETY_FAMILY if is_wide(n_rows, n_features) else SAFETY_FAMILY
    safety = {"family": family, "params": round_config(defaults_of(family, task, rare))}
    safety_key = config_key(safety["family"], safety["params"])

    def key(rec):
        return config_key(rec["config"]["family"], rec["config"]["params"])

    def seconds(rec):
        # the advice's fit time is for the whole table; the search may run on a sample
        t = rec.get("fit_time")
        return None if t is None else t * time_scale

    safety_seconds = next((seconds(r) for r in recommendations if key(r) == safety_key), None)

    def generate(state: SearchResult):
        if shape.get("cheap_first"):
            yield cheap_candidate(task, rare)
        usable = [r for r in recommendations
                  if not (r["config"]["family"] == "svm" and n_rows > MAX_SVM_ROWS)]
        mixed = strategy == "mixed"
        n_head = FIRST_RECOMMENDED if mixed else len(usable)
        ran = set()
        if usable and key(usable[0]) != safety_key:
            # second, and not again where the ranking has it; like the first trial of
            # the search without meta-learning, not skipped on a predicted time (its
            # trial's deadline still holds)
            usable = [r for r in usable if key(r) != safety_key]
            yield from _first_two((usable[0]["config"], "recommended", seconds(usable[0])),
                                  (safety, "default", None), safety_seconds,
                                  shape.get("first_seconds"), shape.get("far", False))
            ran = {safety_key, key(usable[0])}
            usable, n_head = usable[1:], n_head - 1
        head = usable[:n_head]
        items = [(rec["config"], "recommended", seconds(rec)) for rec in head]
        if strategy == "defaults":
            items = _with_defaults(items, ran, (task, n_rows, n_features, rare))
        yield from items
        rest = iter(usable[len(head):])
        local = _local_steps(state, task, seed, greater_is_better)
        explore = default_candidates(task, n_rows, seed + 1, False, n_features, rare)
        sources = ("local", "ranked", "random") if mixed else ("local",)
        turn = 0
        while True:
            if state.best is None:
                yield from default_candidates(task, n_rows, seed, True, n_features, rare)
                return
            kind = sources[turn % len(sources)]
            turn += 1
            if kind == "local":
                yield next(local)
            elif kind == "ranked":
                rec = next(rest, None)
                if rec is not None:
                    yield rec["config"], "recommended", seconds(rec)
            else:
                yield next(explore)

    return generate


def _with_defaults(items: list, ran: set, table: tuple) -> list:
    """``items`` taking turns with the families' defaults (``STRATEGY`` "defaults") once the
    first two trials have run: ``ran`` holds their keys, or is empty where the top
    recommendation is the safety default itself (it then stays first, as in the search
    that ``metabase evaluate`` simulates); ``table``: (task, rows, columns, rare). A
    config met twice runs once, at its first turn (``metabase.take_turns``)."""
    from metabase import take_turns

    def k(item):
        return config_key(item[0]["family"], item[0]["params"])

    lead = [] if ran else items[:1]
    done = ran | {k(x) for x in lead}
    ranked, defaults = ([x for x in xs if k(x) not in done]
                        for xs in (items[len(lead):], _family_defaults(*table)))
    return lead + take_turns(ranked, defaults, k)


def _family_defaults(task: str, n_rows: int, n_features: int, rare: bool) -> list[tuple]:
    """Every family's defaults, in the order the search without meta-learning runs them."""
    gen = default_candidates(task, n_rows, 0, True, n_features, rare)
    return list(itertools.takewhile(lambda c: c[1] == "default", gen))


def _first_two(recommended: tuple, safety: tuple, safety_seconds, first_seconds,
               far: bool = False) -> list:
    """The top recommendation then the safety default, or the other way round where the
    recommendation is expected to take more than ``first_seconds`` (``shape``'s: per fold,
    :data:`FIRST_TRIAL_SHARE` of the time left) and the default less (a missing time
    never swaps), or where the table is far from every past task (``far``: the ranking is
    then the robust defaults of no task in particular, and the search starts as it does
    without meta-learning: on ailerons at 10 s its extra trees took the whole search)."""
    if far:
        return [safety, recommended]
    rec_seconds = recommended[2]
    if None in (rec_seconds, safety_seconds, first_seconds) or rec_seconds <= first_seconds \
            or safety_seconds >= rec_seconds:
        return [recommended, safety]
    return [safety, recommended]


def _local_steps(state: SearchResult, task: str, seed: int, greater_is_better: bool):
    """Proposals around the best trial so far, in the spirit of FLAML's CFO: a Gaussian
    step in the unit cube of the best config's family (categorical values flip with
    probability 0.2); the step halves after 6 proposals without improvement and restarts
    from the best config of another family when it gets small."""
    from metabase import FAMILIES, round_config, to_unit_vector

    rng = np.random.default_rng(seed)
    step, stale, last_best, anchor = 0.15, 0, None, None
    while True:
        best = state.best
        if best is not last_best:
            step, stale, last_best, anchor = 0.15, 0, best, best
        elif stale >= 6:
            step, stale = step / 2, 0
            if step < 0.02:
                anchor = _other_family_best(state, anchor, greater_is_better) or best
                step = 0.15
        fam = FAMILIES[anchor.config["family"]]
        space = fam.space(task)
        u = np.array(to_unit_vector(space, anchor.config["params"]))
        params = {}
        for (name, dom), ui in zip(space.items(), u):
            if hasattr(dom, "options"):
                params[name] = (dom.sample(rng) if rng.random() < 0.2
                                else anchor.config["params"][name])
            elif isinstance(anchor.config["params"][name], str) and rng.random() < 0.7:
                params[name] = anchor.config["params"][name]     # keep "sqrt", "scale"
            else:
                params[name] = dom.from_unit(ui + rng.normal(0, step))
        stale += 1
        yield {"family": anchor.config["family"], "params": round_config(params)}, "local", None


def _other_family_best(state: SearchResult, anchor, greater_is_better: bool):
    """The best trial of a family other than ``anchor``'s, if any."""
    others = [t for t in state.trials if t.status == "ok"
              and t.config["family"] != anchor.config["family"]]
    if not others:
        return None
    pick = max if greater_is_better else min
    return pick(others, key=lambda t: t.score)

