"""Read the bench CSV and print per-table and overall tables and the targets of issue 6.

Conventions (printed with the tables):

- rank: 1 = best on a (table, split); ties share the mean rank; a failed run
  ranks after every run that produced a score (failures tie among themselves);
- norm: the score mapped to [0, 1] between the worst (0) and best (1) method on
  that (table, split), failures 0; 1 for all when every method scored the same;
- spread: the standard deviation of a method's test score across the splits;
  where a budget has one split, the spread of the same method and table at a
  budget with several splits is shown (marked *), else the median spread of the
  methods measured on several splits of that table (marked ~). Differences
  smaller than the spread are noise;
- wall: seconds from launching the method until its model is saved; overrun =
  wall / budget, for the budgeted methods only; bound = budget x 1.05 + 2 s.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from _methods import BUDGETED, METHODS, TITLES

GREATER_IS_BETTER = {"roc_auc": True, "r2": True, "log_loss": False}


def bound(budget: float) -> float:
    return budget * 1.05 + 2.0


def load(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={"status": str, "error": str, "detail": str, "table": str,
                                  "method": str, "metric": str, "kind": str})
    df["ok"] = df["status"].eq("ok") & df["score"].notna()
    sign = df["metric"].map(lambda m: 1.0 if GREATER_IS_BETTER[m] else -1.0)
    df["signed"] = np.where(df["ok"], df["score"] * sign, np.nan)
    unit = ["budget", "table", "split"]
    filled = df["signed"].fillna(-np.inf)
    df["rank"] = filled.groupby([df[c] for c in unit]).rank(ascending=False, method="average")
    lo = df.groupby(unit)["signed"].transform("min")
    hi = df.groupby(unit)["signed"].transform("max")
    df["norm"] = np.where(hi > lo, (df["signed"] - lo) / (hi - lo), 1.0)
    df["norm"] = np.where(df["ok"], df["norm"], 0.0)
    df["score_ok"] = df["score"].where(df["ok"])
    return df


def per_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (budget, table, method): means over splits, spread, failures."""
    g = df.groupby(["budget", "table", "method"], sort=False)
    out = pd.DataFrame({
        "kind": g["kind"].first(), "metric": g["metric"].first(),
        "n_rows": g["n_rows"].first(), "in_metabase": g["in_metabase"].max(),
        "score": g["score_ok"].mean(),
        "signed": g["signed"].mean(),
        "n_ok": g["ok"].sum(), "n": g["ok"].size(),
        "spread": g["score_ok"].std(ddof=1),
        "rank": g["rank"].mean(), "norm": g["norm"].mean(),
        "wall": g["wall"].mean(), "overrun": g["overrun"].max(),
        "wall_max": g["wall"].max(),
    }).reset_index()
    out["spread_from"] = ""
    # a budget with one split: borrow the spread of the same table and method elsewhere
    multi = out[out["n_ok"] >= 2].sort_values("budget")
    for i in out.index[out["n_ok"] < 2]:
        r = out.loc[i]
        alt = multi[(multi["table"] == r["table"]) & (multi["method"] == r["method"])]
        if len(alt):
            out.loc[i, "spread"] = alt["spread"].iloc[0]
            out.loc[i, "spread_from"] = "*"
            continue
        # else the table's typical spread: the median over the methods measured on
        # several splits of it (marked ~)
        same = multi[multi["table"] == r["table"]]["spread"].dropna()
        if len(same):
            out.loc[i, "spread"] = float(same.median())
            out.loc[i, "spread_from"] = "~"
    return out


def _f(x, fmt=".4f") -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def _order(methods) -> list:
    return [m for m in METHODS if m in set(methods)] + sorted(set(methods) - set(METHODS))


def print_tables(t: pd.DataFrame) -> None:
    head = (f"  {'method':<14} {'score':>8} {'spread':>8} {'rank':>5} {'norm':>5} "
            f"{'wall s':>7} {'overrun':>7} {'ok':>5}")
    for budget in sorted(t["budget"].unique()):
        print(f"\n=== budget {budget:g} s: per table (mean over splits) ===")
        bt = t[t["budget"] == budget]
        for table in bt["table"].unique():
            rows = bt[bt["table"] == table].set_index("method")
            r0 = rows.iloc[0]
            seen = "; SEEN BY THE METABASE" if r0["in_metabase"] else ""
            print(f"\n{table} ({r0['kind']}, {int(r0['n_rows'])} rows, {r0['metric']}{seen})")
            print(head)
            for m in _order(rows.index):
                r = rows.loc[m]
                ov = _f(r["overrun"], ".2f") if m in BUDGETED else "-"
                print(f"  {m:<14} {_f(r['score']):>8} {_f(r['spread']) + r['spread_from'][:1]:>8} "
                      f"{_f(r['rank'], '.2f'):>5} {_f(r['norm'], '.2f'):>5} "
                      f"{_f(r['wall'], '.1f'):>7} {ov:>7} {int(r['n_ok'])}/{int(r['n'])}")


