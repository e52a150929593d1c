"""01 Architecture: the overview document, its links and diagram, and who owns the service.

`collect` does all the reading (and, when enabled, the asking of web servers); the
five checks are pure functions of its `ArchitectureEvidence` and the parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import catalog
from ..errors import SourceError
from ..model import Check, Evidence, Status
from ..params import Component, Params
from ..sources.docs import (
    CodeBlock,
    Link,
    LinkKind,
    MarkdownDoc,
    Resolution,
    UrlCheck,
    body_lines,
    check_urls,
    link_kind,
    normalise_url,
    parse_markdown,
    repo_path,
    resolve_links,
    split_target,
)
from .base import check, checks_of, repo_relative, run_checks

SECTION = "architecture"

IMAGE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp")
_MERMAID_LANGS = frozenset({"mermaid", "mmd"})
_PLANTUML_LANGS = frozenset({"plantuml", "puml", "uml", "c4plantuml"})
_STRUCTURIZR_LANGS = frozenset({"structurizr", "structurizr-dsl"})
_PLANTUML_START_RE = re.compile(r"^\s*@start(?:uml|c4)\b", re.M)
_PLANTUML_C4_RE = re.compile(r"C4[_-]|\bC4\b|!include\s+<C4/", re.I)
_MERMAID_C4_RE = re.compile(r"^\s*C4(?:Context|Container|Component|Dynamic|Deployment)\b", re.M)
_STRUCTURIZR_RE = re.compile(r"^\s*workspace\b[^\n{]*\{", re.M)

MERMAID_EXAMPLE = """```mermaid
flowchart LR
  client[Client] --> api[ingest-api]
  api --> bucket[(S3 bucket)]
  api --> db[(SQL table)]
```"""


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


@dataclass(frozen=True)
class Diagram:
    kind: str  # "Mermaid", "PlantUML", "C4 (Mermaid)", "C4 (PlantUML)", "C4 (Structurizr)", "image"
    line: int
    detail: str = ""  # the image path, or the fence language


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


# --------------------------------------------------------------------------- helpers


def _overview_remediation(candidates: tuple[str, ...]) -> str:
    first = candidates[0] if candidates else "docs/architecture.md"
    return (
        f"Write an architecture overview at {first} in the service repository (or set "
        "architecture.docs in the parameters file to where it lives): what the service does, "
        "its components and how they talk to each other, its data stores, and a diagram."
    )


def _overview_or_result(ev: ArchitectureEvidence, check_id: str) -> MarkdownDoc | Check:
    """The parsed overview; or, when there is none or it is unreadable, the check's result."""
    if ev.overview is None:
        searched = ", ".join(ev.candidates) or "(no candidate paths)"
        return catalog.make(
            check_id,
            Status.FAIL,
            f"no architecture overview found (searched: {searched})",
            [Evidence(label="searched", value=searched, location=str(ev.repository))],
            _overview_remediation(ev.candidates),
        )
    if ev.doc is None:
        return catalog.error(
            check_id,
            f"cannot read the architecture overview {ev.overview_rel}: {ev.read_error}",
            "Save the overview as UTF-8 text readable by the user running the review.",
        )
    return ev.doc


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def _mentions(link: Link, name: str) -> bool:
    """Whether the link's text or target names the component (case and separators ignored)."""
    hay = f"{link.text} {link.target}"
    if name.lower() in hay.lower():
        return True
    squashed = _squash(name)
    return bool(squashed) and squashed in _squash(hay)


def _same_target(link: Link, want: str, doc: MarkdownDoc, repository: Path) -> bool:
    """Whether an overview link leads where a component's ``link`` parameter points.

    Repository paths are compared normalised (``./a/../b.md`` is ``b.md``), anchors and
    query strings ignored; URLs compared with `normalise_url` (no fragment, no trailing /).
    """
    want_kind, kind = link_kind(want), link_kind(link.target)
    if want_kind is LinkKind.EXTERNAL:
        return kind is LinkKind.EXTERNAL and normalise_url(link.target) == normalise_url(want)
    if want_kind is LinkKind.RELATIVE:
        if kind is not LinkKind.RELATIVE:
            return False
        wanted = repo_path(split_target(want)[0], repository, repository)
        got = repo_path(split_target(link.target)[0], doc.path.parent, repository)
        return wanted is not None and wanted == got
    return link.target == want


def component_link(component: Component, doc: MarkdownDoc, repository: Path) -> Link | None:
    """The first overview link that links the component, or None."""
    for lk in doc.links:
        if component.link:
            if _same_target(lk, component.link, doc, repository):
                return lk
        elif _mentions(lk, component.name):
            return lk
    return None


def _diagram_of_block(block: CodeBlock) -> Diagram | None:
    lang, text = block.lang, block.text
    if lang in _MERMAID_LANGS:
        kind = "C4 (Mermaid)" if _MERMAID_C4_RE.search(text) else "Mermaid"
        return Diagram(kind, block.line, lang)
    if lang in _PLANTUML_LANGS or _PLANTUML_START_RE.search(text):
        c4 = lang == "c4plantuml" or _PLANTUML_C4_RE.search(text)
        return Diagram("C4 (PlantUML)" if c4 else "PlantUML", block.line, lang)
    if lang in _STRUCTURIZR_LANGS or _STRUCTURIZR_RE.search(text):
        return Diagram("C4 (Structurizr)", block.line, lang)
    return None


