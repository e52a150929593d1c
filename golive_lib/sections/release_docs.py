"""Does a README document the release process? Headings, real content, placeholders.

Functions of parsed Markdown (`sources.docs.MarkdownDoc`): which headings name the
release process (whole words: Release, Releasing, Deploying, Deployment, Publishing...,
but not "Release notes" or "Deployment environment variables"), and whether the text
under one is real content or a placeholder (TODO, TBD, "coming soon", a few words).
`linked_release_doc` reads the document a short release section links to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError
from ..sources import repofile
from ..sources.docs import (
    Heading,
    MarkdownDoc,
    body_lines,
    parse_markdown_text,
    split_target,
)

RELEASE_WORDS = re.compile(
    r"(?i)(?<![\w-])(?:releas(?:e|es|ing)|deploy(?:s|ed|ing|ment|ments)?|publish(?:es|ed|ing)?"
    r"|ship(?:ping)?|rollouts?|go-live|promot(?:e|ing|ion))(?![\w-])"
)
# Headings that name a release word but are about something else.
OFF_TOPIC = re.compile(
    r"(?i)\b(?:notes?|history|changelog|changes|badges?|status|variables?|configuration|config"
    r"|options|settings|architecture|diagrams?|topology|schedule|calendar|dates?|blog|news"
    r"|targets?|platforms?|download(?:s)?|tags|versions?|versioning|cadence|channels?|support)\b"
)
# ... unless the heading also says it is about how: "Release process and versioning".
PROCESS = re.compile(r"(?i)\b(?:process|procedure|how|steps|guide|checklist|workflow|runbook)\b")
PLACEHOLDER = re.compile(
    r"(?i)^\W*(?:todo|tbd|tba|tbc|wip|fixme|xxx|n/?a|none|placeholder|lorem ipsum\b.*"
    r"|coming soon|(?:to be|will be) (?:written|added|documented|defined|done|completed)\b.*"
    r"|(?:documentation|docs|details|section)? ?(?:coming soon|to come|pending)"
    r"|work in progress)\W*$"
)
MIN_WORDS = 12
# Words of a release process: a section of prose with none of them describes something
# else (how the service is laid out, say).
PROCESS_WORDS = re.compile(
    r"(?i)\b(?:tag(?:s|ged|ging)?|merg(?:e|ed|es|ing)|push(?:es|ed|ing)?|pipelines?|ci|cd"
    r"|workflows?|jobs?|approv(?:e|es|ed|al)|promot(?:e|es|ed|ion)|roll(?:s|ed)?[ -]?back"
    r"|rollbacks?|revert|versions?|semver|changelog|trigger(?:s|ed)?|helm"
    r"|kubectl|argo\s?cd|terraform|make|commands?|releas(?:e|es|ed|ing)"
    r"|publish(?:es|ed|ing)?|upload(?:s|ed)?|artifacts?)\b"
)
_CODE_SPAN_RE = re.compile(r"`([^`]+)`")
_MD_NOISE_RE = re.compile(r"<!--.*?-->|!\[[^\]]*\]\([^)]*\)|[#>*_|`~-]", re.S)


@dataclass(frozen=True)
class Verdict:
    """What a release section holds: ``ok`` real content, else why not."""

    heading: Heading
    ok: bool
    reason: str = ""  # "empty", "placeholder: TODO", "only 4 words"


def release_headings(doc: MarkdownDoc) -> list[Heading]:
    """Headings naming the release process (an off-topic word vetoes one, unless the
    heading also says it is about how: "Release process and versioning")."""
    return [
        h
        for h in doc.headings
        if RELEASE_WORDS.search(h.text) and (not OFF_TOPIC.search(h.text) or PROCESS.search(h.text))
    ]


def judge(doc: MarkdownDoc, heading: Heading) -> Verdict:
    """Whether the text under ``heading`` is real content about the release."""
    body = doc.section_text(heading)
    lines = [ln for ln in body.splitlines() if ln.strip()]
    block_lines = sum(
        len(b.text.splitlines()) for b in doc.code_blocks if inside_section(doc, heading, b.line)
    )
    prose = _MD_NOISE_RE.sub(" ", body)
    words = re.findall(r"[A-Za-z0-9][\w.'/-]*", prose)
    if not lines or not words:
        return Verdict(heading, False, "empty")
    flat = " ".join(prose.split())
    if PLACEHOLDER.match(flat):
        return Verdict(heading, False, f"a placeholder: {flat[:40]!r}")
    commands = [c for c in _CODE_SPAN_RE.findall(body) if len(c.split()) >= 2]
    if block_lines or commands:
        return Verdict(heading, True)
    if len(words) < MIN_WORDS:
        return Verdict(heading, False, f"only {len(words)} word(s): {flat[:60]!r}")
    if not PROCESS_WORDS.search(prose):
        return Verdict(
            heading, False, "no step of a release in it (tag, pipeline, approve, roll back...)"
        )
    return Verdict(heading, True)


def inside_section(doc: MarkdownDoc, heading: Heading, line: int) -> bool:
    end = next(
        (h.line for h in doc.headings if h.line > heading.line and h.level <= heading.level),
        10**9,
    )
    return heading.line < line < end


def find_readme(repository: Path, name: str) -> Path | None:
    """``name`` in the repository, the file name compared case-insensitively."""
    exact = repository / name
    if exact.is_file():
        return exact
    folder = exact.parent
    if not folder.is_dir():
        return None
    wanted = exact.name.lower()
    stems = {wanted, wanted.rsplit(".", 1)[0] + ".markdown"} if "." in wanted else {wanted}
    return next(
        (p for p in sorted(folder.iterdir()) if p.is_file() and p.name.lower() in stems), None
    )


RELEASE_DOC_NAMES = re.compile(
    r"(?i)^(?:releas(?:e|ing)|deploy(?:ing|ment)?|publishing)\.(?:md|markdown|rst|txt)$"
)


def other_release_docs(repository: Path) -> list[Path]:
    """RELEASE.md, RELEASING.md, docs/release*.md...: release docs outside the README."""
    found: list[Path] = []
    for folder in (repository, repository / "docs", repository / "doc", repository / ".github"):
        if folder.is_dir():
            found.extend(
                p
                for p in sorted(folder.iterdir())
                if p.is_file() and RELEASE_DOC_NAMES.match(p.name)
            )
    return found


def linked_release_doc(doc: MarkdownDoc, heading: Heading, repository: Path) -> Path | None:
    """A Markdown document of the repository that a short release section links to and
    that documents the release: the linked ``#section``, else a release section of it, else
    the whole of a release-named file (RELEASING.md), judged like the README's own. A link
    that leaves the repository (``..``, a symbolic link) is never read."""
    for link in doc.links:
        if not inside_section(doc, heading, link.line) or link.external:
            continue
        path_part, fragment = split_target(link.target)
        target = (doc.path.parent / path_part).resolve() if path_part else doc.path
        if not target.is_file() or target.suffix.lower() not in (".md", ".markdown"):
            continue
        try:
            linked = parse_markdown_text(repofile.read_text(repository, target), target)
        except SourceError:
            continue
        if fragment:
            anchored = [h for h, a in linked.heading_anchors if a.lower() == fragment.lower()]
            if anchored and judge(linked, anchored[0]).ok:
                return target
            continue
        if any(judge(linked, h).ok for h in release_headings(linked)):
            return target
        if RELEASE_DOC_NAMES.match(target.name) and body_lines(linked) >= 3:
            return target
    return None
