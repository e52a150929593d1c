"""The Dockerfiles of a repository and the base images their FROM lines name."""

from __future__ import annotations

import re
from pathlib import Path

from . import tracked
from .ci import Ref

DOCKERFILE_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", ".tox", "__pycache__"})


def find_dockerfiles(repo: Path) -> list[Path]:
    """Every ``Dockerfile*`` / ``*.Dockerfile`` in the repository, skipping vendored trees."""
    found: list[str] = []
    for rel in tracked.listing(repo).paths:  # git's view: build output is not the service's
        *folders, name = rel.split("/")
        lower = name.lower()
        if DOCKERFILE_SKIP_DIRS.isdisjoint(folders) and (
            (lower.startswith("dockerfile") and not lower.endswith(".md"))
            or lower.endswith(".dockerfile")
        ):
            found.append(rel)
    return [repo / rel for rel in sorted(found, key=tracked.walk_order)]


_FROM_RE = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(?P<image>\S+)(?:\s+AS\s+(?P<alias>\S+))?", re.I)
_ARG_RE = re.compile(r"^\s*ARG\s+(?P<name>\w+)(?:=(?P<value>\S*))?", re.I)
_VAR_RE = re.compile(r"\$\{?(\w+)(?::-[^}]*)?\}?")


def base_images(text: str, path: Path) -> list[Ref]:
    """The external base images of a Dockerfile's FROM lines (not scratch, not stage aliases).

    ``ARG`` defaults declared before the first FROM are substituted; what stays a
    variable is kept as written (``$``) and reported as set at build time.
    """
    args: dict[str, str] = {}
    aliases: set[str] = set()
    refs: list[Ref] = []
    seen_from = False
    for lineno, line in enumerate(text.splitlines(), 1):
        arg = _ARG_RE.match(line)
        if arg and not seen_from and arg.group("value"):
            args[arg.group("name")] = arg.group("value").strip("\"'")
            continue
        m = _FROM_RE.match(line)
        if not m:
            continue
        seen_from = True
        image = _VAR_RE.sub(lambda v: args.get(v.group(1), v.group(0)), m.group("image"))
        if m.group("alias"):
            aliases.add(m.group("alias").lower())
        if image.lower() == "scratch" or image.lower() in aliases - {
            (m.group("alias") or "").lower()
        }:
            continue
        refs.append(Ref("image", image, path, lineno))
    return refs
