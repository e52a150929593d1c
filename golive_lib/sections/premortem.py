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

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .. import attestations, catalog
from ..drills import DrillResult, run_command
from ..errors import SourceError
from ..model import Check, Evidence, Status
from ..params import FaultDrill, Params
from ..sources import connect
from ..sources import docs as docsrc
from ..sources.prometheus import PrometheusClient, Rule
from .base import check, checks_of, run_checks

SECTION = "premortem"

# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class LinkState:
    """A playbook or runbook link: does it resolve (repository path) or is it a URL?"""

    target: str
    ok: bool
    kind: str  # "path", "url" or "invalid"
    reason: str = ""


@dataclass(frozen=True)
class DrillOutcome:
    """What happened in the fault drill; ``skipped`` says why nothing ran."""

    alert: str
    skipped: str | None = None
    inject: DrillResult | None = None
    recover: DrillResult | None = None
    detect_s: float | None = None  # inject start -> alert firing
    recover_s: float | None = None  # recover start -> alert gone
    watch_errors: tuple[str, ...] = ()
    states: tuple[tuple[float, str], ...] = ()  # (seconds since inject, alert state)
    # The wall-clock window the service was disturbed: inject start to the end of the
    # recovery watch. Metric history of this window shows the injected fault.
    disturbed_from: datetime | None = None
    disturbed_to: datetime | None = None


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


def _firing(client: PrometheusClient, alert: str) -> str:
    """The alert's state now: firing, pending or inactive."""
    states = {a.state for a in client.alerts() if a.name == alert}
    if "firing" in states:
        return "firing"
    return "pending" if "pending" in states else "inactive"


