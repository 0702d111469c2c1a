"""Time `profile + recommend` on a 10,000-row table against the 1 s target (issue 6).

- cold: a fresh process (imports, reading the table, then the first
  ``advise`` call, which profiles the table and loads the store and builds the
  meta-models once, lazily);
- warm: a second ``advise`` call in the same process (the store is cached);
- cli: ``automl recommend TABLE --json`` as a user runs it, launch to exit.

Usage (from the repository root, with the project's venv)::

    python tests/bench/bench_recommend.py                   # chicago-taxi-tip (10,000 rows)
    python tests/bench/bench_recommend.py --synthetic       # make_classification, mixed columns
    python tests/bench/bench_recommend.py --repeats 5 --out bench-results/recommend.json

Everything runs on one core (OMP/OPENBLAS/MKL_NUM_THREADS=1).
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT.parent / "shared" / "datasets"
TARGET_SECONDS = 1.0
ROWS = 10_000


def synthetic_table(path: Path, rows: int = ROWS, seed: int = 0) -> None:
    """A binary table with numeric, categorical, boolean and missing cells."""
    import numpy as np
    import pandas as pd
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=rows, n_features=12, n_informative=6,
                               random_state=seed)
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    frame["colour"] = rng.choice(["red", "green", "blue", "black"], rows)
    frame["city"] = rng.choice([f"city{i}" for i in range(40)], rows)
    frame["flag"] = rng.random(rows) < 0.3
    frame.loc[rng.random(rows) < 0.05, "x0"] = np.nan
    frame.loc[rng.random(rows) < 0.05, "colour"] = None
    frame["target"] = np.where(y == 1, "yes", "no")
    frame.to_csv(path, index=False)


def make_table(args, workdir: Path) -> tuple[Path, str]:
    path = workdir / "table.csv"
    if args.synthetic or not (DATASETS / f"{args.table}.csv.gz").exists():
        why = "" if args.synthetic else f" ({args.table} not found in {DATASETS})"
        synthetic_table(path, args.rows)
        return path, f"synthetic make_classification, {args.rows} rows, mixed columns{why}"
    import pandas as pd

    frame = pd.read_csv(DATASETS / f"{args.table}.csv.gz")
    if len(frame) > args.rows:
        frame = frame.sample(args.rows, random_state=0)
    frame.to_csv(path, index=False)
    return path, f"{args.table}, {len(frame)} rows x {frame.shape[1] - 1} features"


def child(path: str) -> None:
    """One fresh process: cold then warm advise; prints one JSON line."""
    from automl_cli._advice import advise
    from automl_cli._io import load_table
    from automl_cli._task import make_problem
    from metabase import _recommend, _store

    t_read = time.perf_counter()
    problem = make_problem(load_table(path).frame, "target", "auto", path)
    t0 = time.perf_counter()
    _, prof_cold = advise(problem, top=5)
    t1 = time.perf_counter()
    _, prof_warm = advise(problem, top=5)
    t2 = time.perf_counter()
    print(json.dumps({
        "imports": t_read - START, "read": t0 - t_read,
        "cold": t1 - t0, "cold_profile": prof_cold,
        "warm": t2 - t1, "warm_profile": prof_warm,
        "process": t2 - START,
        "store_loads": _store._load.cache_info().misses,
        "metamodel_builds": _recommend._models.cache_info().misses,
        "metamodel_hits": _recommend._models.cache_info().hits,
    }))


def run(cmd, env) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"error: {' '.join(map(str, cmd))} exited {out.returncode}: "
                         f"{out.stderr.strip().splitlines()[-1:]}")
    return wall, out.stdout


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--table", default="chicago-taxi-tip", help="a table of ../shared/datasets")
    p.add_argument("--synthetic", action="store_true", help="a make_classification table")
    p.add_argument("--rows", type=int, default=ROWS)
    p.add_argument("--repeats", type=int, default=3, help="fresh processes to time")
    p.add_argument("--out", type=Path, help="also write the measurements as JSON")
    args = p.parse_args(argv)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    automl = Path(sys.executable).with_name("automl")
    with tempfile.TemporaryDirectory(prefix="bench-recommend-") as tmp:
        path, what = make_table(args, Path(tmp))
        runs, cli = [], []
        for _ in range(args.repeats):
            wall, out = run([sys.executable, __file__, "--child", path], env)
            runs.append(dict(json.loads(out.strip().splitlines()[-1]), launch_to_exit=wall))
            wall, out = run([automl, "recommend", path, "--target", "target", "--json"], env)
            cli.append({"wall": wall, "reported": json.loads(out)["seconds"]})
    med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
    print(f"table: {what}; {args.repeats} fresh process(es), medians; one core")
    print(f"  {'step':<48} {'seconds':>8}  vs {TARGET_SECONDS:g} s")
    lines = [
        ("imports (automl_cli, metabase, pandas)", med("imports"), None),
        ("read + type the table", med("read"), None),
        ("cold profile + recommend (first call)", med("cold"), True),
        ("  of which profile", med("cold_profile"), None),
        ("  of which recommend (store load + meta-model)", med("cold") - med("cold_profile"),
         None),
        ("warm profile + recommend (second call)", med("warm"), True),
        ("  of which profile", med("warm_profile"), None),
        ("  of which recommend", med("warm") - med("warm_profile"), None),
        ("fresh process, launch to exit", med("launch_to_exit"), None),
        ("automl recommend --json, launch to exit",
         statistics.median(c["wall"] for c in cli), None),
    ]
    for name, secs, checked in lines:
        verdict = ("ok" if secs <= TARGET_SECONDS else "OVER") if checked else ""
        print(f"  {name:<48} {secs:8.3f}  {verdict}")
    r = runs[0]
    print(f"  store loaded {r['store_loads']} time(s) and meta-models built "
          f"{r['metamodel_builds']} time(s) per process ({r['metamodel_hits']} cache hit(s))")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"table": what, "runs": runs, "cli": cli}, indent=1))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
