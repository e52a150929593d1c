"""07 Capacity: a load test (imported or run now), its knee and USL fit, and the headroom
left over the projected peak (today's peak x growth over the horizon x the event).

`collect` reads (or runs) the load test, asks Prometheus for today's peak and for the
SLIs over the test's window, and does the maths of `golive_lib.capacity`; every failure
is kept in the evidence as a message, so each check turns it into its own result. The
checks and the charts are pure functions of that `CapacityEvidence`.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from .. import capacity as maths
from .. import catalog, plots, plots_capacity
from ..errors import SourceError
from ..model import Check, Evidence, Status
from ..params import Params
from ..sources import connect, loadtest
from ..sources.loadtest import LoadTest
from ..sources.loadtest import locust as locust_source
from .base import check, checks_of, repo_relative, run_checks

SECTION = "capacity"


@dataclass(frozen=True)
class SliResult:
    name: str
    query: str  # the PromQL as sent, {window} filled in
    objective: float
    value: float | None = None
    error: str | None = None

    @property
    def met(self) -> bool:
        return self.value is not None and self.value >= self.objective


@dataclass(frozen=True)
class CapacityEvidence:
    today: date
    origin: str = ""  # "file PATH" or "live run on HOST"; "" when nothing is configured
    result: LoadTest | None = None
    error: str | None = None  # why the load test could not be read or run
    live_log: str = ""  # the tail of a live run's output
    live_command: str = ""
    knee: maths.Knee | None = None
    points: tuple[tuple[float, float], ...] = ()  # (users, throughput) fed to the USL fit
    usl: maths.UslFit | None = None
    usl_error: str | None = None
    projection: maths.Projection | None = None
    peak_query: str | None = None  # the PromQL sent for today's peak
    peak_error: str | None = None  # why Prometheus could not give it
    prometheus_url: str | None = None
    slis: tuple[SliResult, ...] = field(default_factory=tuple)
    sli_error: str | None = None


# --------------------------------------------------------------------------- Prometheus


def prometheus_url(params: Params) -> str | None:
    """The Prometheus to ask: capacity.prometheus_url, else the review's own
    (observability.prometheus, whose url_env `golive demo` sets)."""
    if params.capacity.prometheus_url:
        return params.capacity.prometheus_url
    return connect.server_url(params.observability.prometheus)


def _client(params: Params) -> Any:
    from ..sources.prometheus import PrometheusClient

    if params.capacity.prometheus_url:
        return PrometheusClient(
            params.capacity.prometheus_url, timeout_s=params.capacity.prometheus_timeout_s
        )
    client = connect.prometheus(params.observability.prometheus)
    if client is None:
        raise SourceError(
            "prometheus",
            "no Prometheus configured (set observability.prometheus.url or "
            "capacity.prometheus_url)",
        )
    return client


def _instant(client: Any, promql: str, at: datetime | None = None) -> float | None:
    """One instant query's value (None: no series, or NaN). Raises SourceError."""
    samples = client.query(promql, at)
    values = [s.value for s in samples if s.value == s.value]  # NaN != NaN
    if not values:
        return None
    return float(max(values))


def peak_promql(query: str, lookback_days: int, step: str) -> str:
    return f"max_over_time(({query})[{lookback_days}d:{step}])"


def _window(result: LoadTest) -> tuple[datetime, timedelta] | None:
    if result.ended is None or result.started is None:
        return None
    return result.ended, max(result.ended - result.started, timedelta(seconds=1))


# --------------------------------------------------------------------------- collect


def keep_artifacts(work: Path, artifacts_dir: str | Path | None) -> tuple[Path, ...]:
    """Copy a live run's files (Locust's CSVs) from its temporary folder into
    ``artifacts_dir``; return them as shown in the report.

    Under `golive run` the folder is ``<report>/artifacts/<section>`` and the report folder
    is moved into place afterwards, so the files are named relative to the report folder
    (``artifacts/capacity/locust_stats.csv``); any other folder is named in full.
    """
    files = sorted(f for f in work.iterdir() if f.is_file()) if work.is_dir() else []
    if artifacts_dir is None or not files:
        return ()
    target = Path(artifacts_dir)
    target.mkdir(parents=True, exist_ok=True)
    shown = Path(target.parent.name, target.name) if target.parent.name == "artifacts" else target
    kept = []
    for f in files:
        shutil.copy2(f, target / f.name)
        kept.append(shown / f.name)
    return tuple(kept)


