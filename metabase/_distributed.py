"""Running trials and portfolio runs on several cores or a Dask cluster.

``connect(scheduler)`` returns a ``dask.distributed.Client`` (``dask[distributed]``
is an optional extra). Work units are plain functions of picklable arguments;
each runs its fit in ``run_isolated`` on the worker, so time and memory limits
hold there too. A worker that dies loses only the unit it was running: Dask
retries it elsewhere (``distributed.scheduler.allowed-failures``), and the
caller records it as failed if it still cannot finish.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

ENV_SCHEDULER = "AUTOML_DASK_SCHEDULER"


class DaskUnavailable(RuntimeError):
    """dask[distributed] is missing, or the scheduler cannot be reached."""


def scheduler_address(option: str | None) -> str | None:
    """The option, else ``$AUTOML_DASK_SCHEDULER``, else None (run locally)."""
    return option or os.environ.get(ENV_SCHEDULER) or None


def connect(address: str, timeout: float = 10.0):
    try:
        from distributed import Client
    except ImportError:
        raise DaskUnavailable("running on a Dask cluster needs dask[distributed]: "
                              "pip install 'automl[dask]'") from None
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {address}: {exc}") from None


# ---- metabase build: one unit = one (table, config) -------------------------------------------

@lru_cache(maxsize=4)
def _prepared(path: str, task: str, max_rows: int, seed: int, folds: int):
    """The table as the portfolio runs see it; cached per worker process."""
    import numpy as np

    from ._evaluate import make_splits
    from ._portfolio import read_table, subsample
    from ._schema import infer_schema, prepare_frame

    X, y = read_table(Path(path))
    keep = y.notna().to_numpy()
    X, y = X[keep], y[keep]
    if task == "classification":
        y = y.astype(str)
    X, y = subsample(X, y, task, max_rows, seed)
    schema = infer_schema(X)
    Xp, _ = prepare_frame(X, schema)
    Xp = Xp.reset_index(drop=True)
    yv = np.asarray(y)
    classes = sorted(np.unique(yv)) if task == "classification" else None
    return Xp, yv, classes, schema, make_splits(yv, task, folds, 1, seed)


def portfolio_unit(path: str, task: str, config: dict, settings, timeout: float) -> dict:
    """Cross-validate one portfolio config on one table (runs on a worker)."""
    from ._isolate import run_isolated
    from ._portfolio import _evaluate_config

    Xp, yv, classes, schema, splits = _prepared(path, task, settings.max_rows, settings.seed,
                                                settings.folds)
    out = run_isolated(lambda: _evaluate_config(config, Xp, yv, task, classes, schema, splits,
                                                settings.seed),
                       timeout=timeout, memory_limit=settings.memory_limit)
    return {"status": out.status, "value": out.value, "error": out.error,
            "elapsed": out.elapsed, "n_rows_used": len(Xp)}


def run_folder_distributed(client, datasets_dir: Path, out_dir: Path, settings,
                           only: list[str] | None = None, log=print) -> dict:
    """The portfolio on every table, as (table, config) units on the cluster.

    Results are appended to the same per-table cache as local runs, by this
    process, as they arrive: the cache stays the source of truth, and a
    killed build or worker loses only units still running.
    """
    import csv

    from distributed import as_completed

    from ._portfolio import COLUMNS, _missing_configs, cache_rows, write_settings

    out_dir.mkdir(parents=True, exist_ok=True)
    write_settings(out_dir, settings)
    with open(Path(datasets_dir) / "MANIFEST.csv", newline="") as fh:
        manifest = [m for m in csv.DictReader(fh) if not only or m["name"] in only]
    manifest.sort(key=lambda m: int(m["n_rows"]) * max(1, int(m["n_features"])))
    futures = {}
    for m in manifest:
        task = "regression" if m["task"] == "regression" else "classification"
        path = str(Path(datasets_dir) / f"{m['name']}.csv.gz")
        for config in _missing_configs(out_dir / f"{m['name']}.csv", task, settings):
            f = client.submit(portfolio_unit, path, task, config, settings, settings.timeout,
                              pure=False, key=f"portfolio-{m['name']}-{config['id']}")
            futures[f] = (m["name"], task, config)
    counts = {"ok": 0, "failed": 0, "lost": 0}
    for f in as_completed(list(futures)):
        name, task, config = futures.pop(f)
        try:
            res = f.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker after Dask's retries, ...
            counts["lost"] += 1
            log(f"  {name} {config['id']} lost ({type(exc).__name__}: {exc}); "
                "not cached, so the next build runs it again")
            continue
        rows = cache_rows(name, task, config, res["n_rows_used"], res["status"], res["value"],
                          res["error"], res["elapsed"])
        counts["ok" if res["status"] == "ok" else "failed"] += 1
        cache = out_dir / f"{name}.csv"
        new = not cache.exists()
        with open(cache, "a", newline="") as fh:
            writer = csv.DictWriter(fh, COLUMNS)
            if new:
                writer.writeheader()
            writer.writerows(rows)
            fh.flush()
            os.fsync(fh.fileno())
        log(f"  {name} {config['id']} {res['status']} {res['elapsed']:.1f}s")
    return counts


# ---- fit: one unit = one trial -----------------------------------------------------------------

def trial_unit(config: dict, data, task: str, classes, metric: str, splits, seed: int,
               schema: dict, timeout, memory_limit, cancel=None):
    """Cross-validate one config in a stoppable child (here, or on a worker);
    an Outcome-like dict."""
    from ._evaluate import cross_validate
    from ._isolate import run_isolated
    from ._pipeline import build_pipeline

    X, y = data
    out = run_isolated(
        lambda: cross_validate(lambda: build_pipeline(config, schema, task, random_state=seed),
                               X, y, task, classes, [metric], splits),
        timeout=timeout, memory_limit=memory_limit, cancel=cancel)
    return {"status": out.status, "value": out.value, "error": out.error,
            "elapsed": out.elapsed}
