"""The metabase store: a small, versioned set of files shipped as package data.

Layout (``metabase/store/``):

- ``header.json``: format name and version, search-space version, the
  meta-feature names (in column order), build date, library versions, build
  settings, and per source: licence, task and run counts, unmapped configs by
  reason.
- ``tasks.parquet``: one row per past task: ``task_key``, ``source``, ``name``,
  ``openml_task_id``, ``openml_dataset_id``, ``task`` (classification or
  regression), ``n_rows``, ``licence``, then one column per meta-feature.
- ``runs.parquet``: one row per (task, config, metric): ``task_key``, ``source``,
  ``config_id``, ``family``, ``params`` (JSON), ``metric``, ``score`` (mean over
  folds), ``score_std``, ``n_folds``, ``fit_time`` (seconds per fold), ``status``
  (``ok`` or why it failed; failed runs have a NaN score).

A store whose space version or meta-feature names differ from this code's is
refused on load, so extractor, spaces and store cannot drift apart silently.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FORMAT = "automl-metabase"
FORMAT_VERSION = 1
STORE_DIR = Path(__file__).with_name("store")
TASK_COLUMNS = ["task_key", "source", "name", "openml_task_id", "openml_dataset_id", "task",
                "n_rows", "licence"]
RUN_COLUMNS = ["task_key", "source", "config_id", "family", "params", "metric", "score",
               "score_std", "n_folds", "fit_time", "status"]


class StoreError(ValueError):
    """A store that is missing, damaged, or built for other code."""


@dataclass
class Store:
    header: dict
    tasks: "object"     # pandas.DataFrame
    runs: "object"      # pandas.DataFrame
    path: Path

    @property
    def meta_feature_names(self) -> list[str]:
        return list(self.header["meta_features"])


def load_store(path: Path | None = None, check: bool = True) -> Store:
    """Read the store at ``path`` (default: the shipped one), once per process."""
    return _load(str(path or STORE_DIR), check)


@lru_cache(maxsize=4)
def _load(path: str, check: bool) -> Store:
    import pandas as pd

    root = Path(path)
    header = read_header(root, check)
    tasks = pd.read_parquet(root / "tasks.parquet")
    runs = pd.read_parquet(root / "runs.parquet")
    return Store(header, tasks, runs, root)


def read_header(root: Path, check: bool = True) -> dict:
    """The store's header, refused (``StoreError``) when it is not a store this code reads."""
    head = root / "header.json"
    if not head.exists():
        raise StoreError(f"{root}: no metabase store here (no header.json); "
                         "build one with `automl metabase build`")
    try:
        header = json.loads(head.read_text())
    except json.JSONDecodeError as exc:
        raise StoreError(f"{head}: unreadable ({exc})") from None
    if header.get("format") != FORMAT:
        raise StoreError(f"{root}: not an automl metabase (format {header.get('format')!r})")
    if header.get("format_version", 0) > FORMAT_VERSION:
        raise StoreError(f"{root}: store format {header['format_version']} is newer than this "
                         f"automl reads ({FORMAT_VERSION}); upgrade automl")
    if check:
        from .families import SPACE_VERSION

        if header.get("space_version") != SPACE_VERSION:
            raise StoreError(f"{root}: built for search spaces v{header.get('space_version')}, "
                             f"this code has v{SPACE_VERSION}; rebuild with `make metabase`")
    return header


def write_store(out: Path, header: dict, tasks, runs) -> Path:
    """Write the three files to a temporary directory, then swap it into place as the
    model directory is (``_atomic``): a crash leaves the old store or the new one."""
    import os
    import shutil
    import tempfile

    from ._atomic import fsync_dir, install, locked

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))
    try:
        tasks.to_parquet(tmp / "tasks.parquet", index=False, compression="zstd")
        runs.to_parquet(tmp / "runs.parquet", index=False, compression="zstd")
        (tmp / "header.json").write_text(json.dumps(header, indent=1, sort_keys=False) + "\n")
        os.chmod(tmp, 0o755)             # mkdtemp's 0700 would hide the store from others
        fsync_dir(tmp)
        with locked(out.parent):
            install(tmp, out, force=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _load.cache_clear()
    return out


def new_header(meta_features: list[str], sources: dict, settings: dict) -> dict:
    import platform
    from importlib.metadata import version

    from .families import SPACE_VERSION

    return {"format": FORMAT, "format_version": FORMAT_VERSION, "space_version": SPACE_VERSION,
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "versions": {"python": platform.python_version(),
                         **{p: version(p) for p in ("scikit-learn", "pandas", "numpy")}},
            "meta_features": list(meta_features), "settings": settings, "sources": sources}
