"""Load-test results, one model for every tool: Locust, k6 and JMeter (and a live Locust run).

The interface of the subsystem: the frozen model (`LoadTest`, `Sample`, `Endpoint`,
`FailureKind`, defined in `golive_lib.loadmodel`, which the capacity maths reads too, and
re-exported here), its errors (all `SourceError`s naming the file and what is wrong) and
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
from datetime import UTC, datetime
from pathlib import Path

from ...errors import SourceError
from ...loadmodel import Endpoint as Endpoint  # re-exported: the subsystem's model
from ...loadmodel import FailureKind as FailureKind
from ...loadmodel import Format as Format
from ...loadmodel import LoadTest as LoadTest
from ...loadmodel import Sample as Sample

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
