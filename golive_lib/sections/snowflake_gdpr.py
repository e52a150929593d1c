"""The warehouse's part of `security.gdpr`: the PII inventory (tags) and how long the
tables holding PII keep personal data, judged as Snowflake documents it ("Understanding &
using Time Travel", "Understanding and viewing Fail-safe", "Storage lifecycle policies",
"Sensitive data classification").

- PII: columns and tables tagged with ``pii_tag``/``pii_tags`` (TAG_REFERENCES, DOMAIN
  COLUMN or TABLE) and, with ``classification_tags``, Snowflake's SNOWFLAKE.CORE.
  PRIVACY_CATEGORY (not INSENSITIVE) and SEMANTIC_CATEGORY (`sources.warehouse.policies`).
- Views hold no rows of their own: a PII-tagged view (VIEWS, or TABLES.TABLE_TYPE with
  VIEW) is listed in the inventory and left out of retention.
- Retention: Time Travel (TABLES.RETENTION_TIME, i.e. DATA_RETENTION_TIME_IN_DAYS) plus
  Fail-safe (7 days for permanent tables, 0 for transient and temporary ones: a fixed rule
  of Snowflake's, not read from the account) is how long an erased row stays recoverable;
  above ``retention_days`` is a violation.
- Row expiry: storage lifecycle policies (`sources.warehouse.lifecycle_policies`). A PII
  table whose rows never expire keeps personal data forever: ``warn`` by default, a
  violation with ``require_row_expiry``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..model import Evidence
from ..sources import warehouse as wh
from ..sources.warehouse import policies as whp
from .snowflake_facts import WarehouseFacts

ItemState = Literal["evidenced", "attested", "violated", "warn", "error", "missing"]
ItemResult = tuple[ItemState, str, list[Evidence]]


def _is_view(fqn: str, facts: WarehouseFacts) -> bool:
    if any(v.view.fqn.upper() == fqn.upper() for v in facts.views or ()):
        return True
    return any(
        t.table.fqn.upper() == fqn.upper() and "VIEW" in t.table_type.upper()
        for t in facts.table_retention or ()
    )


def _pii_objects(facts: WarehouseFacts) -> set[str]:
    """The tagged tables and views; a schema's or database's tag stands for every table of
    it that ACCOUNT_USAGE.TABLES lists."""
    out: set[str] = set()
    for t in facts.pii_tags or ():
        if t.table.table != whp.ANY:
            out.add(t.table.fqn)
            continue
        for r in facts.table_retention or ():
            ref = r.table
            if ref.catalog.upper() == t.table.catalog.upper() and (
                t.table.schema == whp.ANY or ref.schema.upper() == t.table.schema.upper()
            ):
                out.add(ref.fqn)
    return out


def _level(ref: wh.TableRef) -> str:
    if ref.schema == whp.ANY:
        return f"{ref.catalog} (database: every table in it)"
    if ref.table == whp.ANY:
        return f"{ref.catalog}.{ref.schema} (schema: every table in it)"
    return f"{ref.fqn} (table)"


def pii_inventory(facts: WarehouseFacts | None, error: str | None, tags: str) -> ItemResult | None:
    """The PII tags found: evidence for the inventory (None: no tagged object)."""
    if facts is None or facts.pii_tags is None:
        reason = error or (facts.errors.get("pii_tags") if facts else "")
        return "error", f"PII tags unreadable: {reason}", []
    found = facts.pii_tags
    if not found:
        return None  # no tagged column: a file or an attestation may still evidence it
    objects = sorted({t.table.fqn for t in found})
    columns = [t for t in found if t.column]
    return (
        "evidenced",
        f"{len(columns)} column(s) and {len(found) - len(columns)} table, schema or database "
        f"tag(s) marking PII ({tags}) in {len(objects)} object(s)",
        [
            Evidence(
                label=f"tag {t.tag}={t.value}",
                value=f"{t.table.fqn}.{t.column}" if t.column else _level(t.table),
                location=facts.name,
            )
            for t in found
        ],
    )


@dataclass
class _RowExpiry:
    """What the storage lifecycle policies say about the PII tables' rows."""

    evidence: list[Evidence] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)  # kept longer than the limit
    errors: list[str] = field(default_factory=list)  # require_row_expiry and cannot tell
    warnings: list[str] = field(default_factory=list)  # rows that may never expire
    notes: list[str] = field(default_factory=list)  # shown with an evidenced item


def _row_expiry(
    facts: WarehouseFacts, pii_tables: list[str], limit: int, require: bool
) -> _RowExpiry:
    """Each PII table's storage lifecycle policy against the limit: a policy that keeps rows
    (age + archive period) longer fails; with ``require``, so does a table without one, and
    a policy whose body cannot show that every row expires is an error; without
    ``require`` both are warnings."""
    out = _RowExpiry()
    if facts.lifecycle_policies is None:
        reason = facts.errors.get("lifecycle_policies", "")
        text = f"storage lifecycle policies unreadable: {reason}"
        (out.errors if require else out.warnings).append(text)
        return out
    by_table: dict[str, list[wh.LifecyclePolicy]] = {}
    for pol in facts.lifecycle_policies:
        if pol.status.upper() == "ACTIVE":
            by_table.setdefault(pol.table.fqn.upper(), []).append(pol)
    proven: list[str] = []
    unproven: list[str] = []
    without: list[str] = []
    for fqn in pii_tables:
        policies = by_table.get(fqn.upper(), [])
        if not policies:
            without.append(fqn)
            continue
        ok, too_long = _table_expiry(facts, fqn, policies, limit, out)
        if ok and not too_long:
            proven.append(fqn)
        elif not too_long:
            unproven.append(fqn)
    if unproven:
        text = (
            f"storage lifecycle policy does not show that every row expires: {', '.join(unproven)}"
        )
        (out.errors if require else out.warnings).append(text)
    if without and require:
        out.violations.append(f"no storage lifecycle policy on {', '.join(without)}")
    elif without:
        out.warnings.append(
            f"rows of {', '.join(without)} never expire (no storage lifecycle policy)"
        )
    if proven:
        out.notes.insert(
            0,
            f"rows of {', '.join(proven)} expire within {limit} days (storage lifecycle policy)",
        )
    return out