def print_overall(df: pd.DataFrame, t: pd.DataFrame) -> None:
    for budget in sorted(t["budget"].unique()):
        bt = t[t["budget"] == budget]
        bd = df[df["budget"] == budget]
        n_tables = bt["table"].nunique()
        n_splits = bd.groupby("table")["split"].nunique()
        print(f"\n=== budget {budget:g} s: overall ({n_tables} tables, "
              f"{n_splits.min()}-{n_splits.max()} split(s) each) ===")
        print(f"  {'method':<14} {'mean rank':>9} {'mean norm':>9} {'best on':>7} "
              f"{'median wall':>11} {'max overrun':>11} {'over bound':>10} {'failed':>7}")
        top = bt["rank"] == bt.groupby("table")["rank"].transform("min")
        best = bt.loc[top, "method"].value_counts()    # ties: each tied method counts
        for m in _order(bt["method"].unique()):
            mt, md = bt[bt["method"] == m], bd[bd["method"] == m]
            over = "-"
            ov = "-"
            if m in BUDGETED:
                over = f"{int((md['wall'] > bound(budget)).sum())}/{len(md)}"
                ov = _f(md["overrun"].max(), ".2f")
            print(f"  {m:<14} {_f(mt['rank'].mean(), '.2f'):>9} {_f(mt['norm'].mean(), '.3f'):>9} "
                  f"{int(best.get(m, 0)):>7} {_f(md['wall'].median(), '.1f'):>11} {ov:>11} "
                  f"{over:>10} {int((~md['ok']).sum()):>3}/{len(md)}")
        auto = bd[(bd["method"] == "automl") & bd["ok"]]
        if len(auto):
            blind = auto["detail"].fillna("").str.contains("no advice")
            print(f"  automl ran with the metabase's advice on {int((~blind).sum())} of "
                  f"{len(auto)} runs" + (" (the others: no meta-learning, see detail)"
                                         if blind.any() else ""))
        fails = bd[~bd["ok"]]
        for _, r in fails.iterrows():
            print(f"  failed: {r['method']} on {r['table']} split {r['split']}: {r['status']} "
                  f"{r['error'] if isinstance(r['error'], str) else ''}"[:160])
        sp = bt["spread"].dropna()
        if len(sp):
            borrowed = " (* borrowed from another budget, ~ the table's median)" \
                if bt["spread_from"].isin(["*", "~"]).any() else ""
            print(f"  noise: the spread between splits (std of a method's score){borrowed} has "
                  f"median {sp.median():.4f} (range {sp.min():.4f}-{sp.max():.4f}) over tables "
                  "and methods; differences smaller than a table's spread are noise")


def _compare(t: pd.DataFrame, budget, a: str, b: str):
    """Per table: (table, signed diff a-b, noise) where both methods have a score."""
    bt = t[t["budget"] == budget].set_index(["table", "method"])
    out = []
    for table in t.loc[t["budget"] == budget, "table"].unique():
        if (table, a) not in bt.index or (table, b) not in bt.index:
            continue
        ra, rb = bt.loc[(table, a)], bt.loc[(table, b)]
        fa, fb = math.isnan(ra["signed"]), math.isnan(rb["signed"])
        if fa or fb:
            # a failure is worse than any score (as in the ranks); both failed: not judged
            out.append((table, float("nan") if fa and fb else (-math.inf if fa else math.inf),
                        float("nan")))
            continue
        noise = np.nanmax([ra["spread"], rb["spread"]]) \
            if not (math.isnan(ra["spread"]) and math.isnan(rb["spread"])) else float("nan")
        out.append((table, ra["signed"] - rb["signed"], noise))
    return out


def _tally(pairs):
    """(win, tie, loss, ahead, no spread, both failed); a one-sided failure is a win/loss."""
    judged = [(d, s) for _, d, s in pairs if not math.isnan(d)]
    win = sum(1 for d, s in judged if d == math.inf or (not math.isnan(s) and d > s))
    loss = sum(1 for d, s in judged if d == -math.inf or (not math.isnan(s) and d < -s))
    tie = sum(1 for d, s in judged if not math.isinf(d) and not math.isnan(s) and abs(d) <= s)
    ahead = sum(1 for d, _ in judged if d > 0)
    unknown = sum(1 for d, s in judged if not math.isinf(d) and math.isnan(s))
    failed = len(pairs) - len(judged)
    return win, tie, loss, ahead, unknown, failed