def _read_or_run(
    params: Params, progress: Callable[[str], None] | None, artifacts_dir: str | Path | None
) -> tuple[str, LoadTest | None, str | None, str, str]:
    cap = params.capacity
    repo = params.repository
    live = cap.live if cap.live is not None and cap.live.enabled else None
    host = live.target() if live is not None else None
    if live is not None and host is None and cap.load_test is None:
        why = f"capacity.live: {live.host_env} is not set and no host is given"
        return "live Locust run", None, why, "", ""
    if live is not None and host is not None:
        if not re.match(r"^https?://[^/\s]+", host):
            why = f"capacity.live: {live.host_env} is not an http:// or https:// URL"
            return "live Locust run", None, why, "", ""
        work = Path(tempfile.mkdtemp(prefix="golive-locust-"))
        spec = locust_source.RunSpec(
            locustfile=repo / live.locustfile,
            host=host,
            users=live.users,
            spawn_rate=live.spawn_rate,
            run_time_s=live.run_time_s,
            out_prefix=work / "locust",
            grace_s=live.grace_s,
            probe_path=live.probe_path,
        )
        origin = f"live Locust run on {host}"
        try:
            try:
                run = locust_source.run(spec, progress)
            except SourceError as e:
                kept = keep_artifacts(work, artifacts_dir)  # a partial run's files are evidence
                where = f" (its files: {', '.join(map(str, kept))})" if kept else ""
                return origin, None, f"{e.source}: {e.message}{where}", "", ""
            kept = keep_artifacts(work, artifacts_dir)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        result = dataclasses.replace(run.result, files=kept) if kept else run.result
        return origin, result, None, run.log_tail, " ".join(run.command)
    if cap.load_test is not None:
        path = repo / cap.load_test.path
        origin = f"file {cap.load_test.path}"
        if live is not None:  # no target for the live run: say why the file is read
            origin += f" (no live run: {live.host_env} is not set)"
        try:
            result = loadtest.load(path, cap.load_test.format, cap.interval_s)
        except SourceError as e:
            return origin, None, f"{e.source}: {e.message}", "", ""
        # named as in the repository: the report is read on other machines
        shown = tuple(Path(repo_relative(f, repo)) for f in result.files)
        return origin, dataclasses.replace(result, files=shown), None, "", ""
    return "", None, None, "", ""


def collect(
    params: Params,
    today: date | str | None = None,
    progress: Callable[[str], None] | None = None,
    artifacts_dir: str | Path | None = None,
) -> CapacityEvidence:
    """Read or run the load test, ask Prometheus, and do the maths. Never raises for a
    source's failure: it is kept as a message for the checks. A live run's files are
    copied into ``artifacts_dir`` (`golive run` injects ``<report>/artifacts/capacity``);
    its temporary folder is removed either way."""
    day = date.fromisoformat(today) if isinstance(today, str) else (today or date.today())
    origin, result, error, log_tail, command = _read_or_run(params, progress, artifacts_dir)
    knee = usl = None
    usl_error = None
    points: tuple[tuple[float, float], ...] = ()
    if result is not None:
        knee = _knee(result, params)
        points = tuple(maths.concurrency_points(result.samples))
        try:
            usl = maths.fit_usl(points)
        except ValueError as e:
            usl_error = str(e)
    projection, peak_query, peak_error = _peak(params)
    slis, sli_error = _slis(params, result)
    return CapacityEvidence(
        today=day,
        origin=origin,
        result=result,
        error=error,
        live_log=log_tail,
        live_command=command,
        knee=knee,
        points=points,
        usl=usl,
        usl_error=usl_error,
        projection=projection,
        peak_query=peak_query,
        peak_error=peak_error,
        prometheus_url=prometheus_url(params),
        slis=slis,
        sli_error=sli_error,
    )


