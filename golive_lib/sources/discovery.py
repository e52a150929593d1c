"""What `golive init --repository DIR` can learn from a repository, and where it learnt it.

Every value found carries ``where`` (a file, a file:line, a key path), so the parameters
file written from it can say where each filled field came from. What the repository does
not say (the tier, the escalation contact) is not guessed: it stays unset.

Looked at: architecture overview candidates (architecture/design/overview Markdown files,
ARCHITECTURE.md), CI pipeline files (`sources.ci.discover`), Dockerfiles, release docs
(a README release section, RELEASE.md/RELEASING.md...), the environments the pipelines
deploy to (the CI systems' own ``environment:`` of jobs), and the owners from a Backstage
``catalog-info.yaml`` (``spec.owner``, ``spec.lifecycle``, ``spec.system``,
``metadata.description``) and from CODEOWNERS (the owners of ``*``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..yamlload import SafeLoader
from . import ci, tracked
from .docs import parse_markdown

SKIP_DIRS = frozenset(
    {".git", "node_modules", ".venv", "venv", ".tox", "__pycache__", "vendor", "third_party"}
)
MAX_DEPTH = 4
_OVERVIEW_RE = re.compile(
    r"(?i)^(?:architecture|arch|design|overview|system[-_]design|high[-_]level[-_]design)"
    r"(?:[-_.][\w-]*)?\.(?:md|markdown)$"
)
_RELEASE_HEADING_RE = re.compile(r"(?i)\b(?:releas(?:e|es|ing)|deploy(?:ing|ment)?|publishing)\b")
_RELEASE_FILE_RE = re.compile(r"(?i)^(?:releas(?:e|ing)|deploy(?:ing|ment)?)\.(?:md|markdown)$")
CODEOWNERS_PATHS = ("CODEOWNERS", ".github/CODEOWNERS", ".gitlab/CODEOWNERS", "docs/CODEOWNERS")
_TEMPLATED = re.compile(r"\$\{\{|\$\(|\$\{|\$[A-Z_]")


@dataclass(frozen=True)
class Found:
    value: str
    where: str  # "catalog-info.yaml spec.owner", ".github/workflows/deploy.yml:40"


@dataclass(frozen=True)
class Discovery:
    overview: tuple[Found, ...] = ()
    pipeline_files: tuple[Found, ...] = ()
    dockerfiles: tuple[Found, ...] = ()
    release_docs: tuple[Found, ...] = ()
    environments: tuple[Found, ...] = ()
    owner_team: Found | None = None
    description: Found | None = None
    lifecycle: Found | None = None
    system: Found | None = None


def _walk(repo: Path) -> list[Path]:
    """The listed files (sources.tracked) outside hidden and skipped folders, at most
    MAX_DEPTH folders deep, in os.walk's order."""
    kept: list[str] = []
    for rel in tracked.listing(repo).paths:
        folders = rel.split("/")[:-1]
        if len(folders) > MAX_DEPTH or any(f in SKIP_DIRS or f.startswith(".") for f in folders):
            continue
        kept.append(rel)
    return [repo / rel for rel in sorted(kept, key=tracked.walk_order)]


def _rel(path: Path, repo: Path) -> str:
    return path.relative_to(repo).as_posix()


def _overview(files: list[Path], repo: Path) -> list[Found]:
    found = [p for p in files if _OVERVIEW_RE.match(p.name)]
    found.sort(key=lambda p: (len(p.relative_to(repo).parts), p.name.lower() != "architecture.md"))
    return [Found(_rel(p, repo), "file name") for p in found[:5]]


def _release_docs(files: list[Path], repo: Path) -> list[Found]:
    out: list[Found] = []
    readme = next((p for p in sorted(repo.iterdir()) if p.name.lower() == "readme.md"), None)
    if readme is not None and readme.is_file():
        try:
            doc = parse_markdown(readme)
        except Exception:  # noqa: BLE001 - an unreadable README is simply not a finding
            doc = None
        for h in doc.headings if doc else ():
            if _RELEASE_HEADING_RE.search(h.text):
                out.append(Found(_rel(readme, repo), f'{_rel(readme, repo)}:{h.line} "{h.text}"'))
                break
    out.extend(Found(_rel(p, repo), "file name") for p in files if _RELEASE_FILE_RE.match(p.name))
    return out


