"""Does each phase of the search pay on unseen data? (issue 6: choose the search by measurement)

For each table (split 0 of ``make bench``), ``automl fit`` runs with and without
meta-learning at one budget; from each run's leaderboard, the best config by
search CV among the trials of the first phase (the recommended configs and the
safety default; without meta-learning, the family defaults) and the best over
all trials are refit on the 75 % and scored on the 25 % test split. A later phase
pays when its best scores better on the test split, not only in CV (picking the
maximum of many noisy CV scores flatters it: the winner's curse).

Usage (from the repository root; minutes: two budgeted fits per table)::

    .venv/bin/python tests/bench/search_phases.py --budget 60 --tables cmc,vowel
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from _methods import METRIC  # noqa: E402
from bench_fit import TABLES, manifest, write_split  # noqa: E402

from automl_cli._io import load_table  # noqa: E402
from metabase import (METRICS, build_pipeline, task_of, fit_and_score, infer_schema,  # noqa: E402
                      prepare_frame)

FIRST_PHASE = {"recommended", "default"}


def holdout_score(config, train: Path, test: Path, kind: str) -> float:
    import pandas as pd

    tr, te = load_table(train).frame, load_table(test).frame
    frame = pd.concat([tr, te], ignore_index=True)
    X, y = frame.drop(columns="target"), frame["target"].to_numpy()
    task = task_of(kind)
    schema = infer_schema(X.iloc[:len(tr)])
    Xp, _ = prepare_frame(X, schema)
    classes = None if task == "regression" else sorted(np.unique(y[:len(tr)]).tolist())
    metric = METRIC[kind]
    out = fit_and_score(lambda: build_pipeline(config, schema, task, random_state=0), Xp, y,
                        np.arange(len(tr)), np.arange(len(tr), len(frame)), task, classes,
                        [metric])
    return float(out[metric])


def best(trials, phase_only: bool, metric: str):
    ok = [t for t in trials if t["status"] == "ok"
          and (not phase_only or t["source"] in FIRST_PHASE)]
    pick = max if METRICS[metric].greater_is_better else min
    return pick(ok, key=lambda t: t["score"]) if ok else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budget", type=float, default=60)
    ap.add_argument("--tables", default="")
    ap.add_argument("--store", default=str(HERE.parents[1] / "bench-results"
                                           / "store-without-bench-tables"))
    ap.add_argument("--out", type=Path, help="append one JSON line per table and method")
    ap.add_argument("--methods", default="automl,nometa",
                    help="automl (the shipped search), nometa, automl-local, automl-mixed "
                         "(see automl_cli._candidates.STRATEGY)")
    a = ap.parse_args()
    names = [t for t in a.tables.split(",") if t] or [n for n, _ in TABLES]
    print(f"{'table':24s} {'method':8s} {'trials':>6s} {'phase-1':>7s}  {'cv p1':>8s} "
          f"{'cv all':>8s}  {'test p1':>8s} {'test all':>8s}  later phase on test")
    tables = manifest()
    for name in names:
        kind = tables[name]["task"]
        metric = METRIC[kind]
        gib = METRICS[metric].greater_is_better
        with tempfile.TemporaryDirectory() as tmp:
            train, test, _, _ = write_split(name, kind, 0, Path(tmp))
            for method in a.methods.split(","):
                extra = ["--no-metalearning"] if method == "nometa" else ["--store", a.store]
                strategy = method.split("-")[1] if method.startswith("automl-") else None
                cmd = [sys.executable, "-c", "import sys, automl_cli._candidates as t; "
                       f"t.STRATEGY = {strategy!r} or t.STRATEGY; "
                       "from automl_cli.cli import main; "
                       "sys.argv[0] = 'automl'; main()",
                       "fit", str(train), "--target", "target", "--task",
                       task_of(kind),
                       "--time-budget", f"{a.budget:g}", "--json", "-q", "-o",
                       str(Path(tmp) / method), "--force"] + extra
                doc = json.loads(subprocess.run(cmd, capture_output=True, text=True,
                                                check=True).stdout)
                trials = doc["leaderboard"]
                b1, ball = best(trials, True, metric), best(trials, False, metric)
                s1 = holdout_score({"family": b1["family"], "params": b1["params"]}, train, test,
                                kind)
                sall = s1 if ball is b1 else holdout_score(
                    {"family": ball["family"], "params": ball["params"]}, train, test, kind)
                n1 = sum(t["source"] in FIRST_PHASE for t in trials)
                gain = (sall - s1) if gib else (s1 - sall)
                print(f"{name:24s} {method:8s} {len(trials):6d} {n1:7d}  {b1['score']:8.4f} "
                      f"{ball['score']:8.4f}  {s1:8.4f} {sall:8.4f}  {gain:+.4f}", flush=True)
                if a.out:
                    with open(a.out, "a") as fh:
                        fh.write(json.dumps({"table": name, "method": method,
                                             "budget": a.budget, "trials": len(trials),
                                             "phase1": n1, "cv_p1": b1["score"],
                                             "cv_all": ball["score"], "test_p1": s1,
                                             "test_all": sall, "gain": gain}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
