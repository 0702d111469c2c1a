"""The model directory: ``model.skops`` (a plain scikit-learn estimator, in a format
that cannot run code on load), ``manifest.json`` and ``profile.json`` (the training
table's profile, for drift checks).

Written to a temporary directory beside the target and swapped into place in one
atomic step (``renameat2(RENAME_EXCHANGE)`` on Linux), under a lock on the parent
directory: a crash, a full disk, ``kill -9`` or a second ``automl fit`` writing the
same directory never leaves half a model, nor no model where there was one.
Temporaries a killed run left behind (``.NAME.tmp-PID-*``) are removed by the next
save once their process is gone, or after an hour.

Format 1 directories (``model.joblib``, a pickle) still load, but only when the
caller vouches for them (``trust_joblib``): a pickle runs whatever code it holds,
and a checksum in a manifest anyone can rewrite proves nothing about who wrote it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from ._errors import AutomlError, DataError, OutputError

FORMAT = "automl-model"
FORMAT_VERSION = 2
MODEL_FILE = "model.skops"
LEGACY_MODEL_FILE = "model.joblib"         # format 1
MANIFEST_FILE = "manifest.json"
PROFILE_FILE = "profile.json"


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
    for name in ("automl", "scikit-learn", "pandas", "numpy", "joblib", "skops"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def check_output_dir(out: Path, force: bool) -> None:
    """Refuse early (before any training) what ``save_model`` would refuse."""
    out = Path(out)
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
    from metabase import clean_stale, locked_dir

    with locked_dir(parent):
        clean_stale(out)


def save_model(pipeline, manifest: dict, out: Path, force: bool = False,
               extras: dict | None = None) -> Path:
    """Write the model directory atomically; returns its path.

    A ``"profile"`` key of ``manifest`` (the training profile) goes to its own file.
    ``extras`` maps more file names to their content (bytes or text): written inside
    the same atomic save, each listed with its sha256 in the manifest's ``extras``
    (``read_extra`` reads one back, checked).
    """
    from metabase import DirectoryTaken, fsync_dir, install_dir, locked_dir

    out = Path(out)
    check_output_dir(out, force)
    parent = out.resolve().parent
    manifest = dict(manifest)
    profile = manifest.pop("profile", None)
    tmp = None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=parent))
        os.chmod(tmp, 0o777 & ~umask())    # mkdtemp's 0700 would hide the model from others
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, **manifest,
                    **_write_model(pipeline, tmp)}
        if profile is not None:
            _write(tmp / PROFILE_FILE, json.dumps(profile, separators=(",", ":"),
                                                  default=_json_default) + "\n")
            manifest.update(profile_file=PROFILE_FILE, profile_sha256=sha256(tmp / PROFILE_FILE))
        if extras:
            manifest["extras"] = _write_extras(tmp, extras)
        _write(tmp / MANIFEST_FILE, json.dumps(manifest, indent=2, default=_json_default) + "\n")
        fsync_dir(tmp)
        with locked_dir(parent):
            install_dir(tmp, out, force)
        tmp = None
        fsync_dir(parent)
    except DirectoryTaken as exc:
        raise OutputError(str(exc)) from None
    except OSError as exc:
        raise OutputError(f"{out}: cannot write the model: {exc.strerror or exc}; "
                          "the previous model, if any, is intact") from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def _write_model(pipeline, tmp: Path) -> dict:
    """Dump the estimator with skops; its manifest keys. Refuses (a bug of ours, exit 1)
    a model that holds types the loader would not trust: better now than at predict."""
    import skops.io as sio

    from ._trusted import TRUSTED

    data = skops_bytes(pipeline)
    types = sio.get_untrusted_types(data=data)
    foreign = sorted(set(types) - set(TRUSTED))
    if foreign:
        raise AutomlError(f"the model holds types automl does not trust on load "
                          f"({', '.join(foreign)}): not saved (a bug: please report it)")
    _write(tmp / MODEL_FILE, data)
    return {"model_file": MODEL_FILE, "model_sha256": sha256(tmp / MODEL_FILE),
            "model_types": types}


def preload_save() -> None:
    """Import what a save needs. skops imports every scikit-learn estimator on import (a
    second or more here); the search has this done while its first trial's child runs
    (``metabase.while_next_child_runs``) rather than after the budget."""
    import skops.io  # noqa: F401
    from skops.io._utils import SaveContext, get_state  # noqa: F401


def skops_bytes(model) -> bytes:
    """The model in skops' format, as ``skops.io.dumps`` writes it (deflate level 3: a
    tenth of the size for trees, for a load as fast) but for one thing: its
    ``schema.json`` is compact. skops indents it, which makes Python's JSON encoder run
    in pure Python: four fifths of the save of a bagged ensemble of trees (6.1 s of a
    model of 10 fold models, 1.2 s compact). The file loads the same (JSON is JSON);
    where skops' internals differ (another version), its own ``dumps``."""
    import io

    import skops
    import skops.io as sio

    try:
        from skops.io._utils import SaveContext, get_state

        buffer = io.BytesIO()
        with _IndexedZip(buffer, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=3) as zf:
            context = SaveContext(zip_file=zf)
            state = get_state(model, context)
            context.clear_memo()
            state["protocol"] = context.protocol
            state["_skops_version"] = skops.__version__
            zf.writestr("schema.json", json.dumps(state))
        return buffer.getvalue()
    except (ImportError, AttributeError, TypeError):
        return sio.dumps(model, compression=zipfile.ZIP_DEFLATED, compresslevel=3)


