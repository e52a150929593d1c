"""04 Pre-mortem and game day: failure scenarios with playbooks, the game day, a fault
drill that really runs, and runbook links on every alert.

`collect(params, today=...)` reads the scenarios' playbooks, the game-day attestation,
the alerting rules of the review's Prometheus (`params.observability.prometheus`) and,
when a fault drill is configured and its preconditions hold, **runs it**: the inject
command, then Prometheus' alerts API is polled until the expected alert fires, then the
recovery command (always, also when the alert never fired or the inject failed), then
the API is polled until the alert is gone. Time to detect and time to recover are kept
in the evidence. Nothing is injected when a precondition fails (a variable of
`required_variables` unset, Prometheus unreachable, the alert unknown or already firing).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from .. import attestations, catalog
from ..drills import DrillResult
from ..model import Check, Evidence, Status
from ..params import FaultDrill, Params
from ..sources.prometheus import Rule
from .base import check, checks_of, run_checks
from .premortem_drill import DrillOutcome, drill, run_fault_drill
from .premortem_evidence import LinkState, PremortemEvidence, collect, resolve_link

__all__ = [
    "DrillOutcome",
    "LinkState",
    "PremortemEvidence",
    "collect",
    "drill",
    "resolve_link",
    "run_fault_drill",
]

SECTION = "premortem"


# --------------------------------------------------------------------------- checks


@check("premortem.scenarios")
def scenarios(ev: PremortemEvidence, params: Params) -> Check:
    check_id = "premortem.scenarios"
    pm = params.premortem
    fix = (
        "List each failure scenario under premortem.scenarios (name, kind, playbook) with a "
        f"playbook in the repository or a URL; kinds needed: {', '.join(pm.required_kinds)}."
    )
    if not pm.scenarios:
        return catalog.make(check_id, Status.FAIL, "no scenarios in premortem.scenarios", (), fix)
    evidence = [
        Evidence(
            label=f"{s.name} ({s.kind})",
            value="playbook found"
            if link.ok and link.kind == "path"
            else "playbook URL (not fetched)"
            if link.ok
            else f"playbook missing: {link.reason}",
            location=s.playbook,
            link=s.playbook if link.kind == "url" else None,
        )
        for s, link in zip(pm.scenarios, ev.playbooks, strict=True)
    ]
    broken = [
        f"{s.name}: {link.target} ({link.reason})"
        for s, link in zip(pm.scenarios, ev.playbooks, strict=True)
        if not link.ok
    ]
    kinds = {s.kind for s in pm.scenarios}
    missing_kinds = [k for k in pm.required_kinds if k not in kinds]
    data: dict[str, Any] = {"broken": broken, "missing_kinds": missing_kinds}
    problems = []
    if broken:
        problems.append("playbook does not resolve: " + "; ".join(broken))
    if missing_kinds:
        problems.append("no scenario of kind " + ", ".join(missing_kinds))
    if problems:
        return catalog.make(check_id, Status.FAIL, "; ".join(problems), evidence, fix, **data)
    return catalog.make(
        check_id,
        Status.PASS,
        f"{len(pm.scenarios)} scenarios ({', '.join(sorted(kinds))}), each with a playbook",
        evidence,
        **data,
    )


@check("premortem.gameday")
def gameday(ev: PremortemEvidence, params: Params) -> Check:
    check_id = "premortem.gameday"
    state = attestations.find(
        params,
        check_id,
        today=ev.today,
        default_max_age_days=params.premortem.gameday_max_age_days,
    )
    fix = (
        "Hold a game day (inject the scenarios' faults in staging with the on-call), then "
        "record it under attestations: check premortem.gameday, by, date, link, outcome."
    )
    data: dict[str, Any] = {"age_days": state.age_days, "max_age_days": state.max_age_days}
    if state.valid:
        return catalog.make(
            check_id, Status.PASS, state.summary, attestations.to_evidence(state), **data
        )
    return catalog.make(
        check_id, Status.PENDING, state.summary, attestations.to_evidence(state), fix, **data
    )


def _command_evidence(label: str, result: DrillResult | None) -> list[Evidence]:
    if result is None:
        return [Evidence(label=label, value="not run")]
    value = f"{'ok' if result.ok else result.error} in {result.duration_s:.1f} s"
    out = [Evidence(label=label, value=value, location=result.command)]
    if result.output_tail.strip() and not result.ok:
        out.append(Evidence(label=f"{label} output (tail)", value=result.output_tail[-800:]))
    return out


def _drill_evidence(d: DrillOutcome, cfg: FaultDrill) -> list[Evidence]:
    evidence = [
        *_command_evidence("inject", d.inject),
        Evidence(
            label=f"time to detect ({d.alert} firing)",
            value=f"{d.detect_s:.1f} s"
            if d.detect_s is not None
            else f"not firing within {cfg.detect_deadline_s:g} s",
        ),
        *_command_evidence("recover", d.recover),
        Evidence(
            label=f"time to recover ({d.alert} resolved)",
            value=f"{d.recover_s:.1f} s"
            if d.recover_s is not None
            else f"still firing after {cfg.recover_deadline_s:g} s"
            if d.detect_s is not None
            else "not measured",
        ),
    ]
    evidence += [Evidence(label="alerts API", value=e) for e in d.watch_errors]
    if d.disturbed_from is not None and d.disturbed_to is not None:
        evidence.append(
            Evidence(
                label="service disturbed (UTC)",
                value=f"{d.disturbed_from:%Y-%m-%d %H:%M:%S} to {d.disturbed_to:%H:%M:%S} "
                f"({(d.disturbed_to - d.disturbed_from).total_seconds():.0f} s); the other "
                "sections of this review ran before it; later SLO history shows this window",
            )
        )
    return evidence


def _drill_data(d: DrillOutcome, cfg: FaultDrill) -> dict[str, Any]:
    return {
        "alert": d.alert,
        "detect_s": d.detect_s,
        "recover_s": d.recover_s,
        "detect_deadline_s": cfg.detect_deadline_s,
        "recover_deadline_s": cfg.recover_deadline_s,
        "states": [list(s) for s in d.states],
        "disturbed_from": d.disturbed_from.isoformat() if d.disturbed_from else None,
        "disturbed_to": d.disturbed_to.isoformat() if d.disturbed_to else None,
    }


@check("premortem.fault-drill")
def fault_drill(ev: PremortemEvidence, params: Params) -> Check:
    check_id = "premortem.fault-drill"
    cfg = params.premortem.fault_drill
    if cfg is None or ev.drill is None:
        return catalog.make(
            check_id,
            Status.NA,
            "no fault drill configured (premortem.fault_drill)",
            remediation="Script a fault: premortem.fault_drill with inject, recover, alert.",
        )
    d = ev.drill
    fix = (
        f"Make {d.alert} fire within {cfg.detect_deadline_s:g} s of the fault (a shorter "
        "`for:`, a faster scrape/evaluation), make the inject and recover commands work, "
        "and run the drill again."
    )
    if d.skipped:
        return catalog.make(
            check_id, Status.ERROR, f"fault drill not run: {d.skipped}", (), fix, alert=d.alert
        )
    evidence = _drill_evidence(d, cfg)
    data = _drill_data(d, cfg)
    status, summary = _drill_verdict(d, cfg)
    remediation = "" if status is Status.PASS else fix
    return catalog.make(check_id, status, summary, evidence, remediation, **data)


def _drill_verdict(d: DrillOutcome, cfg: FaultDrill) -> tuple[Status, str]:
    """The drill's status and summary, once it ran: commands first, then the alert."""
    if d.inject is None or not d.inject.ok:
        why = d.inject.error if d.inject else "did not run"
        rec = "recovery ran" if d.recover and d.recover.ok else "recovery FAILED too"
        return Status.ERROR, f"inject command: {why}; {rec}"
    if d.recover is None or not d.recover.ok:
        why = d.recover.error if d.recover else "did not run"
        return Status.ERROR, f"recover command: {why}; the fault may still be in place"
    if d.detect_s is None:
        return (
            Status.FAIL,
            f"{d.alert} did not fire within {cfg.detect_deadline_s:g} s of the fault; recovery ran",
        )
    if d.recover_s is None:
        return (
            Status.FAIL,
            f"{d.alert} fired after {d.detect_s:.1f} s but was still firing "
            f"{cfg.recover_deadline_s:g} s after recovery",
        )
    return (
        Status.PASS,
        f"{d.alert} fired {d.detect_s:.1f} s after the fault (deadline "
        f"{cfg.detect_deadline_s:g} s) and resolved {d.recover_s:.1f} s after recovery",
    )


