"""Markdown documents of a service repository: headings, links, code blocks, images.

Parsing is CommonMark (markdown-it-py) with GitHub's tables: code blocks, inline code,
escaped brackets and HTML comments hold no links, YAML front matter is ignored, bare
URLs count as links (GitHub links them), and every item carries its 1-based line.

Two helpers answer "does this link work?":

- `resolve_link` / `resolve_links` check a relative link against the repository: the
  file (or folder) exists inside the repository root, and its ``#anchor`` names a
  heading of the target Markdown document (GitHub's slug rules, duplicates get ``-1``).
- `check_url` / `check_urls` (in `urlcheck.py`, re-exported here) ask a web server
  (HEAD, then GET when HEAD is refused), with a timeout per link and bounded concurrency.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..errors import SourceError
from .urlcheck import USER_AGENT as USER_AGENT  # re-exported: the link checks of urlcheck.py
from .urlcheck import UrlCheck as UrlCheck
from .urlcheck import check_url as check_url
from .urlcheck import check_urls as check_urls
from .urlcheck import normalise_url as normalise_url

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn"})

_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BARE_URL_RE = re.compile(r"(?<![\w(<\"'=/])https?://[^\s<>\[\]\"'`]+", re.I)
_HTML_LINK_RE = re.compile(r"<(a|img)\b[^>]*?\b(href|src)\s*=\s*[\"']([^\"']+)[\"']", re.I)
_HTML_ID_RE = re.compile(r"<[a-z][\w-]*\b[^>]*?\b(?:id|name)\s*=\s*[\"']([^\"']+)[\"']", re.I)
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int

    @property
    def anchor(self) -> str:
        """GitHub's anchor for this heading alone (see `MarkdownDoc.heading_anchors`)."""
        return slugify_heading(self.text)


@dataclass(frozen=True)
class Link:
    text: str
    target: str
    line: int
    image: bool = False

    @property
    def external(self) -> bool:
        """True when the target has a scheme (``https:``, ``mailto:``) or is ``//host``."""
        return bool(_SCHEME_RE.match(self.target)) or self.target.startswith("//")


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
    html_ids: tuple[str, ...] = ()  # id="..." / name="..." of inline HTML: anchors too

    @property
    def heading_anchors(self) -> tuple[tuple[Heading, str], ...]:
        """Each heading with its anchor; a repeated slug gets ``-1``, ``-2``... like GitHub."""
        return tuple(zip(self.headings, unique_slugs(h.text for h in self.headings), strict=True))

    @property
    def anchors(self) -> set[str]:
        return {a for _, a in self.heading_anchors} | set(self.html_ids)

    def has_anchor(self, fragment: str) -> bool:
        """Whether ``#fragment`` (already URL-decoded) lands somewhere in this document."""
        wanted = fragment.lower()
        return any(a.lower() == wanted for a in self.anchors)

    def section_text(self, heading: Heading) -> str:
        """The text under a heading, up to the next heading of the same or a higher level."""
        lines = self.text.splitlines()
        end = len(lines)
        for h in self.headings:
            if h.line > heading.line and h.level <= heading.level:
                end = h.line - 1
                break
        return "\n".join(lines[heading.line : end])


# --------------------------------------------------------------------------- parsing


def _heading_plain_text(text: str) -> str:
    """The rendered text of a heading's inline Markdown (what GitHub slugs)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links and images -> their text
    text = re.sub(r"!?\[([^\]]*)\]\[[^\]]*\]", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = re.sub(r"(?<!\w)_{1,3}(?=\S)(.+?)(?<=\S)_{1,3}(?!\w)", r"\1", text)  # _emphasis_
    return text


def slugify_heading(text: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = _heading_plain_text(text)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def unique_slugs(texts: Iterable[str]) -> list[str]:
    """Slugs of headings in document order, made unique the way GitHub does (-1, -2...)."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for text in texts:
        base = slug = slugify_heading(text)
        while slug in seen:
            seen[base] += 1
            slug = f"{base}-{seen[base]}"
        seen[slug] = 0
        out.append(slug)
    return out


def _front_matter_end(lines: list[str]) -> int:
    """Number of leading lines that are YAML front matter (0 when there is none)."""
    if not lines or lines[0].strip() != "---":
        return 0
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return i + 1
    return 0


