"""`make bench`: `automl fit` against baselines and FLAML at the same wall budget (issue 6).

Each table of ``TABLES`` is split 75/25 (stratified for classification) with
fixed seeds; every method fits the 75 % on one core within the same budget and
the harness scores its predictions of the untouched 25 % with the task's
default metric (ROC AUC binary, log loss multiclass, R² regression). One row
per (budget, table, split, method) is appended to the CSV as soon as it is
measured, so an interrupted run loses nothing (``--resume`` goes on from it).

Usage (from the repository root, with the project's venv)::

    python tests/bench/bench_fit.py                      # all tables, 10 s x3 splits, 60 s x1
    python tests/bench/bench_fit.py --budgets 10 --splits 1 --tables iris-like,other
    python tests/bench/bench_fit.py --resume             # go on after an interruption
    python tests/bench/bench_fit.py --summary            # re-read the CSV, print the tables

FLAML runs with the interpreter of ``.venv-bench`` (``--flaml-python``), its
own environment; where it is missing the FLAML rows are skipped with a note.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from _methods import (BUDGETED, METHODS, METRIC, MethodRun, autogluon_status,  # noqa: E402
                      flaml_status, run_method)

DATASETS = ROOT.parent / "shared" / "datasets"
DEFAULT_OUT = ROOT / "bench-results" / "fit.csv"

#: FLAML's zero-shot portfolio was trained on these: a comparison on them would flatter FLAML.
EXCLUDED = ("adult", "car", "credit-g", "house-8l", "kr-vs-kp", "pol", "segment", "vehicle")

#: The fixed benchmark list: (name, why it is here). Kinds, sizes and categorical
#: counts come from ../shared/datasets/MANIFEST.csv; none is in EXCLUDED, and none
#: was in our portfolio metabase when the list was made (the run records per row
#: whether the metabase has seen the table since: ``in_metabase``).
TABLES = [
    # binary
    ("credit-approval", "binary, 690 rows, 9 of 15 categorical, missing cells: small and mixed"),
    ("diabetes-pima", "binary, 768 rows, numeric only: small, noisy, classic"),
    ("ionosphere", "binary, 351 rows, 34 numeric: small and fairly wide"),
    ("phoneme", "binary, 5404 rows, 5 numeric: medium and low-dimensional"),
    ("spambase", "binary, 4601 rows, 57 numeric: medium and wide"),
    ("telco-churn", "binary, 7043 rows, 10 of 19 categorical: a realistic churn table"),
    ("mammography", "binary, 11183 rows (>= 10k), numeric, 2.3 % positives: large, imbalanced"),
    ("nass-cds", "binary, 26217 rows (>= 10k), 6 of 11 categorical: large and mixed"),
    # multiclass
    ("dermatology", "multiclass (6), 366 rows, numeric with missing cells: small"),
    ("analcatdata-authorship", "multiclass (4), 841 rows, 70 numeric: small and wide"),
    ("vowel", "multiclass (11), 990 rows, 2 categorical: many classes on a small table"),
    ("cmc", "multiclass (3), 1473 rows, numeric: a weak signal"),
    ("wine-quality-white", "multiclass (7), 4898 rows, numeric: medium, classes of 5 to 2198 rows"),
    ("pendigits", "multiclass (10), 10992 rows (>= 10k), numeric: large"),
    ("nursery", "multiclass (5), 12960 rows (>= 10k), all categorical, a 2-row class: large"),
    # regression
    ("boston", "regression, 506 rows, numeric: small classic"),
    ("sacramento", "regression, 932 rows, 3 categorical of high cardinality (city, zip)"),
    ("concrete", "regression, 1030 rows, numeric: small, strongly non-linear"),
    ("wine-quality-red", "regression, 1599 rows, numeric: noisy integer target"),
    ("ames-housing", "regression, 2930 rows, 40 of 73 categorical: wide and categorical-heavy"),
    ("abalone", "regression, 4177 rows, 1 categorical: medium, noisy"),
    ("ailerons", "regression, 13750 rows (>= 10k), 40 numeric: large and wide"),
    ("cal-housing", "regression, 20640 rows (>= 10k), numeric: large"),
    ("cps1988", "regression, 28155 rows (>= 10k), 4 of 6 categorical: large and mixed"),
]

FIELDS = ["budget", "table", "kind", "n_rows", "n_categorical", "split", "seed", "method",
          "metric", "status", "score", "wall", "overrun", "wall_internal", "predict_seconds",
          "n_train", "n_test", "in_metabase", "detail", "error", "finished"]

#: Seeds of the 75/25 splits; split i uses SPLIT_SEEDS[i] at every budget.
SPLIT_SEEDS = [0, 1, 2, 3, 4]


def manifest() -> dict:
    with open(DATASETS / "MANIFEST.csv", newline="") as fh:
        return {row["name"]: row for row in csv.DictReader(fh)}


def metabase_tables(store: str | None = None) -> set:
    """Names of the tables our portfolio metabase (what `fit` learns from) has runs on."""
    try:
        from metabase._store import load_store

        tasks = load_store(Path(store) if store else None).tasks
        return set(tasks.loc[tasks["source"] == "portfolio", "name"].dropna())
    except Exception as exc:  # noqa: BLE001 - a bench note, not a failure
        print(f"note: cannot read the metabase store ({exc}); in_metabase left empty")
        return set()


def write_split(name: str, kind: str, seed: int, workdir: Path) -> tuple[Path, Path, int, int]:
    """75/25 split of the table (stratified for classification) as train.csv and test.csv."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    from automl_cli._io import load_table

    frame = load_table(DATASETS / f"{name}.csv.gz").frame
    frame = frame[frame["target"].notna()].reset_index(drop=True)
    strat = None
    if kind != "regression":
        counts = frame["target"].value_counts()
        strat = frame["target"] if counts.min() >= 2 else None
    tr, te = train_test_split(np.arange(len(frame)), test_size=0.25, random_state=seed,
                              stratify=strat)
    train, test = workdir / "train.csv", workdir / "test.csv"
    frame.iloc[np.sort(tr)].to_csv(train, index=False)
    frame.iloc[np.sort(te)].to_csv(test, index=False)
    return train, test, len(tr), len(te)


