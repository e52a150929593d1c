"""06 Rollout: accounts moving to the new (Snowflake) ingestion pipeline, phase by phase.

`collect(params, today=...)` reads the rollout plan document, the routed accounts (a SQL
query on the configured database, or a routing file in the repository) and each
account's backfill state (a SQL query comparing target with source counts, or a status
table), and runs the rollback drill when one is configured. DuckDB is the embedded
default (seeded from SQL files in the repository); Snowflake runs the same SQL through
snowflake-connector-python. Failures are kept as data; a failing query's message shows
the query.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .. import attestations, catalog, plots
from ..drills import DrillResult, run_command
from ..errors import SourceError
from ..model import Check, Evidence, Status
from ..params import Params, Rollout
from ..sources import docs as docsrc
from ..sources import repofile
from ..sources import rollout as src
from ..sources.warehouse import Warehouse
from .base import check, checks_of, run_checks

SECTION = "rollout"

# What a rollout plan must cover, as heading or text patterns (case-insensitive).
PLAN_TOPICS: dict[str, tuple[str, ...]] = {
    "phases": (r"\bphases?\b", r"\bstages?\b", r"\bwaves?\b"),
    "entry criteria": (r"\bentry\b", r"\bentrance\b", r"\bprerequisites?\b"),
    "exit criteria": (r"\bexit\b", r"\bsuccess criteria\b", r"\bdone when\b"),
    "rollback": (r"\broll ?back\b", r"\brevert\b"),
}

# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class PlanTopic:
    topic: str
    line: int | None  # where it is first mentioned; None when missing


@dataclass(frozen=True)
class RolloutEvidence:
    today: date
    repository: Path
    plan_path: str | None = None  # repository-relative, the first candidate found
    plan_topics: tuple[PlanTopic, ...] = ()
    plan_error: str | None = None
    routed: tuple[src.Routed, ...] | None = None
    routed_from: str = ""  # the query or the file
    routed_error: str | None = None
    backfills: tuple[src.Backfill, ...] | None = None
    backfill_error: str | None = None
    rollback: DrillResult | None = None


def read_plan(params: Params) -> tuple[str | None, tuple[PlanTopic, ...], str | None]:
    """The first plan document found, and where each topic is first mentioned."""
    repo = params.repository
    for candidate in params.rollout.plan:
        try:
            path = repofile.locate(repo, candidate)
        except SourceError as e:
            return candidate, (), f"{e.source}: {e.message}"
        if not path.is_file():
            continue
        try:
            doc = docsrc.parse_markdown(path)
        except SourceError as e:
            return candidate, (), f"{e.source}: {e.message}"
        lines = doc.text.splitlines()
        topics = []
        for topic, patterns in PLAN_TOPICS.items():
            heading = docsrc.find_heading(doc, list(patterns))
            line = heading.line if heading else None
            if line is None:
                line = next(
                    (
                        n
                        for n, text in enumerate(lines, 1)
                        if any(re.search(p, text, re.I) for p in patterns)
                    ),
                    None,
                )
            topics.append(PlanTopic(topic, line))
        return candidate, tuple(topics), None
    return None, (), f"no rollout plan at {', '.join(params.rollout.plan)}"


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def collect(params: Params, today: date | None = None, *, progress: bool = True) -> RolloutEvidence:
    """Read every rollout source once; each failure is kept with its reason."""
    ro = params.rollout
    repo = params.repository
    plan_path, topics, plan_error = read_plan(params)
    db, db_error = _open_db(ro, repo)
    try:
        routed, routed_from, routed_error = _routed(ro, repo, db, db_error)
        backfills, backfill_error = _backfills(ro, db, db_error)
    finally:
        if db is not None:
            db.close()
    rollback = None
    if ro.rollback_drill is not None:
        rollback = run_command(
            ro.rollback_drill.command,
            cwd=repo,
            timeout_s=ro.rollback_drill.timeout_s,
            env=params.secret_env(),
            progress=_stderr if progress else None,
        )
    return RolloutEvidence(
        today=today or date.today(),
        repository=repo,
        plan_path=plan_path,
        plan_topics=topics,
        plan_error=plan_error,
        routed=routed,
        routed_from=routed_from,
        routed_error=routed_error,
        backfills=backfills,
        backfill_error=backfill_error,
        rollback=rollback,
    )


def _open_db(ro: Rollout, repo: Path) -> tuple[Warehouse | None, str | None]:
    """The rollout database when a query needs it: (it, or None and why)."""
    if not (ro.routing_query or ro.backfill_query):
        return None, None
    if ro.database is None:
        return None, "rollout.database is not configured (needed by the queries)"
    try:
        return src.open_database(ro.database, repo), None
    except SourceError as e:
        return None, f"{e.source}: {e.message}"


def _routed(
    ro: Rollout, repo: Path, db: Warehouse | None, db_error: str | None
) -> tuple[tuple[src.Routed, ...] | None, str, str | None]:
    """The accounts routed to the new pipeline: (them, where from, why unread)."""
    if ro.routing_file:
        try:
            routed = tuple(src.routing_file(repo / ro.routing_file, ro.new_pipeline))
        except SourceError as e:
            return None, ro.routing_file, e.message
        return routed, ro.routing_file, None
    if ro.routing_query:
        routed_from = " ".join(ro.routing_query.split())
        if db is None:
            return None, routed_from, db_error
        try:
            return tuple(src.routed_accounts(db, ro.routing_query)), routed_from, None
        except SourceError as e:
            return None, routed_from, e.message
    return None, "", "neither rollout.routing_query nor rollout.routing_file is configured"


def _backfills(
    ro: Rollout, db: Warehouse | None, db_error: str | None
) -> tuple[tuple[src.Backfill, ...] | None, str | None]:
    """Each account's backfill state: (them, why unread)."""
    if not ro.backfill_query:
        return None, "rollout.backfill_query is not configured"
    if db is None:
        return None, db_error
    try:
        return tuple(src.backfills(db, ro.backfill_query)), None
    except SourceError as e:
        return None, e.message