def _strip_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """The part of ``line`` outside HTML comments, and whether a comment stays open."""
    out: list[str] = []
    rest = line
    while rest:
        if in_comment:
            end = rest.find("-->")
            if end < 0:
                return "".join(out), True
            rest, in_comment = rest[end + 3 :], False
        else:
            start = rest.find("<!--")
            if start < 0:
                out.append(rest)
                break
            out.append(rest[:start])
            rest, in_comment = rest[start + 4 :], True
    return "".join(out), in_comment


def _fence_lang(info: str) -> str:
    first = info.split()[0] if info.split() else ""
    return first.strip("{}.").lower()


_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
# Keep link targets as written (markdown-it percent-encodes them): resolution decodes once.
_MD.normalizeLink = lambda url: url  # type: ignore[method-assign]


def _inline_links(token: Token, base_line: int, links: list[Link], ids: list[str]) -> None:
    """Links and images of one inline token; each on its line (base + line breaks before)."""
    line = base_line
    children = token.children or []
    i = 0
    while i < len(children):
        child = children[i]
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "link_open":
            depth, j, parts = 1, i + 1, []
            while j < len(children) and depth:
                inner = children[j]
                depth += {"link_open": 1, "link_close": -1}.get(inner.type, 0)
                if inner.type == "image":
                    links.append(Link(inner.content, str(inner.attrs.get("src", "")), line, True))
                elif depth and inner.type in ("text", "code_inline"):
                    parts.append(inner.content)
                j += 1
            links.append(Link("".join(parts), str(child.attrs.get("href", "")), line))
            i = j
            continue
        elif child.type == "image":
            links.append(Link(child.content, str(child.attrs.get("src", "")), line, image=True))
        elif child.type == "text":
            for m in _BARE_URL_RE.finditer(child.content):
                url = m.group(0).rstrip(".,;:!?*_~")
                links.append(Link(url, url, line))
        elif child.type == "html_inline":
            _html_links(child.content, line, links, ids)
        i += 1


def _html_links(html: str, line: int, links: list[Link], ids: list[str]) -> None:
    """``<a href>``/``<img src>`` and ``id=``/``name=`` anchors of raw HTML (not comments)."""
    text, _ = _strip_comments(html.replace("\n", " "), False)
    for m in _HTML_LINK_RE.finditer(text):
        links.append(Link("", m.group(3), line, image=m.group(1).lower() == "img"))
    ids.extend(m.group(1) for m in _HTML_ID_RE.finditer(text))


def parse_markdown_text(text: str, path: Path) -> MarkdownDoc:
    """Parse Markdown as CommonMark (markdown-it-py, with GitHub's tables): a link in a
    code block or behind escaped brackets is not a link. YAML front matter is skipped."""
    lines = text.splitlines()
    skip = _front_matter_end(lines)
    source = "\n" * skip + "\n".join(lines[skip:])
    headings: list[Heading] = []
    blocks: list[CodeBlock] = []
    links: list[Link] = []
    ids: list[str] = []
    tokens = _MD.parse(source)
    last_line = 1
    for index, token in enumerate(tokens):
        if token.map is not None:
            last_line = token.map[0] + 1
        if token.type == "heading_open":
            inline = tokens[index + 1]
            headings.append(Heading(int(token.tag[1:]), inline.content.strip(), last_line))
        elif token.type in ("fence", "code_block"):
            content = token.content[:-1] if token.content.endswith("\n") else token.content
            lang = _fence_lang(token.info) if token.type == "fence" else ""
            blocks.append(CodeBlock(lang, last_line, content))
        elif token.type == "inline":
            _inline_links(token, last_line, links, ids)
        elif token.type == "html_block":
            for offset, html in enumerate(token.content.splitlines()):
                _html_links(html, last_line + offset, links, ids)
    links.sort(key=lambda lk: lk.line)
    return MarkdownDoc(
        path, text, tuple(headings), tuple(links), tuple(blocks), tuple(dict.fromkeys(ids))
    )


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


def body_lines(doc: MarkdownDoc) -> int:
    """Lines of real content: not blank, not a heading, not an HTML comment or front matter."""
    lines = doc.text.splitlines()
    skip = set(range(1, _front_matter_end(lines) + 1))
    for h in doc.headings:
        skip.add(h.line)
    count = 0
    in_comment = False
    for lineno, raw in enumerate(lines, 1):
        line, in_comment = _strip_comments(raw, in_comment)
        if lineno in skip or not line.strip():
            continue
        if _SETEXT_RE.match(line) and lineno - 1 in skip:
            continue
        count += 1
    return count


# --------------------------------------------------------------------------- relative links


