"""05 Observability: SLIs, SLO compliance, burn-rate alerting and routing, dashboards,
logs, watchdog and retention, checked on the real Prometheus and Alertmanager.

`collect` asks the sources (a short connect timeout: an unreachable Prometheus costs
one attempt, not one per query) and keeps every failure as data; the checks are pure
functions of `ObservabilityEvidence` and the parameters.
"""

from __future__ import annotations

import glob
import ipaddress
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .. import catalog, drills, plots, promql
from ..burnrate import Coverage, RuleDef, RuleIndex, recognise
from ..errors import SourceError
from ..model import Check, Evidence, Status
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
from ..slo_specs import load_alert_windows, load_file, with_windows
from ..sources import connect, repofile
from ..sources.alertmanager import AlertmanagerClient, AlertmanagerConfig
from ..sources.connect import auth_headers, server_url
from ..sources.httpapi import Endpoint, TimedOut, Unreachable
from ..sources.prometheus import PrometheusClient, Rule
from .base import check, checks_of, run_checks

SECTION = "observability"
RETENTION_DEFAULT = timedelta(days=15)  # Prometheus' default when no flag is given
_ID_KEYS = ("request_id", "correlation_id", "trace_id", "requestId", "req_id", "traceId")
_TIME_KEYS = ("ts", "time", "timestamp", "@timestamp", "t")
_LEVEL_KEYS = ("level", "lvl", "severity", "levelname")
_LOGFMT_RE = re.compile(r'(\w[\w.@-]*)=("(?:[^"\\]|\\.)*"|\S*)')
PII_PATTERNS = {
    "email": re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
    "card number": re.compile(r"\b(?:\d[ -]?){12,18}\d\b"),
    "IPv4 address": re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),
}


# --------------------------------------------------------------------------- evidence


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


def _glob(repo: Path, patterns: list[str]) -> list[Path]:
    found: list[Path] = []
    for pattern in patterns:
        for p in sorted(glob.glob(str(repo / pattern), recursive=True)):
            path = Path(p)
            if path.is_file() and path not in found:
                found.append(path)
    return found


def dashboard_exprs(doc: Any) -> list[str]:
    """Every PromQL ``expr`` of a Grafana dashboard JSON (rows and nested panels too)."""
    out: list[str] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == "expr" and isinstance(v, str):
                out.append(v)
            else:
                out += dashboard_exprs(v)
    elif isinstance(doc, list):
        for v in doc:
            out += dashboard_exprs(v)
    return out


def _grafana(params: Params, ev: ObservabilityEvidence) -> None:
    server = params.observability.grafana
    url = server_url(server) if server else None
    if server is None or not url:
        return
    ev.grafana_url = url
    try:
        ep = Endpoint(
            "Grafana", url, auth_headers(server.auth), server.timeout_s, server.connect_timeout_s
        )
        hits = ep.get_json("/api/search", {"type": "dash-db"})
        if not isinstance(hits, list):
            raise SourceError(ep.source, "answered /api/search with something not a list")
        for hit in hits:
            uid = hit.get("uid") if isinstance(hit, dict) else None
            if not isinstance(uid, str) or not uid:
                raise SourceError(ep.source, f"/api/search returned an entry without uid: {hit!r}")
            body = ep.get_json(f"/api/dashboards/uid/{uid}")
            if not isinstance(body, dict) or not isinstance(body.get("dashboard"), dict):
                raise SourceError(ep.source, f"/api/dashboards/uid/{uid} holds no dashboard")
            ev.dashboards[f"grafana:{hit.get('title') or uid}"] = dashboard_exprs(body["dashboard"])
    except SourceError as e:
        ev.grafana_error = f"{e.source}: {e.message}"


