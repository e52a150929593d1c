"""What the CI/CD checks look at, read once from the repository (the pipelines of every
system of `sources.ci`, the Dockerfiles and their base images), and where the rule tables
of :mod:`golive_lib.sections.cicd_rules` match in it."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import SourceError
from ..params import Params
from ..sources import repofile
from ..sources.ci import Job, ParseFailure, Pipeline, Ref, Step, discover, parse_all
from ..sources.ci.shell import command_segments
from ..sources.dockerfiles import base_images, find_dockerfiles
from .base import repo_relative
from .cicd_rules import (
    DEPLOY,
    DRY_RUN_RE,
    ENV_ALIASES,
    INSTALL_RE,
    INTEGRATION_MARKERS,
    SAYS_RE,
    TESTS,
    UNIT_MARKERS,
    Rule,
)


@dataclass(frozen=True)
class CicdEvidence:
    """What the CI/CD checks look at, read once from the repository."""

    repository: Path
    pipeline_files: tuple[Path, ...]
    pipelines: tuple[Pipeline, ...]
    failures: tuple[ParseFailure, ...]
    dockerfiles: tuple[Path, ...]  # existing ones
    missing_dockerfiles: tuple[str, ...] = ()  # listed in the parameters, not found
    base_images: tuple[Ref, ...] = ()  # FROM lines of the Dockerfiles
    dockerfile_errors: tuple[str, ...] = ()  # Dockerfiles that could not be read

    def rel(self, path: Path) -> str:
        return repo_relative(path, self.repository)

    def where(self, path: Path, line: int) -> str:
        return f"{self.rel(path)}:{line}"


@dataclass(frozen=True)
class Hit:
    """One detection: what matched, where (file and line), in which job and step."""

    label: str
    value: str
    path: Path
    line: int
    job: Job
    step: Step


# A path or image name that is a test fixture, not the product.
TEST_FIXTURE_RE = re.compile(
    r"(?i)(?:^|[\s/=:])(?:tests?|testdata|test[-_]data|fixtures?|testing|e2e|integration[-_]tests?)/"
    r"|(?:^|[-_/])(?:test[-_]?)?fixtures?(?:[-_:/\s]|$)|(?<![\w-])tests?[-_ ]?images?(?![\w-])"
)


def is_fixture_path(path: str) -> bool:
    return bool(TEST_FIXTURE_RE.search(path))


def product_hits(ev: CicdEvidence, hits: list[Hit]) -> list[Hit]:
    """Builds and pushes of the product image: a test-fixture image is not the product when
    the repository has a Dockerfile outside test folders."""
    product = [p for p in ev.dockerfiles if not is_fixture_path("/" + ev.rel(p))]
    if not product:
        return hits
    return [h for h in hits if not is_fixture_path(h.value) and not is_fixture_path(h.job.name)]


def collect(params: Params) -> CicdEvidence:
    """Read the pipelines and the Dockerfiles of the service repository."""
    repo = params.repository
    files = discover(repo, params.cicd.pipeline_files)
    pipelines, failures = parse_all(files, repo)
    if params.cicd.dockerfiles:
        listed = [(p, repo / p) for p in params.cicd.dockerfiles]
        dockerfiles = [path for _, path in listed if path.is_file()]
        missing = [name for name, path in listed if not path.is_file()]
    else:
        dockerfiles, missing = find_dockerfiles(repo), []
    bases: list[Ref] = []
    unreadable: list[str] = []
    for path in dockerfiles:
        try:
            bases.extend(base_images(repofile.read_text(repo, path), path))
        except SourceError as e:
            unreadable.append(f"{path}: {e.message}")
    return CicdEvidence(
        repository=repo,
        pipeline_files=tuple(files),
        pipelines=tuple(pipelines),
        failures=tuple(failures),
        dockerfiles=tuple(dockerfiles),
        missing_dockerfiles=tuple(missing),
        base_images=tuple(bases),
        dockerfile_errors=tuple(unreadable),
    )


# --------------------------------------------------------------------------- matching


def _inputs_match(step: Step, rule: Rule) -> bool:
    return all(p.search(step.input(key) or "") for key, p in rule.inputs)


@functools.lru_cache(maxsize=4096)
def followed(job: Job) -> frozenset[tuple[Path, int, str]]:
    """The commands of a job that golive followed into a Makefile, script, package.json..."""
    return frozenset((o.path, o.line, o.command) for s in job.steps for o in s.via)


def step_hits(step: Step, job: Job, rule: Rule) -> list[Hit]:
    """Where one rule matches one step."""
    hits: list[Hit] = []
    if rule.command is not None and step.run:
        for newlines, segment in command_segments(step.run, step.shell):
            if SAYS_RE.match(segment) or INSTALL_RE.search(segment):
                continue  # `echo "running hadolint"` runs nothing; installing is not running
            if not rule.command.search(segment):
                continue
            if rule.unless is not None and rule.unless.search(segment):
                continue
            if rule.by_name and (step.path, step.line_at(newlines), segment) in followed(job):
                continue
            hits.append(
                Hit(rule.label, segment[:200], step.path, step.line_at(newlines), job, step)
            )
    if rule.uses is not None and step.uses and rule.uses.search(step.uses):
        if _inputs_match(step, rule):
            shown = step.uses + "".join(
                f" {k}={step.input(k)}" for k, _ in rule.inputs if step.input(k)
            )
            hits.append(Hit(rule.label, shown[:200], step.path, step.line, job, step))
    return hits


def detect(pipelines: Iterable[Pipeline], rules: Iterable[Rule]) -> list[Hit]:
    """Every place a rule matches, in file and line order, one hit per line and rule kind."""
    rules = tuple(rules)
    hits: dict[tuple[Path, int, str], Hit] = {}
    for pipeline in pipelines:
        for job in pipeline.jobs:
            for step in job.steps:
                for rule in rules:
                    for hit in step_hits(step, job, rule):
                        hits.setdefault((hit.path, hit.line, hit.job.name), hit)
    return list(hits.values())


def _command_kind(hit: Hit, rule_kind: str | None) -> Literal["unit", "integration"] | None:
    """The kind the command itself says (markers in it, or the rule), if any."""
    if rule_kind == "integration":
        return "integration"
    if UNIT_MARKERS.search(hit.value):
        return "unit"
    if INTEGRATION_MARKERS.search(hit.value):
        return "integration"
    return None


def classify_test(
    hit: Hit, rule_kind: str | None = None, siblings_marked: bool = False
) -> Literal["unit", "integration"]:
    """Unit or integration: from the command first, then the step's and job's names.

    ``siblings_marked``: another test run of the same job says in its command that it is
    the integration suite, so this unmarked one is the unit suite whatever the job's name.
    """
    kind = _command_kind(hit, rule_kind)
    if kind is not None:
        return kind
    if siblings_marked:
        return "unit"
    names = " ".join(filter(None, (hit.step.name, hit.job.name, hit.job.stage)))
    if UNIT_MARKERS.search(names):
        return "unit"
    if INTEGRATION_MARKERS.search(names):
        return "integration"
    return "unit"


def classify_tests(pipelines: Iterable[Pipeline]) -> dict[str, list[Hit]]:
    """Test runs by kind: ``{"unit": [...], "integration": [...]}``."""
    by_kind: dict[str, list[Hit]] = {"unit": [], "integration": []}
    seen: set[tuple[Path, int, str]] = set()
    for pipeline in pipelines:
        for job in pipeline.jobs:
            found: list[tuple[Hit, str | None]] = []
            for step in job.steps:
                for rule in TESTS:
                    for hit in step_hits(step, job, rule):
                        key = (hit.path, hit.line, job.name)
                        if key not in seen:
                            seen.add(key)
                            found.append((hit, rule.kind))
            marked = any(_command_kind(h, k) == "integration" for h, k in found)
            for hit, kind in found:
                by_kind[classify_test(hit, kind, marked)].append(hit)
    return by_kind


def env_pattern(environment: str) -> re.Pattern[str]:
    """An environment's name or alias as a whole word (``values-staging.yaml`` names staging)."""
    names = (environment, *ENV_ALIASES.get(environment.lower(), ()))
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?i)(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")


def deploy_hits(pipelines: Iterable[Pipeline], environment: str) -> list[Hit]:
    """Where the pipelines deploy to one environment.

    A job whose CI ``environment:`` is it; a job naming it (name, stage, contexts,
    variables) that has a deploy step; or a deploy step naming it itself.
    """
    named = env_pattern(environment)
    hits: list[Hit] = []
    for pipeline in pipelines:
        for job in pipeline.jobs:
            if job.environment and named.search(job.environment):
                first = job.steps[0] if job.steps else Step(job.name, job.path, job.line)
                value = f"environment: {job.environment}"
                hits.append(Hit("CI environment", value, job.path, job.line, job, first))
                continue
            job_names_it = any(named.search(t) for t in (job.name, job.stage or "", *job.contexts))
            for step in job.steps:
                step_text = " ".join((step.name, *(v for _, v in step.inputs)))
                deploys = (h for rule in DEPLOY for h in step_hits(step, job, rule))
                for hit in (h for h in deploys if not DRY_RUN_RE.search(h.value)):
                    if job_names_it or named.search(hit.value) or named.search(step_text):
                        hits.append(hit)
                        break
                else:
                    continue
                break
    return hits
