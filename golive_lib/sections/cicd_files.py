"""The CI/CD checks that read repository files themselves: the Dockerfiles linted with
hadolint, and the README's release section."""

from __future__ import annotations

from dataclasses import dataclass

from .. import catalog
from ..errors import SourceError
from ..model import Check, Evidence, Status
from ..params import Params
from ..sources import hadolint, repofile
from ..sources.docs import parse_markdown_text
from . import release_docs
from .base import check
from .cicd_evidence import CicdEvidence


def _finding_evidence(ev: CicdEvidence, f: hadolint.Finding) -> Evidence:
    return Evidence(
        label=f"{f.code} ({f.level})",
        value=f.message,
        location=ev.where(f.file, f.line),
        link=f.link,
    )


@dataclass(frozen=True)
class _Linted:
    findings: list[hadolint.Finding]
    errors: list[str]  # missing Dockerfiles, hadolint failures
    unreadable: list[str]  # empty, unreadable or unparsable Dockerfiles
    tool_failed: bool


def _lint_all(ev: CicdEvidence, timeout_s: float) -> _Linted:
    """hadolint over every Dockerfile of the evidence."""
    findings: list[hadolint.Finding] = []
    # A listed Dockerfile that is missing cannot be linted: error, but the ones that
    # exist are still linted so their findings stay in the evidence.
    errors = [f"{m}: listed in cicd.dockerfiles but not found" for m in ev.missing_dockerfiles]
    # hadolint finds nothing wrong in an empty file and reports a file it cannot parse as
    # one more finding (DL1000): neither is a Dockerfile that was checked.
    unreadable: list[str] = []
    tool_failed = False
    for path in ev.dockerfiles:
        try:
            if not path.read_bytes().strip():
                unreadable.append(f"{ev.rel(path)}: the file is empty: nothing to lint or build")
                continue
        except OSError as e:
            unreadable.append(f"{ev.rel(path)}: cannot read: {e.strerror or e}")
            continue
        try:
            found = hadolint.lint(path, timeout_s=timeout_s, cwd=ev.repository)
        except SourceError as e:
            errors.append(f"{ev.rel(path)}: {e.message}")
            tool_failed = True
            continue
        for f in found:
            if f.code == "DL1000":
                why = f.message.splitlines()[0] if f.message else "parse error"
                unreadable.append(f"{ev.rel(path)}: cannot be parsed at line {f.line}: {why}")
        findings += [f for f in found if f.code != "DL1000"]
    return _Linted(findings, errors, unreadable, tool_failed)


@check("cicd.dockerfile-clean")
def dockerfile_clean(ev: CicdEvidence, params: Params) -> Check:
    check_id = "cicd.dockerfile-clean"
    threshold = params.cicd.hadolint_threshold
    if not ev.dockerfiles and not ev.missing_dockerfiles:
        return catalog.make(check_id, Status.NA, "no Dockerfile in the repository")
    lint = _lint_all(ev, params.cicd.hadolint_timeout_s)
    findings, unreadable, tool_failed = lint.findings, lint.unreadable, lint.tool_failed
    errors = lint.errors + unreadable
    evidence = [_finding_evidence(ev, f) for f in findings]
    names = ", ".join(ev.rel(p) for p in ev.dockerfiles)
    if errors:
        linted = f"; linted {names}: {len(findings)} finding(s)" if ev.dockerfiles else ""
        remediation = (
            "Fix the paths under cicd.dockerfiles (relative to the repository)."
            if ev.missing_dockerfiles
            else ""
        )
        if unreadable:
            remediation += " Write a Dockerfile that `docker build` (and hadolint) can parse."
        if tool_failed:
            remediation += f" Install hadolint (`{hadolint.INSTALL_HINT}`) and make sure it runs."
        return catalog.make(
            check_id,
            Status.ERROR,
            "hadolint could not check " + "; ".join(errors) + linted,
            evidence,
            remediation=remediation.strip(),
        )
    blocking = [f for f in findings if hadolint.at_or_above(f.level, threshold)]
    counts = {lvl: sum(f.level == lvl for f in findings) for lvl in hadolint.LEVELS}
    shown = ", ".join(f"{n} {lvl}" for lvl, n in counts.items() if n)
    if blocking:
        codes = ", ".join(sorted({f.code for f in blocking}))
        return catalog.make(
            check_id,
            Status.FAIL,
            f"hadolint: {len(blocking)} finding(s) at or above {threshold} in {names} "
            f"({codes}); all: {shown}",
            evidence,
            remediation="Fix each finding (the rule's wiki page says how), or ignore a rule "
            "deliberately in `.hadolint.yaml` with the reason in a comment.",
            counts=counts,
        )
    if findings:
        return catalog.make(
            check_id,
            Status.WARN,
            f"hadolint: no finding at or above {threshold} in {names}; below it: {shown}",
            evidence,
            remediation="Consider fixing the remaining findings.",
            counts=counts,
        )
    return catalog.make(check_id, Status.PASS, f"hadolint: no findings in {names}", counts=counts)


