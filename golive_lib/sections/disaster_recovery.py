"""03 Disaster recovery: the DR plan, a played scenario, and restore and replay drills that
golive runs itself and times.

`collect(params, today=..., progress=...)` reads the plan and the restore document and
runs the drills of the parameters (`dr.restore`, `dr.replay`) with golive_lib.drills:
each command, then its verification, in the service repository, bounded by a timeout,
output streamed to ``progress``. The five checks are pure functions of its evidence.
Where no drill can run from the review, an attestation (who, when, link, outcome)
stands in, and goes stale after its allowed age.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from .. import attestations, catalog
from ..drills import DrillResult
from ..model import Check, Evidence, Status
from ..params import Params
from ..promql import format_duration
from ..sources.docs import MarkdownDoc, find_heading
from .base import check, checks_of, run_checks
from .disaster_recovery_evidence import (
    REPLAY_TIMEOUT_S,
    Doc,
    DrEvidence,
    DrillRun,
    Progress,
    collect,
    read_doc,
    run_drill,
)

__all__ = [
    "REPLAY_TIMEOUT_S",
    "Doc",
    "DrEvidence",
    "DrillRun",
    "Progress",
    "collect",
    "read_doc",
    "run_drill",
]

SECTION = "disaster_recovery"
TAIL_LINES = 12
_DATE_RE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


# --------------------------------------------------------------------------- helpers


def _seconds(s: float) -> str:
    if s < 120:
        return f"{s:.2f} s"
    return str(timedelta(seconds=round(s)))


def _tail(result: DrillResult) -> str:
    lines = [ln for ln in result.output_tail.splitlines() if ln.strip()]
    return "\n".join(lines[-TAIL_LINES:]) or "(no output)"


def _drill_evidence(d: DrillRun) -> list[Evidence]:
    ev = [
        Evidence(
            label=f"{d.name} command",
            value=f"{d.run.command}: {_outcome(d.run)} in {_seconds(d.run.duration_s)}",
            location=d.run.command,
        ),
        Evidence(label=f"{d.name} output (last lines)", value=_tail(d.run)),
    ]
    if d.verify is not None:
        ev += [
            Evidence(
                label="verification",
                value=f"{d.verify.command}: {_outcome(d.verify)} in "
                f"{_seconds(d.verify.duration_s)}",
                location=d.verify.command,
            ),
            Evidence(label="verification output (last lines)", value=_tail(d.verify)),
        ]
    return ev


def _outcome(r: DrillResult) -> str:
    return "exit 0" if r.ok else (r.error or f"exit {r.returncode}")


def _broken(r: DrillResult) -> bool:
    """The command did not run to an exit code: missing, unstartable or killed."""
    return r.returncode is None


def _attested(
    check_id: str, ev: DrEvidence, params: Params, what: str, how: str, extra: list[Evidence]
) -> Check:
    state = attestations.find(
        params, check_id, today=ev.today, default_max_age_days=params.dr.drill_max_age_days
    )
    evidence = extra + attestations.to_evidence(state)
    if state.valid:
        outcome = state.attestation.outcome if state.attestation else ""
        return catalog.make(
            check_id,
            Status.PASS,
            f"no drill run by the review; {state.summary}" + (f": {outcome}" if outcome else ""),
            evidence,
            attested=True,
        )
    return catalog.make(
        check_id,
        Status.PENDING,
        f"no {what} drill in the parameters and {state.summary}",
        evidence,
        how,
        attested=False,
    )


def _drill_failure(
    check_id: str, d: DrillRun, evidence: list[Evidence], data: dict[str, object]
) -> Check | None:
    """The drill's result when its command or its verification did not run or failed."""
    fix_cmd = (
        f"Make `{d.run.command}` run from the service repository (cwd) with the tools it "
        f"needs on the PATH, and finish within its timeout (dr.{d.name}.timeout_s)."
    )
    if _broken(d.run):
        return catalog.make(
            check_id,
            Status.ERROR,
            f"the {d.name} drill did not run: {d.run.error}",
            evidence,
            fix_cmd,
            **data,
        )
    if not d.run.ok:
        return catalog.make(
            check_id,
            Status.FAIL,
            f"the {d.name} command failed ({d.run.error}) after {_seconds(d.run.duration_s)}",
            evidence,
            f"Read the {d.name} output above, fix the {d.name} (or its backup), run it again.",
            **data,
        )
    assert d.verify is not None
    if _broken(d.verify):
        return catalog.make(
            check_id,
            Status.ERROR,
            f"the {d.name} ran, but its verification did not: {d.verify.error}",
            evidence,
            fix_cmd.replace(d.run.command, d.verify.command),
            **data,
        )
    if not d.verify.ok:
        return catalog.make(
            check_id,
            Status.FAIL,
            f"the {d.name} ran in {_seconds(d.run.duration_s)} but its verification failed "
            f"({d.verify.error})",
            evidence,
            f"The {d.name}d data is not what it should be: read the verification output, "
            f"fix the {d.name} and run the drill again.",
            **data,
        )
    return None


