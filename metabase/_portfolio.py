"""Our own portfolio runs: every config of a fixed portfolio, cross-validated on
every table of a folder, cached on disk so an interrupted build resumes.

Cache layout (``out_dir``): one CSV per table, ``<table>.csv``, one row per
(config, fold), appended and flushed config by config, so at most the config
running at the moment is lost on a kill; and ``runs.json``, the settings and
library versions of the runs.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._metrics import task_of
from ._space import config_key, round_config, sample_config
from .families import FAMILIES, SPACE_VERSION

#: Configs per family: scikit-learn's defaults plus this many random draws.
RANDOM_PER_FAMILY = {"hgb": 7, "rf": 4, "et": 3, "linear": 3, "svm": 4, "knn": 3,
                     "mlp": 4, "adaboost": 2, "sparse": 3}
METRICS = {"classification": ["roc_auc", "log_loss", "accuracy", "balanced_accuracy"],
           "regression": ["r2", "rmse", "mae"]}
COLUMNS = ["table", "task", "config_id", "family", "params", "fold", "status", "error",
           "n_rows_used", "n_train", "n_test", "fit_time", "predict_time",
           "roc_auc", "log_loss", "accuracy", "balanced_accuracy", "r2", "rmse", "mae"]


@dataclass
class Settings:
    folds: int = 5
    seed: int = 0
    max_rows: int = 5000
    timeout: float = 90.0
    min_timeout: float = 15.0
    memory_limit: int | None = 6 * 2 ** 30
    extra: dict = field(default_factory=dict)


def portfolio(task: str, seed: int = 0) -> list[dict]:
    """The fixed portfolio for ``task``: per family, its defaults then random draws.

    The draws depend only on (family, task, seed), so adding a family leaves the
    others' configs, and their cached runs, untouched.
    """
    configs = []
    for name, fam in FAMILIES.items():
        space = fam.space(task)
        configs.append({"family": name, "params": round_config(fam.defaults(task))})
        rng = np.random.default_rng([seed, zlib.crc32(f"{name}/{task}".encode())])
        for _ in range(RANDOM_PER_FAMILY.get(name, 2)):
            configs.append({"family": name, "params": round_config(sample_config(space, rng))})
    for c in configs:
        c["id"] = config_key(c["family"], c["params"])
    return configs


def read_table(path: Path, target: str = "target"):
    """A shared-folder table: features frame and target series."""
    import pandas as pd

    df = pd.read_csv(path, low_memory=False)
    return df.drop(columns=[target]), df[target]


def stratified_rows(y, task: str, seed: int, **size):
    """Row positions ``(kept, rest)`` of a random split (``train_size=`` or ``test_size=``,
    as scikit-learn's ``train_test_split``), stratified for classification where every
    class has two rows: the one sampler of the portfolio runs and of ``fit``."""
    from sklearn.model_selection import train_test_split

    y = np.asarray(y)
    strat = None
    if task == "classification":
        _, counts = np.unique(y, return_counts=True)
        strat = y if counts.min() >= 2 else None
    return train_test_split(np.arange(len(y)), random_state=seed, stratify=strat, **size)


def subsample(X, y, task, max_rows, seed):
    """At most ``max_rows`` rows (see :func:`stratified_rows`), in table order."""
    if len(X) <= max_rows:
        return X, y
    kept, _ = stratified_rows(y, task, seed, train_size=max_rows)
    kept = np.sort(kept)
    return X.iloc[kept], y.iloc[kept]


@dataclass
class PreparedTable:
    """A table as every portfolio run on it sees it."""

    X: object                   # prepared features, rows 0..n-1
    y: np.ndarray
    classes: list | None
    schema: dict
    splits: list


def prepare_table(X, y, task: str, settings: Settings, splits=None) -> PreparedTable:
    """Typed, prepared rows and the folds (``settings.folds``-fold CV unless given)."""
    from ._evaluate import make_splits
    from ._schema import infer_schema, prepare_frame

    schema = infer_schema(X)
    Xp, _ = prepare_frame(X, schema)
    Xp = Xp.reset_index(drop=True)
    yv = np.asarray(y)
    classes = sorted(np.unique(yv)) if task == "classification" else None
    if splits is None:
        splits = make_splits(yv, task, settings.folds, 1, settings.seed)
    return PreparedTable(Xp, yv, classes, schema, splits)


def load_prepared(path: Path, task: str, settings: Settings) -> PreparedTable:
    """A shared-folder table read, subsampled to ``settings.max_rows`` and prepared."""
    X, y = read_table(path)
    keep = y.notna().to_numpy()
    X, y = X[keep], y[keep]
    if task == "classification":
        y = y.astype(str)
    X, y = subsample(X, y, task, settings.max_rows, settings.seed)
    return prepare_table(X, y, task, settings)


def read_manifest(datasets_dir: Path, only: list[str] | None = None) -> list[dict]:
    """The rows of ``datasets_dir/MANIFEST.csv`` (those named in ``only``), in file order,
    each with its ``path`` and learning ``kind`` (classification or regression)."""
    with open(Path(datasets_dir) / "MANIFEST.csv", newline="") as fh:
        rows = [m for m in csv.DictReader(fh) if not only or m["name"] in only]
    for m in rows:
        m["path"] = Path(datasets_dir) / f"{m['name']}.csv.gz"
        m["kind"] = task_of(m["task"])
    return rows


def smallest_first(manifest: list[dict]) -> list[dict]:
    """So that an interrupted build has covered the most tables."""
    return sorted(manifest, key=lambda m: int(m["n_rows"]) * max(1, int(m["n_features"])))


class RunCache:
    """The run cache of one table, open for appending: each config's rows are flushed
    and fsynced as they come, so a kill loses at most the config running."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __enter__(self):
        new = not self.path.exists()
        self.fh = open(self.path, "a", newline="")
        self.writer = csv.DictWriter(self.fh, COLUMNS)
        if new:
            self.writer.writeheader()
        return self

    def __exit__(self, *exc):
        self.fh.close()

    def lock(self) -> bool:
        """One runner per table: False when another holds it (a second build, a stray
        worker)."""
        try:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def append(self, rows: list[dict]) -> None:
        self.writer.writerows(rows)
        self.fh.flush()
        os.fsync(self.fh.fileno())


def _evaluate_config(config, table: PreparedTable, task, seed):
    from ._evaluate import cross_validate
    from ._pipeline import build_pipeline

    return cross_validate(lambda: build_pipeline(config, table.schema, task, random_state=seed),
                          table.X, table.y, task, table.classes, METRICS[task], table.splits)


def run_table(path: Path, task: str, out_dir: Path, settings: Settings, log=print) -> dict:
    """Run every missing portfolio config on one table; returns counts."""
    name = path.name.split(".")[0]
    if not _missing_configs(out_dir / f"{name}.csv", task, settings):
        return {"table": name, "ran": 0}
    return run_prepared(name, load_prepared(path, task, settings), task, out_dir, settings,
                        log)


def _missing_configs(cache: Path, task: str, settings: Settings) -> list[dict]:
    done = cached_config_ids(cache)
    return [c for c in portfolio(task, settings.seed) if c["id"] not in done]


def run_frame(name: str, X, y, task: str, splits, out_dir: Path, settings: Settings,
              log=print) -> dict:
    """Run the missing portfolio configs on a table already in memory.

    ``splits`` are (train, test) index pairs (an OpenML task's official folds);
    ``None`` means ``settings.folds``-fold CV with ``settings.seed``.
    """
    if not _missing_configs(out_dir / f"{name}.csv", task, settings):
        return {"table": name, "ran": 0}
    return run_prepared(name, prepare_table(X, y, task, settings, splits), task, out_dir,
                        settings, log)


def run_prepared(name: str, table: PreparedTable, task: str, out_dir: Path,
                 settings: Settings, log=print) -> dict:
    """The missing portfolio configs on a prepared table, appended to its run cache."""
    from ._isolate import run_isolated

    t0 = time.perf_counter()
    with RunCache(out_dir / f"{name}.csv") as cache:
        if not cache.lock():
            log(f"  {name}: another runner is on this table; skipped")
            return {"table": name, "ran": 0, "busy": True}
        configs = _missing_configs(cache.path, task, settings)   # what it finished meanwhile
        times: list[float] = []
        for i, config in enumerate(configs):
            out = run_isolated(lambda c=config: _evaluate_config(c, table, task, settings.seed),
                               timeout=_timeout(settings, times),
                               memory_limit=settings.memory_limit)
            if out.ok:
                times.append(out.elapsed)
            cache.append(cache_rows(name, task, config, len(table.y), out.status, out.value,
                                    out.error, out.elapsed))
            log(f"  {name} [{i + 1}/{len(configs)}] {config['id']} {out.status} "
                f"{out.elapsed:.1f}s")
    return {"table": name, "ran": len(configs), "n_rows_used": len(table.y),
            "seconds": time.perf_counter() - t0}


def _timeout(settings: Settings, times: list[float]) -> float:
    """Per-config time limit: ``settings.timeout``, or less on a table where the
    configs so far were quick (a poly-kernel SVM with a huge C can run for hours
    on 300 rows; a limit 25x the median run is spent on it instead)."""
    if len(times) < 5:
        return settings.timeout
    return float(min(settings.timeout, max(settings.min_timeout, 25 * np.median(times))))


def cache_rows(name, task, config, n_rows, status, folds, error, elapsed) -> list[dict]:
    """The run cache's rows for one config on one table: one per fold, or one
    failure row (fold -1) saying why."""
    base = {"table": name, "task": task, "config_id": config["id"], "family": config["family"],
            "params": json.dumps(config["params"], sort_keys=True), "n_rows_used": n_rows}
    if status == "ok":
        return [{**base, "status": "ok", "error": "", **_fmt(f)} for f in folds]
    return [{**base, "fold": -1, "status": status, "error": error,
             "fit_time": round(elapsed, 3)}]


def _fmt(fold: dict) -> dict:
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in fold.items()}


