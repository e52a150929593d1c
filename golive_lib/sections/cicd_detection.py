"""How the CI/CD checks say what they found: a hit with the chain of commands that led
to it, what golive did not inspect, the files that could not be parsed, and the verdict
shared by every "is there a step that ..." check."""

from __future__ import annotations

import re

from .. import catalog
from ..model import Check, Evidence, Status
from .cicd_evidence import CicdEvidence, Hit


def hit_text(ev: CicdEvidence, hit: Hit) -> str:
    """What matched and the chain that led there (``ci.yml:87 runs `make`, Makefile:41 runs …``)."""
    if not hit.step.via:
        return hit.value
    chain = [f"{ev.where(o.path, o.line)} runs `{o.command[:80]}`" for o in hit.step.via]
    return ", ".join([*chain, f"{ev.where(hit.path, hit.line)} runs {hit.value}"])


def _evidence(ev: CicdEvidence, hit: Hit) -> Evidence:
    manual = " (manual job: runs only when started by hand)" if hit.job.manual else ""
    return Evidence(
        label=f"{hit.label} (job {hit.job.name}){manual}",
        value=hit_text(ev, hit)[:400],
        location=ev.where(hit.path, hit.line),
    )


# Words that make a not-inspected item likely to be where a check's evidence hides.
TOPICS: dict[str, re.Pattern[str]] = {
    check_id: re.compile(rf"(?i)(?<![a-z])(?:{words})")
    for check_id, words in {
        "cicd.docker-build": "docker|image|build|container|publish|compose|kaniko",
        "cicd.dockerfile-lint": "hadolint|lint|docker|check",
        "cicd.code-lint": "lint|check|vet|format|style|static",
        "cicd.unit-tests": "test|check|suite|verify",
        "cicd.integration-tests": "test|e2e|integration|suite|verify",
        "cicd.image-release": "publish|push|release|docker|image|registry|ecr|gcr",
    }.items()
}


def not_inspected(ev: CicdEvidence, check_id: str = "") -> list[str]:
    """What the pipelines use that golive did not read (remote includes, unknown actions...),
    the items whose names fit the check first."""
    notes = list(dict.fromkeys(n for p in ev.pipelines for n in p.notes))
    topic = TOPICS.get(check_id)
    if topic is not None:
        notes.sort(key=lambda n: topic.search(n) is None)
    return notes


def _not_inspected_text(ev: CicdEvidence, check_id: str = "") -> str:
    notes = not_inspected(ev, check_id)
    if not notes:
        return ""
    shown = "; ".join(notes[:4]) + (f"; … {len(notes) - 4} more" if len(notes) > 4 else "")
    return f"; {len(notes)} thing(s) not inspected: {shown}"


def _not_inspected_evidence(ev: CicdEvidence, check_id: str = "") -> list[Evidence]:
    return [
        Evidence(
            label="not counted (never runs)" if "never runs" in n else "not inspected", value=n
        )
        for n in not_inspected(ev, check_id)
    ]


def _unread(ev: CicdEvidence) -> str:
    """The files that could not be parsed, for a summary; empty when every file parsed."""
    if not ev.failures:
        return ""
    return "; not read: " + "; ".join(f"{ev.rel(f.path)} ({f.message})" for f in ev.failures)


def _unread_evidence(ev: CicdEvidence) -> list[Evidence]:
    return [
        Evidence(label="could not parse", value=f.message, location=ev.where(f.path, f.line or 1))
        for f in ev.failures
    ]


def _unread_fix(ev: CicdEvidence) -> str:
    """Where to fix a pipeline file that could not be parsed, and how to check it."""
    places = "; ".join(f"{ev.where(f.path, f.line or 1)} ({f.message})" for f in ev.failures)
    return (
        f"Fix {places}, then re-run; the CI system's own linter confirms the file is valid "
        "(GitLab: CI Lint, CircleCI: `circleci config validate`, Azure: the pipeline editor's "
        "Validate, GitHub: actionlint)."
    )


def _files(ev: CicdEvidence) -> str:
    """The pipeline files, named when few, counted when many."""
    names = [ev.rel(p.path) for p in ev.pipelines]
    if len(names) > 3:
        return f"{len(names)} pipeline files ({', '.join(names[:3])}, …)"
    return ", ".join(names) or "none"


def _no_pipeline(ev: CicdEvidence) -> bool:
    return not ev.pipelines and not ev.failures


def _no_pipeline_check(check_id: str, remediation: str) -> Check:
    return catalog.make(
        check_id,
        Status.FAIL,
        "no pipeline: no CI/CD pipeline definition was found in the repository",
        remediation="Add a pipeline first (see cicd.pipeline-present); then: " + remediation,
    )


def _detection(
    check_id: str, ev: CicdEvidence, hits: list[Hit], what: str, remediation: str
) -> Check:
    """Pass when something was found; fail (or error, when a file was unreadable) when not."""
    if _no_pipeline(ev):
        return _no_pipeline_check(check_id, remediation)
    evidence = [_evidence(ev, h) for h in hits]
    if hits:
        places = sorted({ev.where(h.path, h.line) for h in hits})
        summary = f"{what}: {len(hits)} step(s), at {', '.join(places[:5])}"
        summary += " …" if len(places) > 5 else ""
        if all(h.job.manual for h in hits):
            summary += " (only in manual jobs: they run when someone starts them)"
        return catalog.make(
            check_id, Status.PASS, summary + _unread(ev), evidence + _unread_evidence(ev)
        )
    files = _files(ev)
    if ev.failures:
        return catalog.make(
            check_id,
            Status.ERROR,
            f"no step found that {what.lower()} in the files that parsed ({files})" + _unread(ev),
            _unread_evidence(ev),
            remediation=_unread_fix(ev),
        )
    unseen = _not_inspected_text(ev, check_id)
    if unseen:
        remediation = (
            "If this is done by something golive did not inspect (listed in the evidence), "
            "name the step in the pipeline itself or waive this check with the reason; "
            "otherwise: " + remediation
        )
    if any("never runs" in n for n in not_inspected(ev)):
        remediation = (
            "Jobs or stages that can never run are not counted (see the evidence): if the "
            "step is in one, enable it. " + remediation
        )
    return catalog.make(
        check_id,
        Status.FAIL,
        f"no step {what.lower()} in {files}" + unseen,
        _not_inspected_evidence(ev, check_id),
        remediation=remediation,
    )