def _drill_check(check_id: str, d: DrillRun, rto: timedelta | None) -> Check:
    evidence = _drill_evidence(d)
    data: dict[str, object] = {
        "drill": d.name,
        "command_s": round(d.run.duration_s, 3),
        "verify_s": round(d.verify.duration_s, 3) if d.verify else None,
        "total_s": round(d.duration_s, 3),
        "rto_s": rto.total_seconds() if rto else None,
    }
    if rto is not None:
        evidence.append(Evidence(label="RTO", value=format_duration(rto)))
    if (failed := _drill_failure(check_id, d, evidence, data)) is not None:
        return failed
    if rto is not None and d.duration_s > rto.total_seconds():
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{d.name} and verification took {_seconds(d.duration_s)}, over the RTO of "
            f"{format_duration(rto)}",
            evidence,
            "Make the restore faster (smaller or incremental backups, parallel restore) or "
            "agree on a longer RTO with the business and state it in the DR plan.",
            **data,
        )
    within = f", within the RTO of {format_duration(rto)}" if rto else ""
    return catalog.make(
        check_id,
        Status.PASS,
        f"{d.name} ran in {_seconds(d.run.duration_s)} and its verification passed "
        f"(total {_seconds(d.duration_s)}{within})",
        evidence,
        "",
        **data,
    )


def _doc_or_result(check_id: str, doc: Doc, what: str, fix: str) -> MarkdownDoc | Check:
    if doc.missing:
        return catalog.make(
            check_id,
            Status.FAIL,
            f"no {what} at {doc.rel}",
            [Evidence(label=what, value="missing", location=doc.rel)],
            fix,
        )
    if doc.doc is None:
        return catalog.error(check_id, f"cannot read the {what} {doc.rel}: {doc.error}")
    return doc.doc


def _section_body(doc: MarkdownDoc, patterns: list[str]) -> tuple[int, str] | None:
    h = find_heading(doc, patterns)
    if h is None:
        return None
    return h.line, doc.section_text(h).strip()


# --------------------------------------------------------------------------- checks


PLAN_FIX = (
    "Write the DR plan (dr.plan, default docs/dr-plan.md) with one section each for the RTO, "
    "the RPO, the backups (what, how, where, how long kept), the restore steps and the "
    "contacts; the headings searched are dr.plan_sections in the parameters."
)


@check("dr.plan-documented")
def plan_documented(ev: DrEvidence, params: Params) -> Check:
    cid = "dr.plan-documented"
    got = _doc_or_result(cid, ev.plan, "DR plan", PLAN_FIX)
    if isinstance(got, Check):
        return got
    evidence, missing, empty = [], [], []
    for name, patterns in params.dr.plan_sections.items():
        found = _section_body(got, patterns)
        if found is None:
            missing.append(name)
            evidence.append(Evidence(label=name, value="no heading", location=ev.plan.rel))
        elif not found[1]:
            empty.append(name)
            evidence.append(
                Evidence(label=name, value="empty", location=f"{ev.plan.rel}:{found[0]}")
            )
        else:
            first = found[1].splitlines()[0][:120]
            evidence.append(Evidence(label=name, value=first, location=f"{ev.plan.rel}:{found[0]}"))
    if missing or empty:
        parts = ([f"no section for {', '.join(missing)}"] if missing else []) + (
            [f"empty: {', '.join(empty)}"] if empty else []
        )
        return catalog.make(
            cid,
            Status.FAIL,
            f"{ev.plan.rel}: {'; '.join(parts)}",
            evidence,
            PLAN_FIX,
            missing=missing,
            empty=empty,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"{ev.plan.rel} states {', '.join(params.dr.plan_sections)}",
        evidence,
        missing=[],
        empty=[],
    )


@check("dr.scenario-played")
def scenario_played(ev: DrEvidence, params: Params) -> Check:
    cid = "dr.scenario-played"
    state = attestations.find(
        params, cid, today=ev.today, default_max_age_days=params.dr.scenario_max_age_days
    )
    evidence = attestations.to_evidence(state)
    fix = (
        "Play a disaster scenario (e.g. 'SQL volume lost') with the on-call team, record what "
        "happened and what was learned, and add an attestation to the parameters: "
        "attestations: - {check: dr.scenario-played, by, date, link, outcome}."
    )
    if not state.valid:
        return catalog.make(cid, Status.PENDING, state.summary, evidence, fix)
    assert state.attestation is not None
    if not state.attestation.outcome.strip():
        return catalog.make(
            cid,
            Status.WARN,
            f"{state.summary}, but no outcome recorded",
            evidence,
            "State the exercise's outcome (what worked, what did not) in the attestation.",
        )
    return catalog.make(cid, Status.PASS, f"{state.summary}: {state.attestation.outcome}", evidence)