# --------------------------------------------------------------------------- helpers


def planned_accounts(params: Params) -> list[str]:
    """Accounts of every phase up to and including the current one (phases add accounts)."""
    ro = params.rollout
    out: list[str] = []
    for phase in ro.phases:
        out += [a for a in phase.accounts if a not in out]
        if phase.name == ro.current_phase:
            break
    return out if ro.current_phase else []


def progress_rows(ev: RolloutEvidence, params: Params) -> list[dict[str, Any]]:
    """Per account of the plan: its phase, routed, backfill counts and completeness."""
    routed = {r.account for r in ev.routed or ()}
    fills = {b.account: b for b in ev.backfills or ()}
    rows = []
    for phase in params.rollout.phases:
        for account in phase.accounts:
            b = fills.get(account)
            rows.append(
                {
                    "phase": phase.name,
                    "account": account,
                    "routed": account in routed,
                    "source_rows": b.source_rows if b else None,
                    "target_rows": b.target_rows if b else None,
                    "ratio": b.ratio if b else None,
                    "complete": bool(b and b.complete),
                }
            )
    return rows


def phase_chart(ev: RolloutEvidence, params: Params) -> plots.Figure:
    """Per phase: accounts planned, routed, backfilled."""
    return plots.rollout_phases(
        progress_rows(ev, params),
        [p.name for p in params.rollout.phases],
        params.rollout.current_phase,
    )


def account_chart(ev: RolloutEvidence, params: Params) -> plots.Figure:
    """Per account: share of the backfill loaded."""
    return plots.rollout_backfill(progress_rows(ev, params))


# --------------------------------------------------------------------------- checks


@check("rollout.plan-documented")
def plan_documented(ev: RolloutEvidence, params: Params) -> Check:
    check_id = "rollout.plan-documented"
    fix = (
        "Write the rollout plan (rollout.plan, default docs/rollout-plan.md): the phases with "
        "their accounts, each phase's entry and exit criteria, and how to roll back."
    )
    if ev.plan_path is None or ev.plan_error and not ev.plan_topics:
        status = Status.FAIL if ev.plan_path is None else Status.ERROR
        return catalog.make(check_id, status, str(ev.plan_error), (), fix)
    evidence = [
        Evidence(
            label=t.topic,
            value="found" if t.line else "missing",
            location=f"{ev.plan_path}:{t.line}" if t.line else ev.plan_path,
        )
        for t in ev.plan_topics
    ]
    missing = [t.topic for t in ev.plan_topics if t.line is None]
    if missing:
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{ev.plan_path} does not cover: {', '.join(missing)}",
            evidence,
            fix,
            missing=missing,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"{ev.plan_path} covers phases, entry and exit criteria and rollback",
        evidence,
        missing=missing,
    )


@check("rollout.phase-progress")
def phase_progress(ev: RolloutEvidence, params: Params) -> Check:
    check_id = "rollout.phase-progress"
    ro = params.rollout
    fix = (
        "Route the accounts of the current phase to the new pipeline (see the plan's per "
        "account steps), or correct rollout.phases/current_phase."
    )
    if not ro.phases or ro.current_phase is None:
        return catalog.make(
            check_id,
            Status.FAIL,
            "no phases or no current_phase in rollout (the parameters)",
            (),
            fix,
        )
    if ev.routed is None:
        return catalog.make(
            check_id,
            Status.ERROR,
            f"cannot read the routed accounts: {ev.routed_error}",
            [Evidence(label="routing", location=ev.routed_from or None)],
            fix,
        )
    planned = planned_accounts(params)
    routed = {r.account for r in ev.routed}
    later = {a for p in ro.phases for a in p.accounts} - set(planned)
    missing = [a for a in planned if a not in routed]
    ahead = sorted(routed & later)
    unplanned = sorted(routed - set(planned) - later)
    evidence = [
        Evidence(label="current phase", value=ro.current_phase),
        Evidence(label="planned so far", value=", ".join(planned) or "none"),
        Evidence(
            label="routed", value=", ".join(sorted(routed)) or "none", location=ev.routed_from
        ),
    ]
    data: dict[str, Any] = {
        "planned": planned,
        "routed": sorted(routed),
        "missing": missing,
        "ahead": ahead,
        "unplanned": unplanned,
    }
    return _progress(check_id, ro.current_phase, evidence, fix, data)