def _logs(params: Params, ev: ObservabilityEvidence) -> None:
    obs = params.observability
    if obs.log_command:
        ev.log_source = " ".join(obs.log_command)
        limit = obs.log_command_timeout_s
        r = drills.capture(obs.log_command, cwd=params.repository, timeout_s=limit)
        if r.error is not None and r.returncode is None and "timed out" in r.error:
            ev.log_error = (
                f"command {ev.log_source!r} did not finish within {limit:g} s "
                "(observability.log_command_timeout_s); it was stopped"
            )
            return
        if r.error is not None:
            ev.log_error = f"command {ev.log_source!r} {r.error}"
            return
        if r.returncode != 0:
            tail = r.stderr_tail.strip()[-300:]
            ev.log_error = f"command {ev.log_source!r} exited {r.returncode}" + (
                f": {tail}" if tail else ""
            )
            return
        ev.log_lines = [line for line in r.stdout.splitlines() if line.strip()]
    elif obs.log_sample:
        ev.log_source = obs.log_sample
        try:
            text = repofile.read_text(params.repository, obs.log_sample)
        except SourceError as e:
            ev.log_error = f"cannot read {obs.log_sample}: {e.message}"
            return
        ev.log_lines = [line for line in text.splitlines() if line.strip()]


def prometheus_client(params: Params) -> PrometheusClient | None:
    return connect.prometheus(params.observability.prometheus)


def collect(params: Params) -> ObservabilityEvidence:
    ev = ObservabilityEvidence()
    obs = params.observability
    ev.slos, ev.spec_errors = load_slos(params)
    _logs(params, ev)
    for path in _glob(params.repository, obs.dashboards):
        rel = path.relative_to(params.repository).as_posix()
        try:
            text = repofile.read_text(params.repository, rel)
        except SourceError as e:
            ev.dashboard_errors.append(f"{rel}: {e.message}")
            continue
        try:
            ev.dashboards[rel] = dashboard_exprs(json.loads(text))
        except (ValueError, RecursionError) as e:
            ev.dashboard_errors.append(f"{rel}: not readable dashboard JSON: {e}")
    _grafana(params, ev)
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


# --------------------------------------------------------------------------- helpers


def _pct(x: float | None, digits: int = 3) -> str:
    return "no data" if x is None or math.isnan(x) else f"{x:.{digits}%}"


def _exhaustion(d: timedelta | None) -> str:
    """When the error budget runs out at the 1h burn rate, as a phrase."""
    if d is None:
        return "budget never runs out (nothing burning)"
    s = d.total_seconds()
    if s <= 0:
        return "budget already exhausted"
    if s >= 86400:
        return f"budget exhausted in {s / 86400:.1f} days"
    return f"budget exhausted in {s / 3600:.1f} hours"


def _live_error(ev: ObservabilityEvidence, cid: str) -> Check | None:
    if ev.prometheus_error:
        return catalog.error(
            cid,
            ev.prometheus_error,
            "Start Prometheus (or `golive demo` for the example), or point "
            "observability.prometheus.url / url_env at it.",
        )
    return None


def _no_slos(cid: str, ev: ObservabilityEvidence) -> Check | None:
    if ev.spec_errors:
        return catalog.error(cid, "SLO spec unreadable: " + "; ".join(ev.spec_errors))
    if not ev.slos:
        return catalog.make(
            cid,
            Status.FAIL,
            "no SLO defined: add observability.slos or observability.slo_files",
            remediation="Define at least one SLO (a ratio SLI as bad/total PromQL, or a latency "
            "SLI from a histogram and a threshold) in the parameters file, or point "
            "observability.slo_files at a Sloth or OpenSLO file.",
        )
    return None


def slo_coverage(ev: ObservabilityEvidence, params: Params | None = None) -> list[Coverage]:
    from .slo_alerting import paging_policy

    obs = params.observability if params is not None else None
    policy = paging_policy(
        obs.paging_severities if obs else ["page", "critical"],
        obs.paging_receivers if obs else [],
        ev.am_config,
    )
    index = RuleIndex(ev.rule_defs())  # rules read once for every SLO
    return [recognise(s, index, policy, tuple(o for o in ev.slos if o is not s)) for s in ev.slos]


# --------------------------------------------------------------------------- checks


