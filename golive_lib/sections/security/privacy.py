"""security.gdpr: each GDPR item evidenced by a system (warehouse, S3 lifecycle), a file in
the repository, or an attestation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ... import attestations, catalog
from ...errors import SourceError
from ...model import Check, Evidence, Status
from ...params import Params
from ...sources import repofile
from .. import snowflake_gdpr
from ..base import check
from ..snowflake_gdpr import ItemResult, ItemState
from .evidence import SecurityEvidence

GDPR_ITEMS = (
    "pii-inventory",
    "retention",
    "erasure-procedure",
    "processor-agreements",
    "breach-procedure",
)


@dataclass(frozen=True)
class GdprItem:
    item: str
    state: ItemState
    summary: str
    evidence: tuple[Evidence, ...] = ()


def _file_item(
    ev: SecurityEvidence, item: str, configured: str | None, key: str
) -> tuple[ItemState, str, list[Evidence]] | None:
    if not configured:
        return None
    try:
        text = repofile.read_text(ev.repository, configured)
    except SourceError as e:
        if e.message == "file not found":
            return "violated", f"{configured} (security.gdpr.{key}) does not exist", []
        return "error", f"{configured}: {e.message}", []
    if not text.strip():
        return "violated", f"{configured} is empty", []
    heading = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), "")
    return (
        "evidenced",
        f"documented in {configured}" + (f" ({heading})" if heading else ""),
        [Evidence(label=item, value=heading or "present", location=configured)],
    )


def _system_item(
    ev: SecurityEvidence, item: str, params: Params
) -> tuple[ItemState, str, list[Evidence]] | None:
    sec = params.security
    if item == "pii-inventory" and sec.warehouse is not None:
        tags = ", ".join(sec.warehouse.all_pii_tags) + (
            ", Snowflake classification" if sec.warehouse.classification_tags else ""
        )
        return snowflake_gdpr.pii_inventory(ev.warehouse, ev.warehouse_error, tags)
    if item == "retention" and sec.gdpr.retention_days:
        sql = None
        if sec.warehouse is not None:
            sql = snowflake_gdpr.sql_retention(
                ev.warehouse,
                ev.warehouse_error,
                sec.gdpr.retention_days,
                sec.gdpr.require_row_expiry,
            )
        return _retention_item(_s3_retention(ev, params, sec.gdpr.retention_days), sql)
    return None


def _retention_item(s3: ItemResult | None, sql: ItemResult | None) -> ItemResult | None:
    """S3 lifecycle rules and the warehouse's retention settings: either violating fails
    the item; either evidencing it is enough when the other cannot be read."""
    found = [r for r in (s3, sql) if r is not None]
    if not found:
        return None
    evidence = [e for r in found for e in r[2]]
    rank = {"violated": 0, "warn": 1, "evidenced": 2, "error": 3}
    first = min(found, key=lambda r: rank.get(r[0], 3))
    hits = [r[1] for r in found if r[0] == first[0]]
    others = [r[1] for r in found if r[0] != first[0]]
    note = f" ({'; '.join(others)})" if others and first[0] in ("evidenced", "warn") else ""
    return first[0], "; ".join(hits) + note, evidence


def _s3_retention(ev: SecurityEvidence, params: Params, limit: int) -> ItemResult | None:
    sec = params.security
    if sec.s3 is not None and sec.s3.buckets:
        if ev.s3_error:
            return "error", f"S3 lifecycle rules unreadable: {ev.s3_error}", []
        bad: list[str] = []
        evidence: list[Evidence] = []
        errors: list[str] = []
        for b in ev.buckets:
            if b.error:
                errors.append(f"{b.name}: {b.error}")
                continue
            rules = [r for r in b.lifecycle if r.enabled and r.expiration_days is not None]
            ok = [
                r
                for r in rules
                if r.expiration_days is not None and r.expiration_days <= limit and r.prefix == ""
            ]
            if ok:
                evidence.append(
                    Evidence(
                        label=f"{b.name} lifecycle",
                        value=f"rule {ok[0].id}: objects expire after {ok[0].expiration_days} days",
                    )
                )
            else:
                shown = (
                    ", ".join(
                        f"{r.id or '?'} ({r.prefix or 'all'}: {r.expiration_days} d)" for r in rules
                    )
                    or "none"
                )
                bad.append(f"{b.name} (expiration rules: {shown})")
        if bad:
            return "violated", f"objects may outlive {limit} days in: {'; '.join(bad)}", evidence
        if errors:
            return "error", "; ".join(errors), evidence
        return "evidenced", f"every bucket expires objects within {limit} days", evidence
    return None


def gdpr_items(ev: SecurityEvidence, params: Params) -> list[GdprItem]:
    """Each GDPR item: a system proves it, else a file documents it, else an attestation."""
    g = params.security.gdpr
    files = {
        "pii-inventory": (g.pii_inventory, "pii_inventory"),
        "retention": (None, ""),
        "erasure-procedure": (g.erasure_procedure, "erasure_procedure"),
        "processor-agreements": (g.processor_agreements, "processor_agreements"),
        "breach-procedure": (g.breach_procedure, "breach_procedure"),
    }
    out: list[GdprItem] = []
    for item in GDPR_ITEMS:
        system = _system_item(ev, item, params)
        if system is not None and system[0] in ("evidenced", "violated", "warn"):
            out.append(GdprItem(item, system[0], system[1], tuple(system[2])))
            continue
        configured, key = files[item]
        document = _file_item(ev, item, configured, key)
        if document is not None and document[0] == "evidenced":
            out.append(GdprItem(item, "evidenced", document[1], tuple(document[2])))
            continue
        state = attestations.find(
            params,
            "security.gdpr",
            item,
            today=ev.today,
            default_max_age_days=g.attestation_max_age_days,
        )
        shown = tuple(attestations.to_evidence(state))
        if state.valid:
            out.append(GdprItem(item, "attested", state.summary, shown))
        elif system is not None:  # the system could not be read
            out.append(GdprItem(item, "error", f"{system[1]}; {state.summary}", shown))
        elif document is not None:  # the file is missing, empty or unreadable
            out.append(GdprItem(item, document[0], f"{document[1]}; {state.summary}", shown))
        else:
            out.append(GdprItem(item, "missing", state.summary, shown))
    return out


@check("security.gdpr")
def gdpr(ev: SecurityEvidence, params: Params) -> Check:
    check_id = "security.gdpr"
    items = gdpr_items(ev, params)
    evidence = [Evidence(label=f"{i.item}: {i.state}", value=i.summary) for i in items] + [
        e for i in items for e in i.evidence
    ]
    data: dict[str, Any] = {
        "items": {i.item: {"state": i.state, "summary": i.summary} for i in items}
    }
    by_state: dict[str, list[GdprItem]] = {}
    for i in items:
        by_state.setdefault(i.state, []).append(i)
    fix = (
        "Evidence each item: tag PII columns (tag "
        + (params.security.warehouse.pii_tag if params.security.warehouse else "PII")
        + "), S3 lifecycle expiration, the PII tables' Time Travel retention "
        "(DATA_RETENTION_TIME_IN_DAYS) and their storage lifecycle policies (`CREATE STORAGE "
        "LIFECYCLE POLICY ... RETURNS BOOLEAN -> ts < DATEADD(DAY, -N, CURRENT_TIMESTAMP())`) "
        "within security.gdpr.retention_days, the procedures as "
        "files in the repository (security.gdpr.*), or an attestation (check security.gdpr, item "
        "<name>, by, date, link) renewed before it goes stale."
    )

    def listed(state: str) -> str:
        return "; ".join(f"{i.item}: {i.summary}" for i in by_state[state])

    ok = len(by_state.get("evidenced", [])) + len(by_state.get("attested", []))
    if "violated" in by_state:
        # a violation decides the status; what could not be evaluated is still named
        also = f"; also not evaluated: {listed('error')}" if "error" in by_state else ""
        return catalog.make(check_id, Status.FAIL, listed("violated") + also, evidence, fix, **data)
    if "error" in by_state:
        return catalog.make(check_id, Status.ERROR, listed("error"), evidence, fix, **data)
    if "missing" in by_state:
        return catalog.make(
            check_id,
            Status.PENDING,
            f"{ok} of {len(items)} items evidenced or attested; "
            f"needs attestation: {listed('missing')}",
            evidence,
            fix,
            **data,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"all {len(items)} items: {len(by_state.get('evidenced', []))} evidenced by a system or "
        f"file, {len(by_state.get('attested', []))} attested",
        evidence,
        **data,
    )