def _release_remediation(ev: CicdEvidence, readme: str) -> str:
    """How to document the release, pointing at release documents elsewhere when any."""
    remediation = (
        f"Add a `## Release` section to {readme}: how a version is tagged, built, pushed and "
        "deployed (the commands or pipeline jobs), who approves production, how to roll back."
    )
    elsewhere = [
        ev.rel(p)
        for p in release_docs.other_release_docs(ev.repository)
        if ev.rel(p).lower() != readme.lower()
    ]
    if elsewhere:
        remediation += (
            f" The release is written down in {', '.join(elsewhere)}: link it from a release "
            f"section of {readme}, or name it in the parameters (`cicd.readme: {elsewhere[0]}`)."
        )
    return remediation


@check("cicd.release-documented")
def release_documented(ev: CicdEvidence, params: Params) -> Check:
    check_id = "cicd.release-documented"
    readme = params.cicd.readme
    remediation = _release_remediation(ev, readme)
    path = release_docs.find_readme(ev.repository, readme)
    if path is None:
        return catalog.make(check_id, Status.FAIL, f"{readme} not found", remediation=remediation)
    shown = ev.rel(path)
    try:  # one that leads outside the repository is an error, never read
        text = repofile.read_text(ev.repository, path.relative_to(ev.repository))
    except SourceError as e:
        return catalog.make(check_id, Status.ERROR, f"cannot read {shown}: {e.message}")
    doc = parse_markdown_text(text, path)
    verdicts = [release_docs.judge(doc, h) for h in release_docs.release_headings(doc)]
    for v in verdicts:
        section = Evidence(
            label="section", value=v.heading.text, location=f"{shown}:{v.heading.line}"
        )
        if v.ok:
            return catalog.make(
                check_id,
                Status.PASS,
                f'{shown} documents the release process under "{v.heading.text}"',
                [section],
            )
        linked = release_docs.linked_release_doc(doc, v.heading, ev.repository)
        if linked is not None:
            return catalog.make(
                check_id,
                Status.PASS,
                f'{shown} links the release process from "{v.heading.text}" to {ev.rel(linked)}',
                [
                    section,
                    Evidence(
                        label="release document",
                        value=ev.rel(linked),
                        location=f"{ev.rel(linked)}:1",
                    ),
                ],
            )
    if verdicts:
        v = verdicts[0]
        what = "is empty" if v.reason == "empty" else f"holds no real content ({v.reason})"
        return catalog.make(
            check_id,
            Status.FAIL,
            f'the "{v.heading.text}" section of {shown} {what}',
            [
                Evidence(
                    label="section without content",
                    value=f"{x.heading.text}: {x.reason}",
                    location=f"{shown}:{x.heading.line}",
                )
                for x in verdicts
            ],
            remediation=remediation,
        )
    return catalog.make(
        check_id,
        Status.FAIL,
        f"{shown} has no release, deployment or publishing section",
        remediation=remediation,
    )
