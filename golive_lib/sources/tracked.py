"""The repository's files, listed once: what every walk of the repository reads from.

In a git work tree the repository is what git lists: tracked files and untracked files
that are not ignored (`git ls-files --cached --others --exclude-standard`), so build
output, virtualenvs and `.gitignore`d folders are never read. Elsewhere (a plain folder,
a repository whose git cannot run) it is every file outside VCS and virtualenv folders.
Either way a symbolic link to a file is listed (in `outside` too when the file lies
outside the repository, so that its reader can refuse it and say why).

In a git work tree the listing is kept per process for a few seconds, keyed by the
repository and the stamp of git's index and root folder, so the walks of one section share
one listing; a file added after it was read shows up once the stamp or the time moves on.
A plain folder is walked on each call.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", "__pycache__", ".mypy_cache"}
)
TTL_S = 5.0  # how long a listing is reused when git's index has not changed


@dataclass(frozen=True)
class Listing:
    """The repository's files as posix paths relative to its root, sorted."""

    repository: Path
    paths: tuple[str, ...]
    from_git: bool
    # listed links to a file outside the repository: a reader refuses them (and says so)
    outside: frozenset[str] = frozenset()
    # tracked regular files whose content was git's index blob when listed: path -> blob id
    blobs: Mapping[str, str] = field(default_factory=dict)

    def files(self) -> list[Path]:
        return [self.repository / p for p in self.paths]

    def match(self, pattern: str) -> list[Path]:
        """The listed files matching a glob relative to the root (`**` spans folders, as
        in `glob.glob(..., recursive=True)`), sorted."""
        rx = _glob_regex(pattern)
        return [self.repository / p for p in self.paths if rx.fullmatch(p)]

    def under(self, folder: str) -> list[str]:
        """The listed paths inside ``folder`` (relative, posix)."""
        prefix = folder.strip("/") + "/"
        return (
            [p for p in self.paths if p.startswith(prefix)] if prefix != "/" else list(self.paths)
        )


def walk_order(rel: str) -> tuple[tuple[int, str], ...]:
    """Sort key giving `os.walk`'s order with sorted names: a folder's files before its
    subfolders."""
    *folders, name = rel.split("/")
    return (*((1, f) for f in folders), (0, name))


def glob_literals(patterns: Iterable[str]) -> tuple[str, ...]:
    """For each glob the longest text a matching path must contain (wildcards split it,
    a leading "/" dropped: `**/` may match nothing): a path holding none of them matches
    no glob, without the regex. An empty literal (a glob of wildcards only) matches all."""
    out = []
    for p in patterns:
        wild = re.sub(r"\[[^\]]*\]", "*", p.strip("/"))  # a [set] is a wildcard too
        chunks = re.split(r"[*?\[]", wild)
        out.append(max((c.strip("/") for c in chunks), key=len, default=""))
    return tuple(out)


