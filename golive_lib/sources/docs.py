"""Markdown documents of a service repository: headings, links, code blocks, images.

Parsing is line-based and CommonMark-aware enough for engineering docs: fenced code
blocks are skipped for links and headings, and every item carries its 1-based line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceError

_FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)")
_ATX_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT_RE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
# [text](target "title") and ![alt](target); target may be <...>
_INLINE_LINK_RE = re.compile(
    r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*[\"')])?\s*\)"
)
_REF_DEF_RE = re.compile(r"^\s{0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_REF_USE_RE = re.compile(r"(!?)\[([^\]]+)\]\[([^\]]*)\]")
_AUTOLINK_RE = re.compile(r"<(https?://[^>\s]+)>")
_HTML_LINK_RE = re.compile(r"<(a|img)\b[^>]*?\b(href|src)\s*=\s*[\"']([^\"']+)[\"']", re.I)
_INLINE_CODE_RE = re.compile(r"`[^`]*`")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int

    @property
    def anchor(self) -> str:
        return slugify_heading(self.text)


@dataclass(frozen=True)
class Link:
    text: str
    target: str
    line: int
    image: bool = False

    @property
    def external(self) -> bool:
        return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", self.target))


@dataclass(frozen=True)
class CodeBlock:
    lang: str
    line: int
    text: str


@dataclass(frozen=True)
class MarkdownDoc:
    path: Path
    text: str
    headings: tuple[Heading, ...] = ()
    links: tuple[Link, ...] = ()
    code_blocks: tuple[CodeBlock, ...] = field(default_factory=tuple)

    @property
    def anchors(self) -> set[str]:
        return {h.anchor for h in self.headings}

    def section_text(self, heading: Heading) -> str:
        """The text under a heading, up to the next heading of the same or a higher level."""
        lines = self.text.splitlines()
        end = len(lines)
        for h in self.headings:
            if h.line > heading.line and h.level <= heading.level:
                end = h.line - 1
                break
        return "\n".join(lines[heading.line : end])


def slugify_heading(text: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def parse_markdown_text(text: str, path: Path) -> MarkdownDoc:
    headings: list[Heading] = []
    links: list[Link] = []
    blocks: list[CodeBlock] = []
    refs: dict[str, str] = {}
    ref_uses: list[tuple[str, str, int, bool]] = []
    lines = text.splitlines()
    fence: str | None = None
    fence_lang = ""
    fence_start = 0
    fence_lines: list[str] = []
    prev = ""
    for lineno, line in enumerate(lines, 1):
        if fence is not None:
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                blocks.append(CodeBlock(fence_lang, fence_start, "\n".join(fence_lines)))
                fence = None
            else:
                fence_lines.append(line)
            continue
        m = _FENCE_RE.match(line)
        if m:
            fence, fence_lang, fence_start, fence_lines = m.group(1), m.group(2).lower(), lineno, []
            prev = ""
            continue
        m = _ATX_RE.match(line)
        if m:
            headings.append(Heading(len(m.group(1)), m.group(2).strip(), lineno))
        elif prev.strip() and _SETEXT_RE.match(line) and not _ATX_RE.match(prev):
            level = 1 if line.strip().startswith("=") else 2
            headings.append(Heading(level, prev.strip(), lineno - 1))
        m = _REF_DEF_RE.match(line)
        if m:
            refs[m.group(1).strip().lower()] = m.group(2)
        else:
            scan = _INLINE_CODE_RE.sub("", line)
            for m2 in _INLINE_LINK_RE.finditer(scan):
                links.append(Link(m2.group(2), m2.group(3), lineno, image=m2.group(1) == "!"))
            for m2 in _REF_USE_RE.finditer(scan):
                label = (m2.group(3) or m2.group(2)).strip().lower()
                ref_uses.append((m2.group(2), label, lineno, m2.group(1) == "!"))
            for m2 in _AUTOLINK_RE.finditer(scan):
                links.append(Link(m2.group(1), m2.group(1), lineno))
            for m2 in _HTML_LINK_RE.finditer(scan):
                links.append(Link("", m2.group(3), lineno, image=m2.group(1).lower() == "img"))
        prev = line
    if fence is not None:  # unterminated fence runs to the end of the document
        blocks.append(CodeBlock(fence_lang, fence_start, "\n".join(fence_lines)))
    for text_, label, lineno, image in ref_uses:
        if label in refs:
            links.append(Link(text_, refs[label], lineno, image=image))
    links.sort(key=lambda lk: lk.line)
    return MarkdownDoc(path, text, tuple(headings), tuple(links), tuple(blocks))


def parse_markdown(path: Path) -> MarkdownDoc:
    """Read and parse a Markdown file; raise SourceError when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(str(path), "file not found") from None
    except UnicodeDecodeError as e:
        raise SourceError(str(path), f"not UTF-8 text: {e}") from e
    except OSError as e:
        raise SourceError(str(path), f"cannot read: {e.strerror or e}") from e
    return parse_markdown_text(text, path)


def find_heading(doc: MarkdownDoc, patterns: list[str]) -> Heading | None:
    """The first heading matching any of the regular expressions (case-insensitive)."""
    for h in doc.headings:
        if any(re.search(p, h.text, re.I) for p in patterns):
            return h
    return None