class LinkKind(StrEnum):
    RELATIVE = "relative"  # a path in the repository, maybe with #anchor
    ANCHOR = "anchor"  # #anchor in the same document
    EXTERNAL = "external"  # http(s)://, //host
    OTHER = "other"  # mailto:, tel:, ftp:... never checked


def link_kind(target: str) -> LinkKind:
    if target.startswith("#"):
        return LinkKind.ANCHOR
    if target.startswith("//"):
        return LinkKind.EXTERNAL
    if _SCHEME_RE.match(target):
        scheme = target.split(":", 1)[0].lower()
        return LinkKind.EXTERNAL if scheme in ("http", "https") else LinkKind.OTHER
    return LinkKind.RELATIVE


def split_target(target: str) -> tuple[str, str]:
    """A relative target's URL-decoded path and fragment; the query string is dropped."""
    path, _, fragment = target.partition("#")
    path = path.partition("?")[0]
    return unquote(path), unquote(fragment)


@dataclass(frozen=True)
class Resolution:
    """Where a relative or ``#anchor`` link leads, and whether it works."""

    link: Link
    ok: bool
    path: Path | None = None  # the file or folder it names, inside the repository
    fragment: str = ""
    reason: str = ""  # why it is broken; empty when ok


def repo_path(target_path: str, base_dir: Path, repo_root: Path) -> Path | None:
    """The normalised absolute path a link path names, or None when it leaves the repository.

    A leading ``/`` is the repository root (as on GitHub); otherwise ``base_dir``.
    Symbolic links are followed, so a link that leads outside through one counts as outside.
    """
    root = repo_root.resolve()
    base = root if target_path.startswith("/") else base_dir.resolve()
    candidate = Path(os.path.normpath(base / target_path.lstrip("/")))
    if not candidate.is_relative_to(root):
        return None
    if candidate.exists() and not candidate.resolve().is_relative_to(root):
        return None
    return candidate


def _rel(path: Path, repo_root: Path) -> str:
    try:
        return path.relative_to(repo_root.resolve()).as_posix() or "."
    except ValueError:
        return str(path)


DocCache = dict[Path, "MarkdownDoc | str"]  # parsed doc, or why it could not be read


def _load(path: Path, cache: DocCache) -> MarkdownDoc | str:
    if path not in cache:
        try:
            cache[path] = parse_markdown(path)
        except SourceError as e:
            cache[path] = e.message
    return cache[path]


def resolve_link(
    link: Link, doc: MarkdownDoc, repo_root: Path, cache: DocCache | None = None
) -> Resolution:
    """Check one relative or ``#anchor`` link of ``doc``; external links are out of scope."""
    cache = {} if cache is None else cache
    kind = link_kind(link.target)
    if kind is LinkKind.ANCHOR:
        fragment = unquote(link.target[1:])
        if not fragment or doc.has_anchor(fragment):
            return Resolution(link, True, doc.path, fragment)
        reason = f"no heading #{fragment} in this document"
        return Resolution(link, False, doc.path, fragment, reason)
    if kind is not LinkKind.RELATIVE:
        raise ValueError(f"not a relative link: {link.target!r}")
    path_part, fragment = split_target(link.target)
    if not path_part.strip():
        if link.target.startswith("?"):
            return Resolution(link, True, doc.path, fragment)
        return Resolution(link, False, None, fragment, "empty link target")
    target = repo_path(path_part, doc.path.parent, repo_root)
    if target is None:
        return Resolution(link, False, None, fragment, "points outside the repository")
    shown = _rel(target, repo_root)
    if not target.exists():
        return Resolution(link, False, target, fragment, f"no such file: {shown}")
    if not fragment or target.is_dir() or target.suffix.lower() not in MARKDOWN_SUFFIXES:
        return Resolution(link, True, target, fragment)
    loaded = _load(target, cache)
    if isinstance(loaded, str):
        return Resolution(link, False, target, fragment, f"cannot read {shown}: {loaded}")
    if loaded.has_anchor(fragment):
        return Resolution(link, True, target, fragment)
    return Resolution(link, False, target, fragment, f"no heading #{fragment} in {shown}")


def resolve_links(doc: MarkdownDoc, repo_root: Path) -> tuple[Resolution, ...]:
    """Every relative and ``#anchor`` link of ``doc`` (images included), in document order."""
    cache: DocCache = {doc.path.resolve(): doc}
    return tuple(
        resolve_link(lk, doc, repo_root, cache)
        for lk in doc.links
        if link_kind(lk.target) in (LinkKind.RELATIVE, LinkKind.ANCHOR)
    )