def globs_regex(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching a path that any of the globs matches (see `Listing.match`);
    None for no glob."""
    parts = [_glob_regex(p).pattern for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regex over posix paths: `**/` any folders (or none), `*` and `?` within
    one path part, `[...]` as fnmatch."""
    pattern = pattern.strip("/")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape("["))
                i += 1
            else:
                out.append(fnmatch.translate(pattern[i : end + 1])[4:-3])
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def _inside(repo: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(repo.resolve())
    except (ValueError, OSError):
        return False
    return True


@dataclass(frozen=True)
class _GitFiles:
    names: list[str]  # every path git lists, sorted
    clean: dict[str, tuple[str, str]]  # tracked, unchanged since the index: path -> (mode, blob)


_REGULAR = ("100644", "100755")
_GITLINK = "160000"  # a submodule: a folder, not a file


def _git_files(repo: Path) -> _GitFiles | None:
    """What git lists, in one call: tracked files with their mode and blob (`--stage`),
    those changed in the work tree (`--modified`: content, type, or gone), and untracked
    files not ignored (`--others --exclude-standard`); `-v` tags each (H tracked, C changed,
    ? untracked; lowercase h: marked assume-unchanged, which git does not check, S:
    skip-worktree, M: unmerged). A tracked file git has not seen change is known from
    the index (a regular file, its blob) without a stat of ours; any other is looked at."""
    # not through golive.process: its stderr (never shown) needs no redaction, and a plain
    # folder's "not a git repository" would load the redactor's scanner for nothing
    try:
        done = subprocess.run(  # noqa: S603 - git, with golive's own arguments
            ["git", "-C", str(repo), "ls-files", "-z", "-v", "--stage", "--modified"]
            + ["--others", "--exclude-standard"],
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:  # not a work tree, or no git
        return None
    names: set[str] = set()
    tracked: dict[str, tuple[str, str]] = {}
    unsure: set[str] = set()
    for record in done.stdout.decode("utf-8", "replace").split("\0"):
        tag, _, rest = record.partition(" ")
        if not rest:
            continue
        if tag == "?":
            names.add(rest)
            continue
        meta, _, rel = rest.partition("\t")
        mode, blob, stage = (meta.split(" ") + ["", "", ""])[:3]
        names.add(rel)
        if tag == "H" and stage == "0":
            tracked[rel] = (mode, blob)
        else:  # changed, assume-unchanged, skip-worktree, unmerged: stat it
            unsure.add(rel)
    clean = {rel: v for rel, v in tracked.items() if rel not in unsure}
    return _GitFiles(sorted(names), clean)


def _walk_paths(repo: Path) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(repo):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        rel = Path(root).relative_to(repo).as_posix()
        prefix = "" if rel == "." else rel + "/"
        found.extend(prefix + name for name in sorted(files))
    return sorted(found)


def _read(repo: Path) -> Listing:
    got = _git_files(repo)
    names = got.names if got is not None else _walk_paths(repo)
    clean = got.clean if got is not None else {}
    kept: list[str] = []
    outside: list[str] = []
    blobs: dict[str, str] = {}
    real = repo.resolve()
    root = str(repo)
    for rel in names:
        if set(rel.split("/")[:-1]) & SKIP_DIRS:
            continue
        mode, blob = clean.get(rel, ("", ""))
        if mode in _REGULAR:  # unchanged since git's index: a regular file, that blob
            kept.append(rel)
            blobs[rel] = blob
            continue
        if mode == _GITLINK:
            continue
        path = f"{root}/{rel}"  # strings: pathlib costs more than the stat itself
        try:
            st_mode = os.lstat(path).st_mode
        except OSError:
            continue  # gone since git listed it
        if stat.S_ISLNK(st_mode):
            # git and the walk list a link itself, never what is under one
            if not os.path.isfile(path):
                continue
            if not _inside(real, Path(path)):
                outside.append(rel)
        elif not stat.S_ISREG(st_mode):
            continue  # a folder git lists (a submodule), a FIFO, a device
        kept.append(rel)
    return Listing(repo, tuple(kept), got is not None, frozenset(outside), blobs)


def _stamp(repo: Path) -> tuple[int, int, int] | None:
    """git's index and the root folder changed or not; None outside a git work tree."""
    try:
        index = (repo / ".git" / "index").stat()
        root = repo.stat()
    except OSError:
        return None
    return index.st_mtime_ns, index.st_size, root.st_mtime_ns


_lock = threading.Lock()
_cache: dict[Path, tuple[float, tuple[int, int, int], Listing]] = {}


def listing(repo: Path, *, fresh: bool = False) -> Listing:
    """The repository's files (see the module's docstring); ``fresh`` reads them again."""
    key = repo.resolve()
    stamp = _stamp(repo)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if not fresh and hit is not None and hit[1] == stamp and now - hit[0] < TTL_S:
            return hit[2]
    found = _read(repo)
    if stamp is not None:  # a plain folder has no cheap stamp: it is walked each time
        with _lock:
            _cache[key] = (now, stamp, found)
    return found


def forget() -> None:
    """Drop every kept listing (tests, and a caller that just wrote into a repository)."""
    with _lock:
        _cache.clear()
