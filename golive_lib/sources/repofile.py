"""Reading a file of the service repository, the same way for every section.

A path from the parameters (``README.md``, ``results/logs/sample.jsonl``) names a file of
the repository. :func:`locate` refuses one that leaves it, whether by ``..``, an absolute
path or a symbolic link (followed to its end), with a `SourceError` saying so; such a file
is never read. :func:`read_text` also refuses what is not a regular file (a FIFO would
block the section forever) and a file larger than ``max_bytes``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import SourceError

#: Largest repository file read whole (evidence files are kilobytes to a few megabytes).
MAX_BYTES = 64 * 1024 * 1024


def locate(repository: Path, rel: str | Path) -> Path:
    """The absolute path ``rel`` names in ``repository``, symbolic links resolved; a
    SourceError (naming ``rel``) when it leads outside. It need not exist."""
    root = repository.resolve()
    target = (root / rel).resolve()
    if not target.is_relative_to(root):
        how = (
            " through a symbolic link" if (root / rel).is_symlink() or _via_link(root, rel) else ""
        )
        raise SourceError(str(rel), f"leaves the repository{how} (to {target}); it was not read")
    return target


def _via_link(root: Path, rel: str | Path) -> bool:
    path = root
    for part in Path(rel).parts:
        path = path / part
        if path.is_symlink():
            return True
    return False


def inside(repository: Path, path: Path) -> bool:
    """Whether ``path`` (symbolic links followed) is within ``repository``."""
    return path.resolve().is_relative_to(repository.resolve())


def read_bytes(repository: Path, rel: str | Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of the repository; SourceError naming ``rel`` and why
    otherwise (missing, outside, not a regular file, too large, unreadable)."""
    path = locate(repository, rel)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise SourceError(str(rel), "file not found") from None
    except OSError as e:
        raise SourceError(str(rel), f"cannot read: {e.strerror or e}") from e
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise SourceError(str(rel), "is not a regular file; it was not read")
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > max_bytes:
            raise SourceError(
                str(rel), f"is {info.st_size:,} bytes, more than the {max_bytes:,} read"
            )
        try:
            return fh.read(max_bytes + 1)[:max_bytes]
        except OSError as e:
            raise SourceError(str(rel), f"cannot read: {e.strerror or e}") from e


def read_text(repository: Path, rel: str | Path, max_bytes: int = MAX_BYTES) -> str:
    """:func:`read_bytes` decoded as UTF-8 (SourceError when it is not)."""
    data = read_bytes(repository, rel, max_bytes)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SourceError(str(rel), f"not UTF-8 text: {e}") from e
