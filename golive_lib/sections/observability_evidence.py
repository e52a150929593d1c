"""The observability section's evidence: the SLOs (parameters, Sloth and OpenSLO files),
what Prometheus says of them (compliance, burn rates, freshness, rules, flags),
Alertmanager's configuration, the dashboards (committed or from Grafana) and the log
lines. `collect` asks the sources (a short connect timeout: an unreachable Prometheus
costs one attempt, not one per query) and keeps every failure as data; the checks in
:mod:`golive_lib.sections.observability` are pure functions of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import promql
from ..errors import SourceError
from ..params import Params
from ..slo import (
    BURN_WINDOWS,
    RAW_TOTAL,
    SLO,
    SLOSpecError,
    budget_remaining,
    burn_down,
    burn_rate,
    chart_step,
    compliance,
    selector_text,
    time_to_exhaustion,
    window_delta,
)
from ..slo.recognition import RuleDef
from ..slo.specs import load_alert_windows, load_file, with_windows
from ..sources import connect, grafana, logs
from ..sources.alertmanager import AlertmanagerClient, AlertmanagerConfig
from ..sources.connect import auth_headers, server_url
from ..sources.httpapi import TimedOut, Unreachable
from ..sources.prometheus import PrometheusClient, Rule


@dataclass(frozen=True)
class Freshness:
    selector: str
    age_s: float | None  # None: no sample in the last 5 minutes
    in_window: bool = False  # some sample within the SLO window
    bad_only: bool = False  # read only by the bad-events query (absent when nothing fails)


@dataclass(frozen=True)
class SLOResult:
    slo: SLO
    query: str
    at: datetime
    bad: float = math.nan
    total: float = math.nan
    compliance: float | None = None
    remaining: float | None = None
    burn: dict[str, float | None] = field(default_factory=dict)
    exhaustion: timedelta | None = None
    chart_query: str = ""
    times: tuple[datetime, ...] = ()
    sli: tuple[float, ...] = ()
    budget: tuple[float, ...] = ()
    error: str | None = None
    chart_error: str | None = None
    window: timedelta | None = None  # what compliance covered (calendar: elapsed part)
    coverage: float | None = None  # share of the window's chart steps holding data


@dataclass
class ObservabilityEvidence:
    slos: list[SLO] = field(default_factory=list)
    spec_errors: list[str] = field(default_factory=list)
    prometheus_url: str | None = None
    prometheus_error: str | None = None  # the source is down: every live check is error
    freshness: dict[str, list[Freshness] | str] = field(default_factory=dict)
    results: dict[str, SLOResult] = field(default_factory=dict)
    rules: list[Rule] | None = None
    rules_error: str | None = None
    flags: dict[str, str] | None = None
    flags_error: str | None = None
    alertmanager_url: str | None = None
    am_config: AlertmanagerConfig | None = None
    am_error: str | None = None
    dashboards: dict[str, list[str]] = field(default_factory=dict)  # file -> exprs
    dashboard_errors: list[str] = field(default_factory=list)
    grafana_url: str | None = None
    grafana_error: str | None = None  # the configured Grafana could not be read: error
    log_lines: list[str] | None = None
    log_source: str = ""
    log_error: str | None = None
    prometheus_calls: int = 0
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def rule_defs(self) -> list[RuleDef]:
        return [
            RuleDef(r.kind, r.name, r.query, r.labels, r.file, r.group, r.for_s)
            for r in self.rules or []
        ]


def load_slos(params: Params) -> tuple[list[SLO], list[str]]:
    slos: list[SLO] = [s.to_slo() for s in params.observability.slos]
    errors = []
    tables = []
    for rel in params.observability.sloth_windows:
        try:
            tables.append(load_alert_windows(params.repository / rel, rel))
        except SLOSpecError as e:
            errors.append(str(e))
    for rel in params.observability.slo_files:
        try:
            period = window_delta(params.observability.sloth_period, "sloth_period")
            slos += load_file(params.repository / rel, rel, period)
        except SLOSpecError as e:
            errors.append(str(e))
    return with_windows(slos, tuple(tables)), errors


def _sum(expr: str) -> str:
    return f"sum({expr})"


def _parts(parts: dict[str, str]) -> str:
    """Several scalars in ONE instant query: each part labelled by label_replace."""
    return " or ".join(
        f'label_replace({_sum(q)}, "golive_part", "{name}", "", "")' for name, q in parts.items()
    )


def compliance_query(slo: SLO, window: timedelta | None = None) -> str:
    window = window or slo.window
    parts = {"bad": slo.errors_at(window), "total": slo.total_at(window)}
    for w in BURN_WINDOWS:
        parts[f"bad_{promql.format_duration(w)}"] = slo.errors_at(w)
        parts[f"total_{promql.format_duration(w)}"] = slo.total_at(w)
    return _parts(parts)


def evaluate_slo(client: PrometheusClient, slo: SLO, at: datetime) -> SLOResult:
    """Compliance over the window from one instant query (ratio of rates over the same
    window = traffic-weighted), burn rates, and the chart's range query."""
    window = slo.period_at(at)
    q = compliance_query(slo, window)
    try:
        samples = client.query(q, at)
    except SourceError as e:
        return SLOResult(slo, q, at, error=f"{e.source}: {e.message}")  # names the server
    got = {s.labels.get("golive_part", ""): s.value for s in samples}
    bad, total = got.get("bad", math.nan), got.get("total", math.nan)
    ratio = compliance(bad, total)
    burn: dict[str, float | None] = {}
    for w in BURN_WINDOWS:
        name = promql.format_duration(w)
        c = compliance(got.get(f"bad_{name}", math.nan), got.get(f"total_{name}", math.nan))
        burn[name] = None if c is None else burn_rate(1 - c, slo.objective)
    remaining = None if ratio is None else budget_remaining(ratio, slo.objective)
    fast = burn.get("1h")
    exhaustion = (
        None
        if remaining is None or fast is None
        else time_to_exhaustion(remaining, fast, slo.window)
    )
    result = SLOResult(
        slo,
        q,
        at,
        bad,
        total,
        ratio,
        remaining,
        burn,
        exhaustion,
        window=window,
    )
    step = chart_step(window)
    cq = _parts({"bad": slo.errors_at(step), "total": slo.total_at(step)})
    try:
        series = client.query_range(cq, at - window + step, at, step)
    except SourceError as e:
        return _replace(result, chart_query=cq, chart_error=f"{e.source}: {e.message}")
    by = {s.labels.get("golive_part", ""): dict(s.points) for s in series}
    times = sorted(set(by.get("total", {})))
    # Steps holding data: the total's, or a raw error ratio's (its total is a constant).
    covered = by.get("bad", {}) if slo.total == RAW_TOTAL else by.get("total", {})
    bads = [by.get("bad", {}).get(t, 0.0) * step.total_seconds() for t in times]
    totals = [by["total"][t] * step.total_seconds() for t in times]
    sli = tuple(1 - b / t if t > 0 else math.nan for b, t in zip(bads, totals, strict=True))
    return _replace(
        result,
        chart_query=cq,
        times=tuple(times),
        sli=sli,
        budget=tuple(burn_down(bads, totals, slo.objective)),
        coverage=min(1.0, len(covered) / max(1, round(window / step))),
    )


