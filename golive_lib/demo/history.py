"""Weeks of realistic metric history for the demo stack, backfilled with promtool.

`generate` is a pure function of `HistoryParams`: per 5-minute step, the example
service's request counters and latency histogram for job="ingest-api", shaped by
the time of day and the day of the week, with incidents that burn error budget.
`write_openmetrics` writes it as OpenMetrics text; `build_blocks` runs
`promtool tsdb create-blocks-from openmetrics` once per distinct parameters and caches
the blocks (building 28 days takes seconds, copying them milliseconds).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import random
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .. import cachedir, process
from .processes import DemoError, require_binary

JOB = "ingest-api"
INSTANCE = "ingest-api-history:8080"  # not the live instance: its counters never mix
H_EVENTS = "/v1/accounts/{account}/events"
H_COUNT = "/v1/accounts/{account}/events/count"
ACCOUNTS = ("acme", "globex", "initech")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
MAX_BLOCK = "240h"  # <= 10% of the demo's 120d retention, as Prometheus would compact
THRESHOLD = 0.25  # the latency SLO's bucket
# Cumulative share of fast (<= 250 ms) and slow requests under each bucket bound.
_FAST = {0.005: 0.05, 0.01: 0.2, 0.025: 0.5, 0.05: 0.75, 0.1: 0.9, 0.25: 1.0}
_SLOW = {0.5: 0.6, 1.0: 0.85, 2.5: 0.97, 5.0: 0.995}


@dataclass(frozen=True)
class Incident:
    """A stretch of bad service: ``start_h`` hours after the history's start."""

    start_h: float
    hours: float
    error_rate: float = 0.0  # share of API requests answered 5xx
    slow_share: float = 0.0  # share of API requests slower than 250 ms


DEFAULT_INCIDENTS = (
    Incident(start_h=6 * 24 + 14, hours=3, error_rate=0.10),  # a bad deploy, rolled back
    Incident(start_h=15 * 24 + 9, hours=36, slow_share=0.30),  # a slow database, a day and a half
    Incident(start_h=24 * 24 + 20, hours=1, error_rate=0.40),  # the bucket unreachable
)


@dataclass(frozen=True)
class HistoryParams:
    """What the generated history depends on (its hash names the block cache)."""

    end: datetime  # last sample; aligned to the hour so the cache is reused
    days: int = 30
    step_s: int = 300
    base_rps: float = 20.0
    error_rate: float = 0.001  # baseline 5xx share
    slow_share: float = 0.04  # baseline share slower than 250 ms
    invalid_share: float = 0.02  # 4xx share of event batches
    storage_error_share: float = 0.0002  # storage errors per event batch
    seed: int = 7
    incidents: tuple[Incident, ...] = DEFAULT_INCIDENTS

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=self.days)

    def key(self) -> str:
        data = asdict(self)
        data["end"] = self.end.isoformat()
        data["format"] = 3  # bump when the generator's output changes
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def default_params(now: datetime | None = None, days: int = 30) -> HistoryParams:
    """History ending at the last full hour before ``now`` (never overlapping live data)."""
    now = now or datetime.now(UTC)
    end = now.replace(minute=0, second=0, microsecond=0)
    return HistoryParams(end=end, days=days)


@dataclass
class History:
    """Cumulative counter values at each timestamp (seconds), by series labels."""

    params: HistoryParams
    timestamps: list[int]
    series: dict[tuple[tuple[str, str], ...], list[float]] = field(default_factory=dict)
    # Per-step (not cumulative) totals, for independent checks in tests.
    api_total: list[float] = field(default_factory=list)
    api_errors: list[float] = field(default_factory=list)
    api_slow: list[float] = field(default_factory=list)


def _shape(ts: datetime) -> float:
    """Relative traffic: a daily curve peaking mid-afternoon UTC, quieter at weekends."""
    hour = ts.hour + ts.minute / 60
    daily = 0.35 + 0.65 * (0.5 - 0.5 * math.cos(2 * math.pi * (hour - 3) / 24)) ** 1.5
    weekly = 0.6 if ts.weekday() >= 5 else 1.0
    return float(daily * weekly)


def _labels(name: str, **labels: str) -> tuple[tuple[str, str], ...]:
    return (("__name__", name), ("job", JOB), ("instance", INSTANCE), *sorted(labels.items()))


