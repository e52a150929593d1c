"""Secret scanning of a repository: what git tracks, by rule, on every core, cached by blob.

`scan(repo, exclude, vendored=..., engine=...)` takes the repository's files from
`sources.tracked` (git's view: tracked and untracked-but-not-ignored files), leaves out by
rule what holds no secret of the service's (binary files by name or content, files over
2 MB, vendored and generated trees, the globs given) and counts each rule's files, then
runs the engine (`sources.secret_engines`: kingfisher by default, detect-secrets when
kingfisher cannot run or is asked for) on the files whose content it has not seen. A
tracked file git has seen unchanged is known by its blob without reading it: on a first
review kingfisher starts on those at once and golive looks at their content (binary? too
large?) while it loads its rules; a hit in a file then left out is dropped.

Findings are cached per repository under golive's cache folder, keyed by each file's path
and content (its blob), the engine's version and rules, and `.secrets.baseline`: a nightly
review rescans only the changed files and a second review of an unchanged repository only
reads them. A cache entry holds a finding's type, line, likelihood and the secret's length,
never the secret. A finding listed in `.secrets.baseline` (detect-secrets' file, not
audited as a real secret) is accepted: kept apart, not counted.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .. import cachedir
from ..errors import SourceError
from . import secret_engines, tracked
from .secret_engines import Hit

SOURCE = "secrets"
Engine = Literal["auto", "kingfisher", "detect-secrets"]
SKIP_DIRS = tracked.SKIP_DIRS
MAX_BYTES = 2_000_000
LARGE = f"larger than {MAX_BYTES // 1_000_000} MB"
REMEMBERED = frozenset({"binary", LARGE})  # a content's skip kept in the cache by its blob
SNIFF_BYTES = 8192  # a file with a NUL byte in these is binary
# Vendored and generated trees: other projects' code and build output, not the service's
# (a reviewer reads their secrets in those projects). Parameters: security.secrets.vendored.
DEFAULT_VENDORED = (
    "**/vendor/**",
    "**/third_party/**",
    "**/third-party/**",
    "**/node_modules/**",
    "**/bower_components/**",
    "**/Pods/**",
    "**/*.min.js",
    "**/*.min.css",
    "**/*.js.map",
    "**/*.css.map",
    "**/*.pb.go",
    "**/*_pb2.py",
    "**/*_pb2_grpc.py",
)
# Known binary formats, skipped by name (a file of any other name is sniffed for NUL bytes).
BINARY_SUFFIXES = frozenset(
    ".png .jpg .jpeg .gif .bmp .ico .webp .tiff .psd .pdf .zip .gz .tgz .bz2 .xz .7z .rar "
    ".tar .jar .war .ear .class .so .dll .dylib .exe .bin .o .a .lib .pyc .pyo .whl .egg "
    ".woff .woff2 .ttf .otf .eot .mp3 .mp4 .mov .avi .wav .ogg .flac .webm .sqlite .db "
    ".parquet .avro .orc .pkl .npy .npz .h5 .onnx .pt .iso .dmg .deb .rpm".split()
)
# Path parts that mark test and example files, and documentation: their findings are apart
# (documentation's only when the engine is not highly confident: a token of a provider's
# own format pasted into a README is as live as one in the code).
TEST_PARTS = frozenset(
    "test tests testing testdata test_data __tests__ spec specs fixture fixtures mock mocks "
    "example examples sample samples demo demos".split()
)
DOC_PARTS = frozenset("doc docs documentation docs-locale".split())
DOC_SUFFIXES = (".md", ".markdown", ".rst", ".adoc")  # documentation (not .txt: requirements.txt)

# File names of test code beside the code it tests (Go, Python, JS/TS, Ruby conventions).
TEST_SUFFIXES = (
    "_test.go",
    "_test.py",
    "_spec.rb",
    "_test.rb",
    ".test.js",
    ".spec.js",
    ".test.ts",
    ".spec.ts",
    ".test.tsx",
    ".spec.tsx",
    ".test.jsx",
    ".spec.jsx",
)


@dataclass(frozen=True)
class SecretFinding:
    type: str  # e.g. "AWS access token", "Secret keyword"
    path: str  # relative to the repository
    line: int
    redacted: str  # never the secret itself
    confidence: str = "medium"  # the engine's likelihood: high, medium, low

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def in_test_or_example(self) -> bool:
        """In test or example files (a fixture's fake key, a sample configuration)."""
        *folders, name = self.path.split("/")
        low = name.lower()
        return (
            any(p.lower() in TEST_PARTS for p in folders)
            or low.startswith(("test_", "example", "sample"))
            or low.endswith(TEST_SUFFIXES)
            or name.endswith(("Test.java", "Tests.java", "Test.kt", "Tests.cs", "Test.cs"))
        )

    @property
    def in_docs(self) -> bool:
        """In documentation (a Markdown/reST/AsciiDoc file, or a docs folder)."""
        *folders, name = self.path.split("/")
        return any(p.lower() in DOC_PARTS for p in folders) or name.lower().endswith(DOC_SUFFIXES)

    @property
    def in_tests(self) -> bool:
        """Reported apart: in test or example files, or in documentation unless the engine
        is highly confident (a token in a provider's own format: a how-to's placeholder
        does not look like one, a pasted live token does)."""
        return self.in_test_or_example or (self.in_docs and self.confidence != "high")


@dataclass(frozen=True)
class SecretScan:
    repository: Path
    files_scanned: int
    findings: tuple[SecretFinding, ...]
    unreadable: tuple[str, ...] = ()
    engine: str = ""  # "kingfisher 2.14.0", "detect-secrets 1.5.0"
    skipped: tuple[tuple[str, int], ...] = ()  # (rule, files) left out by rule
    accepted: tuple[SecretFinding, ...] = ()  # in .secrets.baseline
    rescanned: int = 0  # files the engine read this time (the rest came from the cache)
    engine_note: str = ""  # why the fallback engine ran


def redact(secret: str | None) -> str:
    """What may be shown of a secret: how long it is, nothing of its characters."""
    if not secret:
        return "[redacted]"
    return f"[redacted, {len(secret)} characters]"


def _redacted(length: int) -> str:
    return f"[redacted, {length} characters]" if length else "[redacted]"


def _jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _rule_of(
    rel: str,
    exclude: tuple[str, ...],
    vendored: re.Pattern[str] | None,
    literals: tuple[str, ...] = ("",),
) -> str | None:
    """Why a file is left out before it is read, or None (``literals``: what a path the
    ``vendored`` regex matches must contain, to skip the regex for most paths)."""
    if any(fnmatch.fnmatch(rel, g) for g in exclude):
        return "excluded (security.secrets.exclude)"
    if vendored is not None and any(lit in rel for lit in literals) and vendored.fullmatch(rel):
        return "vendored or generated (security.secrets.vendored)"
    suffix = rel.rsplit(".", 1)[-1].lower() if "." in rel.rsplit("/", 1)[-1] else ""
    if suffix and f".{suffix}" in BINARY_SUFFIXES:
        return "binary"
    return None


class _Cache:
    """One file per repository: {key of a file's path and content: its findings}. Read
    once, written once (atomically); one that cannot be read or written is skipped."""

    def __init__(self, repo: Path, scope: str) -> None:
        where = hashlib.sha256(str(repo.resolve()).encode()).hexdigest()[:16]
        self.path = cachedir.cache_root("secrets-v2", scope, where, "findings.json")
        # a file's findings, or why its content is not scanned (binary, large)
        self.entries: dict[str, list[list[object]] | str] = {}
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self.entries = loaded
        except (OSError, ValueError):
            pass

    @staticmethod
    def key(rel: str, content: bytes) -> str:
        return hashlib.sha256(rel.encode() + b"\0" + content).hexdigest()[:32]

    @staticmethod
    def blob_key(rel: str, blob: str) -> str:
        """The key of a file whose content is git's blob ``blob`` (never read for it)."""
        return "b" + hashlib.sha256(f"{rel}\0{blob}".encode()).hexdigest()[:31]

    def save(self, entries: dict[str, list[list[object]] | str]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(entries, separators=(",", ":")), encoding="utf-8")
            os.replace(tmp, self.path)  # readers never see half a file
        except OSError:
            pass


def _rows(entry: list[list[object]] | str | None) -> list[list[object]]:
    return entry if isinstance(entry, list) else []


def _row(h: Hit) -> list[object]:
    return [h.type, h.line, h.confidence, h.length, h.accepted]


def _finding(rel: str, row: list[object]) -> tuple[SecretFinding, bool]:
    kind, line, confidence, length, accepted = row
    return (
        SecretFinding(str(kind), rel, int(str(line)), _redacted(int(str(length))), str(confidence)),
        bool(accepted),
    )


def _engine(choice: Engine) -> tuple[str, str | None, str]:
    """(name and version, kingfisher's binary or None, why the fallback ran)."""
    if choice in ("auto", "kingfisher"):
        binary = secret_engines.kingfisher_binary()
        if binary is not None:
            return f"kingfisher {secret_engines.kingfisher_version(binary)}", binary, ""
        if choice == "kingfisher":
            raise SourceError(
                SOURCE, "kingfisher is not installed; install it: pip install kingfisher-bin"
            )
        note = "kingfisher is not installed (pip install kingfisher-bin): detect-secrets ran"
        return f"detect-secrets {secret_engines.detect_secrets_version()}", None, note
    return f"detect-secrets {secret_engines.detect_secrets_version()}", None, ""


def _files(
    repo: Path,
    exclude: tuple[str, ...],
    vendored: tuple[str, ...],
    cache: _Cache,
    unreadable: list[str],
) -> tuple[dict[str, str], dict[str, int], dict[str, str], list[str]]:
    """(file -> its cache key, files not scanned by why, blob key -> why that content is not
    scanned, files still to look at) of the repository's files; the files that cannot be
    read go to ``unreadable``. A tracked file git has seen unchanged is keyed by its blob,
    unread: when the cache does not know that content either, it is still to look at
    (`_look_at`: binary? too large?), which the scan does while the engine starts."""
    pending: list[str] = []
    skipped: dict[str, int] = {}
    keys: dict[str, str] = {}  # file -> its cache key
    vendored_rx = tracked.globs_regex(vendored)
    literals = tracked.glob_literals(vendored)
    # read now, not kept from earlier: which files git has seen unchanged must be current
    listed = tracked.listing(repo, fresh=True)
    blobs = listed.blobs  # unchanged tracked files: known without reading
    remembered: dict[str, str] = {}  # blob key -> why that content is not scanned
    for rel in listed.paths:
        rule = _rule_of(rel, exclude, vendored_rx, literals)
        if rule is None and rel in listed.outside:
            rule = "a link out of the repository (not its file)"
        if rule is None:
            blob = blobs.get(rel)
            bkey = _Cache.blob_key(rel, blob) if blob else None
            known = cache.entries.get(bkey) if bkey else None
            if bkey and isinstance(known, str):
                rule = remembered[bkey] = known
            elif bkey:
                keys[rel] = bkey
                if known is None:
                    pending.append(rel)
            else:
                rule, key = _read_key(repo, rel, unreadable)
                if key is not None:
                    keys[rel] = key
        if rule is not None:
            skipped[rule] = skipped.get(rule, 0) + 1
    return keys, skipped, remembered, pending


def _look_at(repo: Path, pending: list[str], unreadable: list[str]) -> dict[str, str | None]:
    """The files of ``pending`` that are not to be scanned: why (binary, too large, gone),
    or None for one that cannot be read (it goes to ``unreadable``)."""
    out: dict[str, str | None] = {}
    for rel in pending:
        rule, head = _content(repo, rel, unreadable, SNIFF_BYTES)
        if head is None:
            out[rel] = rule
    return out


def _leave_out(
    left: dict[str, str | None],
    keys: dict[str, str],
    skipped: dict[str, int],
    remembered: dict[str, str],
) -> None:
    """Takes the files ``_look_at`` left out of ``keys``, counts them by why, and remembers
    a binary or large content by its blob key."""
    for rel, rule in left.items():
        key = keys.pop(rel)
        if rule is None:
            continue
        skipped[rule] = skipped.get(rule, 0) + 1
        if rule in REMEMBERED:
            remembered[key] = rule


def _kingfisher(
    binary: str,
    repo: Path,
    misses: list[str],
    keys: dict[str, str],
    baseline: secret_engines.Baseline,
    vendored: tuple[str, ...],
) -> list[Hit]:
    """kingfisher's hits in ``misses`` (the files still to look at among them: a hit in one
    then found binary or too large is dropped by the scan)."""
    inputs = secret_engines.cover(misses, list(keys))
    return secret_engines.run_kingfisher(
        binary, repo, misses, baseline, _jobs(), inputs=inputs, skip=vendored, max_bytes=MAX_BYTES
    )


def _findings(
    keys: dict[str, str], fresh: dict[str, list[list[object]]], cache: _Cache
) -> tuple[list[SecretFinding], list[SecretFinding]]:
    """(findings, accepted in .secrets.baseline) from this scan's rows or the cache's."""
    findings: list[SecretFinding] = []
    accepted: list[SecretFinding] = []
    for rel, key in keys.items():
        for row in fresh.get(key) or _rows(cache.entries.get(key)):
            found, is_accepted = _finding(rel, row)
            (accepted if is_accepted else findings).append(found)
    return findings, accepted


def scan(
    repo: Path,
    exclude: tuple[str, ...] = (),
    *,
    vendored: tuple[str, ...] = DEFAULT_VENDORED,
    engine: Engine = "auto",
) -> SecretScan:
    """Every potential secret in the repository's files (redacted)."""
    if not repo.is_dir():
        raise SourceError(SOURCE, f"{repo}: not a directory")
    name, binary, note = _engine(engine)
    baseline, baseline_digest = secret_engines.read_baseline(repo)
    # golive's rules and filters are in secret_engines: a change to it is a new scope
    rules = hashlib.sha256(Path(secret_engines.__file__).read_bytes()).hexdigest()[:8]
    cache = _Cache(repo, f"{name.replace(' ', '-')}-{rules}-{baseline_digest or 'none'}")
    unreadable: list[str] = []
    keys, skipped, remembered, pending = _files(repo, exclude, vendored, cache, unreadable)
    misses = [rel for rel, key in keys.items() if not isinstance(cache.entries.get(key), list)]
    keep_cache = True
    fresh: dict[str, list[list[object]]] = {}
    if misses:
        hits: list[Hit] | None = None
        # the files still to look at are looked at while kingfisher starts (~0.3 s loading
        # its rules, on one core, whatever it scans)
        with ThreadPoolExecutor(1, thread_name_prefix="golive-secrets-look") as pool:
            looked = pool.submit(_look_at, repo, pending, unreadable)
            if binary is not None:
                try:
                    hits = _kingfisher(binary, repo, misses, keys, baseline, vendored)
                except SourceError as e:
                    if engine != "auto":
                        raise
                    # the fallback scans what kingfisher could not; its findings are not
                    # cached under kingfisher's scope
                    note, keep_cache = f"{e.message}: detect-secrets ran instead", False
                    name = f"detect-secrets {secret_engines.detect_secrets_version()}"
            _leave_out(looked.result(), keys, skipped, remembered)
        misses = [rel for rel in misses if rel in keys]
        if hits is None:
            hits, failed = secret_engines.run_detect_secrets(repo, misses, baseline, _jobs())
            unreadable.extend(failed)
        by_file: dict[str, list[list[object]]] = {rel: [] for rel in misses}
        for h in _not_allowlisted(repo, hits):
            if h.path in by_file:  # not in a file found binary or too large meanwhile
                by_file[h.path].append(_row(h))
        fresh = {keys[rel]: rows for rel, rows in by_file.items()}
    findings, accepted = _findings(keys, fresh, cache)
    if keep_cache and (fresh or len(cache.entries) != len(keys) + len(remembered)):
        kept: dict[str, list[list[object]] | str] = dict(remembered)
        kept.update({k: fresh.get(k) or _rows(cache.entries.get(k)) for k in keys.values()})
        cache.save(kept)
    findings.sort(key=lambda f: (f.path, f.line, f.type))
    unreadable.sort()
    return SecretScan(
        repository=repo,
        files_scanned=len(keys),
        findings=tuple(findings),
        unreadable=tuple(unreadable),
        engine=name,
        skipped=tuple(sorted(skipped.items())),
        accepted=tuple(accepted),
        rescanned=len(misses),
        engine_note=note,
    )


PRAGMA = "pragma: allowlist secret"  # detect-secrets' inline allowlist, on the line
PRAGMA_NEXT = "pragma: allowlist nextline secret"  # ... on the line before


def _not_allowlisted(repo: Path, hits: list[Hit]) -> list[Hit]:
    """The hits whose line carries no allowlist pragma (nor the line before it a
    nextline one)."""
    lines: dict[str, list[str]] = {}
    kept: list[Hit] = []
    for h in hits:
        if h.path not in lines:
            try:
                text = (repo / h.path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            lines[h.path] = text.splitlines()
        got = lines[h.path]
        here = got[h.line - 1] if 0 < h.line <= len(got) else ""
        before = got[h.line - 2] if 1 < h.line <= len(got) + 1 else ""
        if PRAGMA not in here and PRAGMA_NEXT not in before:
            kept.append(h)
    return kept


def _read_key(repo: Path, rel: str, unreadable: list[str]) -> tuple[str | None, str | None]:
    """(why the file is left out, or None; its cache key when it is scanned)."""
    rule, content = _content(repo, rel, unreadable)
    return (rule, None) if content is None else (None, _Cache.key(rel, content))


def _content(
    repo: Path, rel: str, unreadable: list[str], limit: int | None = None
) -> tuple[str | None, bytes | None]:
    """(why the file is left out, or None; its content, or its first ``limit`` bytes, when
    it is a text file to scan). One that cannot be read goes to ``unreadable``: (None, None)."""
    path = f"{repo}/{rel}"
    try:
        # non-blocking: opening a FIFO to read would wait for a writer forever
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return "gone since it was listed", None
    except OSError as e:
        unreadable.append(f"{rel}: {e.strerror or type(e).__name__}")
        return None, None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file", None
        if info.st_size > MAX_BYTES:
            return LARGE, None
        if limit is not None:
            content = os.read(fd, limit)
        else:
            chunks = []
            while chunk := os.read(fd, max(info.st_size, 65536)):
                chunks.append(chunk)
            content = b"".join(chunks)
    except OSError as e:
        unreadable.append(f"{rel}: {e.strerror or type(e).__name__}")
        return None, None
    finally:
        os.close(fd)
    if b"\0" in content[:SNIFF_BYTES]:
        return "binary", None
    return None, content
