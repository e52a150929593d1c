"""CI pipeline definitions of a service repository: one interface, one parser per CI system.

``discover`` finds the usual pipeline files (or takes the ones named in the parameters),
``parse`` reads one into a ``Pipeline`` of jobs and steps, each with its file and 1-based
line, and ``parse_all`` turns every unreadable file into a ``ParseFailure`` record, so
one malformed file never hides the others. Parsers never decide pass/fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ._yaml import PipelineError, YMap, load_yaml
from .files import read_text, within

__all__ = [
    "Job",
    "Origin",
    "ParseFailure",
    "Pipeline",
    "PipelineError",
    "Ref",
    "Step",
    "System",
    "discover",
    "parse",
    "parse_all",
    "system_of",
]

System = Literal["github", "gitlab", "circleci", "azure", "jenkins"]
RefKind = Literal["action", "image", "orb"]


@dataclass(frozen=True)
class Origin:
    """One link of the chain that led to a step: ``ci.yml:87 runs `make```."""

    path: Path
    line: int
    command: str


@dataclass(frozen=True)
class Step:
    """One step of a job: a shell command (``run``) or an action/orb/task/template (``uses``)."""

    name: str
    path: Path
    line: int
    run: str | None = None
    run_line: int = 0  # line where the run text begins (0: same as ``line``)
    uses: str | None = None
    inputs: tuple[tuple[str, str], ...] = ()  # with:/inputs:/orb parameters
    image: str | None = None
    # The commands that led here when this step was found inside a Makefile, script,
    # package.json, tox.ini... that a pipeline command runs (outermost first).
    via: tuple[Origin, ...] = ()
    # The folder the step runs in, relative to the repository (working-directory:).
    cwd: str | None = None
    shell: str | None = None  # "pwsh"/"powershell" when the run text is PowerShell

    def line_at(self, newlines: int) -> int:
        """The file line of the run text after ``newlines`` newlines."""
        return (self.run_line or self.line) + newlines

    def input(self, key: str) -> str | None:
        """An input's value, key compared case-insensitively."""
        for k, v in self.inputs:
            if k.lower() == key.lower():
                return v
        return None


@dataclass(frozen=True)
class Job:
    """One job (GitLab/GHA/CircleCI/Azure job, Jenkins stage) and its steps in order."""

    name: str
    path: Path
    line: int
    steps: tuple[Step, ...] = ()
    image: str | None = None
    environment: str | None = None  # the deployment environment the CI system knows of
    stage: str | None = None
    services: tuple[str, ...] = ()
    # Other text naming where the job runs: CircleCI contexts and branch filters,
    # values of the job's variables (DEPLOY_ENV: staging), Jenkins environment blocks.
    contexts: tuple[str, ...] = ()
    manual: bool = False  # runs only when someone starts it (when: manual, input, approval)


@dataclass(frozen=True)
class Ref:
    """Something the pipeline pulls from outside: an action, an image, an orb."""

    kind: RefKind
    value: str
    path: Path
    line: int


@dataclass(frozen=True)
class Pipeline:
    system: System
    path: Path
    jobs: tuple[Job, ...]
    refs: tuple[Ref, ...] = ()
    notes: tuple[str, ...] = ()  # what was not followed (remote includes, templates)
    # Files the pipeline includes that could not be parsed (the rest was still read).
    errors: tuple[ParseFailure, ...] = ()


@dataclass(frozen=True)
class ParseFailure:
    """A pipeline file that could not be read: which, and why (line/column when known)."""

    path: Path
    message: str
    line: int | None = None
    column: int | None = None

    @classmethod
    def of(cls, error: PipelineError) -> ParseFailure:
        return cls(error.path, error.message, error.line, error.column)


# Where each CI system keeps its pipelines, relative to the repository root.
DISCOVERY: tuple[tuple[System, str], ...] = (
    ("github", ".github/workflows/*.yml"),
    ("github", ".github/workflows/*.yaml"),
    ("gitlab", ".gitlab-ci.yml"),
    ("gitlab", ".gitlab-ci.yaml"),
    ("circleci", ".circleci/config.yml"),
    ("circleci", ".circleci/config.yaml"),
    ("azure", "azure-pipelines*.yml"),
    ("azure", "azure-pipelines*.yaml"),
    ("azure", ".azure-pipelines/*.yml"),
    ("azure", ".azure-pipelines/*.yaml"),
    ("jenkins", "Jenkinsfile"),
    ("jenkins", "Jenkinsfile.*"),
)