def generate(p: HistoryParams) -> History:
    rng = random.Random(p.seed)  # noqa: S311 - synthetic data
    start = p.start
    steps = int(p.days * 86400 // p.step_s)
    stamps = [
        int((start + timedelta(seconds=p.step_s * (i + 1))).timestamp()) for i in range(steps)
    ]
    h = History(params=p, timestamps=stamps)
    acc: dict[tuple[tuple[str, str], ...], float] = {}

    def add(key: tuple[tuple[str, str], ...], value: float) -> None:
        acc[key] = acc.get(key, 0.0) + value

    for i, ts in enumerate(stamps):
        when = datetime.fromtimestamp(ts, UTC)
        err, slow = _rates_at(p, (ts - start.timestamp()) / 3600)
        n = p.base_rps * _shape(when) * p.step_s * rng.uniform(0.9, 1.1)
        step_errors = step_slow = 0.0
        for handler, method, share, ok_code in (
            (H_EVENTS, "POST", 0.9, "202"),
            (H_COUNT, "GET", 0.1, "200"),
        ):
            e, slow_n = _handler_step(add, p, (handler, method, ok_code), n * share, err, slow)
            step_errors += e
            step_slow += slow_n
        h.api_total.append(n)
        h.api_errors.append(step_errors)
        h.api_slow.append(step_slow)
        for key, value in acc.items():
            h.series.setdefault(key, [0.0] * i).append(value)
    return h


def _rates_at(p: HistoryParams, hours: float) -> tuple[float, float]:
    """(error rate, share of slow requests) ``hours`` into the history: the baseline, or
    an incident's where one is under way."""
    err, slow = p.error_rate, p.slow_share
    for inc in p.incidents:
        if inc.start_h <= hours < inc.start_h + inc.hours:
            err = max(err, inc.error_rate)
            slow = max(slow, inc.slow_share)
    return err, slow


def _handler_step(
    add: Callable[[tuple[tuple[str, str], ...], float], None],
    p: HistoryParams,
    route: tuple[str, str, str],
    total: float,
    err: float,
    slow: float,
) -> tuple[float, float]:
    """One step's counters of one handler (``route``: handler, method, success code) for
    ``total`` requests; returns (errors, slow requests)."""
    handler, method, ok_code = route
    e = total * err
    bad_input = total * p.invalid_share if method == "POST" else 0.0
    add(_labels("http_requests_total", handler=handler, method=method, code="500"), e)
    if bad_input:
        add(_labels("http_requests_total", handler=handler, method=method, code="400"), bad_input)
    add(
        _labels("http_requests_total", handler=handler, method=method, code=ok_code),
        total - e - bad_input,
    )
    fast, slow_n = total * (1 - slow), total * slow
    bucket = "http_request_duration_seconds_bucket"
    for le in LATENCY_BUCKETS:
        below = fast * _FAST[le] if le <= THRESHOLD else fast + slow_n * _SLOW[le]
        add(_labels(bucket, handler=handler, method=method, le=_fmt_le(le)), below)
    add(_labels(bucket, handler=handler, method=method, le="+Inf"), total)
    add(_labels("http_request_duration_seconds_count", handler=handler, method=method), total)
    add(
        _labels("http_request_duration_seconds_sum", handler=handler, method=method),
        fast * 0.03 + slow_n * 0.7,
    )
    if method == "POST":
        stored = (total - e - bad_input) * 3
        for j, account in enumerate(ACCOUNTS):
            add(_labels("ingest_events_total", account=account), stored * (0.5, 0.3, 0.2)[j])
        add(_labels("ingest_storage_errors_total"), e * 0.1 + total * p.storage_error_share)
    return e, slow_n


def _fmt_le(le: float) -> str:
    return repr(float(le))


def _family(name: str) -> tuple[str, str]:
    for suffix, base_kind in (
        ("_bucket", "histogram"),
        ("_count", "histogram"),
        ("_sum", "histogram"),
    ):
        if name.startswith("http_request_duration_seconds") and name.endswith(suffix):
            return name.removesuffix(suffix), base_kind
    return name.removesuffix("_total"), "counter"


def openmetrics_lines(h: History) -> Iterator[str]:
    """The history as OpenMetrics text: one family at a time, counters as integers."""
    families: dict[str, list[tuple[tuple[str, str], ...]]] = {}
    for key in h.series:
        families.setdefault(_family(key[0][1])[0], []).append(key)
    for family, keys in families.items():
        kind = _family(keys[0][0][1])[1]
        yield f"# TYPE {family} {kind}\n"
        for key in keys:
            name = key[0][1]
            labels = ",".join(f'{k}="{v}"' for k, v in key[1:])
            is_sum = name.endswith("_sum")
            for ts, value in zip(h.timestamps, h.series[key], strict=True):
                shown = f"{value:.3f}" if is_sum else str(int(value))
                yield f"{name}{{{labels}}} {shown} {ts}\n"
    yield "# EOF\n"


def write_openmetrics(h: History, path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.writelines(openmetrics_lines(h))
    return path


def cache_root() -> Path:
    return cachedir.cache_root("blocks")


def build_blocks(p: HistoryParams, cache: Path | None = None, promtool: str = "promtool") -> Path:
    """The folder of TSDB blocks for ``p``: built with promtool once, then reused."""
    tool = require_binary(promtool)
    root = cache or cache_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / p.key()
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test workers never build the same blocks twice
        if (target / "complete").is_file():
            return target
        work = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
        try:
            source = write_openmetrics(generate(p), work / "history.om")
            blocks = work / "blocks"
            blocks.mkdir()
            argv = [tool, "tsdb", "create-blocks-from", "openmetrics"]
            # Hidden flag: a few large blocks, not 360 two-hour ones (1 s, not 98 s).
            argv += [f"--max-block-duration={MAX_BLOCK}", "-q", str(source), str(blocks)]
            result = process.capture(argv, cwd=None, timeout_s=600)
            if result.returncode != 0:
                why = result.error or result.stderr_tail.strip()[-2000:]
                raise DemoError(f"promtool could not build the history blocks: {why}")
            (blocks / "complete").write_text(p.key() + "\n")
            shutil.rmtree(target, ignore_errors=True)
            blocks.rename(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


def install_blocks(blocks: Path, data_dir: Path) -> int:
    """Copy the cached blocks into a fresh Prometheus data folder; return how many."""
    data_dir.mkdir(parents=True, exist_ok=True)
    n = 0
    for block in sorted(blocks.iterdir()):
        if block.is_dir() and (block / "meta.json").is_file():
            shutil.copytree(block, data_dir / block.name)
            n += 1
    return n
