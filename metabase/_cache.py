"""A disk cache for what is built from a store on every run: the meta-models (reading the
store's Parquet files and fitting the surrogate forest cost about a second per ``fit``,
a tenth of a 10 s budget).

Values are pickled under ``$AUTOML_CACHE_DIR`` (default ``$XDG_CACHE_HOME/automl``, else
``~/.cache/automl``; an empty ``AUTOML_CACHE_DIR`` turns the cache off), keyed by the
store's files (name, size, modification time, and the header's bytes), the versions of
Python, NumPy, pandas and scikit-learn, and the source of the modules that build the
value: any change rebuilds it. A cache entry that cannot be read or written is rebuilt
and never an error. The files are the user's own (as joblib's and pip's caches are):
loading them trusts that directory as much as the user's home.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Callable


def cache_dir() -> Path | None:
    env = os.environ.get("AUTOML_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "automl"


def cache_key(store_dir: Path, modules: list) -> str:
    """A digest of the store's files and of what builds the value from them."""
    import numpy
    import pandas
    import sklearn

    h = hashlib.sha256()
    for f in sorted(p for p in Path(store_dir).iterdir() if p.is_file()):
        st = f.stat()
        h.update(f"{f.name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        if f.suffix == ".json":
            h.update(f.read_bytes())
    h.update(f"{sys.version}\0{numpy.__version__}\0{pandas.__version__}\0"
             f"{sklearn.__version__}".encode())
    for module in modules:
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()[:32]


def cached(name: str, store_dir: Path, modules: list, build: Callable[[], object]):
    """``build()``, or its value from an earlier run with the same key."""
    root = cache_dir()
    # one entry per store directory (the shipped store and a --store may alternate)
    name = f"{name}-{hashlib.sha256(str(Path(store_dir).resolve()).encode()).hexdigest()[:8]}"
    try:
        path = None if root is None else root / f"{name}-{cache_key(store_dir, modules)}.pkl"
    except OSError:
        path = None
    if path is not None and path.is_file():
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001 - a torn or stale entry: rebuild it
            pass
    value = build()
    if path is not None:
        _write(path, value)
        for old in path.parent.glob(f"{name}-*.pkl"):
            if old != path:                 # built from an older store or code
                try:
                    old.unlink()
                except OSError:
                    pass
    return value


def _write(path: Path, value) -> None:
    """Write atomically (a concurrent reader sees the whole file or none); ignore failures
    (a read-only or full disk only costs the next run the rebuild)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
