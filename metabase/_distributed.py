"""Portfolio runs on a Dask cluster, and the connection to one (``fit``'s trials use
it too: ``automl_cli._pool``).

``connect(scheduler)`` returns a ``dask.distributed.Client`` (``dask[distributed]``
is an optional extra). Work units are plain functions of picklable arguments;
each runs its fit in ``run_isolated`` on the worker, so time and memory limits
hold there too. A worker that dies loses only the unit it was running: Dask
retries it elsewhere (``distributed.scheduler.allowed-failures``), and the
caller records it as failed if it still cannot finish.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


class DaskUnavailable(RuntimeError):
    """dask[distributed] is missing, or the scheduler cannot be reached."""


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
    """The table as the portfolio runs see it; cached per worker process (by what
    decides it: ``Settings`` itself is not hashable)."""
    from ._portfolio import Settings, load_prepared

    return load_prepared(Path(path), task, Settings(folds=folds, seed=seed, max_rows=max_rows))


def portfolio_unit(path: str, task: str, config: dict, settings, timeout: float) -> dict:
    """Cross-validate one portfolio config on one table (runs on a worker)."""
    from ._isolate import run_isolated
    from ._portfolio import _evaluate_config

    table = _prepared(path, task, settings.max_rows, settings.seed, settings.folds)
    out = run_isolated(lambda: _evaluate_config(config, table, task, settings.seed),
                       timeout=timeout, memory_limit=settings.memory_limit)
    return {"status": out.status, "value": out.value, "error": out.error,
            "elapsed": out.elapsed, "n_rows_used": len(table.y)}


def run_folder_distributed(client, datasets_dir: Path, out_dir: Path, settings,
                           only: list[str] | None = None, log=print) -> dict:
    """The portfolio on every table, as (table, config) units on the cluster.

    Results are appended to the same per-table cache as local runs, by this
    process, as they arrive: the cache stays the source of truth, and a
    killed build or worker loses only units still running.
    """
    from distributed import as_completed

    from ._portfolio import (RunCache, _missing_configs, cache_rows, read_manifest,
                             smallest_first, write_settings)

    out_dir.mkdir(parents=True, exist_ok=True)
    write_settings(out_dir, settings)
    futures = {}
    for m in smallest_first(read_manifest(datasets_dir, only)):
        task = m["kind"]
        for config in _missing_configs(out_dir / f"{m['name']}.csv", task, settings):
            f = client.submit(portfolio_unit, str(m["path"]), task, config, settings,
                              settings.timeout, pure=False,
                              key=f"portfolio-{m['name']}-{config['id']}")
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
        with RunCache(out_dir / f"{name}.csv") as cache:
            cache.append(rows)
        log(f"  {name} {config['id']} {res['status']} {res['elapsed']:.1f}s")
    return counts
