"""Streaming `automl predict`: peak memory barely grows with the rows (issue 7).

Fits a small model once, writes tables of 10,000, 100,000 and 1,000,000 rows
(CSV, optionally gzipped) in blocks so the harness itself stays small, then
runs ``automl predict --chunk-rows 100000 --proba -o out.csv`` on each as a
separate process and reads the process's peak RSS (``/usr/bin/time -v``, or
``getrusage`` in a wrapper process where it is missing). Bounded memory means
the 1M-row peak is close to the 100k-row peak. One more run scores the million
rows in a single chunk, for contrast.

Usage (from the repository root, with the project's venv)::

    python tests/bench/bench_predict.py              # 10k, 100k, 1M rows
    python tests/bench/bench_predict.py --gzip       # the same, .csv.gz input
    python tests/bench/bench_predict.py --rows 10000,100000 --no-contrast
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_OUT = ROOT / "bench-results" / "predict.csv"
AUTOML = [sys.executable, "-c", "from automl_cli.cli import main; main()"]
BLOCK = 100_000

_RUSAGE_WRAPPER = """
import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:]).returncode
print("PEAK_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(rc)
"""


def frame(n: int, seed: int):
    """Numeric, categorical (with unseen levels), boolean and missing cells."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.uniform(0, 10, size=n)
    colour = rng.choice(["red", "green", "blue", "teal"], size=n)
    flag = rng.random(n) < 0.5
    y = np.where(1.5 * x1 + 0.3 * (x2 - 5) + (colour == "red") + rng.normal(size=n) > 0,
                 "yes", "no")
    f = pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "flag": flag, "y": y})
    f.loc[rng.random(n) < 0.05, "x2"] = np.nan
    return f


def write_table(path: Path, n: int, gz: bool) -> Path:
    """``n`` rows without the target, written block by block."""
    path = path.with_suffix(".csv.gz" if gz else ".csv")
    opts = {"compression": "gzip"} if gz else {}
    for start in range(0, n, BLOCK):
        block = frame(min(BLOCK, n - start), seed=start + 1).drop(columns=["y"])
        block.insert(0, "row_id", np.arange(start, start + len(block)))
        block.to_csv(path, index=False, header=start == 0, mode="w" if start == 0 else "a",
                     **opts)
    return path


def peak_rss_run(cmd: list[str]) -> tuple[int, float, int, str]:
    """(exit code, wall seconds, peak RSS in KB, stderr) of ``cmd``."""
    timer = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    full = [timer, "-v", *cmd] if timer else [sys.executable, "-c", _RUSAGE_WRAPPER, *cmd]
    t0 = time.monotonic()
    proc = subprocess.run(full, capture_output=True, text=True)
    wall = time.monotonic() - t0
    m = (re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
         or re.search(r"PEAK_KB (\d+)", proc.stderr))
    return proc.returncode, wall, int(m.group(1)) if m else -1, proc.stderr


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="10000,100000,1000000", help="comma-separated row counts")
    ap.add_argument("--chunk-rows", type=int, default=100_000)
    ap.add_argument("--gzip", action="store_true", help="gzipped input")
    ap.add_argument("--no-contrast", action="store_true",
                    help="skip the run that scores the largest table in one chunk")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="CSV (default %(default)s)")
    ap.add_argument("--fit-args", default="--max-trials 2",
                    help="options of the fit that makes the model (default %(default)s; e.g. "
                    "'--time-budget 60' for the default ensemble)")
    args = ap.parse_args(argv)
    sizes = [int(r) for r in args.rows.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-predict-") as tmp:
        tmp = Path(tmp)
        train = tmp / "train.csv"
        frame(2000, seed=0).to_csv(train, index=False)
        fit = subprocess.run([*AUTOML, "fit", str(train), *shlex.split(args.fit_args), "-o",
                              str(tmp / "model"), "-q", "--json"], capture_output=True, text=True)
        if fit.returncode:
            sys.exit(f"fit failed: {fit.stderr}")
        members = [f"{m['family']} {m['weight']:.2f} {m.get('final') or ''}".strip()
                   for m in json.loads(fit.stdout)["ensemble"] if m["config"]]
        print(f"model: {len(members)} member(s): {', '.join(members)} (fit on 2000 rows, "
              f"{args.fit_args}); --chunk-rows {args.chunk_rows}; "
              f"input {'csv.gz' if args.gzip else 'csv'}")
        runs = [(n, args.chunk_rows) for n in sizes]
        if not args.no_contrast:
            runs.append((max(sizes), max(sizes)))
        for n, chunk in runs:
            data = write_table(tmp / f"t{n}", n, args.gzip)
            out = tmp / "out.csv"
            rc, wall, peak_kb, err = peak_rss_run(
                [*AUTOML, "predict", str(tmp / "model"), str(data), "--proba", "--id-column",
                 "row_id", "-o", str(out), "--force", "--chunk-rows", str(chunk), "-q"])
            if rc:
                sys.exit(f"predict on {n} rows failed (exit {rc}): {err[-2000:]}")
            with open(out) as fh:
                written = sum(1 for _ in fh) - 1
            assert written == n, (written, n)
            row = {"rows": n, "chunk_rows": chunk, "gzip": args.gzip, "wall": round(wall, 2),
                   "rows_per_s": round(n / wall), "peak_rss_mb": round(peak_kb / 1024, 1),
                   "input_mb": round(data.stat().st_size / 2 ** 20, 1)}
            results.append(row)
            print(f"{n:>9,} rows  chunk {chunk:>9,}  input {row['input_mb']:7.1f} MB  "
                  f"wall {wall:6.1f} s  {row['rows_per_s']:>9,} rows/s  "
                  f"peak RSS {row['peak_rss_mb']:7.1f} MB", flush=True)
            data.unlink()
    streamed = {r["rows"]: r["peak_rss_mb"] for r in results if r["chunk_rows"] == args.chunk_rows}
    big = max(streamed)
    for n in sorted(streamed):
        if n != big:
            print(f"peak RSS {big:,} rows / {n:,} rows: {streamed[big] / streamed[n]:.2f}")
    walls = {r["rows"]: r["wall"] for r in results if r["chunk_rows"] == args.chunk_rows}
    small = min(walls)
    if big != small and walls[big] > walls[small]:      # start-up and model loading cancel out
        print(f"marginal rate ({small:,} -> {big:,} rows): "
              f"{(big - small) / (walls[big] - walls[small]):,.0f} rows/s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, list(results[0]))
        writer.writeheader()
        writer.writerows(results)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
