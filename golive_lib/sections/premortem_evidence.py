"""The pre-mortem section's evidence: the scenarios' playbook links, the alerting rules of
the review's Prometheus and the fault drill's outcome, read (and run) once by `collect`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import SourceError
from ..params import Params
from ..sources import connect
from ..sources import docs as docsrc
from ..sources.prometheus import PrometheusClient, Rule
from .premortem_drill import DrillOutcome, drill


@dataclass(frozen=True)
class LinkState:
    """A playbook or runbook link: does it resolve (repository path) or is it a URL?"""

    target: str
    ok: bool
    kind: str  # "path", "url" or "invalid"
    reason: str = ""


@dataclass(frozen=True)
class PremortemEvidence:
    today: date
    repository: Path
    playbooks: tuple[LinkState, ...] = ()
    rules: tuple[Rule, ...] | None = None
    rules_error: str | None = None
    drill: DrillOutcome | None = None


def resolve_link(target: str, repository: Path) -> LinkState:
    """A repository path must exist (a ``#fragment`` is ignored); an http(s) URL counts
    as a link (not fetched: the review runs offline)."""
    target = target.strip()
    if not target:
        return LinkState(target, False, "invalid", "empty link")
    kind = docsrc.link_kind(target)
    if kind is docsrc.LinkKind.EXTERNAL:
        return LinkState(target, True, "url")
    if kind is not docsrc.LinkKind.RELATIVE:
        return LinkState(target, False, "invalid", "neither a repository path nor an http(s) URL")
    path, _ = docsrc.split_target(target)
    resolved = docsrc.repo_path(path, repository, repository)
    if resolved is None:
        return LinkState(target, False, "path", "leaves the repository")
    if not resolved.is_file():
        return LinkState(target, False, "path", f"no such file in the repository: {path}")
    return LinkState(target, True, "path")


def collect(
    params: Params, today: date | None = None, *, run_drill: bool = True
) -> PremortemEvidence:
    """Read every pre-mortem source once and run the fault drill (unless ``run_drill`` is
    False); each failure is kept with its reason."""
    repo = params.repository
    pm = params.premortem
    playbooks = tuple(resolve_link(s.playbook, repo) for s in pm.scenarios)
    rules: tuple[Rule, ...] | None = None
    rules_error = None
    client: PrometheusClient | None = None
    try:
        client = connect.prometheus(params.observability.prometheus)
    except SourceError as e:
        rules_error = f"{e.source}: {e.message}"
    if client is None and rules_error is None:
        rules_error = "no Prometheus configured (observability.prometheus.url or url_env)"
    if client is not None:
        try:
            rules = tuple(r for g in client.rules() for r in g.rules)
        except SourceError as e:
            rules_error = f"{e.source}: {e.message}"
    outcome = drill(params, client) if run_drill else None
    return PremortemEvidence(
        today=today or date.today(),
        repository=repo,
        playbooks=playbooks,
        rules=rules,
        rules_error=rules_error,
        drill=outcome,
    )
