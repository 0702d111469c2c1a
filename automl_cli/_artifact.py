"""The model directory: ``model.joblib`` (a plain scikit-learn Pipeline) and
``manifest.json``. Written to a temporary directory and renamed into place, so
a crash or a full disk never leaves half a model, and a replaced model is only
removed once its successor is complete."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from ._errors import DataError, OutputError

FORMAT = "automl-model"
FORMAT_VERSION = 1
MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def library_versions() -> dict:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("automl", "scikit-learn", "pandas", "numpy", "joblib"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def check_output_dir(out: Path, force: bool) -> None:
    """Refuse early (before any training) what ``save_model`` would refuse."""
    if out.exists() and not force:
        raise OutputError(f"{out}: already exists; use --force to replace it or --output "
                          "to choose another directory")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    parent = out.resolve().parent
    if not parent.exists():
        raise OutputError(f"{parent}: no such directory for --output")
    if not parent.is_dir():
        raise OutputError(f"{parent}: not a directory: choose another --output")
    try:     # os.access says yes to root on read-only or virtual file systems
        os.rmdir(tempfile.mkdtemp(prefix=f".{out.name}.probe-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{parent}: cannot write there ({exc.strerror or exc}): choose "
                          "another --output") from None


def save_model(pipeline, manifest: dict, out: Path, force: bool = False) -> Path:
    """Write the model directory atomically; returns its path."""
    import joblib

    out = Path(out)
    check_output_dir(out, force)
    parent = out.resolve().parent
    tmp = None
    old = None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
        os.chmod(tmp, 0o777 & ~umask())    # mkdtemp's 0700 would hide the model from others
        model_path = tmp / MODEL_FILE
        joblib.dump(pipeline, model_path, compress=3)
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, **manifest,
                    "model_file": MODEL_FILE, "model_sha256": sha256(model_path)}
        with open(tmp / MANIFEST_FILE, "w") as fh:
            json.dump(manifest, fh, indent=2, default=_json_default)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        if out.exists():
            old = parent / f".{out.name}.old-{os.getpid()}"
            os.replace(out, old)
        os.replace(tmp, out)
    except OSError as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not out.exists():
            os.replace(old, out)
        raise OutputError(f"{out}: cannot write the model: {exc.strerror or exc}; "
                          "the previous model, if any, is intact") from None
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not out.exists():
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return out


def umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _json_default(o):
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if np.isnan(o) else float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def read_manifest(model_dir: Path) -> dict:
    """The manifest of ``model_dir``, after checking the directory is one of ours."""
    model_dir = Path(model_dir)
    if not model_dir.exists():
        raise DataError(f"{model_dir}: no such model directory")
    if not model_dir.is_dir():
        raise DataError(f"{model_dir}: not a directory; give the directory `automl fit` wrote")
    path = model_dir / MANIFEST_FILE
    if not path.exists():
        raise DataError(f"{model_dir}: not an automl model directory (no {MANIFEST_FILE})")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
        raise DataError(f"{path}: unreadable manifest ({exc}); refit the model") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DataError(f"{model_dir}: not an automl model directory (manifest format is "
                        f"{manifest.get('format') if isinstance(manifest, dict) else None!r})")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise DataError(f"{model_dir}: model format {version} is newer than this automl reads "
                        f"({FORMAT_VERSION}); upgrade automl")
    return manifest


def load_model(model_dir: Path):
    """``(pipeline, manifest)``; the model file's sha256 must match the manifest.

    Loading a joblib file runs code from it: load only models you trust.
    """
    import joblib

    model_dir = Path(model_dir)
    manifest = read_manifest(model_dir)
    path = model_dir / manifest.get("model_file", MODEL_FILE)
    if not path.exists():
        raise DataError(f"{model_dir}: {path.name} is missing; refit the model")
    if sha256(path) != manifest.get("model_sha256"):
        raise DataError(f"{path}: checksum mismatch: the model file was changed or corrupted "
                        "since it was saved; refit or restore it")
    try:
        pipeline = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - unpickling fails in many ways
        raise DataError(f"{path}: cannot load the model ({type(exc).__name__}: {exc}); "
                        "it may need other library versions: "
                        f"{manifest.get('versions')}") from None
    return pipeline, manifest