@check("observability.sli-metrics-present")
def sli_metrics_present(ev: ObservabilityEvidence, params: Params) -> Check:
    cid = "observability.sli-metrics-present"
    if (c := _no_slos(cid, ev) or _live_error(ev, cid)) is not None:
        return c
    max_age = params.observability.freshness_max_age_s
    evidence, missing, stale, errors = [], [], [], []
    for slo in ev.slos:
        fr = ev.freshness.get(slo.name)
        if isinstance(fr, str) or fr is None:
            errors.append(f"{slo.name}: {fr}")
            continue
        for f in fr:
            if f.age_s is None and f.bad_only and f.in_window:
                why = "no bad event in the last 5 min (series seen within the window)"
                evidence.append(Evidence(label=slo.name, value=why, location=f.selector))
            elif f.age_s is None and f.bad_only:
                stale.append(f.selector)
                why = "never seen within the window: no bad event, or a wrong selector?"
                evidence.append(Evidence(label=slo.name, value=why, location=f.selector))
            elif f.age_s is None:
                missing.append(f.selector)
                why = "stale: no sample in the last 5 min" if f.in_window else "absent"
                evidence.append(Evidence(label=slo.name, value=why, location=f.selector))
            else:
                if f.age_s > max_age:
                    stale.append(f.selector)
                evidence.append(
                    Evidence(
                        label=slo.name,
                        value=f"newest sample {f.age_s:.0f} s old",
                        location=f.selector,
                    )
                )
    if errors:
        return catalog.error(cid, "; ".join(errors))
    total = len(evidence)
    data: dict[str, Any] = {"series": total, "missing": missing, "stale": stale}
    if missing:
        return catalog.make(
            cid,
            Status.FAIL,
            f"{len(missing)} of {total} SLI series have no recent sample: {', '.join(missing)}",
            evidence,
            "Check that Prometheus scrapes the service (job and label names as in the SLI "
            "queries) and that the service exports these metrics.",
            **data,
        )
    if stale:
        return catalog.make(
            cid,
            Status.WARN,
            f"{len(stale)} SLI series older than {max_age:.0f} s",
            evidence,
            "Check the scrape interval and target health in Prometheus.",
            **data,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"all {total} SLI series of {len(ev.slos)} SLOs present and fresh",
        evidence,
        **data,
    )


@check("observability.slo-compliance")
def slo_compliance(ev: ObservabilityEvidence, params: Params) -> Check:
    cid = "observability.slo-compliance"
    if (c := _no_slos(cid, ev) or _live_error(ev, cid)) is not None:
        return c
    evidence, failed, errors, thin = [], [], [], []
    rows: list[dict[str, Any]] = []
    for slo in ev.slos:
        r = ev.results[slo.name]
        window = promql.format_duration(r.window or slo.window)
        if slo.calendar:
            window = f"this calendar {slo.calendar} so far ({window})"
        if r.error:
            errors.append(f"{slo.name}: {r.error}")
            continue
        if r.compliance is None:
            failed.append(f"{slo.name} (no data)")
            evidence.append(
                Evidence(
                    label=slo.name,
                    value=f"no events over {window}: no data is never 100%",
                    location=r.query,
                )
            )
            continue
        burns = ", ".join(
            f"{w} {b:.2f}x" if b is not None else f"{w} no data" for w, b in r.burn.items()
        )
        met = r.compliance >= slo.objective
        if not met:
            failed.append(slo.name)
        cover = ""
        if r.coverage is not None:
            cover = f"; data covers {r.coverage * 100:.2f} % of {window}"
            if r.coverage < params.observability.min_window_coverage:
                thin.append(f"{slo.name}: data covers {r.coverage * 100:.2f} % of {window}")
        else:  # the chart's range query failed: how much of the window has data is unknown
            cover = f"; coverage of {window} unknown ({r.chart_error})"
            thin.append(f"{slo.name}: coverage of {window} unknown ({r.chart_error})")
        evidence.append(
            Evidence(
                label=slo.name,
                value=f"{_pct(r.compliance)} over {window} (objective {_pct(slo.objective)}); "
                f"budget remaining {_pct(r.remaining, 1)}; burn rate {burns}; "
                f"{_exhaustion(r.exhaustion)}{cover}",
                location=r.query,
            )
        )
        rows.append(
            {
                "slo": slo.name,
                "objective": slo.objective,
                "window_s": slo.window.total_seconds(),
                "compliance": r.compliance,
                "budget_remaining": r.remaining,
                "burn_rates": r.burn,
                "exhaustion_s": None if r.exhaustion is None else r.exhaustion.total_seconds(),
                "bad": r.bad,
                "total": r.total,
                "at": r.at.isoformat(),
                "chart_points": len(r.times),
                "coverage": r.coverage,
            }
        )
    if errors:
        return catalog.error(cid, "; ".join(errors))
    if failed:
        return catalog.make(
            cid,
            Status.FAIL,
            f"{len(failed)} of {len(ev.slos)} SLOs missed their objective: {', '.join(failed)}",
            evidence,
            "Find what spent the budget (the charts below show when), fix it or agree a "
            "release freeze until the budget recovers; an SLO without data needs its SLI "
            "queries fixed before go-live.",
            slos=rows,
        )
    if thin:
        floor = params.observability.min_window_coverage
        return catalog.make(
            cid,
            Status.WARN,
            f"met, but over too little data (under {floor:.0%} of the window): " + "; ".join(thin),
            evidence,
            "Compliance over a window the data barely covers says little: wait until "
            "Prometheus holds the whole window (or backfill it), then review again.",
            slos=rows,
        )
    low = [str(r["slo"]) for r in rows if (r["budget_remaining"] or 0) < 0.25]
    return catalog.make(
        cid,
        Status.WARN if low else Status.PASS,
        (
            f"SLOs met, but under 25% of the budget left: {', '.join(low)}"
            if low
            else f"all {len(ev.slos)} SLOs met their objective"
        ),
        evidence,
        "Slow down risky changes until the budget recovers." if low else "",
        slos=rows,
    )