def _progress(
    check_id: str, phase: str, evidence: list[Evidence], fix: str, data: dict[str, Any]
) -> Check:
    """The phase-progress verdict on the accounts planned, missing, ahead and unplanned."""
    planned, missing = data["planned"], data["missing"]
    ahead, unplanned = data["ahead"], data["unplanned"]
    if missing:
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{len(missing)} of {len(planned)} accounts planned up to phase {phase} "
            f"not routed: {', '.join(missing)}",
            evidence,
            fix,
            **data,
        )
    if ahead or unplanned:
        extra = ([f"ahead of plan: {', '.join(ahead)}"] if ahead else []) + (
            [f"in no phase: {', '.join(unplanned)}"] if unplanned else []
        )
        return catalog.make(
            check_id,
            Status.WARN,
            f"all {len(planned)} planned accounts routed; also routed {'; '.join(extra)}",
            evidence,
            "Add those accounts to the current phase in rollout.phases, or route them back.",
            **data,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"all {len(planned)} accounts planned up to phase {phase} are routed",
        evidence,
        **data,
    )


@check("rollout.backfill-complete")
def backfill_complete(ev: RolloutEvidence, params: Params) -> Check:
    check_id = "rollout.backfill-complete"
    fix = (
        "Finish (or restart) the backfill of each listed account until target rows equal "
        "source rows, then re-run the review."
    )
    if ev.routed is None:
        return catalog.make(
            check_id, Status.ERROR, f"cannot read the routed accounts: {ev.routed_error}", (), fix
        )
    if ev.backfills is None:
        return catalog.make(
            check_id, Status.ERROR, f"cannot read the backfill state: {ev.backfill_error}", (), fix
        )
    fills = {b.account: b for b in ev.backfills}
    evidence = []
    incomplete = []
    for r in sorted(ev.routed, key=lambda r: r.account):
        b = fills.get(r.account)
        if b is None:
            incomplete.append(f"{r.account} (no backfill recorded)")
            evidence.append(Evidence(label=r.account, value="no backfill recorded"))
            continue
        if b.source_rows is not None and b.target_rows is not None:
            value = f"{b.target_rows:,} of {b.source_rows:,} rows ({(b.ratio or 0):.1%})"
        else:
            value = f"status {b.status or '(none)'}"
        evidence.append(
            Evidence(label=r.account, value=value + ("" if b.complete else ": INCOMPLETE"))
        )
        if not b.complete:
            incomplete.append(f"{r.account} ({value})")
    data: dict[str, Any] = {"incomplete": incomplete, "routed": len(ev.routed)}
    if not ev.routed:
        return catalog.make(
            check_id, Status.PASS, "no account routed yet: nothing to backfill", evidence, **data
        )
    if incomplete:
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{len(incomplete)} of {len(ev.routed)} routed accounts not fully backfilled: "
            + "; ".join(incomplete),
            evidence,
            fix,
            **data,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"all {len(ev.routed)} routed accounts fully backfilled",
        evidence,
        **data,
    )


@check("rollout.rollback-tested")
def rollback_tested(ev: RolloutEvidence, params: Params) -> Check:
    check_id = "rollout.rollback-tested"
    fix = (
        "Exercise the rollback (one account back to the legacy pipeline and forward again) "
        "and record it: rollout.rollback_drill (a command golive runs) or an attestation "
        "(check rollout.rollback-tested, by, date, link)."
    )
    if ev.rollback is not None:
        r = ev.rollback
        evidence = [
            Evidence(
                label="rollback drill",
                value=f"{'ok' if r.ok else r.error} in {r.duration_s:.1f} s",
                location=r.command,
            )
        ]
        if not r.ok and r.output_tail.strip():
            evidence.append(Evidence(label="output (tail)", value=r.output_tail[-800:]))
        if r.ok:
            return catalog.make(
                check_id,
                Status.PASS,
                f"rollback drill ran in {r.duration_s:.1f} s and succeeded",
                evidence,
                duration_s=r.duration_s,
            )
        status = Status.ERROR if r.returncode is None else Status.FAIL
        return catalog.make(
            check_id, status, f"rollback drill: {r.error}", evidence, fix, duration_s=r.duration_s
        )
    state = attestations.find(
        params, check_id, today=ev.today, default_max_age_days=params.rollout.rollback_max_age_days
    )
    if state.valid:
        return catalog.make(check_id, Status.PASS, state.summary, attestations.to_evidence(state))
    return catalog.make(
        check_id, Status.PENDING, state.summary, attestations.to_evidence(state), fix
    )


CHECKS = checks_of(SECTION, globals())


def evaluate(params: Params, today: date | None = None) -> list[Check]:
    """Every rollout check, in the catalog's order."""
    return run_checks(CHECKS, params, lambda: collect(params, today=today))