def cached_config_ids(cache: Path) -> set[str]:
    """Config ids with a complete record in ``cache`` (ok rows or a failure row)."""
    if not cache.exists():
        return set()
    with open(cache, newline="") as fh:
        return {row["config_id"] for row in csv.DictReader(fh)
                if row.get("status") and row.get("mae") is not None}


def write_settings(out_dir: Path, settings: Settings) -> None:
    import sklearn

    meta = {"space_version": SPACE_VERSION, "folds": settings.folds, "seed": settings.seed,
            "max_rows": settings.max_rows, "timeout": settings.timeout,
            "memory_limit": settings.memory_limit, "sklearn": sklearn.__version__,
            "numpy": np.__version__, "python": sys.version.split()[0]}
    path = out_dir / "runs.json"
    if path.exists():
        old = json.loads(path.read_text())
        for key in ("space_version", "folds", "seed", "max_rows"):
            if old.get(key) != meta[key]:
                raise ValueError(f"{path}: cached runs used {key}={old.get(key)!r}, "
                                 f"this build asks {meta[key]!r}; use another --history folder")
    path.write_text(json.dumps(meta, indent=1) + "\n")


def run_folder(datasets_dir: Path, out_dir: Path, settings: Settings, n_jobs: int = 1,
               only: list[str] | None = None, log=print) -> list[dict]:
    """Run the portfolio on every table listed in ``datasets_dir/MANIFEST.csv``.

    Smallest tables first, so an interrupted build has covered the most tables.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    write_settings(out_dir, settings)
    jobs = [(m["path"], m["kind"]) for m in smallest_first(read_manifest(datasets_dir, only))]
    if n_jobs == 1:
        return [run_table(p, t, out_dir, settings, log) for p, t in jobs]
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n_jobs, verbose=0)(
        delayed(run_table)(p, t, out_dir, settings, log) for p, t in jobs)
