"""What the drift checks and the skops model file cost `automl predict` (issue 18).

In one process, on one model and one table, alternately: ``predict_file`` with the
drift monitor and without it (``load_profile`` patched to return None), a few times
each, so that a busy machine slows both alike; then loading the model from
``model.skops`` (type audit, build, index checks) against ``joblib.load`` of the same
estimator. Prints rows/s and the overhead, and appends them to
``bench-results/predict-drift.txt``.

Usage (from the repository root, with the project's venv)::

    python tests/bench/bench_predict_drift.py                  # 200,000 rows x 20 columns
    python tests/bench/bench_predict_drift.py --rows 50000 --repeats 2
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DEFAULT_OUT = ROOT / "bench-results" / "predict-drift.txt"
AUTOML = [sys.executable, "-c", "from automl_cli.cli import main; main()"]


def frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 16)), columns=[f"x{i}" for i in range(16)])
    for j, levels in enumerate((3, 8, 30, 5)):
        X[f"c{j}"] = rng.choice([f"l{k}" for k in range(levels)], size=n)
    X.loc[rng.random(n) < 0.05, "x3"] = np.nan
    X["y"] = np.where(X["x0"] + X["x1"] * (X["c0"] == "l1") + rng.normal(size=n) > 0, "a", "b")
    return X


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    import joblib

    from automl_cli import _predict
    from automl_cli._artifact import load_model

    work = Path(tempfile.mkdtemp(prefix="bench-predict-drift-"))
    frame(5000, 0).to_csv(work / "train.csv", index=False)
    subprocess.run([*AUTOML, "fit", work / "train.csv", "--max-trials", "1", "--no-metalearning",
                    "-o", work / "m", "-q"], check=True, stdout=subprocess.DEVNULL)
    frame(args.rows, 1).drop(columns="y").to_csv(work / "batch.csv", index=False)

    def run():
        _predict.predict_file(work / "m", work / "batch.csv", str(work / "p.csv"), force=True)

    with_drift, without = [], []
    for _ in range(args.repeats):
        with_drift.append(timed(run))
        with mock.patch.object(_predict, "load_profile", lambda *a: None):
            without.append(timed(run))
    model, _ = load_model(work / "m")
    joblib.dump(model, work / "m.joblib", compress=3)
    skops_load = min(timed(lambda: load_model(work / "m")) for _ in range(args.repeats))
    joblib_load = min(timed(lambda: joblib.load(work / "m.joblib")) for _ in range(args.repeats))
    a, b = np.median(with_drift), np.median(without)
    lines = [f"# bench_predict_drift {time.strftime('%Y-%m-%d %H:%M')}: {args.rows} rows x 20 "
             f"columns, model {type(model).__name__}, median of {args.repeats}",
             f"predict with drift checks:    {a:.2f} s, {args.rows / a:,.0f} rows/s",
             f"predict without drift checks: {b:.2f} s, {args.rows / b:,.0f} rows/s "
             f"(drift checks cost {100 * (a - b) / b:+.0f} %)",
             f"load model.skops (audit, build, index checks): {skops_load:.3f} s; "
             f"joblib.load of the same estimator: {joblib_load:.3f} s"]
    print("\n".join(lines))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "a") as fh:
        fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