# Folders where Azure Pipelines files often live outside golive's default places.
AZURE_FOLDERS = (".pipelines", ".azuredevops", "eng", "pipelines", "build", "ci", "azure", ".ado")
_AZURE_ROOT_KEYS = re.compile(r"^(?:trigger|pr|schedules|extends|resources|stages|jobs):", re.M)


def _extra_azure_pipelines(repo: Path, known: list[Path]) -> list[Path]:
    """Azure pipelines (not templates: they have trigger/pr/schedules/extends/resources at
    the top) in the usual folders that golive's default discovery does not look in."""
    found: list[Path] = []
    for folder in AZURE_FOLDERS:
        base = repo / folder
        if not base.is_dir():
            continue
        for path in sorted([*base.rglob("*.yml"), *base.rglob("*.yaml")]):
            if path in known or len(path.relative_to(base).parts) > 3:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            keys = set(_AZURE_ROOT_KEYS.findall(text))
            if not keys & {"trigger:", "pr:", "schedules:", "extends:", "resources:"}:
                continue
            if ci.system_of(path, text) == "azure":
                found.append(path)
    return found


def _environments(repo: Path) -> tuple[list[Found], list[Found]]:
    default = ci.discover(repo, [])
    extra = _extra_azure_pipelines(repo, default)
    paths = [*default, *extra]
    try:
        pipelines, _ = ci.parse_all(paths, repo)
    except Exception:  # noqa: BLE001 - init must still write a file; the review will say why
        pipelines = []
    envs: dict[str, Found] = {}
    for pipeline in pipelines:
        for job in pipeline.jobs:
            name = job.environment
            if name and not _TEMPLATED.search(name) and name.lower() not in envs:
                envs[name.lower()] = Found(
                    name, f"{_rel(job.path, repo)}:{job.line} (job {job.name})"
                )
    files = [Found(_rel(p, repo), "found") for p in default]
    files += [Found(_rel(p, repo), "outside the default places") for p in extra]
    return files, list(envs.values())


def _load_yaml_docs(path: Path) -> list[object]:
    import yaml

    try:
        return list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=SafeLoader))  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []


def _catalog(repo: Path) -> dict[str, Found]:
    out: dict[str, Found] = {}
    for name in ("catalog-info.yaml", "catalog-info.yml"):
        path = repo / name
        if not path.is_file():
            continue
        for doc in _load_yaml_docs(path):
            if not isinstance(doc, dict) or str(doc.get("kind", "")).lower() != "component":
                continue
            spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
            meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
            assert isinstance(spec, dict) and isinstance(meta, dict)
            for key in ("owner", "lifecycle", "system"):
                if isinstance(spec.get(key), str) and spec[key].strip():
                    out.setdefault(key, Found(spec[key].strip(), f"{name} spec.{key}"))
            if isinstance(meta.get("description"), str) and meta["description"].strip():
                text = " ".join(meta["description"].split())
                out.setdefault("description", Found(text, f"{name} metadata.description"))
    return out


def _codeowners(repo: Path) -> Found | None:
    for rel in CODEOWNERS_PATHS:
        path = repo / rel
        if not path.is_file():
            continue
        owner: Found | None = None
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for lineno, line in enumerate(lines, 1):
            parts = line.split("#", 1)[0].split()
            if len(parts) >= 2 and parts[0] in ("*", "/", "/*", "**"):
                owner = Found(" ".join(parts[1:]), f"{rel}:{lineno}")  # the last match wins
        if owner is not None:
            return owner
    return None


def discover(repo: Path) -> Discovery:
    """Everything `golive init` can fill in from the repository at ``repo``."""
    repo = repo.resolve()
    files = _walk(repo)
    pipelines, environments = _environments(repo)
    dockerfiles = [
        Found(_rel(p, repo), "file name")
        for p in files
        if p.name.lower().startswith("dockerfile") or p.name.lower().endswith(".dockerfile")
    ]
    catalog = _catalog(repo)
    owner = catalog.get("owner") or _codeowners(repo)
    return Discovery(
        overview=tuple(_overview(files, repo)),
        pipeline_files=tuple(pipelines),
        dockerfiles=tuple(dockerfiles),
        release_docs=tuple(_release_docs(files, repo)),
        environments=tuple(environments),
        owner_team=owner,
        description=catalog.get("description"),
        lifecycle=catalog.get("lifecycle"),
        system=catalog.get("system"),
    )
