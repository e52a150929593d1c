"""05 Observability: SLIs, SLO compliance, burn-rate alerting and routing, dashboards,
logs, watchdog and retention, checked on the real Prometheus and Alertmanager.

`collect` (:mod:`golive_lib.sections.observability_evidence`) asks the sources and keeps
every failure as data; the checks are pure functions of `ObservabilityEvidence` and the
parameters: the SLO checks in :mod:`golive_lib.sections.observability_slo`, the others here.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from .. import catalog, plots, promql
from ..loglines import find_pii, measure, parse_log_line, redact
from ..model import Check, Evidence, Status
from ..params import Params
from ..sources.alertmanager import AlertmanagerConfig
from ..sources.grafana import dashboard_exprs
from .base import check, checks_of, run_checks
from .observability_evidence import (
    Freshness,
    ObservabilityEvidence,
    SLOResult,
    collect,
    collect_grafana,
    collect_logs,
    compliance_query,
    evaluate_slo,
    freshness,
    load_slos,
    prometheus_client,
)
from .observability_slo import (
    _live_error,
    _no_slos,
    sli_metrics_present,
    slo_alerting,
    slo_compliance,
    slo_coverage,
)

__all__ = [
    "Freshness",
    "ObservabilityEvidence",
    "SLOResult",
    "collect",
    "collect_grafana",
    "collect_logs",
    "compliance_query",
    "dashboard_exprs",
    "evaluate_slo",
    "find_pii",
    "freshness",
    "load_slos",
    "parse_log_line",
    "prometheus_client",
    "redact",
    "sli_metrics_present",
    "slo_alerting",
    "slo_compliance",
    "slo_coverage",
]

SECTION = "observability"
RETENTION_DEFAULT = timedelta(days=15)  # Prometheus' default when no flag is given


def _route_evidence(
    config: AlertmanagerConfig, name: str, labels: dict[str, str], at: datetime
) -> tuple[list[Evidence], list[str]]:
    """Where the alert goes (sources.alertmanager), and what is wrong with it: no receiver,
    a null sink, or times over the next week when no route notifies anyone (time
    intervals), said with when."""
    labels = {**labels, "alertname": name}
    evidence, bad = [], []
    for d in config.deliveries(labels, at):
        route, receiver = d.route, d.receiver
        if receiver is None:
            bad.append(f"{name} -> {route.receiver} (no such receiver)")
            value = f"receiver {route.receiver!r} is not defined"
        elif not receiver.integrations:
            bad.append(f"{name} -> {receiver.name} (no integration: a null sink)")
            value = f"receiver {receiver.name!r} has no integration: nobody is notified"
        else:
            value = f"receiver {receiver.name} ({', '.join(receiver.integrations)})"
        if d.silenced_now:
            value += f"; silenced now ({d.silenced_now})"
        if d.silenced:
            value += f"; silenced {_spans_text(d.silenced)}"
        value += "".join(f"; {n}" for n in d.notes)
        shown = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        evidence.append(Evidence(label=name, value=value, location=f"{route.path} for {{{shown}}}"))
    if not bad and (gaps := config.unnotified(labels, at)):
        bad.append(f"{name} notifies nobody {_spans_text(gaps)} (time intervals)")
    return evidence, bad


def _spans_text(spans: Any, shown: int = 3) -> str:
    """The first few spans of the coming week, and how many more."""
    items = list(spans)
    text = "; ".join(str(s) for s in items[:shown])
    return text + (
        f" and {len(items) - shown} more span(s) this week" if len(items) > shown else ""
    )


@check("observability.alert-routing")
def alert_routing(ev: ObservabilityEvidence, params: Params) -> Check:
    cid = "observability.alert-routing"
    if ev.am_config is None:
        return catalog.error(cid, ev.am_error or "Alertmanager not read")
    if (c := _no_slos(cid, ev) or _live_error(ev, cid)) is not None:
        return c
    if ev.rules is None:
        return catalog.error(cid, ev.rules_error or "rules not read")
    names = sorted({p.alert for cov in slo_coverage(ev) for p in cov.found})
    alerts = [r for r in ev.rules if r.kind == "alerting" and r.name in names]
    if not alerts:
        return catalog.make(
            cid,
            Status.FAIL,
            "no SLO burn-rate alert to route (see observability.slo-alerting)",
            remediation="Add the burn-rate alerts first; then route them to a receiver that "
            "notifies someone.",
        )
    evidence, bad = [], []
    for rule in alerts:
        e, b = _route_evidence(ev.am_config, rule.name, rule.labels, ev.at)
        evidence += e
        bad += b
    if bad:
        return catalog.make(
            cid,
            Status.FAIL,
            f"{len(bad)} SLO alert route(s) end at no real receiver: {'; '.join(bad)}",
            evidence,
            "Route these alerts (by their labels, e.g. severity=page) to a receiver with an "
            "integration (PagerDuty, Opsgenie, Slack, e-mail, webhook) in alertmanager.yml, "
            "on a route that no mute_time_intervals or active_time_intervals silence.",
            unrouted=bad,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"all {len(alerts)} SLO alerts reach a receiver that notifies someone, at every "
        "minute of the coming week",
        evidence,
        unrouted=[],
    )


def _metric_names(expr: str) -> set[str]:
    try:
        return {s.name for s in promql.selectors(promql.parse(_grafana_vars(expr)))}
    except promql.PromQLError:
        return set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", expr))


def _grafana_vars(expr: str) -> str:
    return re.sub(r"\$__\w+|\$\{[^}]+\}|\$\w+", "5m", expr)


@check("observability.dashboards")
def dashboards(ev: ObservabilityEvidence, params: Params) -> Check:
    cid = "observability.dashboards"
    if (c := _no_slos(cid, ev)) is not None:
        return c
    if ev.grafana_error:
        return catalog.error(
            cid,
            ev.grafana_error,
            "Check that Grafana is up and observability.grafana (url, url_env, auth) points "
            "at it with a token allowed to read dashboards.",
        )
    if not ev.dashboards:
        if ev.dashboard_errors:
            return catalog.error(cid, "; ".join(ev.dashboard_errors))
        return catalog.make(
            cid,
            Status.FAIL,
            f"no dashboard found ({', '.join(params.observability.dashboards)})",
            remediation="Commit the service's Grafana dashboard JSON (dashboards/*.json) with "
            "a panel per SLO, or set observability.grafana to read them from Grafana.",
        )
    names = {
        f: set().union(*[_metric_names(e) for e in exprs]) for f, exprs in ev.dashboards.items()
    }
    evidence, missing = [], []
    for slo in ev.slos:
        metrics = {s.name for s in slo.selectors()}
        where = [f for f, ms in names.items() if metrics & ms]
        if where:
            evidence.append(Evidence(label=slo.name, value="shown", location=", ".join(where)))
        else:
            missing.append(slo.name)
            evidence.append(
                Evidence(label=slo.name, value=f"no panel queries {', '.join(sorted(metrics))}")
            )
    for e in ev.dashboard_errors:
        evidence.append(Evidence(label="unreadable", value=e))
    if missing:
        return catalog.make(
            cid,
            Status.FAIL,
            f"no dashboard panel for {', '.join(missing)}",
            evidence,
            "Add a panel per SLO querying its SLI (the compliance over the window and the "
            "burn rate) to the service dashboard.",
            missing=missing,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"each of {len(ev.slos)} SLOs has a panel in {len(ev.dashboards)} dashboard(s)",
        evidence,
        missing=[],
    )


@check("observability.logging")
def logging(ev: ObservabilityEvidence, params: Params) -> Check:
    cid = "observability.logging"
    if ev.log_error:
        return catalog.error(cid, ev.log_error)
    if ev.log_lines is None:
        return catalog.make(
            cid,
            Status.NA,
            "no log sample configured (observability.log_sample or log_command)",
        )
    lines = ev.log_lines
    if not lines:
        return catalog.make(cid, Status.FAIL, f"{ev.log_source} holds no log lines")
    stats = measure(lines)
    share, full, ids, pii = stats.structured, stats.level_and_time, stats.with_id, stats.pii
    evidence = [
        Evidence(
            label="structured (JSON or logfmt)",
            value=f"{share:.0%} of {len(lines)} lines",
            location=ev.log_source,
        ),
        Evidence(label="with level and timestamp", value=f"{full:.0%}"),
        Evidence(label="with a request/correlation id", value=f"{ids:.0%}"),
    ] + [Evidence(label=f"PII: {k}", value=v, location=f"{ev.log_source}:{n}") for n, k, v in pii]
    problems = []
    need = params.observability.structured_min_share
    if share < need:
        problems.append(f"only {share:.0%} of lines structured (need {need:.0%})")
    if full < need:
        problems.append(f"only {full:.0%} carry level and timestamp")
    if not stats.any_id:
        problems.append("no line carries a request or correlation id")
    if pii:
        kinds = sorted({k for _, k, _ in pii})
        problems.append(f"{len(pii)} PII match(es) ({', '.join(kinds)})")
    data: dict[str, Any] = {
        "lines": len(lines),
        "structured": share,
        "level_and_time": full,
        "with_id": ids,
        "pii": len(pii),
    }
    if problems:
        return catalog.make(
            cid,
            Status.FAIL,
            f"{ev.log_source}: " + "; ".join(problems),
            evidence,
            "Log one JSON object (or logfmt line) per event with level, timestamp and the "
            "request id; never log e-mail addresses, card numbers or client IPs (hash or drop "
            "them at the logger).",
            **data,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"{ev.log_source}: {share:.0%} structured, level/time {full:.0%}, ids {ids:.0%}, no PII",
        evidence,
        **data,
    )


def _always_true(expr: str) -> bool:
    try:
        node = promql.parse(expr)
    except promql.PromQLError:
        return False
    return constant(node) is not None


def constant(node: promql.Node) -> float | None:
    return promql.constant(node)


@check("observability.watchdog")
def watchdog(ev: ObservabilityEvidence, params: Params) -> Check:
    cid = "observability.watchdog"
    if (c := _live_error(ev, cid)) is not None:
        return c
    if ev.rules is None:
        return catalog.error(cid, ev.rules_error or "rules not read")
    found = [r for r in ev.rules if r.kind == "alerting" and _always_true(r.query)]
    if not found:
        return catalog.make(
            cid,
            Status.FAIL,
            "no always-firing (dead man's switch) alert in Prometheus' rules",
            remediation="Add `- alert: Watchdog\\n  expr: vector(1)` and route it to a "
            "dead man's switch service (e.g. Healthchecks, PagerDuty heartbeat) that pages "
            "when it stops arriving.",
        )
    evidence = [Evidence(label=r.name, value=f"expr {r.query}", location=r.file) for r in found]
    if ev.am_config is None:
        return catalog.make(
            cid,
            Status.WARN,
            f"{found[0].name} exists; its routing is unknown: {ev.am_error}",
            evidence,
            watchdog=found[0].name,
        )
    route_ev, bad = _route_evidence(ev.am_config, found[0].name, found[0].labels, ev.at)
    if bad:
        return catalog.make(
            cid,
            Status.FAIL,
            f"{found[0].name} exists but does not always reach a receiver: {'; '.join(bad)}",
            evidence + route_ev,
            "Route the watchdog to a dead man's switch receiver, on a route no time interval "
            "mutes (a muted watchdog is a dead man's switch that either stays silent or pages "
            "for nothing).",
            watchdog=found[0].name,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"{found[0].name} always fires and reaches {route_ev[0].value}",
        evidence + route_ev,
        watchdog=found[0].name,
    )


@check("observability.retention")
def retention(ev: ObservabilityEvidence, params: Params) -> Check:
    cid = "observability.retention"
    if (c := _live_error(ev, cid)) is not None:
        return c
    if ev.flags is None:
        return catalog.error(cid, ev.flags_error or "flags not read")
    raw = ev.flags.get("storage.tsdb.retention.time") or ev.flags.get("storage.tsdb.retention")
    try:
        kept = promql.parse_duration(raw) if raw and raw != "0s" else RETENTION_DEFAULT
    except ValueError:
        return catalog.error(cid, f"unreadable retention flag {raw!r}")
    longest = max((s.window for s in ev.slos), default=timedelta(days=28))
    size = ev.flags.get("storage.tsdb.retention.size", "0B")
    evidence = [
        Evidence(
            label="storage.tsdb.retention.time",
            value=raw or "(default 15d)",
            location=f"{ev.prometheus_url}/api/v1/status/flags",
        ),
        Evidence(label="longest SLO window", value=promql.format_duration(longest)),
    ]
    if size not in ("0B", "0", ""):
        evidence.append(Evidence(label="storage.tsdb.retention.size", value=size))
    data: dict[str, Any] = {
        "retention_s": kept.total_seconds(),
        "longest_window_s": longest.total_seconds(),
    }
    if kept < longest:
        return catalog.make(
            cid,
            Status.FAIL,
            f"Prometheus keeps {promql.format_duration(kept)}, less than the "
            f"{promql.format_duration(longest)} SLO window",
            evidence,
            "Start Prometheus with --storage.tsdb.retention.time="
            f"{promql.format_duration(longest * 3)} "
            "or more (or keep long-range data in Thanos/Mimir and query that).",
            **data,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"Prometheus keeps {promql.format_duration(kept)} >= the longest SLO window "
        f"{promql.format_duration(longest)}",
        evidence,
        **data,
    )


def figures(ev: ObservabilityEvidence) -> list[dict[str, Any]]:
    """Per SLO: the SLI over its window and the error-budget burn-down (empty without data)."""
    out = []
    for r in ev.results.values():
        if r.times:
            label = promql.format_duration(r.slo.window)
            out.append(plots.slo_sli(r.slo.name, r.times, r.sli, r.slo.objective, label))
            out.append(plots.slo_burn_down(r.slo.name, r.times, r.budget, label))
    return out


CHECKS = checks_of(SECTION, globals())


def evaluate(params: Params) -> list[Check]:
    """Every observability check, in the catalog's order."""
    return run_checks(CHECKS, params, lambda: collect(params))
