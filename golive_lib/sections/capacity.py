"""07 Capacity: a load test (imported or run now), its knee and USL fit, and the headroom
left over the projected peak (today's peak x growth over the horizon x the event).

`collect` reads (or runs) the load test, asks Prometheus for today's peak and for the
SLIs over the test's window, and does the maths of `golive_lib.capacity`; every failure
is kept in the evidence as a message, so each check turns it into its own result. The
checks and the charts are pure functions of that `CapacityEvidence`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .. import capacity as maths
from .. import catalog, plots, plots_capacity
from ..model import Check, Evidence, Status
from ..params import Params
from ..sources.loadtest import LoadTest
from .base import check, checks_of, run_checks
from .capacity_evidence import (
    CapacityEvidence,
    SliResult,
    collect,
    keep_artifacts,
    measured_percentiles,
    peak_promql,
    prometheus_url,
)

__all__ = [
    "CapacityEvidence",
    "SliResult",
    "collect",
    "keep_artifacts",
    "peak_promql",
    "prometheus_url",
]

SECTION = "capacity"


# --------------------------------------------------------------------------- helpers


def _result(ev: CapacityEvidence, cid: str) -> LoadTest | Check:
    """The load test's result; or, when there is none, the check's result saying why."""
    if ev.result is not None:
        return ev.result
    if ev.error:
        return catalog.error(
            cid,
            f"the load test ({ev.origin}) could not be read: {ev.error}",
            _READ_FIX,
        )
    return catalog.make(
        cid,
        Status.FAIL,
        "no load test: the parameters set neither capacity.load_test nor capacity.live",
        remediation=_NONE_FIX,
    )


_READ_FIX = (
    "Point capacity.load_test.path at the complete output of the load test (Locust --csv "
    "prefix, k6 --summary-export or --out json file, JMeter CSV JTL with its header), or fix "
    "capacity.live (locustfile, host up) and run the review again."
)
_NONE_FIX = (
    "Run a load test that ramps past the expected peak and keep its results in the "
    "repository (capacity.load_test), or let the review run Locust (capacity.live)."
)


def _fmt(x: float | None, unit: str = "", digits: int = 1) -> str:
    return "n/a" if x is None else f"{x:,.{digits}f}{unit}"


def _when(d: datetime | None) -> str:
    return d.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if d else "unknown"


# --------------------------------------------------------------------------- checks


def _load_test_evidence(ev: CapacityEvidence, r: LoadTest) -> list[Evidence]:
    """Where the result came from, its window, its requests and the command that ran it."""
    evidence = [
        Evidence(label="source", value=f"{ev.origin} ({r.format})", location=r.where),
        Evidence(
            label="test window",
            value=f"{_when(r.started)} to {_when(r.ended)}"
            + (" (the file holds no date)" if r.ended is None else ""),
        ),
        Evidence(
            label="requests",
            value=f"{r.total.requests:,} ({r.total.failures:,} failed, "
            f"{r.total.error_ratio:.2%}); peak {_fmt(r.max_users, ' users', 0)}",
        ),
    ]
    if ev.live_command:
        evidence.append(Evidence(label="command", value=ev.live_command))
    return evidence


@check("capacity.load-test-present")
def load_test_present(ev: CapacityEvidence, params: Params) -> Check:
    cid = "capacity.load-test-present"
    r = _result(ev, cid)
    if isinstance(r, Check):
        return r
    max_age = params.capacity.max_age_days
    evidence = _load_test_evidence(ev, r)
    data: dict[str, Any] = {
        "format": r.format,
        "requests": r.total.requests,
        "failures": r.total.failures,
        "ended": r.ended.isoformat() if r.ended else None,
        "max_users": r.max_users,
    }
    if r.ended is None:
        return catalog.make(
            cid,
            Status.WARN,
            f"{r.format} load test in {r.where}: age unknown, the file holds no date "
            f"(its modification time is not when the test ran); {r.total.requests:,} requests, "
            f"up to {_fmt(r.max_users, ' users', 0)}",
            evidence,
            "Keep a result that carries its date: k6 --out json (timestamped points) next to "
            "the summary, Locust's _stats_history.csv, or a JMeter JTL with timeStamp.",
            **data,
        )
    age = (ev.today - r.ended.date()).days
    data["age_days"] = age
    if age > max_age:
        return catalog.make(
            cid,
            Status.FAIL,
            f"the load test ran on {r.ended.date()}, {age} days ago: older than "
            f"capacity.max_age_days ({max_age})",
            evidence,
            "Run the load test again against the current build and keep its results; the "
            "service has changed since.",
            **data,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"{r.format} load test of {r.ended.date()} ({age} days old): {r.total.requests:,} "
        f"requests, up to {_fmt(r.max_users, ' users', 0)}",
        evidence,
        **data,
    )


@check("capacity.peak-projection")
def peak_projection(ev: CapacityEvidence, params: Params) -> Check:
    cid = "capacity.peak-projection"
    cap = params.capacity
    p = ev.projection
    query_ev = (
        [Evidence(label="PromQL", value=ev.peak_query, location=ev.prometheus_url)]
        if ev.peak_query
        else []
    )
    if p is None:
        if ev.peak_error:
            return catalog.error(
                cid,
                f"today's peak could not be read: {ev.peak_error}"
                + (f" ({ev.prometheus_url})" if ev.prometheus_url else ""),
                "Make Prometheus reachable from the review host (prometheus.url), or give "
                "today's peak in capacity.peak.rps.",
            )
        return catalog.make(
            cid,
            Status.FAIL,
            "no peak to project: set capacity.peak.query (Prometheus) or capacity.peak.rps",
            remediation="Give today's peak request rate: a PromQL request-rate query in "
            "capacity.peak.query, or the number in capacity.peak.rps.",
        )
    evidence = [
        *query_ev,
        Evidence(label="today's peak", value=f"{p.today_peak:,.1f} req/s ({p.source})"),
        Evidence(
            label="growth",
            value=f"x{p.growth_factor:.3f} = (1 + {cap.growth_per_year:.0%})^{cap.horizon_years:g}",
        ),
        Evidence(label="event multiplier", value=f"x{p.event_multiplier:g}"),
        Evidence(label="projected peak", value=f"{p.projected:,.1f} req/s"),
    ]
    summary = (
        f"projected peak {p.projected:,.1f} req/s = today's {p.today_peak:,.1f} req/s "
        f"x{p.growth_factor:.2f} growth over {cap.horizon_years:g} years "
        f"x{p.event_multiplier:g} event"
    )
    data: dict[str, Any] = {
        "today_peak_rps": p.today_peak,
        "source": p.source,
        "growth_factor": p.growth_factor,
        "event_multiplier": p.event_multiplier,
        "projected_rps": p.projected,
    }
    if ev.peak_error:
        return catalog.make(
            cid,
            Status.WARN,
            f"{summary}; today's peak is the one given in the parameters because "
            f"Prometheus did not answer: {ev.peak_error}",
            evidence,
            "Make Prometheus reachable (prometheus.url) so today's peak is measured, not assumed.",
            **data,
        )
    return catalog.make(cid, Status.PASS, summary, evidence, **data)


def _no_knee(ev: CapacityEvidence, params: Params, p: maths.Projection, slo: str) -> Check:
    """headroom's result when there is no capacity within the SLO to compare: the latency
    percentile was not measured, or the SLO never held."""
    cid = "capacity.headroom"
    cap = params.capacity
    measured = measured_percentiles(ev.result) if ev.result else []
    if cap.latency_slo.percentile not in measured:
        p_name = f"p{cap.latency_slo.percentile}"
        other = ", ".join(f"p{q}" for q in measured) or "none"
        return catalog.make(
            cid,
            Status.ERROR,
            f"{p_name} not measured: {ev.result.where if ev.result else 'the result'} holds no "
            f"{p_name} latency (percentiles it has: {other}), so the latency SLO cannot be "
            "judged",
            [Evidence(label="projected peak", value=f"{p.projected:,.1f} req/s")],
            f"Use percentile {measured[-1] if measured else 95} in capacity.latency_slo, or a "
            f"file that has {p_name} (k6: summaryTrendStats including 'p(99)', or --out json; "
            "Locust: _stats_history.csv).",
            capacity_rps=None,
            projected_rps=p.projected,
        )
    return catalog.make(
        cid,
        Status.FAIL,
        f"the latency SLO ({slo}, errors <= {cap.max_error_ratio:.1%}) never held for "
        f"{cap.sustain_s:g} s during the load test: no capacity within the SLO",
        [Evidence(label="projected peak", value=f"{p.projected:,.1f} req/s")],
        "Find the bottleneck at low load first (profiles, slow queries), then test again.",
        capacity_rps=0.0,
        projected_rps=p.projected,
    )


def _headroom_evidence(
    k: maths.Knee, h: maths.Headroom, p: maths.Projection, params: Params
) -> list[Evidence]:
    cap = params.capacity
    return [
        Evidence(
            label="best sustained throughput within the SLO (capacity)",
            value=f"{k.throughput:,.1f} req/s at {_fmt(k.best_users, ' users', 0)}, "
            f"p{cap.latency_slo.percentile} {k.latency_ms:g} ms, "
            f"{_when(k.start)} to {_when(k.end)}",
        ),
        Evidence(
            label="knee (onset of saturation)",
            value=f"{_fmt(k.users, ' users', 0)}: the lowest load sustaining "
            f"{_fmt(k.onset_throughput, ' req/s')}, within "
            f"{maths.PLATEAU_TOLERANCE:.0%} of the best",
        ),
        Evidence(label="projected peak", value=f"{p.projected:,.1f} req/s"),
        Evidence(
            label="required",
            value=f"{h.required:,.1f} req/s (x{cap.safety_margin:g} safety margin)",
        ),
        Evidence(label="headroom", value=f"{h.ratio:.2f}x the projected peak"),
    ]


@check("capacity.headroom")
def headroom(ev: CapacityEvidence, params: Params) -> Check:
    cid = "capacity.headroom"
    if isinstance(got := _result(ev, cid), Check):
        return got
    cap = params.capacity
    slo = f"p{cap.latency_slo.percentile} <= {cap.latency_slo.threshold_ms:g} ms"
    if ev.projection is None:
        return catalog.error(
            cid,
            "no projected peak to compare the capacity with (see capacity.peak-projection)"
            + (f": {ev.peak_error}" if ev.peak_error else ""),
            "Give today's peak (capacity.peak.rps or capacity.peak.query).",
        )
    p = ev.projection
    k = ev.knee
    if k is None:
        return _no_knee(ev, params, p, slo)
    h = maths.headroom(k.throughput, p.projected, cap.safety_margin)
    evidence = _headroom_evidence(k, h, p, params)
    data: dict[str, Any] = {
        "capacity_rps": h.capacity,
        "knee_users": k.users,
        "knee_rps": k.onset_throughput,
        "projected_rps": h.projected,
        "required_rps": h.required,
        "headroom": h.ratio,
        "safety_margin": cap.safety_margin,
    }
    if h.ok:
        return catalog.make(
            cid,
            Status.PASS,
            f"sustained {h.capacity:,.1f} req/s within {slo} covers the projected peak "
            f"{h.projected:,.1f} req/s {h.ratio:.2f}x (margin x{cap.safety_margin:g} needed)",
            evidence,
            **data,
        )
    more = (
        f" (and {ev.usl.x_peak:,.0f} req/s is the USL's predicted ceiling)"
        if ev.usl and ev.usl.x_peak
        else ""
    )
    return catalog.make(
        cid,
        Status.FAIL,
        f"sustained {h.capacity:,.1f} req/s within {slo} is {h.ratio:.2f}x the projected "
        f"peak {h.projected:,.1f} req/s; x{cap.safety_margin:g} needs {h.required:,.1f} "
        f"req/s, {h.shortfall:,.1f} short{more}",
        evidence,
        f"Add {h.shortfall:,.0f} req/s of capacity before the event: scale out (replicas, "
        "partitions) or remove the bottleneck the knee shows, then run the load test again "
        "past the required rate.",
        **data,
    )


def _sli_evidence(s: SliResult) -> Evidence:
    value = (
        f"{s.value:.4%} (objective {s.objective:.2%})"
        if s.value is not None
        else f"not evaluated: {s.error}"
    )
    return Evidence(label=s.name, value=value, location=s.query)


@check("capacity.slo-during-load-test")
def slo_during_load_test(ev: CapacityEvidence, params: Params) -> Check:
    cid = "capacity.slo-during-load-test"
    r = _result(ev, cid)
    if isinstance(r, Check):
        return r
    if not params.capacity.slis:
        return catalog.error(
            cid,
            "no SLI to evaluate: capacity.slis is empty",
            "List each SLI in capacity.slis: a PromQL ratio of good to total events over "
            "[{window}] and its objective.",
        )
    if ev.sli_error:
        return catalog.error(
            cid,
            f"the SLIs over the test window ({_when(r.started)} to {_when(r.ended)}) could "
            f"not be read: {ev.sli_error}",
            "Make Prometheus reachable from the review host (prometheus.url), and run the "
            "load test against a target it scrapes.",
        )
    evidence = [_sli_evidence(s) for s in ev.slis]
    window = f"{_when(r.started)} to {_when(r.ended)}"
    failed = [s.name for s in ev.slis if s.value is not None and not s.met]
    unknown = [s for s in ev.slis if s.value is None]
    data: dict[str, Any] = {
        "window": [r.started.isoformat() if r.started else None, _when(r.ended)],
        "slis": {s.name: s.value for s in ev.slis},
    }
    if failed:
        return catalog.make(
            cid,
            Status.FAIL,
            f"{len(failed)} of {len(ev.slis)} SLIs missed their objective during the load "
            f"test ({window}): {', '.join(failed)}",
            evidence,
            "The service breaks its SLOs under the tested load: fix what the test shows, or "
            "lower the tested load to what the SLO holds at and record the capacity as such.",
            **data,
        )
    if unknown:
        reasons = "; ".join(f"{s.name}: {s.error}" for s in unknown)
        url = f" at {ev.prometheus_url}" if ev.prometheus_url else ""
        return catalog.make(
            cid,
            Status.ERROR,
            f"{len(unknown)} of {len(ev.slis)} SLIs could not be evaluated over {window}"
            f"{url}: {reasons}",
            evidence,
            "Run the load test against a target that Prometheus scrapes, and keep the "
            "metrics for at least as long as results are kept.",
            **data,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"all {len(ev.slis)} SLIs met their objective during the load test ({window})",
        evidence,
        **data,
    )


@check("capacity.scalability-model")
def scalability_model(ev: CapacityEvidence, params: Params) -> Check:
    cid = "capacity.scalability-model"
    if isinstance(got := _result(ev, cid), Check):
        return got
    if ev.usl is None:
        return catalog.make(
            cid,
            Status.FAIL,
            f"no Universal Scalability Law fit: {ev.usl_error}",
            [Evidence(label="concurrency levels", value=str(len(ev.points)))],
            "Ramp the users (or step them: 10, 20, 40, ...) through and past the expected "
            "peak, recording throughput over time at each level (a summary alone has one "
            "level).",
        )
    u = ev.usl
    ceiling = (
        f"throughput peaks at {u.x_peak:,.1f} req/s with {u.n_peak:,.0f} users"
        if u.n_peak is not None and u.x_peak is not None
        else (
            f"throughput tends to {u.x_peak:,.1f} req/s (no coherency penalty)"
            if u.x_peak
            else "no ceiling within reach (linear scaling)"
        )
    )
    evidence = [
        Evidence(label="lambda (one user)", value=f"{u.lam:.4g} req/s"),
        Evidence(label="sigma (contention)", value=f"{u.sigma:.4g}"),
        Evidence(label="kappa (coherency)", value=f"{u.kappa:.4g}"),
        Evidence(label="fit", value=f"R² {u.r2:.3f} over {u.points} points"),
        Evidence(label="ceiling", value=ceiling),
    ]
    data: dict[str, Any] = {
        "lambda": u.lam,
        "sigma": u.sigma,
        "kappa": u.kappa,
        "r2": u.r2,
        "n_peak": u.n_peak,
        "x_peak": u.x_peak,
    }
    max_users = ev.result.max_users if ev.result else None
    if u.r2 < 0.8:
        return catalog.make(
            cid,
            Status.WARN,
            f"the USL fits poorly (R² {u.r2:.2f}); {ceiling}",
            evidence,
            "Hold each concurrency level longer (steps rather than a fast ramp) so "
            "throughput settles, then fit again.",
            **data,
        )
    beyond = ""
    if u.n_peak is not None and max_users and u.n_peak > 4 * max_users:
        beyond = f"; extrapolated far past the {max_users:,.0f} users tested"
    return catalog.make(
        cid,
        Status.PASS,
        f"USL sigma {u.sigma:.3g}, kappa {u.kappa:.3g}: {ceiling}{beyond}",
        evidence,
        **data,
    )


CHECKS = checks_of(SECTION, globals())


def evaluate(params: Params) -> list[Check]:
    """Every capacity check, in the catalog's order."""
    return run_checks(CHECKS, params, lambda: collect(params))


# --------------------------------------------------------------------------- charts


def timeline_chart(ev: CapacityEvidence, params: Params) -> plots.Figure:
    slo = params.capacity.latency_slo
    return plots_capacity.loadtest_timeline(ev.result, ev.knee, slo.percentile, slo.threshold_ms)


def users_chart(ev: CapacityEvidence, params: Params) -> plots.Figure:
    slo = params.capacity.latency_slo
    return plots_capacity.loadtest_vs_users(
        ev.result, ev.points, ev.usl, ev.knee, slo.percentile, slo.threshold_ms
    )


def peak_chart(ev: CapacityEvidence, params: Params) -> plots.Figure:
    capacity = ev.knee.throughput if ev.knee else (0.0 if ev.result else None)
    ceiling = ev.usl.x_peak if ev.usl else None
    return plots_capacity.peak_vs_capacity(
        ev.projection, capacity, params.capacity.safety_margin, ceiling
    )
