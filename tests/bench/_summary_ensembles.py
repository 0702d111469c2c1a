"""The targets of the ensembles issue (14), from the bench CSV: only what was measured.

- at the large budget: automl's wins and losses beyond the spread against FLAML (target:
  wins >= 2 x losses), and against AutoGluon;
- at the small budget: automl's mean rank against FLAML's (target: no worse);
- multiclass tables at the large budget: automl's log loss at most FLAML's or within
  the spread;
- no collapse: on every log-loss run, automl's test log loss <= 2 x the best method's +
  0.05;
- the ensemble against ``--ensemble-size 1``: better or equal on >= 70 % of the tables
  at the large budget;
- bagged against refitted members (``--final-model``), at each budget;
- optimism: the reported score minus the test score (in "higher is better" units, so a
  positive figure is optimistic), mean and median over tables, by method and by the
  score's source (fresh folds, out of fold, the search's CV).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from _summary import GREATER_IS_BETTER, _compare, _f, _tally

CV = re.compile(r"cv (-?[0-9.]+(?:e-?[0-9]+)?)(?: \((\w+)\))?")


def print_ensemble_targets(df: pd.DataFrame, t: pd.DataFrame) -> None:
    budgets = sorted(t["budget"].unique())
    small, large = budgets[0], budgets[-1]
    have = set(t["method"])
    print("\n=== targets of issue 14, ensembles (only what was measured) ===")
    for peer, rule in (("flaml", "target: wins >= 2 x losses"), ("autogluon", "for reference")):
        if {"automl", peer} <= set(t.loc[t["budget"] == large, "method"]):
            win, tie, loss, ahead, unknown, failed = _tally(_compare(t, large, "automl", peer))
            verdict = ""
            if peer == "flaml":
                verdict = " (met)" if win >= 2 * loss and win > 0 else " (NOT met)"
            print(f"at {large:g} s: automl vs {peer}: wins {win}, ties {tie}, losses {loss} "
                  f"beyond the spread ({rule}){verdict}; ahead on {ahead}"
                  + (f"; {unknown} without a spread" if unknown else ""))
    st = t[t["budget"] == small]
    if {"automl", "flaml"} <= set(st["method"]):
        r = st.groupby("method")["rank"].mean()
        print(f"at {small:g} s: mean rank automl {r['automl']:.2f}, FLAML {r['flaml']:.2f}"
              + (f", AutoGluon {r['autogluon']:.2f}" if "autogluon" in r else "")
              + f" (target: automl <= FLAML: {'met' if r['automl'] <= r['flaml'] else 'NOT met'})")
    _multiclass(t, large)
    _collapse(df)
    if {"automl", "automl-es1"} <= have:
        _ensemble_vs_single(t, large)
    if have & {"automl-bag", "automl-refit"}:
        _bag_vs_refit(t)
    _optimism(df)


def _bag_vs_refit(t: pd.DataFrame) -> None:
    """Point 3: the members bagged against refitted on all rows, at each budget (the default
    ``automl`` is one of the two: ``--final-model auto`` refits below 30 s)."""
    for budget in sorted(t["budget"].unique()):
        have = set(t.loc[t["budget"] == budget, "method"])
        bag = "automl-bag" if "automl-bag" in have else "automl"
        refit = "automl-refit" if "automl-refit" in have else "automl"
        if bag == refit or not {bag, refit} <= have:
            continue
        pairs = _compare(t, budget, bag, refit)
        win, tie, loss, ahead, unknown, failed = _tally(pairs)
        diffs = [d for _, d, _ in pairs if np.isfinite(d)]
        r = t[t["budget"] == budget].groupby("method")["rank"].mean()
        print(f"at {budget:g} s: bagged ({bag}) vs refitted ({refit}) members: wins {win}, "
              f"ties {tie}, losses {loss} beyond the spread; ahead on {ahead} of "
              f"{len(diffs)}; mean difference {np.mean(diffs):+.4f}; mean rank "
              f"{r[bag]:.2f} vs {r[refit]:.2f}" + (f"; {failed} failed" if failed else ""))


def _multiclass(t: pd.DataFrame, budget) -> None:
    pairs = [p for p in _compare(t, budget, "automl", "flaml")
             if (t[(t["table"] == p[0])]["kind"] == "multiclass").any()]
    if not pairs:
        return
    bad = [f"{name} ({-d:+.4f}, spread {_f(s)})" for name, d, s in pairs
           if not math.isnan(d) and d < 0 and not (not math.isnan(s) and -d <= s)]
    print(f"at {budget:g} s: multiclass log loss at most FLAML's or within the spread on "
          f"{len(pairs) - len(bad)} of {len(pairs)} tables"
          + (f"; worse on {', '.join(bad)}" if bad else " (met)"))


def _collapse(df: pd.DataFrame) -> None:
    ll = df[(df["metric"] == "log_loss") & df["ok"]]
    if ll.empty:
        return
    best = ll.groupby(["budget", "table", "split"])["score"].transform("min")
    auto = ll[ll["method"] == "automl"]
    limit = 2 * best[auto.index] + 0.05
    worst = auto.assign(limit=limit)[auto["score"] > limit]
    print(f"no collapse: automl's test log loss <= 2 x best + 0.05 on "
          f"{len(auto) - len(worst)} of {len(auto)} runs"
          + ("" if worst.empty else "; over on " + ", ".join(
              f"{r.table} {r.budget:g} s split {r.split} ({r.score:.3f} > {r.limit:.3f})"
              for r in worst.itertuples())))


def _ensemble_vs_single(t: pd.DataFrame, budget) -> None:
    pairs = _compare(t, budget, "automl", "automl-es1")
    judged = [(name, d, s) for name, d, s in pairs if not math.isnan(d)]
    if not judged:
        return
    ok = [p for p in judged if p[1] >= 0 or (not math.isnan(p[2]) and -p[1] <= p[2])]
    strict = sum(1 for p in judged if p[1] >= 0)
    share = len(ok) / len(judged)
    print(f"at {budget:g} s: the ensemble is better than or equal to --ensemble-size 1 (within "
          f"the spread) on {len(ok)} of {len(judged)} tables = {share:.0%} (target >= 70 %: "
          f"{'met' if share >= 0.7 else 'NOT met'}); strictly ahead or equal on {strict}")
    worse = [f"{n} ({d:+.4f})" for n, d, _ in judged if d < 0]
    if worse:
        print(f"           behind on: {', '.join(worse)}")


def _optimism(df: pd.DataFrame) -> None:
    auto = df[df["method"].str.startswith("automl") & df["ok"]].copy()
    parsed = auto["detail"].fillna("").str.extract(CV)
    auto["reported"] = pd.to_numeric(parsed[0], errors="coerce")
    auto["source"] = parsed[1].fillna("?")
    auto = auto.dropna(subset=["reported"])
    if auto.empty:
        return
    sign = auto["metric"].map(lambda m: 1.0 if GREATER_IS_BETTER[m] else -1.0)
    auto["optimism"] = (auto["reported"] - auto["score"]) * sign
    print("optimism (reported - test, positive = optimistic; per table mean over splits):")
    for (budget, method), g in auto.groupby(["budget", "method"]):
        per = g.groupby("table")["optimism"].mean()
        by_source = ", ".join(f"{s} {len(x)} runs median {x['optimism'].median():+.4f}"
                              for s, x in g.groupby("source"))
        print(f"  {budget:g} s {method:<14} mean {per.mean():+.4f}  median {per.median():+.4f}"
              f"  over {len(per)} tables  ({by_source})")
    for metric, g in auto.groupby("metric"):
        print(f"  by metric {metric:<8}: median {np.median(g['optimism']):+.4f} over "
              f"{len(g)} runs")
