"""Atomic replacement of a directory: the model directory (``automl_cli._artifact``) and
the metabase store (``_store``) are written the same way.

A new directory is built under a temporary name beside the target and swapped into
place in one step (``renameat2(RENAME_EXCHANGE)`` on Linux; where the file system
lacks it, two renames), under an exclusive lock on the parent directory so that two
runs saving the same target take turns. ``kill -9`` at any moment leaves either the
old directory or the new one at the target, plus at most a temporary
(``.NAME.tmp-PID-*``) that ``clean_stale`` removes once its process is gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path


class DirectoryTaken(Exception):
    """The target exists and may not be replaced, or is not a directory (the model
    directory's caller turns it into its exit code 6)."""

#: a temporary directory older than this is stale whoever made it: saving takes seconds
STALE_SECONDS = 3600


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(directory: Path):
    """An exclusive flock on ``directory`` itself: saves into one directory take turns
    (nothing is left behind; the kernel drops the lock when a killed process dies)."""
    import fcntl

    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:                  # a directory we may write but not read: no lock
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def install(tmp: Path, out: Path, force: bool) -> None:
    """Put ``tmp`` at ``out``; the caller holds the parent's lock."""
    if not out.exists():
        os.rename(tmp, out)
        return
    if not force:
        raise DirectoryTaken(f"{out}: already exists: another run saved it while this one was "
                          "training; this model was not saved: use --force to replace it or "
                          "--output to choose another directory")
    if not out.is_dir():
        raise DirectoryTaken(f"{out}: exists and is not a directory")
    if _exchange(tmp, out):          # tmp now holds the previous model
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.rename(out, old)              # a crash here leaves the old model in `old`: the
    try:                             # next save or clean_stale puts it back
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


_LIBC = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where unsupported."""
    global _LIBC
    import ctypes
    import errno

    try:
        if _LIBC is None:
            _LIBC = ctypes.CDLL(None, use_errno=True)
        call = _LIBC.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if call(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):    # old kernel or file system
        return False
    raise OSError(err, os.strerror(err), str(b))


def clean_stale(out: Path) -> list[str]:
    """Remove what killed saves of ``out`` left beside it; returns the names removed.

    ``.NAME.tmp-PID-*``: removed once process PID is gone (on this machine) or after
    STALE_SECONDS. ``.NAME.old-PID`` (a previous model moved aside by a save that died
    before its successor was in place, where the atomic swap is unavailable): put back
    when NAME is missing, else removed.
    """
    out = Path(out)
    removed = []
    for entry in out.parent.glob(f".{out.name}.*"):
        kind, _, rest = entry.name[len(out.name) + 2:].partition("-")
        if kind not in ("tmp", "old") or not _stale(entry, rest.split("-")[0]):
            continue
        if kind == "old" and not out.exists():
            os.rename(entry, out)
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry.name)
    return removed


def _stale(entry: Path, pid: str) -> bool:
    try:
        if time.time() - entry.lstat().st_mtime > STALE_SECONDS:
            return True
    except OSError:
        return False
    if not pid.isdigit():             # a name from before PIDs were in it
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:           # alive, another user's
        return False
    return False