def service_alert_rules(rules: tuple[Rule, ...], params: Params) -> list[Rule]:
    """The alerting rules whose labels match premortem.alert_labels (all when empty)."""
    want = params.premortem.alert_labels
    return [
        r
        for r in rules
        if r.kind == "alerting" and all(r.labels.get(k) == v for k, v in want.items())
    ]


def _runbooks(alerts: list[Rule], key: str, repository: Path) -> tuple[list[str], list[Evidence]]:
    """Each alert's runbook annotation, resolved; the alerts without a working one."""
    problems: list[str] = []
    evidence: list[Evidence] = []
    for r in alerts:
        target = r.annotations.get(key, "")
        if not target:
            problems.append(f"{r.name}: no {key}")
            evidence.append(Evidence(label=r.name, value=f"no {key} annotation", location=r.file))
            continue
        link = resolve_link(target, repository)
        if not link.ok:
            problems.append(f"{r.name}: {target} ({link.reason})")
        evidence.append(
            Evidence(
                label=r.name,
                value="runbook found" if link.ok else f"runbook broken: {link.reason}",
                location=target,
                link=target if link.kind == "url" else None,
            )
        )
    return problems, evidence


@check("premortem.alerts-have-runbooks")
def alerts_have_runbooks(ev: PremortemEvidence, params: Params) -> Check:
    check_id = "premortem.alerts-have-runbooks"
    key = params.premortem.runbook_annotation
    fix = (
        f"Give every alerting rule an annotation {key} naming its playbook: a repository path "
        "(docs/playbooks/...) or an http(s) URL, and make sure the file exists."
    )
    if ev.rules is None:
        return catalog.make(
            check_id, Status.ERROR, f"cannot read the alerting rules: {ev.rules_error}", (), fix
        )
    alerts = service_alert_rules(ev.rules, params)
    if not alerts:
        return catalog.make(
            check_id,
            Status.FAIL,
            "no alerting rule of the service in Prometheus"
            + (
                f" (labels {params.premortem.alert_labels})"
                if params.premortem.alert_labels
                else ""
            ),
            (),
            fix,
        )
    problems, evidence = _runbooks(alerts, key, ev.repository)
    data: dict[str, Any] = {"alerts": len(alerts), "problems": problems}
    if problems:
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{len(problems)} of {len(alerts)} alerts without a working runbook: "
            + "; ".join(problems),
            evidence,
            fix,
            **data,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"all {len(alerts)} alerting rules carry a {key} that resolves",
        evidence,
        **data,
    )


CHECKS = checks_of(SECTION, globals())


def evaluate(params: Params, today: date | None = None) -> list[Check]:
    """Every pre-mortem check, in the catalog's order (runs the fault drill)."""
    return run_checks(CHECKS, params, lambda: collect(params, today=today))
