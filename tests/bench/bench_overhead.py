"""`make bench-overhead` (minutes): where the seconds of a fit go.

For a small table (credit-approval, 690 rows), a generated 20,000-row regression table
and a generated 100,000-row binary table, at 10 s and 60 s: trials run, and the seconds
in start-up + reading, profile, recommend, search, ensemble, refit, final evaluation and
save (from `automl fit --json`'s timings and the wall clock). One line per run is
appended to bench-results/overhead.jsonl with a label (``--label before``), so that a
change is measured against the same runs before it.

    python tests/bench/bench_overhead.py --label before
    python tests/bench/bench_overhead.py --summary
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "bench-results" / "overhead.jsonl"
PHASES = ["profile", "recommend", "search", "ensemble", "refit", "final_cv"]


def _tables(tmp: Path) -> dict:
    sys.path.insert(0, str(HERE))
    from generated import TABLES

    paths = {"small": ROOT.parent / "shared" / "datasets" / "credit-approval.csv.gz"}
    for name in ("rows20k", "rows100k"):
        paths[name] = tmp / f"{name}.csv"
        TABLES[name]().to_csv(paths[name], index=False)
    return paths


def measure(path: Path, budget: float, tmp: Path) -> dict:
    automl = Path(sys.executable).with_name("automl")
    t0 = time.perf_counter()
    out = subprocess.run([str(automl), "fit", str(path), "--time-budget", f"{budget:g}",
                          "--json", "-q", "-o", str(tmp / "m"), "--force"],
                         capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        return {"status": f"exit {out.returncode}", "error": out.stderr.strip()[-200:],
                "wall": round(wall, 2)}
    doc = json.loads(out.stdout)
    t = doc["timings"]
    phases = {p: round(t.get(p, 0.0), 2) for p in PHASES}
    startup = t["total"] - sum(t.get(p, 0.0) for p in PHASES)
    return {"status": "ok", "trials": doc["search"]["trials"],
            "ok_trials": doc["search"]["statuses"].get("ok", 0), "wall": round(wall, 2),
            "startup_read": round(startup, 2), **phases,
            "save": round(doc["wall_seconds"] - t["total"], 2),
            "trials_per_s": round(doc["search"]["trials"] / max(t.get("search", 0), 1e-9), 2),
            "score": doc["score"]["mean"], "source": doc["score"].get("source")}


def summary() -> None:
    rows = [json.loads(line) for line in OUT.read_text().splitlines()] if OUT.exists() else []
    cols = ["trials", "ok_trials", "startup_read", *PHASES, "save", "wall", "trials_per_s",
            "ok_per_s", "ok_per_budget_s"]
    for r in rows:
        # successful trials per second of search (a trial started and killed buys nothing),
        # and per second of the budget: a search cut short by its reserves buys less
        if r.get("ok_trials") is not None and r.get("search"):
            r["ok_per_s"] = round(r["ok_trials"] / max(r["search"], 1e-9), 2)
            r["ok_per_budget_s"] = round(r["ok_trials"] / r["budget"], 2)
    print(f"{'label':<18} {'table':<9} {'budget':>6} " + " ".join(f"{c[:9]:>9}" for c in cols))
    for r in rows:
        print(f"{r['label']:<18} {r['table']:<9} {r['budget']:>6g} "
              + " ".join(f"{r.get(c, '-')!s:>9}" for c in cols))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--label", default="run")
    p.add_argument("--budgets", default="10,60")
    p.add_argument("--summary", action="store_true")
    args = p.parse_args(argv)
    if args.summary:
        summary()
        return 0
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, path in _tables(tmp).items():
            for budget in (float(b) for b in args.budgets.split(",")):
                row = {"label": args.label, "table": name, "budget": budget,
                       **measure(path, budget, tmp), "finished": time.strftime("%FT%T")}
                with open(OUT, "a") as fh:
                    fh.write(json.dumps(row) + "\n")
                print(json.dumps(row), flush=True)
    summary()
    return 0


if __name__ == "__main__":
    sys.exit(main())
