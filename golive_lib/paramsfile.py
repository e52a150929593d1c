"""Reading a parameters file once, whatever it is: a regular file, a FIFO, ``/dev/stdin``.

A run reads its parameters many times (validation, the digest in results.json, each
section's kernel). A pipe gives its text once, so :func:`spill` reads every parameters
path that is not a regular file exactly once and writes the text to a private regular
file that the run then reads; its first line records the original's name and the folder
its relative paths (``repository``) are taken from: the pipe's own folder, or the
working directory for standard input. :func:`read` strips that line again, so messages
name the original, the digest is the original text's, and line numbers are unchanged.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

#: A parameters file larger than this is refused (real ones are a few kilobytes).
MAX_BYTES = 4 * 1024 * 1024
_HEADER = "# golive-spilled-parameters: "
_PREFIX = "golive-params-"
_spill_dir: list[Path] = []


class TooLarge(OSError):
    """The file holds more than MAX_BYTES."""


def read_bytes(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes from ONE open (a FIFO is read to its end once); at most
    ``max_bytes`` (:class:`TooLarge` beyond). A directory raises IsADirectoryError."""
    with open(path, "rb") as fh:  # noqa: PTH123 - one descriptor, read once
        if stat.S_ISDIR(os.fstat(fh.fileno()).st_mode):
            raise IsADirectoryError(f"{path} is a directory")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(f"larger than {max_bytes // (1024 * 1024)} MB")
    return data


def _origin_base(path: Path) -> Path:
    parent = path.absolute().parent
    with_links = parent.resolve()
    if with_links.parts[:2] in (("/", "dev"), ("/", "proc")):
        return Path.cwd()  # standard input and /dev/fd/N: relative to where golive runs
    return with_links


def _directory() -> Path:
    if not _spill_dir:
        made = Path(tempfile.mkdtemp(prefix=_PREFIX))
        _spill_dir.append(made)
        atexit.register(shutil.rmtree, made, True)
    return _spill_dir[0]


def _spilled(path: Path) -> bool:
    """In a spill folder of this run (whichever process made it: kernels read it too)."""
    folder = path.absolute().parent
    return folder.name.startswith(_PREFIX) and folder.parent == Path(tempfile.gettempdir())


def spill(path: Path) -> Path:
    """``path`` itself when it is a regular file (or cannot be looked at: its loader
    reports why); else a regular copy of its text, read once (see the module)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return path
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return path
    try:
        data = read_bytes(path)
    except OSError:
        return path  # its loader says why, reading it again (nothing more to lose)
    meta = {"name": str(path), "base": str(_origin_base(path))}
    target = _directory() / f"{len(list(_directory().iterdir()))}-{path.name or 'stdin'}.yaml"
    target.write_bytes((_HEADER + json.dumps(meta) + "\n").encode() + data)
    return target


def read(path: Path) -> tuple[str, Path, str]:
    """(text, folder its relative paths start from, name to show) of a parameters file,
    read once. Raises OSError (TooLarge too) and UnicodeDecodeError."""
    data = read_bytes(path)
    text = data.decode("utf-8")
    if text.startswith(_HEADER) and _spilled(path):
        first, _, body = text.partition("\n")
        meta = json.loads(first[len(_HEADER) :])
        return body, Path(meta["base"]), str(meta["name"])
    return text, path.resolve().parent, str(path)


def original_name(path: Path) -> str:
    """The file name to record for ``path``: the original's for a spilled copy."""
    if _spilled(path):
        try:
            return Path(read(path)[2]).name
        except (OSError, UnicodeDecodeError, ValueError):
            pass
    return path.name
