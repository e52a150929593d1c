"""The architecture section's evidence: the overview document found and read, its
links resolved, and its external links asked when enabled; read once by `collect`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError
from ..params import Params
from ..sources.docs import (
    LinkKind,
    MarkdownDoc,
    Resolution,
    UrlCheck,
    check_urls,
    link_kind,
    parse_markdown,
    repo_path,
    resolve_links,
)
from .base import repo_relative


@dataclass(frozen=True)
class ArchitectureEvidence:
    """What the architecture checks look at, read once from the repository."""

    repository: Path
    candidates: tuple[str, ...]  # the overview paths searched, in order
    overview: Path | None = None  # the first candidate that exists
    overview_rel: str | None = None  # the same, relative to the repository (posix)
    doc: MarkdownDoc | None = None  # the parsed overview, when it could be read
    read_error: str | None = None  # why the overview could not be read
    resolutions: tuple[Resolution, ...] = ()  # every relative and #anchor link
    url_checks: tuple[UrlCheck, ...] | None = None  # None: external links not checked

    def where(self, line: int) -> str:
        return f"{self.overview_rel}:{line}"


# --------------------------------------------------------------------------- collect


def find_overview(repository: Path, candidates: tuple[str, ...]) -> Path | None:
    """The first candidate path that is a file inside the repository (its file name
    compared case-insensitively when the exact name is not there: Architecture.md)."""
    for candidate in candidates:
        path = repo_path(candidate, repository, repository)
        if path is None:
            continue
        if path.is_file():
            return path
        if path.parent.is_dir():
            same = [p for p in sorted(path.parent.iterdir()) if p.name.lower() == path.name.lower()]
            if same and same[0].is_file():
                return same[0]
    return None


def collect(params: Params) -> ArchitectureEvidence:
    """Find and read the overview, resolve its links, and ask external ones when enabled."""
    repository = params.repository
    candidates = tuple(params.architecture.docs)
    overview = find_overview(repository, candidates)
    if overview is None:
        return ArchitectureEvidence(repository, candidates)
    rel = repo_relative(overview, repository)
    try:
        doc = parse_markdown(overview)
    except SourceError as e:
        return ArchitectureEvidence(repository, candidates, overview, rel, read_error=e.message)
    url_checks = None
    if params.architecture.check_external_links:
        urls = [lk.target for lk in doc.links if link_kind(lk.target) is LinkKind.EXTERNAL]
        url_checks = tuple(check_urls(urls, params.architecture.link_timeout_s).values())
    return ArchitectureEvidence(
        repository,
        candidates,
        overview=overview,
        overview_rel=rel,
        doc=doc,
        resolutions=resolve_links(doc, repository),
        url_checks=url_checks,
    )