def _table_expiry(
    facts: WarehouseFacts,
    fqn: str,
    policies: list[wh.LifecyclePolicy],
    limit: int,
    out: _RowExpiry,
) -> tuple[bool, bool]:
    """One PII table's active lifecycle policies, each shown as evidence: (one expires
    every row by age, one keeps rows longer than the limit)."""
    ok = too_long = False
    for pol in policies:
        after = pol.expires_after_days
        out.evidence.append(
            Evidence(
                label=f"{fqn} lifecycle",
                value=f"{pol.policy}: {_lifecycle_text(pol)}",
                location=facts.name,
            )
        )
        if after is not None and after > limit:
            out.violations.append(f"{fqn} ({pol.policy}: {after} days)")
            too_long = True
        elif after is not None and not pol.conditional:
            ok = True
    return ok, too_long


def _lifecycle_text(pol: wh.LifecyclePolicy) -> str:
    """What a storage lifecycle policy does to a table's rows, in words."""
    archived = (
        f" + {pol.archive_for_days} days archived ({pol.archive_tier or 'archive tier'})"
        if pol.archive_for_days
        else ""
    )
    if pol.body is None:
        return "its row is not in ACCOUNT_USAGE.STORAGE_LIFECYCLE_POLICIES (yet)"
    if pol.expires_after_days is None:
        return f"expires rows where {pol.body} (age not read from the body)"
    value = f"rows expire at {pol.age_days} days old{archived}: {pol.body}"
    if pol.conditional:
        value += " (only rows that meet its other conditions)"
    return value


def _time_travel(
    facts: WarehouseFacts,
    retention: tuple[wh.TableRetention, ...],
    pii_tables: list[str],
    limit: int,
) -> tuple[list[Evidence], list[str], list[str]]:
    """Each PII table's Time Travel + Fail-safe days against the limit: (evidence, the
    tables over it, the tables whose retention is not in ACCOUNT_USAGE.TABLES)."""
    by_fqn = {t.table.fqn.upper(): t for t in retention}
    evidence: list[Evidence] = []
    bad: list[str] = []
    unknown: list[str] = []
    for fqn in pii_tables:
        t = by_fqn.get(fqn.upper())
        if t is None or t.retention_days is None:
            unknown.append(fqn)
            continue
        safe = f" + {t.fail_safe_days} days Fail-safe" if t.fail_safe_days else ""
        total = t.retention_days + t.fail_safe_days
        evidence.append(
            Evidence(
                label=f"{fqn} retention",
                value=f"Time Travel {t.retention_days} days (DATA_RETENTION_TIME_IN_DAYS){safe}: "
                f"erased rows recoverable {total} days",
                location=facts.name,
            )
        )
        if total > limit:
            bad.append(f"{fqn} ({t.retention_days} days Time Travel{safe} = {total} days)")
    return evidence, bad, unknown


def sql_retention(
    facts: WarehouseFacts | None, error: str | None, limit: int, require: bool
) -> ItemResult | None:
    """Time Travel retention (DATA_RETENTION_TIME_IN_DAYS, ACCOUNT_USAGE.TABLES) of every
    table holding a PII-tagged column: erased personal data stays recoverable that long;
    and the storage lifecycle policies that expire those tables' rows (`_row_expiry`)."""
    if facts is None:
        return "error", f"warehouse retention unreadable: {error}", []
    if facts.pii_tags is None or facts.table_retention is None:
        reason = facts.errors.get("pii_tags") or facts.errors.get("table_retention", "")
        return "error", f"warehouse retention unreadable: {reason}", []
    pii_objects = sorted(_pii_objects(facts))
    if not pii_objects:
        return None  # no PII tagged: nothing to hold to the limit
    pii_tables = [f for f in pii_objects if not _is_view(f, facts)]
    views = [f for f in pii_objects if f not in pii_tables]
    evidence, bad, unknown = _time_travel(facts, facts.table_retention, pii_tables, limit)
    evidence += [
        Evidence(label=f"{v} retention", value="a view: no rows of its own", location=facts.name)
        for v in views
    ]
    expiry = _row_expiry(facts, pii_tables, limit, require)
    evidence += expiry.evidence
    if bad or expiry.violations:
        parts = []
        if bad:
            parts.append(
                f"tables holding PII keep erased rows longer than {limit} days: {', '.join(bad)}"
            )
        if expiry.violations:
            parts.append(
                f"rows of tables holding PII outlive {limit} days: {'; '.join(expiry.violations)}"
            )
        return "violated", "; ".join(parts + expiry.errors), evidence
    if unknown or expiry.errors:
        parts = []
        if unknown:
            parts.append(
                f"retention of PII table(s) not in ACCOUNT_USAGE.TABLES: {', '.join(unknown)}"
            )
        return "error", "; ".join(parts + expiry.errors), evidence
    kept = (
        f"{len(pii_tables)} table(s) holding PII keep erased rows at most {limit} days "
        "(Time Travel + Fail-safe)"
    )
    if expiry.warnings:
        return "warn", f"{kept}; but " + "; ".join(expiry.warnings + expiry.notes), evidence
    return "evidenced", kept + "".join(f"; {n}" for n in expiry.notes), evidence