def print_targets(df: pd.DataFrame, t: pd.DataFrame) -> None:
    budgets = sorted(t["budget"].unique())
    small, large = budgets[0], budgets[-1]
    print("\n=== targets of issue 6 (only what was measured) ===")
    # 1. at the large budget: automl's mean rank vs every method, and automl vs FLAML
    lt = t[t["budget"] == large]
    ranks = lt.groupby("method")["rank"].mean().sort_values()
    if "automl" in ranks:
        others = ranks.drop("automl")
        verdict = "best" if len(others) == 0 or ranks["automl"] < others.min() else \
            ("tied best" if ranks["automl"] == others.min() else "NOT best")
        print(f"at {large:g} s: automl's mean rank {ranks['automl']:.2f} is {verdict} of "
              f"{len(ranks)} methods ({', '.join(f'{m} {v:.2f}' for m, v in ranks.items())})")
        if "flaml" not in ranks:
            print(f"at {large:g} s: FLAML was not measured: automl vs FLAML unknown")
    if "automl" in ranks and "flaml" in ranks:
        pairs = _compare(t, large, "automl", "flaml")
        win, tie, loss, ahead, unknown, failed = _tally(pairs)
        judged = win + tie + loss
        share = (win + tie) / judged if judged else float("nan")
        print(f"at {large:g} s: automl wins {win}, ties {tie}, loses {loss} against FLAML "
              f"(tie = |difference| within the larger spread of the two; a failure loses): "
              f"wins or ties on "
              f"{_f(share * 100, '.0f')} % of {judged} tables (target >= 60 %)"
              + (f"; {unknown} table(s) without a spread" if unknown else "")
              + (f"; {failed} table(s) where both failed" if failed else ""))
        print(f"           automl's mean score is ahead of FLAML's on {ahead} of "
              f"{len(pairs) - failed} tables, whatever the noise")
    # 2. at the small budget: automl vs --no-metalearning
    st = t[t["budget"] == small]
    have = set(st["method"])
    if {"automl", "automl-nometa"} <= have:
        pairs = _compare(t, small, "automl", "automl-nometa")
        win, tie, loss, ahead, unknown, failed = _tally(pairs)
        n = len(pairs) - failed
        print(f"at {small:g} s: automl beats --no-metalearning (higher mean test score) on "
              f"{ahead} of {n} tables = {_f(ahead / n * 100 if n else float('nan'), '.0f')} % "
              f"(target >= 70 %); by more than the spread on {win}, within it (noise) on {tie}, "
              f"worse by more than it on {loss}"
              + (f"; {failed} table(s) where both failed" if failed else ""))
    else:
        print(f"at {small:g} s: automl vs --no-metalearning not measured")
    # 3. budget overrun of the budgeted methods
    for m in _order(df["method"].unique()):
        if m not in BUDGETED:
            continue
        md = df[df["method"] == m].dropna(subset=["wall"])
        if md.empty:
            continue
        excess = md["wall"] - md["budget"].map(bound)
        worst = md.loc[excess.idxmax()]
        tag = "target" if m == "automl" else "for reference"
        print(f"overrun {m:<14} max wall - bound = {excess.max():+.2f} s ({worst['table']} at "
              f"{worst['budget']:g} s: {worst['wall']:.1f} s vs bound {bound(worst['budget']):.1f}"
              f" s); {int((excess > 0).sum())} of {len(md)} runs over the bound ({tag}); max "
              f"overrun {md['overrun'].max():.2f}")
    seen = sorted(df.loc[df["in_metabase"] == 1, "table"].unique())
    if seen:
        print(f"caution: the metabase had runs on {', '.join(seen)} when they were benchmarked: "
              "automl's advice there was learnt on the same rows (test rows included)")


def print_summary(path: Path) -> None:
    df = load(path)
    if df.empty:
        print(f"{path}: no rows")
        return
    print(__doc__.split("\n\n", 1)[1].rstrip())
    names = _order(df["method"].unique())
    print("methods: " + "; ".join(f"{m} = {TITLES.get(m, m)}" for m in names))
    t = per_table(df)
    print_tables(t)
    print_overall(df, t)
    print_targets(df, t)
    from _summary_ensembles import print_ensemble_targets

    print_ensemble_targets(df, t)
