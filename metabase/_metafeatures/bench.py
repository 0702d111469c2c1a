"""Benchmark: time and memory of :func:`profile` on a large mixed table, vs pymfe.

``python -m metabase._metafeatures.bench [--rows 100000] [--pymfe-timeout 120]``

Builds a fixed-seed table (80 numeric and 20 categorical columns, a few missing
cells, 3 classes), times the full profile (best of 3) and measures its peak
memory, then times pymfe's comparable groups (general, statistical, info-theory,
landmarking) in a subprocess capped by a timeout, on the same table and on a
small one (5,000 x 20); pymfe gets the tables with missing cells imputed, since
it refuses missing values. Run it on one core: ``OMP_NUM_THREADS=1`` etc.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import time
import tracemalloc

import numpy as np
import pandas as pd

from . import profile

PYMFE_GROUPS = ["general", "statistical", "info-theory", "landmarking"]


def make_table(n_rows=100_000, n_numeric=80, n_nominal=20, seed=0):
    """A mixed classification table with a known seed; returns ``(X, y)``."""
    rng = np.random.default_rng(seed)
    columns = {}
    for j in range(n_numeric):
        kind = j % 4
        if kind == 0:
            values = rng.normal(j, 1 + j % 7, n_rows)
        elif kind == 1:
            values = rng.lognormal(0, 1, n_rows)
        elif kind == 2:
            values = rng.integers(0, 10 + j, n_rows).astype(float)
        else:
            values = rng.uniform(-1, 1, n_rows).round(3)
        if j % 10 == 0:
            values[rng.random(n_rows) < 0.02] = np.nan
        columns[f"num{j}"] = values
    for j in range(n_nominal):
        levels = [f"v{i}" for i in range(2 + (j * 7) % 40)]
        codes = rng.integers(0, len(levels), n_rows)
        if j % 5 == 0:
            codes[rng.random(n_rows) < 0.02] = -1
        columns[f"cat{j}"] = pd.Categorical.from_codes(codes, categories=levels)
    X = pd.DataFrame(columns)
    signal = X["num0"].fillna(0).to_numpy() + 2 * (X["cat1"].cat.codes.to_numpy() % 2)
    y = pd.Series(np.digitize(signal + rng.normal(0, 1, n_rows), [0.5, 2.0]), name="target")
    return X, y.map({0: "a", 1: "b", 2: "c"}).astype("category")


def time_profile(X, y, repeats=3):
    """Best-of-`repeats` seconds of the full profile, and its result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        current = profile(X, y, task="classification")
        if time.perf_counter() - start < best:
            best, result = time.perf_counter() - start, current
    return best, result


def peak_memory(X, y):
    """Peak bytes allocated (tracemalloc) while profiling."""
    tracemalloc.start()
    profile(X, y, task="classification")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _impute(X):
    """pymfe refuses missing values: medians for numeric columns, modes for the rest."""
    X = X.copy()
    for c in X.columns:
        if X[c].isna().any():
            numeric = pd.api.types.is_numeric_dtype(X[c])
            X[c] = X[c].fillna(X[c].median() if numeric else X[c].mode().iloc[0])
    return X


def _pymfe_worker(X, y, queue):
    from pymfe.mfe import MFE

    X = _impute(X)  # not timed: our profile needs no imputation
    start = time.perf_counter()
    mfe = MFE(groups=PYMFE_GROUPS, random_state=0)
    mfe.fit(X.to_numpy(dtype=object), y.to_numpy(), cat_cols=[
        i for i, c in enumerate(X.columns) if not pd.api.types.is_numeric_dtype(X[c])],
        suppress_warnings=True)
    names, _ = mfe.extract(suppress_warnings=True)
    queue.put((time.perf_counter() - start, len(names)))


def time_pymfe(X, y, timeout):
    """Seconds pymfe takes (None on timeout), number of its features, or an error text."""
    try:
        import pymfe  # noqa: F401
    except ImportError:
        return None, None, "pymfe is not installed (pip install pymfe)"
    queue = mp.get_context("fork").Queue()
    worker = mp.get_context("fork").Process(target=_pymfe_worker, args=(X, y, queue))
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        worker.terminate()
        worker.join()
        return None, None, f"timed out after {timeout:g} s"
    if queue.empty():
        return None, None, f"failed (exit code {worker.exitcode})"
    seconds, n_features = queue.get()
    return seconds, n_features, None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m metabase._metafeatures.bench")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pymfe-timeout", type=float, default=120.0)
    parser.add_argument("--no-pymfe", action="store_true")
    args = parser.parse_args(argv)

    X, y = make_table(args.rows)
    size = X.memory_usage(deep=True).sum() + y.memory_usage(deep=True)
    seconds, result = time_profile(X, y)
    peak = peak_memory(X, y)
    n_values = sum(not math.isnan(v) for v in result.values.values())
    print(f"table: {X.shape[0]} x {X.shape[1]} (80 numeric, 20 categorical), "
          f"{size / 2**20:.1f} MiB in pandas")
    print(f"ours: full profile best of 3 = {seconds:.2f} s, {n_values} qualities, "
          f"peak traced memory {peak / 2**20:.1f} MiB ({peak / size:.1f}x the table)")
    print("  by group (best run): " + ", ".join(f"{g} {t:.2f}s" for g, t in result.timings.items()))
    for note in result.notes:
        print(f"  note: {note}")
    if args.no_pymfe:
        return 0
    small_X, small_y = make_table(5_000, 16, 4, seed=1)
    small_ours, _ = time_profile(small_X, small_y)
    for label, (tx, ty, ours) in {"same table": (X, y, seconds),
                                  "5000 x 20 table": (small_X, small_y, small_ours)}.items():
        theirs, n_features, problem = time_pymfe(tx, ty, args.pymfe_timeout)
        if problem:
            print(f"pymfe ({', '.join(PYMFE_GROUPS)}) on the {label}: {problem}; "
                  f"ours {ours:.2f} s" + (f", ratio > {args.pymfe_timeout / ours:.0f}x"
                                          if "timed out" in problem else ""))
        else:
            print(f"pymfe ({', '.join(PYMFE_GROUPS)}) on the {label}: {theirs:.2f} s for "
                  f"{n_features} features; ours {ours:.2f} s; pymfe / ours = "
                  f"{theirs / ours:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