def _knee(result: LoadTest, params: Params) -> maths.Knee | None:
    cap = params.capacity
    p, threshold = cap.latency_slo.percentile, cap.latency_slo.threshold_ms
    if result.samples:
        return maths.knee(result.samples, p, threshold, cap.max_error_ratio, cap.sustain_s)
    # A summary only: the whole test is the one window.
    total = result.total
    latency = total.latency(p)
    if (
        latency is None
        or total.throughput is None
        or latency > threshold
        or total.error_ratio > cap.max_error_ratio
    ):
        return None
    return maths.Knee(
        throughput=total.throughput,
        users=result.max_users,
        latency_ms=latency,
        error_ratio=total.error_ratio,
        start=result.started,
        end=result.ended,
        samples=1,
        onset_throughput=total.throughput,
        best_users=result.max_users,
    )


def measured_percentiles(result: LoadTest) -> list[int]:
    """The latency percentiles the result holds (in its samples, else its totals)."""
    if result.samples:
        return [q for q in (50, 95, 99) if any(x.latency(q) is not None for x in result.samples)]
    return [q for q in (50, 95, 99) if result.total.latency(q) is not None]


def _peak(params: Params) -> tuple[maths.Projection | None, str | None, str | None]:
    cap = params.capacity
    peak = cap.peak
    query = error = None
    today: float | None = None
    source = "parameters"
    if peak.query:
        query = peak_promql(peak.query, peak.lookback_days, peak.step)
        try:
            today = _instant(_client(params), query)
            source = "prometheus"
            if today is None:
                error = f"prometheus: {query} returned no data"
        except SourceError as e:
            error = f"{e.source}: {e.message}"
    if today is None and peak.rps is not None:
        today, source = peak.rps, "parameters"
    if today is None:
        return None, query, error
    projection = maths.project_peak(
        today, cap.growth_per_year, cap.horizon_years, cap.event_multiplier, source
    )
    return projection, query, error


def _slis(params: Params, result: LoadTest | None) -> tuple[tuple[SliResult, ...], str | None]:
    slis = params.capacity.slis
    if not slis or result is None:
        return (), None
    window = _window(result)
    if window is None:
        return (), "the load test's time window is unknown (the result holds no timestamps)"
    end, length = window
    span = f"{max(1, int(length.total_seconds()))}s"
    try:
        client = _client(params)
    except SourceError as e:
        return (), f"{e.source}: {e.message}"
    out = []
    for sli in slis:
        promql = sli.query.replace("{window}", span)
        try:
            value = _instant(client, promql, end)
            out.append(
                SliResult(
                    sli.name,
                    promql,
                    sli.objective,
                    value,
                    None if value is not None else "no data in the window",
                )
            )
        except SourceError as e:
            out.append(SliResult(sli.name, promql, sli.objective, error=f"{e.source}: {e.message}"))
    return tuple(out), None


# --------------------------------------------------------------------------- helpers


def _no_result(ev: CapacityEvidence, cid: str) -> Check | None:
    if ev.result is not None:
        return None
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


@check("capacity.load-test-present")
def load_test_present(ev: CapacityEvidence, params: Params) -> Check:
    cid = "capacity.load-test-present"
    early = _no_result(ev, cid)
    if early is not None:
        return early
    r = ev.result
    assert r is not None
    max_age = params.capacity.max_age_days
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


@check("capacity.headroom")
def headroom(ev: CapacityEvidence, params: Params) -> Check:
    cid = "capacity.headroom"
    early = _no_result(ev, cid)
    if early is not None:
        return early
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
    measured = measured_percentiles(ev.result) if ev.result else []
    if ev.knee is None and cap.latency_slo.percentile not in measured:
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
    if ev.knee is None:
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
    h = maths.headroom(ev.knee.throughput, p.projected, cap.safety_margin)
    k = ev.knee
    evidence = [
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


@check("capacity.slo-during-load-test")
def slo_during_load_test(ev: CapacityEvidence, params: Params) -> Check:
    cid = "capacity.slo-during-load-test"
    early = _no_result(ev, cid)
    if early is not None:
        return early
    r = ev.result
    assert r is not None
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
    evidence = [
        Evidence(
            label=s.name,
            value=(
                f"{s.value:.4%} (objective {s.objective:.2%})"
                if s.value is not None
                else f"not evaluated: {s.error}"
            ),
            location=s.query,
        )
        for s in ev.slis
    ]
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
    early = _no_result(ev, cid)
    if early is not None:
        return early
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
