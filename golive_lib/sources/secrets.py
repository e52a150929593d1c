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
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError

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
        if not any(fnmatch.fnmatch(rel, g) for g in exclude):
            kept.append(path)
    return kept


def _is_text(path: Path) -> bool:
    try:
        if path.stat().st_size > MAX_BYTES:
            return False
        with path.open("rb") as fh:
            return b"\0" not in fh.read(8192)
    except OSError:
        return False


def scan(repo: Path, exclude: tuple[str, ...] = ()) -> SecretScan:
    """Every potential secret in the repository's text files (redacted)."""
    try:
        from detect_secrets.core.secrets_collection import SecretsCollection
        from detect_secrets.settings import default_settings
    except ImportError as e:  # pragma: no cover - a runtime dependency
        raise SourceError(
            SOURCE, f"detect-secrets is not installed ({e}); install it: pip install detect-secrets"
        ) from e
    if not repo.is_dir():
        raise SourceError(SOURCE, f"{repo}: not a directory")
    files = [p for p in _files(repo, exclude) if _is_text(p)]
    collection = SecretsCollection(root=str(repo))
    unreadable: list[str] = []
    with default_settings():
        for path in files:
            try:
                collection.scan_file(str(path.relative_to(repo)))
            except (OSError, UnicodeDecodeError) as e:
                unreadable.append(f"{path.relative_to(repo)}: {e}")
    findings = [
        SecretFinding(
            type=secret.type,
            path=Path(filename).as_posix(),
            line=secret.line_number or 0,
            redacted=redact(secret.secret_value),
        )
        for filename, secret in collection
    ]
    findings.sort(key=lambda f: (f.path, f.line, f.type))
    return SecretScan(repo, len(files), tuple(findings), tuple(unreadable))