class _IndexedZip(zipfile.ZipFile):
    """A zip being written whose ``namelist()`` is a set of the names written: skops asks
    it, once per array, whether the array's file exists yet, and ZipFile rebuilds the
    list each time, quadratic in the arrays (a 10-class booster of 204 rounds has 24,599:
    8.5 s of its 15.7 s save under the profiler). Only ``in`` is asked of it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._names = set()

    def writestr(self, zinfo_or_arcname, data, *args, **kwargs):
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)
        self._names.add(getattr(zinfo_or_arcname, "filename", zinfo_or_arcname))

    def namelist(self):
        return self._names


def _write_extras(tmp: Path, extras: dict) -> dict:
    """Write each extra file into ``tmp``; their sha256 by name."""
    reserved = {MODEL_FILE, LEGACY_MODEL_FILE, MANIFEST_FILE, PROFILE_FILE}
    out = {}
    for name, content in extras.items():
        if Path(name).name != name or name in reserved or name.startswith("."):
            raise ValueError(f"extra file {name!r}: not a plain, free file name")
        _write(tmp / name, content)
        out[name] = sha256(tmp / name)
    return out


def read_extra(model_dir: Path, manifest: dict, name: str) -> bytes | None:
    """The content of extra file ``name`` (see ``save_model``), checked against its sha256;
    None when the directory was saved without it."""
    listed = manifest.get("extras") or {}
    if name not in listed:
        return None
    path = Path(model_dir) / name
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: unreadable ({exc.strerror or exc}); refit the model") \
            from None
    if hashlib.sha256(content).hexdigest() != listed[name]:
        raise DataError(f"{path}: checksum mismatch: the file was changed or corrupted "
                        "since it was saved; refit or restore it")
    return content


def _write(path: Path, content) -> None:
    with open(path, "wb" if isinstance(content, bytes) else "w") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())


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


def _member(model_dir: Path, manifest: dict, key: str, default: str) -> Path:
    """A file the manifest names, which must be inside the directory."""
    name = manifest.get(key, default)
    if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
        raise DataError(f"{model_dir}: the manifest's {key} {name!r} is not a file of the "
                        "model directory; refit the model")
    path = model_dir / name
    if not path.is_file():
        raise DataError(f"{model_dir}: {name} is missing; refit the model")
    if sha256(path) != manifest.get(key.replace("_file", "_sha256")):
        raise DataError(f"{path}: checksum mismatch: the file was changed or corrupted "
                        "since it was saved; refit or restore it")
    return path


def load_model(model_dir: Path, trust_joblib: bool = False, warnings: list | None = None):
    """``(estimator, manifest)``; the model file's sha256 must match the manifest.

    Format 2 (skops) builds only trusted types (``automl_cli._trusted``) and checks
    the trees' indices: a file that would run code, or read outside its arrays, is
    refused (``DataError``). Format 1 (joblib) loads only with ``trust_joblib``.
    What the caller should show the user is appended to ``warnings``.
    """
    warnings = [] if warnings is None else warnings
    model_dir = Path(model_dir)
    manifest = read_manifest(model_dir)
    legacy = manifest["format_version"] < 2
    path = _member(model_dir, manifest, "model_file",
                   LEGACY_MODEL_FILE if legacy else MODEL_FILE)
    if legacy or path.suffix == ".joblib":
        model = _load_joblib(path, trust_joblib, warnings)
    else:
        model = _load_skops(path, manifest)
    saved = (manifest.get("versions") or {}).get("scikit-learn")
    now = library_versions()["scikit-learn"]
    if saved and saved != now:
        warnings.append(f"{model_dir}: the model was written by scikit-learn {saved}, this is "
                        f"scikit-learn {now}: predictions may differ; refit it with this version")
    return model, manifest


@contextlib.contextmanager
def _quiet_versions():
    """scikit-learn warns, in several lines, of each estimator saved by another version:
    ``load_model`` says it once, with both versions, in its own warning."""
    import warnings as w

    with w.catch_warnings():
        try:
            from sklearn.exceptions import InconsistentVersionWarning
            w.simplefilter("ignore", InconsistentVersionWarning)
        except ImportError:             # scikit-learn < 1.3 has no such class
            pass
        yield


def _load_skops(path: Path, manifest: dict):
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    from ._trusted import TRUSTED, UnsafeModel, check_model

    # one pass: skops audits the types while it loads (a second audit first would double
    # the load time of a large ensemble); the refusal lists the foreign types
    try:
        with _quiet_versions():
            model = sio.load(path, trusted=TRUSTED)
    except UntrustedTypesFoundException:
        foreign = sorted(set(sio.get_untrusted_types(file=path)) - set(TRUSTED))
        shown = ", ".join(foreign[:6]) + (" ..." if len(foreign) > 6 else "")
        raise DataError(f"{path}: refused: it holds types outside automl's trusted set "
                        f"({shown}), which could run code when built; refit the model with "
                        "automl or restore the file it saved") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DataError(f"{path}: not a readable skops model file ({type(exc).__name__}: "
                        f"{str(exc)[:200]}); refit or restore it") from None
    except Exception as exc:  # noqa: BLE001 - an unreadable or foreign-version file
        raise DataError(f"{path}: cannot load the model ({type(exc).__name__}: "
                        f"{str(exc)[:200]}); it may need other library versions: "
                        f"{manifest.get('versions')}") from None
    try:
        check_model(model)
    except UnsafeModel as exc:
        raise DataError(f"{path}: refused: {exc}: predicting with it could read outside its "
                        "memory; refit the model with automl or restore the file it saved") \
            from None
    return model


def _load_joblib(path: Path, trust: bool, warnings: list):
    if not trust:
        raise DataError(f"{path}: a format-1 model (joblib, i.e. a pickle): loading it could "
                        "run any code the file holds, whatever its checksum; refit it with "
                        "this automl (it saves model.skops), or pass --trust-joblib if you "
                        "made this file yourself")
    import joblib

    warnings.append(f"{path}: loaded a format-1 joblib model (--trust-joblib): a pickle can "
                    "run any code it holds; refit it to get a model.skops file")
    try:
        with _quiet_versions():
            return joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - unpickling fails in many ways
        raise DataError(f"{path}: cannot load the model ({type(exc).__name__}: {exc}); "
                        "it may need other library versions") from None


def load_profile(model_dir: Path, manifest: dict) -> dict | None:
    """The training profile, or None for a directory saved without one."""
    if "profile_file" not in manifest:
        return None
    path = _member(Path(model_dir), manifest, "profile_file", PROFILE_FILE)
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
        raise DataError(f"{path}: unreadable training profile ({exc}); refit the model") \
            from None
