"""The capacity section's evidence: the load test (read from a file, or run now with
Locust), today's peak and the SLIs over the test's window from Prometheus, and the maths
of `golive_lib.capacity` (knee, USL fit, projected peak). `collect` never raises for a
source's failure: it is kept as a message for the checks of
:mod:`golive_lib.sections.capacity`.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .. import capacity as maths
from ..errors import SourceError
from ..params import Params
from ..sources import connect, loadtest
from ..sources.loadtest import LoadTest
from ..sources.loadtest import locust as locust_source
from .base import repo_relative


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