def discover(repo: Path, explicit: list[str]) -> list[Path]:
    """The pipeline files: the ``explicit`` ones (relative to ``repo``), else the usual ones."""
    if explicit:
        return [repo / p for p in explicit]
    found: list[Path] = []
    for _, pattern in DISCOVERY:
        for path in sorted(repo.glob(pattern)):
            if path.is_file() and path not in found:
                found.append(path)
    return found


def _azure_like(d: YMap) -> bool:
    """Azure pipelines and templates: stages/jobs/steps are lists of mappings, or Azure-only keys.

    (GitLab's ``stages:`` is a list of names and its jobs are mappings, never a list.)
    """
    if {"trigger", "pool", "pr", "extends", "resources"} & set(d):
        return True
    for key in ("stages", "jobs", "steps"):
        value = d.get(key)
        if isinstance(value, list) and any(isinstance(x, dict) for x in value):
            return True
    return False


# Top-level keys that tell a YAML pipeline's system when its name does not.
_SNIFF: tuple[tuple[System, Callable[[YMap], bool]], ...] = (
    ("circleci", lambda d: "version" in d and ("workflows" in d or "orbs" in d)),
    ("github", lambda d: "jobs" in d and (True in d or "on" in d)),
    ("azure", lambda d: _azure_like(d)),
    ("gitlab", lambda d: True),
)


def system_of(path: Path, text: str = "") -> System | None:
    """Which CI system a file belongs to, by its location and name, else by its content."""
    name = path.name
    parts = path.parts
    if name.startswith("Jenkinsfile") or name.endswith((".jenkinsfile", ".groovy")):
        return "jenkins"
    if len(parts) >= 3 and parts[-3:-1] == (".github", "workflows"):
        return "github"
    if name.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml")) or "gitlab" in name.lower():
        return "gitlab"
    if ".circleci" in parts:
        return "circleci"
    if "azure" in name.lower() or ".azure-pipelines" in parts:
        return "azure"
    if path.suffix.lower() not in (".yml", ".yaml"):
        return "jenkins" if re.search(r"^\s*pipeline\s*\{", text, re.M) else None
    try:
        data = load_yaml(text, path)
    except PipelineError:
        return None
    if not isinstance(data, YMap):
        return None
    return next(system for system, test in _SNIFF if test(data))


def _read(path: Path) -> str:
    try:
        return read_text(path)
    except FileNotFoundError:
        raise PipelineError(path, "file not found") from None
    except UnicodeDecodeError as e:
        raise PipelineError(path, f"not UTF-8 text: {e}") from e
    except OSError as e:
        raise PipelineError(path, f"cannot read: {e.strerror or e}") from e


def parse(path: Path, repo: Path | None = None) -> Pipeline:
    """Read one pipeline file; raise PipelineError (a SourceError) when it cannot be parsed.

    ``repo`` is the repository root, for files that include others (GitLab ``local:``).
    """
    from .azure import parse as azure
    from .circleci import parse as circleci
    from .github import parse as github
    from .gitlab import parse as gitlab
    from .jenkins import parse as jenkins

    parsers: dict[System, Callable[[Path, str, Path], Pipeline]] = {
        "github": github,
        "gitlab": gitlab,
        "circleci": circleci,
        "azure": azure,
        "jenkins": jenkins,
    }
    root = repo if repo is not None else path.parent
    with within(root):  # what the pipeline includes or calls: never outside the repository
        text = _read(path)
        system = system_of(path, text)
        if system is None:
            raise PipelineError(
                path,
                "cannot tell which CI system this file is for (expected GitHub Actions, "
                "GitLab CI, CircleCI, Azure Pipelines or a Jenkinsfile)",
            )
        return parsers[system](path, text, root)


def parse_all(paths: Iterable[Path], repo: Path) -> tuple[list[Pipeline], list[ParseFailure]]:
    """Parse every file; an unreadable one becomes a ParseFailure, never an exception.

    Each pipeline's commands are then followed into the build tools and scripts they run
    (Makefiles, shell scripts, package.json, tox/nox, compose, gradle/maven): see
    `buildtools.expand_pipeline`.
    """
    from .buildtools import expand_pipeline

    pipelines: list[Pipeline] = []
    failures: list[ParseFailure] = []
    for path in paths:
        try:
            with within(repo):
                pipeline = expand_pipeline(parse(path, repo), repo)
        except PipelineError as e:
            failures.append(ParseFailure.of(e))
            continue
        pipelines.append(pipeline)
        failures.extend(pipeline.errors)
    return pipelines, failures
