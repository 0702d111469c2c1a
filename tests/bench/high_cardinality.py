"""Frequent levels or target encoding for text columns with many levels? (issue 17)

On every table of ../shared/datasets with a used categorical column of more than
``--levels`` levels, each family's defaults are cross-validated (5 folds, the
rows the portfolio runs use: at most 5,000, stratified, seed 0) with the
pipeline of ``metabase.build_pipeline`` under several ``TARGET_ENCODE_ABOVE``
settings:

- ``frequent``: no target encoding (the first release: one-hot of the 32 most
  frequent levels for one-hot families, native codes up to 255 for HGB);
- ``te>32``: target encoding of columns with more than 32 levels, every family;
- ``both>32``: those columns keep their frequent-level codes beside the target
  encoding.

It also lists the tables whose portfolio runs change with the thresholds in
``metabase._pipeline`` (the columns as the portfolio sees them, on its sample).

Usage (from the repository root; some minutes on one core)::

    .venv/bin/python tests/bench/high_cardinality.py > bench-results/high-cardinality.txt
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import metabase._pipeline as P  # noqa: E402
from metabase import (build_pipeline, cross_validate, default_metric, get_family,  # noqa: E402
                      infer_schema, make_splits, prepare_frame)
from metabase._metrics import METRICS  # noqa: E402
from metabase._portfolio import read_table, subsample  # noqa: E402

VARIANTS = {      # TARGET_ENCODE_ABOVE, CODES_BESIDE_TARGET
    "frequent": (math.inf, False),
    "te>32": (32, False),
    "both>32": (32, True),
}
FAMILIES = ("hgb", "rf", "linear")


def load(path: Path, task: str, max_rows: int = 5000, seed: int = 0):
    """The table as the portfolio runs see it: sample, schema, prepared frame."""
    X, y = read_table(path)
    keep = y.notna().to_numpy()
    X, y = X[keep], y[keep]
    if task == "classification":
        y = y.astype(str)
    X, y = subsample(X, y, task, max_rows, seed)
    schema = infer_schema(X)
    Xp, _ = prepare_frame(X, schema)
    return Xp.reset_index(drop=True), np.asarray(y), schema


def levels(schema: dict) -> dict:
    cats = set(schema["categorical"])
    return {c["name"]: c["n_unique"] for c in schema["columns"] if c["name"] in cats}


def score(family, X, y, schema, task, metric, thresholds, seed=0) -> float:
    P.TARGET_ENCODE_ABOVE, P.CODES_BESIDE_TARGET = thresholds
    fam = get_family(family)
    config = {"family": family, "params": fam.defaults(task)}
    classes = sorted(np.unique(y)) if task == "classification" else None
    splits = make_splits(y, task, 5, 1, seed)
    folds = cross_validate(lambda: build_pipeline(config, schema, task, random_state=seed),
                           X, y, task, classes, [metric], splits)
    return float(np.mean([f[metric] for f in folds]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--levels", type=int, default=32)
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--list-only", action="store_true",
                    help="only list the tables whose portfolio runs the shipped settings change")
    args = ap.parse_args(argv)
    shipped = (P.TARGET_ENCODE_ABOVE, P.CODES_BESIDE_TARGET)
    with open(args.datasets / "MANIFEST.csv", newline="") as fh:
        manifest = list(csv.DictReader(fh))
    rows, affected = [], []
    for m in manifest:
        task = "regression" if m["task"] == "regression" else "classification"
        X, y, schema = load(args.datasets / f"{m['name']}.csv.gz", task)
        lv = levels(schema)
        many = {c: n for c, n in lv.items() if n > args.levels}
        if any(n > shipped[0] for n in lv.values()):
            affected.append(m["name"])
        if not many or args.list_only:
            continue
        metric = default_metric(task, len(np.unique(y)) if task == "classification" else 0)
        sign = 1.0 if METRICS[metric].greater_is_better else -1.0
        for family in args.families.split(","):
            t0 = time.perf_counter()
            s = {v: score(family, X, y, schema, task, metric, th) for v, th in VARIANTS.items()}
            rows.append((m["name"], family, metric, sign, s, many, time.perf_counter() - t0))
            print(f"# {m['name']} {family} {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    P.TARGET_ENCODE_ABOVE, P.CODES_BESIDE_TARGET = shipped
    if rows:
        report(rows, args.levels)
    print(f"shipped: TARGET_ENCODE_ABOVE={shipped[0]}, CODES_BESIDE_TARGET={shipped[1]}")
    print(f"tables whose portfolio runs change with them ({len(affected)}): "
          f"{','.join(affected)}")
    return 0


def report(rows, n_levels) -> None:
    names = list(VARIANTS)
    print(f"5-fold CV of each family's defaults on the portfolio's rows (<= 5,000) of the "
          f"shared tables with a categorical column of more than {n_levels} levels")
    print(f"{'table':<16} {'family':<7} {'metric':<8} " + " ".join(f"{v:>9}" for v in names)
          + "   gain of te>32   columns (levels)")
    gains = {v: [] for v in names[1:]}
    for name, family, metric, sign, s, many, _ in rows:
        for v in names[1:]:
            gains[v].append((family, sign * (s[v] - s["frequent"])))
        cols = ", ".join(f"{c} ({n})" for c, n in many.items())
        print(f"{name:<16} {family:<7} {metric:<8} " + " ".join(f"{s[v]:9.4f}" for v in names)
              + f"   {sign * (s['te>32'] - s['frequent']):+.4f}   {cols}")
    print("\nmean gain over 'frequent' (positive = better; losses sign-flipped), per family:")
    for v in names[1:]:
        for family in dict.fromkeys(f for f, _ in gains[v]):
            g = [x for f, x in gains[v] if f == family]
            wins = sum(x > 1e-4 for x in g)
            losses = sum(x < -1e-4 for x in g)
            print(f"  {v:<7} {family:<7} mean {np.mean(g):+.4f}  better on {wins}, worse on "
                  f"{losses}, of {len(g)}")
    print()


if __name__ == "__main__":
    sys.exit(main())