def _is_image(target: str) -> bool:
    path = split_target(target)[0].lower()
    return path.endswith(IMAGE_SUFFIXES)


def find_diagrams(doc: MarkdownDoc, resolutions: tuple[Resolution, ...]) -> list[Diagram]:
    """Diagram code blocks, and links to image files in the repository that resolve."""
    found = [d for d in (_diagram_of_block(b) for b in doc.code_blocks) if d is not None]
    found += [
        Diagram("image", r.link.line, r.link.target)
        for r in resolutions
        if r.ok and link_kind(r.link.target) is LinkKind.RELATIVE and _is_image(r.link.target)
    ]
    return sorted(found, key=lambda d: d.line)


# --------------------------------------------------------------------------- checks


@check("architecture.doc-present")
def doc_present(ev: ArchitectureEvidence, params: Params) -> Check:
    cid = "architecture.doc-present"
    if ev.overview is None:
        return catalog.make(
            cid,
            Status.FAIL,
            f"no architecture overview found; searched: {', '.join(ev.candidates)}",
            [
                Evidence(label="searched", value=c, location=str(ev.repository))
                for c in ev.candidates
            ],
            _overview_remediation(ev.candidates),
            searched=list(ev.candidates),
        )
    if ev.doc is None:
        return catalog.error(
            cid,
            f"{ev.overview_rel} exists but cannot be read: {ev.read_error}",
            "Save the overview as UTF-8 text readable by the user running the review.",
        )
    doc = ev.doc
    lines = body_lines(doc)
    found = Evidence(
        label="overview",
        value=f"{lines} lines of content, {len(doc.headings)} headings, {len(doc.links)} links",
        location=ev.overview_rel,
    )
    if lines == 0:
        what = "is empty" if not doc.text.strip() else "holds nothing but headings"
        return catalog.make(
            cid,
            Status.FAIL,
            f"{ev.overview_rel} {what}",
            [found],
            f"Fill in {ev.overview_rel}: what the service does, its components and how they "
            "talk to each other, its data stores, and a diagram.",
            path=ev.overview_rel,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"architecture overview found at {ev.overview_rel}",
        [found],
        path=ev.overview_rel,
    )


@check("architecture.components-linked")
def components_linked(ev: ArchitectureEvidence, params: Params) -> Check:
    cid = "architecture.components-linked"
    components = params.architecture.components
    if not components:
        return catalog.make(
            cid,
            Status.NA,
            "the parameters name no components; list them under architecture.components "
            "(each with a name and, optionally, the link the overview must hold) to check them",
        )
    doc = _overview_or_result(ev, cid)
    if isinstance(doc, Check):
        return doc
    evidence: list[Evidence] = []
    missing: list[str] = []
    broken = {r.link for r in ev.resolutions if not r.ok}
    for component in components:
        lk = component_link(component, doc, ev.repository)
        if lk is None:
            missing.append(component.name)
            expected = (
                f"expected a link to {component.link}"
                if component.link
                else "no link's text or target mentions it"
            )
            evidence.append(
                Evidence(
                    label=component.name,
                    value=f"missing: not linked from {ev.overview_rel}; {expected}",
                    location=ev.overview_rel,
                )
            )
        else:
            note = " (the link is broken: see architecture.links-resolve)" if lk in broken else ""
            evidence.append(
                Evidence(
                    label=component.name,
                    value=f"linked at {ev.where(lk.line)} -> {lk.target}{note}",
                    location=ev.where(lk.line),
                )
            )
    if not missing:
        return catalog.make(
            cid,
            Status.PASS,
            f"all {len(components)} components are linked from {ev.overview_rel}",
            evidence,
            components=len(components),
            missing=[],
        )
    return catalog.make(
        cid,
        Status.FAIL,
        f"{len(missing)} of {len(components)} components not linked from "
        f"{ev.overview_rel}: {', '.join(missing)}",
        evidence,
        f"Link each missing component from {ev.overview_rel} (e.g. "
        "`- [worker](services/worker/README.md)`), or correct its `link` under "
        "architecture.components in the parameters file.",
        components=len(components),
        missing=missing,
    )


def _external_summary(
    externals: list[Link], ev: ArchitectureEvidence
) -> tuple[str, list[Evidence]]:
    if not externals:
        return "", []
    if ev.url_checks is None:
        return (
            f"{len(externals)} external links not checked "
            "(architecture.check_external_links is off)",
            [],
        )
    by_url = {c.url: c for c in ev.url_checks}
    bad = [(lk, by_url[lk.target]) for lk in externals if lk.target in by_url]
    bad = [(lk, c) for lk, c in bad if not c.ok]
    evidence = [
        Evidence(label=lk.target, value=c.reason, location=ev.where(lk.line), link=lk.target)
        for lk, c in bad
    ]
    if bad:
        return f"{len(bad)} of {len(externals)} external links do not answer", evidence
    return f"all {len(externals)} external links answer", evidence


