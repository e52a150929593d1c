"""Where a service's review lands: its folder under the reports folder, the hidden
temporary folder a running review writes into (locked while it runs, swept once its
process is gone), and the atomic move of a finished review to its dated folder."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import os
import shutil
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ..errors import ParamsError


def service_folder(out: Path, service: str) -> Path:
    """reports/<service>; refuses any name that would resolve outside ``out``."""
    root = out.resolve()
    folder = (root / service).resolve()
    if folder.parent != root:
        raise ParamsError("service.name", [f"{service!r} would leave the reports folder {root}"])
    return folder


_RENAME_NOREPLACE = 1  # linux/fs.h


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """glibc's renameat2(2), or None where the C library lacks it."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _rename_noreplace(src: Path, dst: Path) -> bool:
    """Move ``src`` to ``dst`` in one step unless ``dst`` exists (FileExistsError then).
    False when this system or file system cannot do it (the caller falls back)."""
    fn = _renameat2()
    if fn is None:
        return False
    at_cwd = -100  # AT_FDCWD
    if fn(at_cwd, os.fsencode(src), at_cwd, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
        return True
    err = ctypes.get_errno()
    if err == errno.EEXIST:
        raise FileExistsError(err, os.strerror(err), str(dst))
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # e.g. NFS: no RENAME_NOREPLACE
    raise OSError(err, os.strerror(err), str(dst))


def _move_into_place(tmp: Path, folder: Path, run_date: date) -> Path:
    """Move the finished review to its dated folder: <date>, else <date>-2, -3, ...

    Never overwrites a report, and never leaves an empty dated folder behind, even when
    killed: one atomic rename that refuses an existing name. Where the file system
    cannot refuse (no RENAME_NOREPLACE), the name is reserved with mkdir first and the
    review renamed onto that empty folder; only a kill between those two steps can
    leave it empty.
    """
    base = run_date.isoformat()
    n = 1
    while True:
        target = folder / (base if n == 1 else f"{base}-{n}")
        try:
            if _rename_noreplace(tmp, target):
                return target
            target.mkdir()
        except FileExistsError:
            n += 1
            continue
        try:
            os.replace(tmp, target)  # onto the empty folder just made: never a report
        except BaseException:
            with contextlib.suppress(OSError):
                target.rmdir()  # give the name back
            raise
        return target


_LOCK = ".lock"
_ABANDONED_AFTER_S = 3600.0  # a temporary folder without a lock file, older than this


def _hold(tmp: Path) -> int:
    """Lock the temporary folder for as long as this review runs: the lock ends with the
    process however it ends (even SIGKILL), which is how `_sweep_stale` tells an
    abandoned folder from one in use."""
    fd = os.open(tmp / _LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _sweep_stale(folder: Path) -> None:
    """Remove the hidden temporary folders of reviews that were killed outright (their
    lock is free), never one of a review still running."""
    for tmp in folder.glob(".tmp-*"):
        try:
            fd = os.open(tmp / _LOCK, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:  # killed before it locked, or about to be moved in place
            with contextlib.suppress(OSError):
                if time.time() - tmp.stat().st_mtime > _ABANDONED_AFTER_S:
                    shutil.rmtree(tmp, ignore_errors=True)
            continue
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # held: that review is running
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        finally:
            os.close(fd)
