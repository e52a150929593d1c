"""The disaster-recovery section's evidence: the plan and restore documents read, and the
restore and replay drills of the parameters run with golive_lib.drills (each command,
then its verification, in the service repository, bounded by a timeout, output streamed
to ``progress``), once, by `collect`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..drills import DrillResult, run_command
from ..errors import SourceError
from ..params import Drill, Params
from ..sources.docs import MarkdownDoc, parse_markdown, repo_path

REPLAY_TIMEOUT_S = 600.0

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DrillRun:
    """One drill as it ran: the command and, when the command succeeded, its verification."""

    name: str  # "restore" or "replay"
    run: DrillResult
    verify: DrillResult | None
    timeout_s: float

    @property
    def duration_s(self) -> float:
        return self.run.duration_s + (self.verify.duration_s if self.verify else 0.0)


@dataclass(frozen=True)
class Doc:
    rel: str
    doc: MarkdownDoc | None = None
    missing: bool = False
    error: str | None = None


@dataclass(frozen=True)
class DrEvidence:
    repository: Path
    today: date
    plan: Doc
    restore_doc: Doc
    restore: DrillRun | None = None
    replay: DrillRun | None = None


# --------------------------------------------------------------------------- collect


def read_doc(repository: Path, rel: str) -> Doc:
    """A Markdown document of the repository; missing or unreadable is data."""
    path = repo_path(rel, repository, repository)
    if path is None or not path.is_file():
        return Doc(rel, missing=True)
    try:
        return Doc(rel, parse_markdown(path))
    except SourceError as e:
        return Doc(rel, error=e.message)


def run_drill(
    name: str,
    drill: Drill,
    repository: Path,
    timeout_s: float,
    progress: Progress | None,
    redact: dict[str, str] | None = None,
) -> DrillRun:
    """Run the drill's command, then (when it exited 0) its verification, each bounded.
    ``redact``: variables (already in the environment) whose values never reach the output."""

    def say(prefix: str) -> Progress | None:
        if progress is None:
            return None
        return lambda line: progress(f"[{prefix}] {line}")

    if progress:
        progress(f"[{name}] running {drill.command!s} (timeout {timeout_s:g} s)")
    run = run_command(
        drill.command, cwd=repository, timeout_s=timeout_s, env=redact, progress=say(name)
    )
    verify = None
    if run.ok:
        if progress:
            progress(f"[{name}] verifying with {drill.verify!s}")
        verify = run_command(
            drill.verify,
            cwd=repository,
            timeout_s=timeout_s,
            env=redact,
            progress=say(f"{name} verify"),
        )
    if progress:
        progress(f"[{name}] done in {run.duration_s + (verify.duration_s if verify else 0):.2f} s")
    return DrillRun(name, run, verify, timeout_s)


def collect(
    params: Params, today: date | None = None, progress: Progress | None = None
) -> DrEvidence:
    """Read the plan and restore documents and run the enabled drills (once)."""
    dr = params.dr
    repo = params.repository
    restore = replay = None
    secrets = params.secret_env()
    if dr.restore is not None and dr.restore.enabled and dr.rto is not None:
        timeout = dr.restore.timeout_s or dr.rto.total_seconds()
        restore = run_drill("restore", dr.restore, repo, timeout, progress, secrets)
    if dr.replay is not None and dr.replay.enabled:
        timeout = dr.replay.timeout_s or REPLAY_TIMEOUT_S
        replay = run_drill("replay", dr.replay, repo, timeout, progress, secrets)
    return DrEvidence(
        repository=repo,
        today=today or date.today(),
        plan=read_doc(repo, dr.plan),
        restore_doc=read_doc(repo, dr.restore_doc),
        restore=restore,
        replay=replay,
    )
