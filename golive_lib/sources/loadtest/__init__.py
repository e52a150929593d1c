"""Load-test results, one model for every tool: Locust, k6 and JMeter (and a live Locust run).

The interface of the subsystem: the frozen model (`LoadTest`, `Sample`, `Endpoint`,
`FailureKind`), its errors (all `SourceError`s naming the file and what is wrong) and
`load(path, fmt)`, which picks the parser. One module per tool:

- `locust`: the ``--csv PREFIX`` files (``PREFIX_stats.csv``, ``_stats_history.csv``,
  ``_failures.csv``), and `locust.run` for a live headless run.
- `k6`: ``--summary-export`` JSON (and ``handleSummary``'s JSON) and ``--out json`` NDJSON.
- `jmeter`: JTL result files saved as CSV with a header row; `jmeter_xml`: saved as XML.

Units are converted here, once: times are UTC `datetime`s, latencies milliseconds,
throughput requests per second, error ratios 0..1. Large files (k6 NDJSON, JTL) are
read by pyarrow in blocks and reduced to per-interval samples with a log-bucketed
latency histogram, so memory grows with the test's duration, never with its line count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from ...errors import SourceError

Format = Literal["locust", "k6", "k6-summary", "jmeter"]
FORMATS: tuple[Format, ...] = ("locust", "k6", "k6-summary", "jmeter")


class LoadTestError(SourceError):
    """A load-test result could not be read; the message names the file and the problem."""

    def __init__(self, path: str | Path, message: str) -> None:
        super().__init__(f"load test {path}", message)
        self.path = str(path)


class UnknownFormat(LoadTestError):
    """The format is not one of FORMATS, or could not be told from the file."""


class MissingColumns(LoadTestError):
    """A CSV lacks columns the parser needs (``columns`` lists them)."""

    def __init__(self, path: str | Path, columns: list[str], found: list[str]) -> None:
        self.columns = columns
        shown = ", ".join(found[:30]) or "(none)"
        super().__init__(path, f"missing column(s) {', '.join(columns)}; the header has: {shown}")


class MalformedFile(LoadTestError):
    """Truncated or otherwise unparseable content (a row cut short, broken JSON)."""


class EmptyResult(LoadTestError):
    """The file parsed but holds no request."""


class LiveRunError(LoadTestError):
    """A live run could not be made: Locust missing, target down, timeout, crash."""


@dataclass(frozen=True)
class Sample:
    """One interval of the test (Locust: one history row; k6/JMeter: one time bucket)."""

    time: datetime  # end of the interval, UTC
    interval_s: float
    users: float | None  # concurrency (virtual users / threads) during the interval
    requests: int
    failures: int
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None

    @property
    def throughput(self) -> float:
        """Requests per second over the interval."""
        return self.requests / self.interval_s if self.interval_s > 0 else 0.0

    @property
    def error_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    def latency(self, percentile: int) -> float | None:
        return {50: self.p50_ms, 95: self.p95_ms, 99: self.p99_ms}[percentile]


@dataclass(frozen=True)
class Endpoint:
    """Totals of one request name (or of the whole test, ``name == "Aggregated"``)."""

    name: str
    method: str
    requests: int
    failures: int
    throughput: float | None = None  # requests per second over the test
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None

    @property
    def error_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    def latency(self, percentile: int) -> float | None:
        return {50: self.p50_ms, 95: self.p95_ms, 99: self.p99_ms}[percentile]


@dataclass(frozen=True)
class FailureKind:
    method: str
    name: str
    error: str
    occurrences: int


@dataclass(frozen=True)
class LoadTest:
    """A load test's results, whatever tool produced them."""

    format: Format
    files: tuple[Path, ...]
    total: Endpoint
    samples: tuple[Sample, ...] = ()  # ordered by time; empty for a summary-only result
    endpoints: tuple[Endpoint, ...] = ()
    failures: tuple[FailureKind, ...] = ()
    started: datetime | None = None  # from the file's content; None when it holds no time
    ended: datetime | None = None
    max_users: float | None = None

    @property
    def duration(self) -> timedelta | None:
        if self.started is None or self.ended is None:
            return None
        return self.ended - self.started

    @property
    def where(self) -> str:
        return ", ".join(str(f) for f in self.files)


# ----------------------------------------------------------------- shared helpers


def utc_from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def number(text: str | None) -> float | None:
    """A float from a CSV cell; None for "", "N/A", NaN."""
    if text is None:
        return None
    text = text.strip()
    if not text or text.upper() == "N/A":
        return None
    value = float(text)
    return None if math.isnan(value) else value


def detect(path: Path) -> Format:
    """Tell the format from the path and the first bytes of the file."""
    if path.is_dir() or Path(f"{path}_stats.csv").is_file() or path.name.endswith("_stats.csv"):
        return "locust"
    if not path.is_file():
        raise LoadTestError(path, "no such file (nor Locust files PREFIX_stats.csv)")
    with path.open("rb") as f:
        head = f.read(4096).lstrip()
    if head.startswith(b"{"):
        first = head.split(b"\n", 1)[0]
        if b'"type"' in first and (b'"Metric"' in first or b'"Point"' in first):
            return "k6"
        return "k6-summary"
    if head[:200].lower().startswith((b"timestamp,", b'"timestamp",')) or b"elapsed" in head[:300]:
        return "jmeter"
    if head.startswith(b"<") and b"<testResults" in head:
        return "jmeter"
    raise UnknownFormat(
        path, f"cannot tell the format; give capacity.load_test.format, one of {', '.join(FORMATS)}"
    )


def load(path: str | Path, fmt: str = "auto", interval_s: float = 1.0) -> LoadTest:
    """Read one load-test result. ``path`` is a Locust prefix (or its folder) or a file."""
    path = Path(path)
    if fmt == "auto":
        fmt = detect(path)
    if fmt == "locust":
        from . import locust

        return locust.parse(path)
    if fmt == "k6":
        from . import k6

        return k6.parse_points(path, interval_s=interval_s)
    if fmt == "k6-summary":
        from . import k6

        return k6.parse_summary(path)
    if fmt == "jmeter":
        from . import jmeter, jmeter_xml

        with path.open("rb") as f:
            xml = f.read(4096).lstrip().startswith(b"<")
        if xml:
            return jmeter_xml.parse(path, interval_s=interval_s)
        return jmeter.parse(path, interval_s=interval_s)
    raise UnknownFormat(path, f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
