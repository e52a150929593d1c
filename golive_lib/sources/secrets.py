"""Secret scanning of a repository with detect-secrets (Yelp's maintained scanner).

`scan(repo, exclude)` lists the repository's files (git's view when it is a work tree:
tracked and untracked files, not ignored ones; else a walk that skips VCS folders and
virtualenvs), leaves out binary and large files and the globs given, runs
detect-secrets' default plugins and filters on every text file, and returns
`SecretFinding`s that never carry the secret: its type, file, line and a redacted form
(length only). A file that cannot be read is kept as a note with its reason.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .. import cachedir
from ..errors import SourceError
from . import repofile

SOURCE = "detect-secrets"
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", "__pycache__", ".mypy_cache"}
)
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class SecretFinding:
    type: str  # e.g. "AWS Access Key", "Secret Keyword"
    path: str  # relative to the repository
    line: int
    redacted: str  # never the secret itself

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class SecretScan:
    repository: Path
    files_scanned: int
    findings: tuple[SecretFinding, ...]
    unreadable: tuple[str, ...] = ()


def redact(secret: str | None) -> str:
    """What may be shown of a secret: how long it is, nothing of its characters."""
    if not secret:
        return "[redacted]"
    return f"[redacted, {len(secret)} characters]"


def _git_files(repo: Path) -> list[Path] | None:
    """Tracked and untracked-but-not-ignored files when ``repo`` is in a git work tree."""
    try:
        done = subprocess.run(
            [
                "git",
                "-C",
                str(repo),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    names = [n for n in done.stdout.decode("utf-8", "replace").split("\0") if n]
    return [repo / n for n in sorted(set(names)) if (repo / n).is_file()]


def _walk_files(repo: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(repo):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found.extend(Path(root) / name for name in sorted(files))
    return found


def _files(repo: Path, exclude: tuple[str, ...]) -> list[Path]:
    """The repository's files: git's view (ignored files are not in the repository) when
    it is a git work tree, else every file outside VCS and virtualenv folders."""
    listed = _git_files(repo)
    candidates = listed if listed is not None else _walk_files(repo)
    kept = []
    for path in candidates:
        rel = path.relative_to(repo).as_posix()
        if set(Path(rel).parts[:-1]) & SKIP_DIRS:
            continue
        if not any(fnmatch.fnmatch(rel, g) for g in exclude) and repofile.inside(repo, path):
            kept.append(path)  # a symbolic link out of the repository is not its file
    return kept


def _is_text(path: Path) -> bool:
    try:
        info = path.stat()
        # a FIFO or device would block the scan (and the section) forever
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return False
        with path.open("rb") as fh:
            return b"\0" not in fh.read(8192)
    except OSError:
        return False


class _FindingCache:
    """detect-secrets' findings per file, keyed by the file's path and content and the
    scanner's version: scanning is ~0.4 ms a line, and most of a repository is unchanged
    from one review to the next. Entries hold only what a report shows (type, line, the
    redacted form), never a secret. A cache that cannot be read or written is skipped."""

    def __init__(self, version: str) -> None:
        self.root = cachedir.cache_root("secrets-v1", f"detect-secrets-{version}")

    def entry(self, rel: str, content: bytes) -> Path:
        """Where the findings of this file with this content are kept."""
        digest = hashlib.sha256(rel.encode() + b"\0" + content).hexdigest()
        return self.root / digest[:2] / f"{digest}.json"

    def get(self, entry: Path, rel: str) -> list[SecretFinding] | None:
        try:
            rows = json.loads(entry.read_text(encoding="utf-8"))
            return [SecretFinding(str(t), rel, int(n), str(r)) for t, n, r in rows]
        except (OSError, ValueError, TypeError):
            return None

    def put(self, entry: Path, found: list[SecretFinding]) -> None:
        rows = [[f.type, f.line, f.redacted] for f in found]
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = entry.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(rows), encoding="utf-8")
            os.replace(tmp, entry)  # readers never see half an entry
        except OSError:
            pass


def _scanner_version() -> str:
    """detect-secrets' version, read from its metadata: importing it costs ~80 ms, which
    a review whose files are all cached never needs to pay."""
    from importlib import metadata

    try:
        return metadata.version("detect-secrets")
    except metadata.PackageNotFoundError:  # pragma: no cover - a runtime dependency
        raise SourceError(
            SOURCE, "detect-secrets is not installed; install it: pip install detect-secrets"
        ) from None


def _scan_file(repo: Path, rel: str) -> list[SecretFinding]:
    """detect-secrets on one file (within its default_settings())."""
    from detect_secrets.core.secrets_collection import SecretsCollection

    collection = SecretsCollection(root=str(repo))
    collection.scan_file(rel)
    return [
        SecretFinding(
            type=secret.type,
            path=rel,
            line=secret.line_number or 0,
            redacted=redact(secret.secret_value),
        )
        for _filename, secret in collection
    ]


def scan(repo: Path, exclude: tuple[str, ...] = ()) -> SecretScan:
    """Every potential secret in the repository's text files (redacted)."""
    cache = _FindingCache(_scanner_version())
    if not repo.is_dir():
        raise SourceError(SOURCE, f"{repo}: not a directory")
    files = [p for p in _files(repo, exclude) if _is_text(p)]
    findings: list[SecretFinding] = []
    unreadable: list[str] = []
    misses: list[tuple[str, Path]] = []  # (file, its cache entry): not the contents
    for path in files:
        rel = path.relative_to(repo).as_posix()
        try:
            entry = cache.entry(rel, path.read_bytes())
        except OSError as e:
            unreadable.append(f"{rel}: {e}")
            continue
        cached = cache.get(entry, rel)
        if cached is None:
            misses.append((rel, entry))
        else:
            findings.extend(cached)
    if misses:
        from detect_secrets.settings import default_settings

        with default_settings():
            for rel, entry in misses:
                try:
                    found = _scan_file(repo, rel)
                except (OSError, UnicodeDecodeError) as e:
                    unreadable.append(f"{rel}: {e}")
                    continue
                cache.put(entry, found)
                findings.extend(found)
    findings.sort(key=lambda f: (f.path, f.line, f.type))
    unreadable.sort()
    return SecretScan(repo, len(files), tuple(findings), tuple(unreadable))