def _replace(r: SLOResult, **kw: Any) -> SLOResult:
    from dataclasses import replace

    return replace(r, **kw)


def freshness(client: PrometheusClient, slo: SLO) -> list[Freshness]:
    """Age of the newest sample of each series the SLI reads (one query; a second one
    only for series with no recent sample: were they seen within the window?)."""
    all_sels = slo.selectors()
    total_keys = {
        (s.name, s.matchers)
        for s in promql.selectors(promql.parse(slo.total_at(timedelta(minutes=5))))
    }
    sels = [selector_text(s) for s in all_sels]
    bad_only = [(s.name, s.matchers) not in total_keys for s in all_sels]
    q = " or ".join(
        f'label_replace(time() - max(timestamp({s})), "golive_part", "{i}", "", "")'
        for i, s in enumerate(sels)
    )
    got = {s.labels.get("golive_part", ""): s.value for s in client.query(q)}
    missing = [i for i in range(len(sels)) if str(i) not in got]
    seen: dict[str, float] = {}
    window = promql.format_duration(slo.window)
    if missing:
        wq = " or ".join(
            f"label_replace(count(last_over_time({sels[i]}[{window}])), "
            f'"golive_part", "{i}", "", "")'
            for i in missing
        )
        seen = {s.labels.get("golive_part", ""): s.value for s in client.query(wq)}
    return [
        Freshness(sel, got.get(str(i)), str(i) in got or str(i) in seen, bad_only[i])
        for i, sel in enumerate(sels)
    ]