@check("architecture.links-resolve")
def links_resolve(ev: ArchitectureEvidence, params: Params) -> Check:
    cid = "architecture.links-resolve"
    doc = _overview_or_result(ev, cid)
    if isinstance(doc, Check):
        return doc
    broken = [r for r in ev.resolutions if not r.ok]
    evidence = [
        Evidence(label=r.link.target or "(empty)", value=r.reason, location=ev.where(r.link.line))
        for r in broken
    ]
    total = len(ev.resolutions)
    if not total:
        parts = ["no relative links"]
    elif broken:
        parts = [f"{len(broken)} of {total} relative links broken"]
    else:
        parts = [f"all {total} relative links resolve"]
    externals = [lk for lk in doc.links if link_kind(lk.target) is LinkKind.EXTERNAL]
    ext_summary, ext_evidence = _external_summary(externals, ev)
    if ext_summary:
        parts.append(ext_summary)
    evidence += ext_evidence
    failed = bool(broken or ext_evidence)
    remediation = (
        f"Fix or remove each link listed above in {ev.overview_rel}: correct the path (relative "
        "to the overview; a leading / is the repository root) or the #anchor (GitHub's heading "
        "slug: lowercase, punctuation dropped, spaces to hyphens); check that external URLs "
        "answer from the review host."
        if failed
        else ""
    )
    return catalog.make(
        cid,
        Status.FAIL if failed else Status.PASS,
        f"{ev.overview_rel}: " + "; ".join(parts),
        evidence,
        remediation,
        relative=total,
        broken=len(broken),
        external=len(externals),
        external_checked=ev.url_checks is not None,
        external_failed=len(ext_evidence),
    )


@check("architecture.diagram")
def diagram(ev: ArchitectureEvidence, params: Params) -> Check:
    cid = "architecture.diagram"
    doc = _overview_or_result(ev, cid)
    if isinstance(doc, Check):
        return doc
    found = find_diagrams(doc, ev.resolutions)
    if found:
        first = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        return catalog.make(
            cid,
            Status.PASS,
            f"{first.kind} diagram at {ev.where(first.line)}{more}",
            [Evidence(label=d.kind, value=d.detail, location=ev.where(d.line)) for d in found],
            diagrams=[{"kind": d.kind, "line": d.line} for d in found],
        )
    broken_images = [
        r for r in ev.resolutions if not r.ok and (r.link.image or _is_image(r.link.target))
    ]
    external_images = [
        lk for lk in doc.links if lk.image and link_kind(lk.target) is LinkKind.EXTERNAL
    ]
    notes = [
        f"{len(broken_images)} image links do not resolve" if broken_images else "",
        f"{len(external_images)} external images not counted (keep diagrams in the repository)"
        if external_images
        else "",
    ]
    note = "; ".join(n for n in notes if n)
    return catalog.make(
        cid,
        Status.FAIL,
        f"{ev.overview_rel} holds no diagram" + (f" ({note})" if note else ""),
        [
            Evidence(label=r.link.target, value=r.reason, location=ev.where(r.link.line))
            for r in broken_images
        ],
        f"Add a diagram to {ev.overview_rel}: a Mermaid block (rendered by GitHub and GitLab), "
        "PlantUML (```plantuml / @startuml), C4, or an image committed to the repository "
        "(e.g. docs/architecture.drawio.svg). A minimal Mermaid example:\n\n" + MERMAID_EXAMPLE,
    )


OWNERSHIP_FIELDS = ("owner_team", "escalation", "tier")


@check("architecture.ownership", params_only=True)
def ownership(ev: ArchitectureEvidence, params: Params) -> Check:
    cid = "architecture.ownership"
    service = params.service
    values: dict[str, str | None] = {}
    for name in OWNERSHIP_FIELDS:
        raw = getattr(service, name)
        text = None if raw is None else str(raw).strip()
        values[name] = text or None
    missing = [f"service.{k}" for k, v in values.items() if v is None]
    evidence = [
        Evidence(label=f"service.{k}", value=v if v is not None else "missing")
        for k, v in values.items()
    ]
    if missing:
        return catalog.make(
            cid,
            Status.FAIL,
            f"not recorded in the parameters: {', '.join(missing)}",
            evidence,
            "Set " + ", ".join(missing) + " in the parameters file: the owning team, how to "
            "reach whoever is on call (pager rota, channel or e-mail), and the criticality tier "
            "(0 = highest, 4 = lowest).",
            missing=missing,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"owned by {values['owner_team']}, escalation via {values['escalation']}, "
        f"tier {values['tier']}",
        evidence,
        missing=[],
    )


CHECKS = checks_of(SECTION, globals())


def evaluate(params: Params) -> list[Check]:
    """Every architecture check, in the catalog's order; ownership reads only the
    parameters, so it is evaluated even when the overview could not be read."""
    return run_checks(
        CHECKS,
        params,
        lambda: collect(params),
        lambda: ArchitectureEvidence(params.repository, tuple(params.architecture.docs)),
    )
