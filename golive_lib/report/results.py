"""results.json and junit.xml: builders from the sections' results (pure, but for the
signed attestations of the service's repository, read and verified for the
``attestations`` block)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, datetime
from typing import Any

from .. import __version__, signed_attestations
from ..attestations import DEFAULT_MAX_AGE_DAYS
from ..errors import GoliveError
from ..model import Check, SectionResult, Status, count_statuses, decide
from ..names import RESULTS_SCHEMA_VERSION
from ..params import Attestation, Params


def build_results(
    service: str,
    run_date: date,
    generated_at: datetime,
    params_file: str,
    params_sha256: str,
    sections: list[SectionResult],
    rendered: dict[str, str],
    params: Params | None = None,
) -> dict[str, Any]:
    """The results.json document (schema in golive_lib/results.schema.json).

    With ``params``, it also records the sign-off policy, the waivers and the
    attestations as they stood on ``run_date``.
    """
    checks = [c for s in sections for c in s.checks]
    extra = policy_block(params, run_date, checks) if params is not None else {}
    return {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "service": service,
        "date": run_date.isoformat(),
        "decision": decide(checks).value,
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "params_file": params_file,
        "params_sha256": params_sha256,
        "golive_version": __version__,
        "counts": count_statuses(checks),
        "blocking": [c.id for c in checks if c.blocks],
        "sections": [
            {
                "id": s.section,
                "title": s.title,
                "notebook": s.notebook,
                "html": rendered.get(s.section),
                "execution_error": s.execution_error,
                "duration_s": s.duration_s,
                "counts": count_statuses(s.checks),
            }
            for s in sections
        ],
        "checks": [c.model_dump(mode="json") for c in checks],
        **extra,
    }


def policy_block(params: Params, run_date: date, checks: list[Check]) -> dict[str, Any]:
    """results.json's ``signoff``, ``waivers`` and ``attestations`` blocks."""
    waivers = []
    for w in params.waivers:
        waivers.append(
            {
                "check": w.check,
                "reason": w.reason,
                "approver": w.approver,
                "expires": w.expires.isoformat(),
                "expired": run_date > w.expires,
                "waived": [
                    c.id for c in checks if (c.data.get("waiver") or {}).get("check") == w.check
                ],
            }
        )
    attested = []
    for a, signed in [(a, False) for a in params.attestations] + _signed(params):
        max_age = a.max_age_days or DEFAULT_MAX_AGE_DAYS
        age = (run_date - a.date).days
        attested.append(
            {
                "check": a.check,
                "item": a.item,
                "by": a.by,
                "date": a.date.isoformat(),
                "link": a.link,
                "outcome": a.outcome,
                "max_age_days": max_age,
                "age_days": age,
                "stale": age > max_age,
                "signed": signed,
            }
        )
    return {
        "signoff": {"required_roles": list(params.signoff.required_roles)},
        "waivers": waivers,
        "attestations": attested,
    }


def _signed(params: Params) -> list[tuple[Attestation, bool]]:
    """The signed attestations of the service's repository that verify (`golive attest`)."""
    try:
        return [(s.attestation, True) for s in signed_attestations.read(params) if s.verified]
    except (GoliveError, OSError):
        return []  # the checks that read them say why


def dumps(results: dict[str, Any]) -> str:
    return json.dumps(results, indent=2, ensure_ascii=False) + "\n"


def load_checks(results: dict[str, Any]) -> list[Check]:
    return [Check.model_validate(c) for c in results.get("checks", [])]


def _details(check: dict[str, Any]) -> str:
    lines = [check["summary"]]
    for ev in check.get("evidence", []):
        where = f" ({ev['location']})" if ev.get("location") else ""
        lines.append(f"- {ev['label']}: {ev.get('value', '')}{where}")
    if check.get("remediation"):
        lines.append(f"How to fix: {check['remediation']}")
    return "\n".join(lines)


def build_junit(results: dict[str, Any]) -> str:
    """One testcase per check: fail/pending -> failure, error -> error, n/a & waived -> skipped."""
    root = ET.Element("testsuites", name=f"golive {results['service']} {results['date']}")
    by_section: dict[str, list[dict[str, Any]]] = {}
    for check in results["checks"]:
        by_section.setdefault(check["section"], []).append(check)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for section, checks in by_section.items():
        suite = ET.SubElement(root, "testsuite", name=section)
        counts = {"tests": len(checks), "failures": 0, "errors": 0, "skipped": 0}
        for check in checks:
            case = ET.SubElement(
                suite, "testcase", classname=f"golive.{section}", name=check["id"], time="0"
            )
            status = Status(check["status"])
            text = _details(check)
            message = f"[{check['severity']}] {check['summary']}"
            if status in (Status.FAIL, Status.PENDING):
                ET.SubElement(case, "failure", message=message, type=status.value).text = text
                counts["failures"] += 1
            elif status is Status.ERROR:
                ET.SubElement(case, "error", message=message, type="error").text = text
                counts["errors"] += 1
            elif status in (Status.NA, Status.WAIVED):
                ET.SubElement(case, "skipped", message=f"{status.value}: {check['summary']}")
                counts["skipped"] += 1
            else:
                ET.SubElement(case, "system-out").text = f"{status.value}: {text}"
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