def collect_grafana(params: Params, ev: ObservabilityEvidence) -> None:
    server = params.observability.grafana
    url = server_url(server) if server else None
    if server is None or not url:
        return
    ev.grafana_url = url
    try:
        ev.dashboards.update(grafana.read_grafana(server, url))
    except SourceError as e:
        ev.grafana_error = f"{e.source}: {e.message}"


def collect_logs(params: Params, ev: ObservabilityEvidence) -> None:
    read = logs.read(params.observability, params.repository)
    if read is None:
        return
    ev.log_source = read.source
    ev.log_error = read.error
    ev.log_lines = None if read.lines is None else list(read.lines)


def prometheus_client(params: Params) -> PrometheusClient | None:
    return connect.prometheus(params.observability.prometheus)


def collect(params: Params) -> ObservabilityEvidence:
    ev = ObservabilityEvidence()
    obs = params.observability
    ev.slos, ev.spec_errors = load_slos(params)
    collect_logs(params, ev)
    ev.dashboards, ev.dashboard_errors = grafana.read_files(params.repository, obs.dashboards)
    collect_grafana(params, ev)
    _alertmanager(params, ev)
    ev.prometheus_url = server_url(obs.prometheus)
    try:
        client = prometheus_client(params)
    except SourceError as e:
        ev.prometheus_error = f"Prometheus: {e.message}"
        return ev
    if client is None:
        ev.prometheus_error = (
            "no Prometheus configured (set observability.prometheus.url, or the variable "
            "named by url_env)"
        )
        return ev
    _prometheus(client, ev)
    ev.prometheus_calls = client.calls
    return ev


def _prometheus(client: PrometheusClient, ev: ObservabilityEvidence) -> None:
    try:
        ev.flags = client.flags()
    except (Unreachable, TimedOut) as e:
        ev.prometheus_error = f"{e.source} {e.message}"  # down: ask nothing more
        return
    except SourceError as e:
        ev.flags_error = f"{e.source}: {e.message}"
    try:
        groups = client.rules()
        ev.rules = [r for g in groups for r in g.rules]
    except SourceError as e:
        ev.rules_error = f"{e.source}: {e.message}"
    for slo in ev.slos:
        try:
            ev.freshness[slo.name] = freshness(client, slo)
        except SourceError as e:
            ev.freshness[slo.name] = f"{e.source}: {e.message}"
        ev.results[slo.name] = evaluate_slo(client, slo, ev.at)


def _alertmanager(params: Params, ev: ObservabilityEvidence) -> None:
    am = params.observability.alertmanager
    ev.alertmanager_url = server_url(am)
    if not ev.alertmanager_url:
        ev.am_error = "no Alertmanager configured (observability.alertmanager.url or url_env)"
        return
    try:
        client = AlertmanagerClient(
            ev.alertmanager_url, auth_headers(am.auth), am.timeout_s, am.connect_timeout_s
        )
        ev.am_config = client.config()
    except SourceError as e:
        ev.am_error = (
            f"{e.source} {e.message}"
            if e.source.startswith("Alertmanager")
            else (f"{e.source}: {e.message}")
        )