def read_done(path: Path) -> set:
    if not path.exists():
        return set()
    with open(path, newline="") as fh:
        return {(r["budget"], r["table"], r["split"], r["method"]) for r in csv.DictReader(fh)}


def append_row(path: Path, row: dict) -> None:
    """One row, written with a single ``write`` (``--jobs`` children share the file)."""
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS)
    if not path.exists() or path.stat().st_size == 0:
        w.writeheader()
    w.writerow({k: row.get(k, "") for k in FIELDS})
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, buf.getvalue().encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def _list(text: str | None, cast=str) -> list:
    return [cast(x.strip()) for x in text.split(",") if x.strip()] if text else []


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budgets", default="10,60", help="seconds per fit, comma-separated")
    p.add_argument("--splits", default="3,1",
                   help="splits per budget, in the order of --budgets (one number: all budgets)")
    p.add_argument("--tables", help="comma-separated subset of the fixed list (default: all)")
    p.add_argument("--methods", default=",".join(METHODS), help=f"among {', '.join(METHODS)}")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results CSV")
    p.add_argument("--resume", action="store_true", help="skip rows already in --out")
    p.add_argument("--force", action="store_true", help="start --out afresh")
    p.add_argument("--summary", action="store_true", help="only re-read --out and print")
    p.add_argument("--flaml-python", type=Path, default=ROOT / ".venv-bench" / "bin" / "python")
    p.add_argument("--autogluon-python", type=Path,
                   default=ROOT / ".venv-autogluon" / "bin" / "python")
    p.add_argument("--store", help="metabase store passed to automl fit (default: shipped)")
    p.add_argument("--list", action="store_true", help="print the fixed table list and exit")
    p.add_argument("--names", action="store_true",
                   help="print the fixed list's names, comma-separated, and exit")
    p.add_argument("--jobs", type=int, default=1,
                   help="run the tables in this many processes at once (each method still "
                        "gets one core: use at most the machine's cores)")
    p.add_argument("--shard", help=argparse.SUPPRESS)     # "i/n": tables i, i+n, ... (--jobs)
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from _summary import print_summary

    if args.list:
        for name, why in TABLES:
            print(f"{name:<24} {why}")
        return 0
    if args.names:
        print(",".join(name for name, _ in TABLES))
        return 0
    if args.summary:
        if not args.out.exists():
            print(f"error: {args.out}: no results yet; run the bench first", file=sys.stderr)
            return 2
        print_summary(args.out)
        return 0
    if not DATASETS.is_dir():
        print(f"error: {DATASETS}: the shared tables are not here; the bench needs them",
              file=sys.stderr)
        return 2
    budgets = _list(args.budgets, float)
    splits = _list(args.splits, int)
    splits = splits * len(budgets) if len(splits) == 1 else splits
    if len(splits) != len(budgets) or max(splits) > len(SPLIT_SEEDS):
        print(f"error: --splits: give one number or one per budget, each <= {len(SPLIT_SEEDS)}",
              file=sys.stderr)
        return 2
    known = dict(TABLES)
    names = _list(args.tables) or list(known)
    bad = [n for n in names if n not in known]
    if bad:
        print(f"error: --tables: {', '.join(bad)} not in the fixed list (see --list)",
              file=sys.stderr)
        return 2
    methods = _list(args.methods)
    bad = [m for m in methods if m not in METHODS]
    if bad:
        print(f"error: --methods: unknown {', '.join(bad)}; choose among {', '.join(METHODS)}",
              file=sys.stderr)
        return 2
    if args.out.exists() and args.out.stat().st_size and not (args.resume or args.force):
        print(f"error: {args.out} exists: use --resume to go on, --force to start afresh, "
              "--summary to print it", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.force and args.out.exists():
        args.out.unlink()
    if "flaml" in methods:
        ok, note = flaml_status(args.flaml_python)
        print(f"note: {note}")
        if not ok:
            methods.remove("flaml")
    if "autogluon" in methods:
        ok, note = autogluon_status(args.autogluon_python)
        print(f"note: {note}")
        if not ok:
            methods.remove("autogluon")
    signal.signal(signal.SIGTERM, _interrupt)
    if args.store:      # the methods run in a temporary directory: a relative path would miss
        args.store = str(Path(args.store).resolve())
        if not Path(args.store).is_dir():
            print(f"error: --store {args.store}: no such directory", file=sys.stderr)
            return 2
    if args.jobs > 1:
        return run_shards(args, argv)
    if args.shard:
        i, n = (int(v) for v in args.shard.split("/"))
        names = names[i::n]
    done = read_done(args.out) if args.resume else set()
    meta = manifest()
    seen = metabase_tables(args.store)
    try:
        run_all(budgets, splits, names, methods, meta, seen, done, args)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished rows are in {args.out}; go on with --resume",
              file=sys.stderr)
        return 130
    print()
    print_summary(args.out)
    return 0


