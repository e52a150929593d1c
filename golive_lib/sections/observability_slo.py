"""The observability section's SLO checks: the SLI series present and fresh, each SLO's
compliance over its window, and burn-rate alerting; with the guards every observability
check shares (no SLO defined, Prometheus down)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from .. import catalog, promql
from ..model import Check, Evidence, Status
from ..params import Params
from ..slo import SLO
from ..slo.recognition import Coverage, RuleIndex, recognise
from .base import check
from .observability_evidence import Freshness, ObservabilityEvidence, SLOResult


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


def _series_state(f: Freshness, max_age: float) -> tuple[str, str | None]:
    """What the evidence says of one SLI series, and whether it is "missing" or "stale"."""
    if f.age_s is None and f.bad_only and f.in_window:
        return "no bad event in the last 5 min (series seen within the window)", None
    if f.age_s is None and f.bad_only:
        return "never seen within the window: no bad event, or a wrong selector?", "stale"
    if f.age_s is None:
        return ("stale: no sample in the last 5 min" if f.in_window else "absent"), "missing"
    return f"newest sample {f.age_s:.0f} s old", ("stale" if f.age_s > max_age else None)


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
            why, state = _series_state(f, max_age)
            if state == "missing":
                missing.append(f.selector)
            elif state == "stale":
                stale.append(f.selector)
            evidence.append(Evidence(label=slo.name, value=why, location=f.selector))
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


def _window_text(slo: SLO, r: SLOResult) -> str:
    window = promql.format_duration(r.window or slo.window)
    return f"this calendar {slo.calendar} so far ({window})" if slo.calendar else window


def _compliance_text(slo: SLO, r: SLOResult, window: str, floor: float) -> tuple[str, str | None]:
    """One SLO's compliance, budget, burn rates and coverage as evidence; and, when the
    data covers too little of the window (or how much is unknown), that as a phrase."""
    burns = ", ".join(
        f"{w} {b:.2f}x" if b is not None else f"{w} no data" for w, b in r.burn.items()
    )
    short = None
    if r.coverage is not None:
        cover = f"; data covers {r.coverage * 100:.2f} % of {window}"
        if r.coverage < floor:
            short = f"data covers {r.coverage * 100:.2f} % of {window}"
    else:  # the chart's range query failed: how much of the window has data is unknown
        cover = f"; coverage of {window} unknown ({r.chart_error})"
        short = f"coverage of {window} unknown ({r.chart_error})"
    value = (
        f"{_pct(r.compliance)} over {window} (objective {_pct(slo.objective)}); "
        f"budget remaining {_pct(r.remaining, 1)}; burn rate {burns}; "
        f"{_exhaustion(r.exhaustion)}{cover}"
    )
    return value, short


def _compliance_row(slo: SLO, r: SLOResult) -> dict[str, Any]:
    return {
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


@check("observability.slo-compliance")
def slo_compliance(ev: ObservabilityEvidence, params: Params) -> Check:
    cid = "observability.slo-compliance"
    if (c := _no_slos(cid, ev) or _live_error(ev, cid)) is not None:
        return c
    evidence, failed, errors, thin = [], [], [], []
    rows: list[dict[str, Any]] = []
    floor = params.observability.min_window_coverage
    for slo in ev.slos:
        r = ev.results[slo.name]
        window = _window_text(slo, r)
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
        if not r.compliance >= slo.objective:
            failed.append(slo.name)
        value, short = _compliance_text(slo, r, window, floor)
        if short is not None:
            thin.append(f"{slo.name}: {short}")
        evidence.append(Evidence(label=slo.name, value=value, location=r.query))
        rows.append(_compliance_row(slo, r))
    if errors:
        return catalog.error(cid, "; ".join(errors))
    return _compliance_verdict(cid, len(ev.slos), evidence, failed, thin, rows, floor)


def _compliance_verdict(
    cid: str,
    count: int,
    evidence: list[Evidence],
    failed: list[str],
    thin: list[str],
    rows: list[dict[str, Any]],
    floor: float,
) -> Check:
    if failed:
        return catalog.make(
            cid,
            Status.FAIL,
            f"{len(failed)} of {count} SLOs missed their objective: {', '.join(failed)}",
            evidence,
            "Find what spent the budget (the charts below show when), fix it or agree a "
            "release freeze until the budget recovers; an SLO without data needs its SLI "
            "queries fixed before go-live.",
            slos=rows,
        )
    if thin:
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
            else f"all {count} SLOs met their objective"
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