@check("observability.slo-alerting")
def slo_alerting(ev: ObservabilityEvidence, params: Params) -> Check:
    from .slo_alerting import verdict

    cid = "observability.slo-alerting"
    if (c := _no_slos(cid, ev) or _live_error(ev, cid)) is not None:
        return c
    if ev.rules is None:
        return catalog.error(cid, ev.rules_error or "rules not read")
    routing = "" if ev.am_config is not None else (ev.am_error or "Alertmanager not read")
    return verdict(slo_coverage(ev, params), len(ev.slos), routing)


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


def parse_log_line(line: str) -> dict[str, Any] | None:
    """A JSON object or logfmt line as a dict; None when unstructured."""
    text = line.strip()
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            return None
        return obj if isinstance(obj, dict) else None
    pairs = _LOGFMT_RE.findall(text)
    if len(pairs) >= 2 and sum(len(k) + len(v) + 1 for k, v in pairs) >= 0.8 * len(
        text.replace(" ", "")
    ):
        return {k: v.strip('"') for k, v in pairs}
    return None


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def redact(kind: str, value: str) -> str:
    if kind == "email":
        user, _, domain = value.partition("@")
        return f"{user[:1]}***@{domain}"
    if kind == "card number":
        digits = re.sub(r"\D", "", value)
        return f"****{digits[-4:]}"
    return ".".join(value.split(".")[:2]) + ".x.x"


def find_pii(line: str) -> list[tuple[str, str]]:
    found = []
    for kind, rx in PII_PATTERNS.items():
        for m in rx.finditer(line):
            v = m.group()
            if kind == "card number" and not _luhn(re.sub(r"\D", "", v)):
                continue
            if kind == "IPv4 address":
                try:
                    ip = ipaddress.ip_address(v)
                except ValueError:
                    continue
                if ip.is_loopback or ip.is_unspecified:
                    continue
            found.append((kind, redact(kind, v)))
    return found


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
    parsed = [parse_log_line(line) for line in lines]
    structured = [p for p in parsed if p is not None]
    complete = [
        p
        for p in structured
        if any(k in p for k in _LEVEL_KEYS) and any(k in p for k in _TIME_KEYS)
    ]
    with_id = [p for p in structured if any(p.get(k) for k in _ID_KEYS)]
    pii: list[tuple[int, str, str]] = []
    for n, line in enumerate(lines, 1):
        pii += [(n, k, v) for k, v in find_pii(line)]
    share = len(structured) / len(lines)
    full = len(complete) / len(lines)
    ids = len(with_id) / len(lines)
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
    if not with_id:
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