def run_shards(args, argv) -> int:
    """``--jobs N``: N child processes, each on every N-th table, appending to one CSV.

    Each row is one ``write`` to a file opened for appending (atomic on a local
    file system), so the children's rows do not interleave.
    """
    import subprocess

    argv = list(sys.argv[1:] if argv is None else argv)
    drop = {"--jobs", "--force"}
    rest, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in drop or a.split("=")[0] in drop:
            skip = a == "--jobs"
            continue
        rest.append(a)
    if not args.out.exists() or args.out.stat().st_size == 0:
        with open(args.out, "w", newline="") as fh:
            csv.DictWriter(fh, fieldnames=FIELDS).writeheader()
    children = [subprocess.Popen([sys.executable, __file__, *rest, "--resume",
                                  "--shard", f"{i}/{args.jobs}"])
                for i in range(args.jobs)]
    try:
        codes = [c.wait() for c in children]
    except KeyboardInterrupt:
        for c in children:
            c.send_signal(signal.SIGINT)
        codes = [c.wait() for c in children]
        print(f"\ninterrupted: finished rows are in {args.out}; go on with --resume",
              file=sys.stderr)
        return 130
    from _summary import print_summary

    print()
    print_summary(args.out)
    return max(codes)


def run_all(budgets, splits, names, methods, meta, seen, done, args) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               VECLIB_MAXIMUM_THREADS="1", NUMEXPR_NUM_THREADS="1")
    env.pop("AUTOML_DASK_SCHEDULER", None)      # one core, this machine: no Dask cluster
    total = sum(len(names) * n * len(methods) for n in splits)
    count = 0
    for budget, n_splits in zip(budgets, splits, strict=True):
        for name in names:
            info = meta[name]
            kind = info["task"]
            for split in range(n_splits):
                todo = [m for m in methods
                        if (_fmt(budget), name, str(split), m) not in done]
                count += len(methods) - len(todo)
                if not todo:
                    continue
                seed = SPLIT_SEEDS[split]
                workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
                try:
                    try:
                        train, test, n_train, n_test = write_split(name, kind, seed, workdir)
                    except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
                        print(f"{name} split {split}: cannot split ({exc}); recorded as failed")
                        for method in todo:
                            append_row(args.out, {
                                "budget": _fmt(budget), "table": name, "kind": kind,
                                "split": split, "seed": seed, "method": method,
                                "metric": METRIC[kind], "status": "split failed",
                                "error": str(exc)[:300], "n_rows": info["n_rows"],
                                "n_categorical": info["n_categorical"]})
                        continue
                    for method in todo:
                        count += 1
                        head = (f"[{count}/{total}{' shard ' + args.shard if args.shard else ''}]"
                                f" {_fmt(budget)} s  {name}  split {split}  {method} ...")
                        if not args.shard:      # children print whole lines only
                            print(head, end=" ", flush=True)
                        run = MethodRun(method, train, test, kind, budget, seed, workdir, env,
                                        args.flaml_python, args.store, args.autogluon_python)
                        row = run_method(run)
                        row.update(budget=_fmt(budget), table=name, kind=kind,
                                   n_rows=info["n_rows"], n_categorical=info["n_categorical"],
                                   split=split, seed=seed, method=method, n_train=n_train,
                                   n_test=n_test, in_metabase=int(name in seen),
                                   finished=time.strftime("%Y-%m-%dT%H:%M:%S"))
                        if method in BUDGETED and row.get("wall") not in (None, ""):
                            row["overrun"] = round(float(row["wall"]) / budget, 3)
                        append_row(args.out, row)
                        what = (f"{row['metric']} {float(row['score']):.4f}"
                                if row["status"] == "ok" else f"{row['status']}: {row['error']}")
                        print((head + " " if args.shard else "")
                              + f"{what}  ({float(row['wall'] or 0):.1f} s)", flush=True)
                finally:
                    shutil.rmtree(workdir, ignore_errors=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _fmt(budget: float) -> str:
    return f"{budget:g}"


if __name__ == "__main__":
    sys.exit(main())
