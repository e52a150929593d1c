"""Every file the CI readers open, read through one gate: none outside the repository.

A pipeline under review is untrusted input: a GitLab ``include: local: ../../x.yml``, a
``uses: ./../../action``, a Makefile ``include ../../y.mk``, an Azure template path or a
symbolic link inside the repository can name any file of the machine that runs golive.
The readers call `read_text` while `within(repo)` is in force (`ci.parse` and
`ci.parse_all` set it); a file that leaves the repository, symbolic links followed to
their end, is refused as `OutsideRepository`, an OSError the readers already treat as
"cannot be read, not followed", with a message that says why. Outside `within`, no
repository is known and nothing is refused (unit tests of a single reader).
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from ...errors import SourceError
from .. import repofile

_REPO: contextvars.ContextVar[Path | None] = contextvars.ContextVar("ci_repo", default=None)


class OutsideRepository(OSError):
    """A file a pipeline names that golive will not read."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(why)
        self.strerror = why
        self.filename = str(path)

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


@contextlib.contextmanager
def within(repo: Path) -> Iterator[None]:
    """Refuse, while in force, every file outside ``repo``."""
    token = _REPO.set(repo)
    try:
        yield
    finally:
        _REPO.reset(token)


def read_text(path: Path, errors: str = "strict") -> str:
    """``path`` as UTF-8 text; OutsideRepository when it leaves the repository in force
    (or is no regular file, or too large: repofile's limits), else Path.read_text's errors."""
    repo = _REPO.get()
    if repo is None:
        return path.read_text(encoding="utf-8", errors=errors)
    try:
        data = repofile.read_bytes(repo, path)
    except SourceError as e:
        if e.message == "file not found":
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path)) from None
        raise OutsideRepository(path, e.message) from None
    return data.decode("utf-8", errors=errors)


def rel(path: Path, repo: Path) -> str:
    """``path`` as the repository names it; a path outside it in full."""
    try:
        return path.relative_to(repo).as_posix()
    except ValueError:
        return str(path)


class FollowsRepository:
    """What every reader that follows a pipeline into the repository's files shares: the
    repository, the notes of what it did not follow (each once), names relative to it."""

    repo: Path
    notes: list[str]

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def rel(self, path: Path) -> str:
        return rel(path, self.repo)
