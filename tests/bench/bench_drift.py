"""Drift checks: false alarms on unshifted batches, detection of shifted ones (issue 18).

Each table is shuffled (seeded) and split in halves: the profile is built from the
training half (``training_profile``, as ``automl fit`` stores it); batches come from
the other half, rows the profile never saw, at the sizes a nightly job scores:

- unshifted: 20 batches of 1,000 rows (disjoint) and 20 of 10,000 (each a random
  subset of the held-out half, so they overlap): any column flagged is a false alarm;
- shifted, 20 batches each: one numeric column x 100 (a unit changed upstream),
  the same column + 0.25 of its standard deviation (a subtle move), 20 % of its
  cells emptied, and 10 % of a categorical column's cells set to a new category.
  A batch counts as detected when that column is flagged, and the report says how
  many other columns were flagged with it.

Then one end-to-end run: ``automl fit`` on the first table's training half and
``automl predict`` on a shifted batch, printing the warning line predict writes.

Writes the figures to stdout and to ``bench-results/drift.txt``.

Usage (from the repository root, with the project's venv)::

    python tests/bench/bench_drift.py
    python tests/bench/bench_drift.py --tables adult --batches 5 --no-cli
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DATASETS = ROOT.parent / "shared" / "datasets"
DEFAULT_OUT = ROOT / "bench-results" / "drift.txt"
TABLES = ["adult", "protein", "cpssw8", "ailerons"]
SIZES = (1_000, 10_000)
AUTOML = [sys.executable, "-c", "from automl_cli.cli import main; main()"]


def load(name: str, seed: int = 0) -> pd.DataFrame:
    """The table (target column ``target``), shuffled; a synthetic mixed table where
    ../shared is absent."""
    from automl_cli._io import load_table

    path = DATASETS / f"{name}.csv.gz"
    if path.exists():
        frame = load_table(path).frame
    else:
        rng = np.random.default_rng(seed)
        n = 40_000
        frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.lognormal(size=n),
                              "c": rng.choice(list("pqrs"), size=n, p=[.4, .3, .2, .1])})
        frame["target"] = np.where(frame["a"] + rng.normal(size=n) > 0, "y", "n")
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def pick_columns(frame: pd.DataFrame, schema: dict):
    """The numeric column with the most distinct values, and the most frequent
    categorical one (None without categoricals): the columns the shifts move."""
    cols = {c["name"]: c for c in schema["columns"] if c["used"]}
    numeric = [n for n in cols if cols[n]["kind"] == "numeric"]
    cats = [n for n in cols if cols[n]["kind"] in ("categorical", "boolean")]
    num = max(numeric, key=lambda n: frame[n].nunique())
    return num, (cats[0] if cats else None)


def shifts(num: str, cat: str | None, sd: float) -> dict:
    """label -> (batch -> shifted batch, the column it moves)."""
    def scale(b):
        return b.assign(**{num: pd.to_numeric(b[num], errors="coerce") * 100})

    def nudge(b):
        return b.assign(**{num: pd.to_numeric(b[num], errors="coerce") + 0.25 * sd})

    def empty(b):
        b = b.copy()
        b.loc[b.sample(frac=0.2, random_state=1).index, num] = np.nan
        return b

    def new_level(b):
        b = b.copy()
        b[cat] = b[cat].astype(object)
        b.loc[b.sample(frac=0.1, random_state=1).index, cat] = "NEW-LEVEL"
        return b
    out = {f"{num} x 100": (scale, num), f"{num} + 0.25 sd": (nudge, num),
           f"{num} 20% emptied": (empty, num)}
    if cat:
        out[f"{cat} 10% new category"] = (new_level, cat)
    return out


def batches(held: pd.DataFrame, size: int, k: int, seed: int):
    rng = np.random.default_rng(seed)
    if size * k <= len(held):
        order = rng.permutation(len(held))
        return [held.iloc[order[i * size:(i + 1) * size]] for i in range(k)]
    return [held.iloc[rng.choice(len(held), size, replace=False)] for _ in range(k)]


def run_table(name: str, k: int, seed: int) -> list[str]:
    from automl_cli._drift import compare, training_profile
    from metabase import infer_schema

    frame = load(name, seed).drop(columns=["target"])
    half = len(frame) // 2
    train, held = frame.iloc[:half], frame.iloc[half:]
    schema = infer_schema(train)
    t0 = time.perf_counter()
    profile = training_profile(train, schema, seed=seed)
    seconds = time.perf_counter() - t0
    size_kb = len(json.dumps(profile, separators=(",", ":"))) / 1000
    num, cat = pick_columns(train, schema)
    sd = float(pd.to_numeric(train[num], errors="coerce").std())
    lines = [f"{name}: {len(train)} training rows x {len(schema['columns'])} columns "
             f"({profile['meta']['NumberOfNumericFeatures']} numeric, "
             f"{profile['meta']['NumberOfSymbolicFeatures']} categorical profiled); "
             f"profile {size_kb:.1f} KB in {seconds:.2f} s"]
    for size in SIZES:
        if size > len(held):
            continue
        reports = [compare(profile, b, schema) for b in batches(held, size, k, seed)]
        alarms = sum(bool(r["drifted"]) for r in reports)
        top = [max(c["psi"] for c in r["columns"].values()) for r in reports]
        lines.append(f"  unshifted {size:>6} rows: false alarms {alarms}/{k}; largest PSI "
                     f"median {np.median(top):.3f}, max {max(top):.3f}")
        for label, (shift, column) in shifts(num, cat, sd).items():
            reps = [compare(profile, shift(b), schema) for b in batches(held, size, k, seed + 1)]
            hit = sum(column in r["drifted"] for r in reps)
            others = sum(len([c for c in r["drifted"] if c != column]) for r in reps)
            psi = np.median([r["columns"][column]["psi"] for r in reps])
            lines.append(f"  shifted   {size:>6} rows, {label}: detected {hit}/{k} "
                         f"(median PSI {psi:.2f}); other columns flagged {others}")
    return lines


def cli_run(name: str, seed: int) -> list[str]:
    """fit on the training half, predict a shifted batch: the warning line predict prints."""
    from metabase import infer_schema

    frame = load(name, seed)
    half = len(frame) // 2
    work = Path(tempfile.mkdtemp(prefix="bench-drift-"))
    frame.iloc[:half].to_csv(work / "train.csv", index=False)
    features = frame.drop(columns=["target"])
    num, cat = pick_columns(features, infer_schema(features.iloc[:half]))
    batch = features.iloc[half:half + 1000]
    same = work / "same.csv"
    batch.to_csv(same, index=False)
    shifted = shifts(num, None, 0.0)[f"{num} x 100"][0](batch)
    if cat:
        shifted = shifted.astype({cat: object})
        shifted.loc[shifted.index[:100], cat] = "NEW-LEVEL"
    shifted.to_csv(work / "shifted.csv", index=False)
    subprocess.run([*AUTOML, "fit", work / "train.csv", "--target", "target", "--max-trials",
                    "1", "--no-metalearning", "-o", work / "m", "-q"], check=True,
                   stdout=subprocess.DEVNULL)
    lines = []
    for label, path in (("unshifted", same), ("shifted", work / "shifted.csv")):
        res = subprocess.run([*AUTOML, "predict", work / "m", path, "-o", work / "p.csv",
                              "--force", "--fail-on-drift"], capture_output=True, text=True)
        drift = [w for w in res.stderr.splitlines() if "drift" in w]
        lines.append(f"  automl predict --fail-on-drift, {label} 1,000 rows of {name}: exit "
                     f"{res.returncode}")
        lines += [f"    {w}" for w in drift] or ["    (no drift line)"]
    shutil.rmtree(work, ignore_errors=True)
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tables", default=",".join(TABLES))
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-cli", action="store_true")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    from automl_cli import _drift

    lines = [f"# bench_drift {time.strftime('%Y-%m-%d %H:%M')}, seed {args.seed}: flagged = "
             f"PSI >= {_drift.PSI_MODERATE} and chi-square p < {_drift.ALPHA} / columns"]
    print(lines[0], flush=True)
    for name in args.tables.split(","):
        table_lines = run_table(name, args.batches, args.seed)
        print("\n".join(table_lines), flush=True)
        lines += table_lines
    if not args.no_cli:
        cli_lines = cli_run(args.tables.split(",")[0], args.seed)
        print("\n".join(cli_lines))
        lines += cli_lines
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
