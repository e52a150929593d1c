"""Appending one line to a JSON Lines log (sign-offs, signed attestations) atomically."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Callable
from pathlib import Path

from .errors import ReportError


def append_line(
    path: Path,
    line: bytes | Callable[[bytes], bytes],
    then: Callable[[], tuple[Path, Path]] | None = None,
) -> None:
    """Append one line atomically: one write of the whole line (O_APPEND | O_NOFOLLOW),
    then fsync, under an exclusive lock. A symlink, a FIFO or a hard-linked file is refused
    (ReportError); a short or failed write (a full disk) is cut back, so nothing is
    appended, and raises OSError.

    ``line`` may be a function of the bytes that will precede it (read under the lock), so
    a signed line can bind the log before it. ``then`` runs under the lock once the line
    is in the file and returns (temporary file, target): moved into place when all went
    well, else removed and the line cut back (a page that cannot be written undoes it)."""
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReportError(f"{path} is a symbolic link; refused") from None
        if exc.errno == errno.ENXIO:
            raise ReportError(f"{path} is not a regular file; refused") from None
        raise
    tmp: Path | None = None
    target = path
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
            raise ReportError(f"{path} is not a regular file of its own; refused")
        size = info.st_size
        # a torn last line (an older golive) stays a line of its own
        sep = b"\n" if size and os.pread(fd, 1, size - 1) != b"\n" else b""
        if callable(line):
            line = line(_read_all(fd, size) + sep)
        data = sep + line
        try:
            written = os.write(fd, data)
            if written != len(data):
                why = f"{os.strerror(errno.ENOSPC)} (wrote {written} of {len(data)} bytes)"
                raise OSError(errno.ENOSPC, why)
            os.fsync(fd)
            if then is not None:
                tmp, target = then()
        except BaseException:
            os.ftruncate(fd, size)
            os.fsync(fd)
            raise
        if tmp is not None:
            os.replace(tmp, target)
            tmp = None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        os.close(fd)


def _read_all(fd: int, size: int) -> bytes:
    chunks, at = [], 0
    while at < size:
        chunk = os.pread(fd, min(1 << 20, size - at), at)
        if not chunk:
            break
        chunks.append(chunk)
        at += len(chunk)
    return b"".join(chunks)
