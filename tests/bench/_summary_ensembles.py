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