def run_fault_drill(
    cfg: FaultDrill,
    client: PrometheusClient,
    repository: Path,
    *,
    progress: Callable[[str], None] | None = None,
    redact: dict[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DrillOutcome:
    """Inject, wait for the alert to fire, recover (always), wait for it to resolve."""
    say = progress or (lambda _msg: None)
    try:
        known = any(
            r.kind == "alerting" and r.name == cfg.alert for g in client.rules() for r in g.rules
        )
        # A quiet start: the alert may still be pending or resolving (a fresh Prometheus,
        # a previous drill); wait for it to be inactive, as long as a recovery may take.
        settle_until = clock() + cfg.recover_deadline_s
        before = _firing(client, cfg.alert)
        while known and before != "inactive" and clock() < settle_until:
            sleep(cfg.poll_interval_s)
            before = _firing(client, cfg.alert)
    except SourceError as e:
        return DrillOutcome(cfg.alert, skipped=f"{e.source}: {e.message}; nothing was injected")
    if not known:
        return DrillOutcome(
            cfg.alert,
            skipped=f"no alerting rule named {cfg.alert} in {client.url}; nothing was injected",
        )
    if before != "inactive":
        return DrillOutcome(
            cfg.alert,
            skipped=(
                f"{cfg.alert} is still {before} {cfg.recover_deadline_s:g} s after the drill "
                "began waiting for a quiet start; nothing was injected"
            ),
        )

    states: list[tuple[float, str]] = []
    errors: list[str] = []
    t0 = clock()
    disturbed_from = now()

    def watch(want_firing: bool, deadline_s: float, since: float) -> float | None:
        while True:
            elapsed = clock() - since
            try:
                state = _firing(client, cfg.alert)
            except SourceError as e:
                errors.append(f"{e.source}: {e.message}")
                state = "unknown"
            states.append((clock() - t0, state))
            if (state == "firing") == want_firing and state != "unknown":
                return clock() - since
            if elapsed >= deadline_s:
                return None
            sleep(min(cfg.poll_interval_s, max(deadline_s - elapsed, 0.05)))

    say(f"fault drill: injecting ({cfg.inject})")
    inject: DrillResult | None = None
    recover: DrillResult | None = None
    detect_s: float | None = None
    recover_s: float | None = None
    try:
        inject = run_command(
            cfg.inject,
            cwd=repository,
            timeout_s=cfg.command_timeout_s,
            env=redact,
            progress=progress,
        )
        if inject.ok:
            say(f"fault drill: waiting up to {cfg.detect_deadline_s:g} s for {cfg.alert}")
            detect_s = watch(True, cfg.detect_deadline_s, t0)
    finally:
        say(f"fault drill: recovering ({cfg.recover})")
        t1 = clock()
        recover = run_command(
            cfg.recover,
            cwd=repository,
            timeout_s=cfg.command_timeout_s,
            env=redact,
            progress=progress,
        )
        if detect_s is not None or (inject is not None and inject.ok):
            recover_s = watch(False, cfg.recover_deadline_s, t1)
    return DrillOutcome(
        alert=cfg.alert,
        inject=inject,
        recover=recover,
        detect_s=detect_s,
        recover_s=recover_s,
        watch_errors=tuple(dict.fromkeys(errors)),
        states=tuple(states),
        disturbed_from=disturbed_from,
        disturbed_to=now(),
    )


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def drill(
    params: Params, client: PrometheusClient | None, *, progress: bool = True
) -> DrillOutcome | None:
    """The configured fault drill's outcome; None when no drill is configured."""
    cfg = params.premortem.fault_drill
    if cfg is None:
        return None
    missing = [name for name in cfg.required_variables if not os.environ.get(name)]
    if missing:
        return DrillOutcome(
            cfg.alert,
            skipped=(
                f"the environment variable(s) {', '.join(missing)} are not set (the drill needs "
                "them, e.g. from the demo stack); nothing was injected"
            ),
        )
    if client is None:
        return DrillOutcome(
            cfg.alert,
            skipped="no Prometheus configured (observability.prometheus); nothing was injected",
        )
    return run_fault_drill(
        cfg,
        client,
        params.repository,
        progress=_stderr if progress else None,
        redact=params.secret_env(),
    )


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
    data: dict[str, Any] = {
        "alert": d.alert,
        "detect_s": d.detect_s,
        "recover_s": d.recover_s,
        "detect_deadline_s": cfg.detect_deadline_s,
        "recover_deadline_s": cfg.recover_deadline_s,
        "states": [list(s) for s in d.states],
        "disturbed_from": d.disturbed_from.isoformat() if d.disturbed_from else None,
        "disturbed_to": d.disturbed_to.isoformat() if d.disturbed_to else None,
    }
    if d.inject is None or not d.inject.ok:
        why = d.inject.error if d.inject else "did not run"
        rec = "recovery ran" if d.recover and d.recover.ok else "recovery FAILED too"
        return catalog.make(
            check_id, Status.ERROR, f"inject command: {why}; {rec}", evidence, fix, **data
        )
    if d.recover is None or not d.recover.ok:
        why = d.recover.error if d.recover else "did not run"
        return catalog.make(
            check_id,
            Status.ERROR,
            f"recover command: {why}; the fault may still be in place",
            evidence,
            fix,
            **data,
        )
    if d.detect_s is None:
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{d.alert} did not fire within {cfg.detect_deadline_s:g} s of the fault; recovery ran",
            evidence,
            fix,
            **data,
        )
    if d.recover_s is None:
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{d.alert} fired after {d.detect_s:.1f} s but was still firing "
            f"{cfg.recover_deadline_s:g} s after recovery",
            evidence,
            fix,
            **data,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"{d.alert} fired {d.detect_s:.1f} s after the fault (deadline "
        f"{cfg.detect_deadline_s:g} s) and resolved {d.recover_s:.1f} s after recovery",
        evidence,
        **data,
    )


def service_alert_rules(rules: tuple[Rule, ...], params: Params) -> list[Rule]:
    """The alerting rules whose labels match premortem.alert_labels (all when empty)."""
    want = params.premortem.alert_labels
    return [
        r
        for r in rules
        if r.kind == "alerting" and all(r.labels.get(k) == v for k, v in want.items())
    ]


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
    problems: list[str] = []
    evidence: list[Evidence] = []
    for r in alerts:
        target = r.annotations.get(key, "")
        if not target:
            problems.append(f"{r.name}: no {key}")
            evidence.append(Evidence(label=r.name, value=f"no {key} annotation", location=r.file))
            continue
        link = resolve_link(target, ev.repository)
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
