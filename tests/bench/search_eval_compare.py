"""How the search scores trials (issue 15, point 2): ``automl fit`` (``--search-eval
auto``: a holdout on tables of at least 5,000 rows at 10 s) against ``--search-eval cv``,
per table, from ``bench_fit.py`` rows of both methods (several splits each).

    python tests/bench/bench_fit.py --budgets 10 --splits 3 --tables ... \\
        --methods automl,automl-cv --out bench-results/search-eval.csv
    python tests/bench/search_eval_compare.py bench-results/search-eval.csv [more.csv:label]
    python tests/bench/search_eval_compare.py --base automl-holdout bench-results/halving.csv

A ``file.csv:label`` argument adds that file's ``automl`` rows as method ``label`` (the
runs of variants of the constants, made from a modified copy of the code).
"""

from __future__ import annotations

import sys

import pandas as pd

LOWER = {"log_loss", "rmse", "mae"}


def load(args: list[str]) -> pd.DataFrame:
    frames = []
    for arg in args:
        path, _, label = arg.partition(":")
        d = pd.read_csv(path)
        if label:
            d = d[d["method"] == "automl"].assign(method=label)
        frames.append(d)
    d = pd.concat(frames)
    return d[d["status"] == "ok"]


def report(d: pd.DataFrame, base: str = "automl-cv") -> None:
    score = d.pivot_table(index=["table", "split"], columns="method", values="score")
    trials = d.assign(trials=d["detail"].str.extract(r"(\d+) trials")[0].astype(float)) \
        .pivot_table(index="table", columns="method", values="trials")
    metric = d.groupby("table")["metric"].first()
    sign = pd.Series([-1.0 if metric[t] in LOWER else 1.0 for t, _ in score.index],
                     index=score.index)
    for m in [c for c in score.columns if c != base]:
        diff = ((score[m] - score[base]) * sign).dropna()
        per = diff.groupby(level=0).agg(["mean", "std", "count"])
        print(f"\n{m} against {base} (test score difference, positive = better; "
              f"mean over splits, std between them)")
        print(f"  {'table':<14} {'diff':>8} {'std':>7} {'splits':>6} {'trials':>7} "
              f"{'trials ' + base:>12}")
        for table, row in per.iterrows():
            print(f"  {table:<14} {row['mean']:+8.4f} {row['std']:7.4f} {int(row['count']):>6} "
                  f"{trials.loc[table, m]:7.1f} {trials.loc[table, base]:12.1f}")
        print(f"  all: mean {diff.mean():+.4f}; better on {(diff > 0).sum()}, worse on "
              f"{(diff < 0).sum()}, equal on {(diff == 0).sum()} of {len(diff)} "
              f"(table, split) pairs")


if __name__ == "__main__":
    args = sys.argv[1:]
    base = "automl-cv"
    if "--base" in args:            # e.g. --base automl-holdout: halving against a holdout
        i = args.index("--base")
        base, args = args[i + 1], args[:i] + args[i + 2:]
    report(load(args or ["bench-results/search-eval.csv"]), base)