@check("dr.restore-tested")
def restore_tested(ev: DrEvidence, params: Params) -> Check:
    cid = "dr.restore-tested"
    if ev.restore is None:
        return _attested(
            cid,
            ev,
            params,
            "restore",
            "Give dr.restore (command, verify) and dr.rto in the parameters so the review runs "
            "the restore itself; where it cannot run from here, attest the last restore test "
            "(by, date, link, outcome with its timing).",
            [
                Evidence(
                    label="RTO",
                    value=format_duration(params.dr.rto) if params.dr.rto else "not stated",
                )
            ],
        )
    return _drill_check(cid, ev.restore, params.dr.rto)


RESTORE_DOC_FIX = (
    "Write the restore procedure (commands, how to verify) and a table of the last restores "
    "(date, environment, data size, time taken, verification result) in dr.restore_doc."
)


def _last_date(text: str, today: date) -> date | None:
    """The latest valid YYYY-MM-DD date in ``text`` that is not after ``today``."""
    dates = []
    for y, m, d in _DATE_RE.findall(text):
        try:
            dates.append(date(int(y), int(m), int(d)))
        except ValueError:
            continue
    return max((d for d in dates if d <= today), default=None)


@check("dr.restore-documented")
def restore_documented(ev: DrEvidence, params: Params) -> Check:
    cid = "dr.restore-documented"
    got = _doc_or_result(cid, ev.restore_doc, "restore document", RESTORE_DOC_FIX)
    if isinstance(got, Check):
        return got
    rel = ev.restore_doc.rel
    procedure = _section_body(got, params.dr.procedure_headings)
    result = _section_body(got, params.dr.result_headings)
    evidence = [
        Evidence(
            label="procedure",
            value="missing" if procedure is None else f"{len(procedure[1].splitlines())} lines",
            location=rel if procedure is None else f"{rel}:{procedure[0]}",
        )
    ]
    last = None if result is None else _last_date(result[1], ev.today)
    evidence.append(
        Evidence(
            label="last result",
            value="no section" if result is None else (last.isoformat() if last else "no date"),
            location=rel if result is None else f"{rel}:{result[0]}",
        )
    )
    if ev.restore is not None and ev.restore.run.ok and ev.restore.verify and ev.restore.verify.ok:
        evidence.append(
            Evidence(
                label="this review's drill",
                value=f"restored and verified in {_seconds(ev.restore.duration_s)} on "
                f"{ev.today.isoformat()}",
            )
        )
    problems = []
    if procedure is None or not procedure[1]:
        problems.append("no restore procedure")
    if result is None or last is None:
        problems.append("no dated last result")
    if problems:
        return catalog.make(
            cid, Status.FAIL, f"{rel}: {', '.join(problems)}", evidence, RESTORE_DOC_FIX
        )
    assert last is not None
    age = (ev.today - last).days
    if age > params.dr.result_max_age_days:
        return catalog.make(
            cid,
            Status.WARN,
            f"{rel}: procedure written down, but the last recorded restore is from "
            f"{last.isoformat()}, {age} days ago (allowed {params.dr.result_max_age_days})",
            evidence,
            "Record a recent restore (e.g. this review's drill timing) in the last-result "
            "table of the restore document.",
            age_days=age,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"{rel}: procedure and last result ({last.isoformat()}, {age} days ago) written down",
        evidence,
        age_days=age,
    )


@check("dr.event-replay")
def event_replay(ev: DrEvidence, params: Params) -> Check:
    cid = "dr.event-replay"
    if ev.replay is None:
        return _attested(
            cid,
            ev,
            params,
            "replay",
            "Give dr.replay (command, verify) in the parameters so the review replays events "
            "itself; where it cannot run from here, attest the last replay exercise.",
            [],
        )
    return _drill_check(cid, ev.replay, None)


CHECKS = checks_of(SECTION, globals())


def drill_rows(ev: DrEvidence) -> list[tuple[str, ...]]:
    """The drills this review ran and their timings, a row of cells each (drill, command,
    its outcome, the verification's, the timeout); rendered by `report.html.drill_table`."""
    rows: list[tuple[str, ...]] = []
    for d in (ev.restore, ev.replay):
        if d is None:
            continue
        rows.append(
            (
                d.name,
                d.run.command,
                f"{_outcome(d.run)}, {_seconds(d.run.duration_s)}",
                f"{_outcome(d.verify)}, {_seconds(d.verify.duration_s)}" if d.verify else "not run",
                _seconds(d.timeout_s),
            )
        )
    return rows


def evaluate(params: Params, today: date | None = None) -> list[Check]:
    """Every disaster-recovery check, in the catalog's order (runs the drills)."""
    return run_checks(CHECKS, params, lambda: collect(params, today=today))
