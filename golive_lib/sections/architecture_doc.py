"""What an architecture overview says, read from its parsed Markdown: which link names a
component, and which diagrams it holds (Mermaid, PlantUML, C4, Structurizr, images)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..params import Component
from ..sources.docs import (
    CodeBlock,
    Link,
    LinkKind,
    MarkdownDoc,
    Resolution,
    link_kind,
    normalise_url,
    repo_path,
    split_target,
)

IMAGE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp")
_MERMAID_LANGS = frozenset({"mermaid", "mmd"})
_PLANTUML_LANGS = frozenset({"plantuml", "puml", "uml", "c4plantuml"})
_STRUCTURIZR_LANGS = frozenset({"structurizr", "structurizr-dsl"})
_PLANTUML_START_RE = re.compile(r"^\s*@start(?:uml|c4)\b", re.M)
_PLANTUML_C4_RE = re.compile(r"C4[_-]|\bC4\b|!include\s+<C4/", re.I)
_MERMAID_C4_RE = re.compile(r"^\s*C4(?:Context|Container|Component|Dynamic|Deployment)\b", re.M)
_STRUCTURIZR_RE = re.compile(r"^\s*workspace\b[^\n{]*\{", re.M)


@dataclass(frozen=True)
class Diagram:
    kind: str  # "Mermaid", "PlantUML", "C4 (Mermaid)", "C4 (PlantUML)", "C4 (Structurizr)", "image"
    line: int
    detail: str = ""  # the image path, or the fence language


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


def is_image(target: str) -> bool:
    path = split_target(target)[0].lower()
    return path.endswith(IMAGE_SUFFIXES)


def find_diagrams(doc: MarkdownDoc, resolutions: tuple[Resolution, ...]) -> list[Diagram]:
    """Diagram code blocks, and links to image files in the repository that resolve."""
    found = [d for d in (_diagram_of_block(b) for b in doc.code_blocks) if d is not None]
    found += [
        Diagram("image", r.link.line, r.link.target)
        for r in resolutions
        if r.ok and link_kind(r.link.target) is LinkKind.RELATIVE and is_image(r.link.target)
    ]
    return sorted(found, key=lambda d: d.line)
