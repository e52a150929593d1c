"""01 Architecture: the overview document, its links and diagram, and who owns the service.

`collect` does all the reading (and, when enabled, the asking of web servers); the
five checks are pure functions of its `ArchitectureEvidence` and the parameters.
"""

from __future__ import annotations

from .. import catalog
from ..model import Check, Evidence, Status
from ..params import Component, Params
from ..sources.docs import (
    Link,
    LinkKind,
    MarkdownDoc,
    body_lines,
    link_kind,
)
from .architecture_doc import Diagram, component_link, find_diagrams, is_image
from .architecture_evidence import ArchitectureEvidence, collect, find_overview
from .base import check, checks_of, run_checks

__all__ = ["ArchitectureEvidence", "Diagram", "collect", "component_link", "find_overview"]

SECTION = "architecture"

MERMAID_EXAMPLE = """```mermaid
flowchart LR
  client[Client] --> api[ingest-api]
  api --> bucket[(S3 bucket)]
  api --> db[(SQL table)]
```"""


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


def _component_evidence(
    ev: ArchitectureEvidence, component: Component, lk: Link | None, broken: bool
) -> Evidence:
    """Where the overview links the component, or what link was expected."""
    if lk is None:
        expected = (
            f"expected a link to {component.link}"
            if component.link
            else "no link's text or target mentions it"
        )
        return Evidence(
            label=component.name,
            value=f"missing: not linked from {ev.overview_rel}; {expected}",
            location=ev.overview_rel,
        )
    note = " (the link is broken: see architecture.links-resolve)" if broken else ""
    return Evidence(
        label=component.name,
        value=f"linked at {ev.where(lk.line)} -> {lk.target}{note}",
        location=ev.where(lk.line),
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
        evidence.append(_component_evidence(ev, component, lk, lk in broken))
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
        r for r in ev.resolutions if not r.ok and (r.link.image or is_image(r.link.target))
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
