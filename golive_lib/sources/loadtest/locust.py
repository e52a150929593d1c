"""Locust results: the ``--csv PREFIX`` files, and a live headless run that writes them.

``PREFIX_stats.csv`` (totals per request name and the ``Aggregated`` row) and
``PREFIX_stats_history.csv`` (one ``Aggregated`` row a second: users, cumulative
counts, current-window percentiles) are required; ``PREFIX_failures.csv`` is read when
present. Throughput per interval is the difference of the cumulative request count
between rows over the time between them (Locust's own ``Requests/s`` column is a
lagging 10-second average).

`run` starts ``python -m locust --headless`` with a bounded timeout
(:func:`golive_lib.process.stream`: its process group is stopped there) and streams its
progress; Locust exits 1 when any request failed, so it is told not to
(``--exit-code-on-error 0``), and the final CSV files appear up to a second after the
console summary, so `run` waits (bounded) for the ``Aggregated`` row.

Ignored: ``PREFIX_exceptions.csv`` (client-side tracebacks, not requests), the per-name
rows of the history, Locust's own ``Requests/s`` and average columns.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ... import process
from . import (
    EmptyResult,
    Endpoint,
    FailureKind,
    LiveRunError,
    LoadTest,
    LoadTestError,
    MalformedFile,
    MissingColumns,
    Sample,
    number,
    utc_from_epoch,
)

STATS_COLUMNS = ("Type", "Name", "Request Count", "Failure Count", "Requests/s")
HISTORY_COLUMNS = (
    "Timestamp",
    "User Count",
    "Name",
    "Total Request Count",
    "Total Failure Count",
    "95%",
    "99%",
)
FAILURE_COLUMNS = ("Method", "Name", "Error", "Occurrences")
INSTALL_HINT = "pip install 'golive[locust]' (or pip install locust)"


def files_of(prefix: Path) -> tuple[Path, Path, Path]:
    """The three CSV files of a ``--csv`` prefix (a folder means its single *_stats.csv)."""
    if prefix.is_dir():
        found = sorted(prefix.glob("*_stats.csv"))
        if len(found) != 1:
            what = "no" if not found else f"{len(found)}"
            raise LoadTestError(
                prefix, f"{what} Locust *_stats.csv file(s) in this folder; give the --csv prefix"
            )
        prefix = Path(str(found[0])[: -len("_stats.csv")])
    elif prefix.name.endswith("_stats.csv"):
        prefix = Path(str(prefix)[: -len("_stats.csv")])
    return (
        Path(f"{prefix}_stats.csv"),
        Path(f"{prefix}_stats_history.csv"),
        Path(f"{prefix}_failures.csv"),
    )


def _rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            if not header:
                raise EmptyResult(path, "the file is empty")
            missing = [c for c in required if c not in header]
            if missing:
                raise MissingColumns(path, missing, header)
            rows = []
            for i, row in enumerate(reader, 2):
                if None in row or any(row.get(c) is None for c in header):
                    raise MalformedFile(
                        path,
                        f"line {i} has {len([v for v in row.values() if v is not None])} of "
                        f"{len(header)} columns: the file is truncated or malformed",
                    )
                rows.append(row)
            return rows
    except FileNotFoundError:
        raise LoadTestError(path, "no such file (Locust writes it with --csv PREFIX)") from None
    except OSError as e:
        raise LoadTestError(path, f"cannot read: {e}") from e
    except (UnicodeDecodeError, csv.Error) as e:
        raise MalformedFile(path, f"not a CSV file: {e}") from e


def _float(path: Path, row: dict[str, str], column: str, line: int) -> float | None:
    try:
        return number(row[column])
    except ValueError:
        raise MalformedFile(
            path, f"line {line}, column {column!r}: {row[column]!r} is not a number"
        ) from None


def _endpoint(path: Path, row: dict[str, str], line: int) -> Endpoint:
    return Endpoint(
        name=row["Name"],
        method=row["Type"],
        requests=int(_float(path, row, "Request Count", line) or 0),
        failures=int(_float(path, row, "Failure Count", line) or 0),
        throughput=_float(path, row, "Requests/s", line),
        p50_ms=_float(path, row, "50%", line) if "50%" in row else None,
        p95_ms=_float(path, row, "95%", line) if "95%" in row else None,
        p99_ms=_float(path, row, "99%", line) if "99%" in row else None,
    )


def parse(prefix: str | Path) -> LoadTest:
    stats_path, history_path, failures_path = files_of(Path(prefix))
    stats = _rows(stats_path, STATS_COLUMNS)
    endpoints = [_endpoint(stats_path, r, i) for i, r in enumerate(stats, 2)]
    total = next((e for e in endpoints if e.name == "Aggregated"), None)
    if total is None:
        raise MalformedFile(
            stats_path, "no Aggregated row: the file is truncated (or Locust was still running)"
        )
    if total.requests == 0:
        raise EmptyResult(stats_path, "the Aggregated row counts 0 requests")
    history = [r for r in _rows(history_path, HISTORY_COLUMNS) if r["Name"] == "Aggregated"]
    samples: list[Sample] = []
    prev_t: float | None = None
    prev_n = prev_f = 0.0
    for i, row in enumerate(history, 2):
        t = _float(history_path, row, "Timestamp", i)
        n = _float(history_path, row, "Total Request Count", i) or 0.0
        f = _float(history_path, row, "Total Failure Count", i) or 0.0
        if t is None:
            raise MalformedFile(history_path, f"line {i}: empty Timestamp")
        if prev_t is not None and t > prev_t:
            samples.append(
                Sample(
                    time=utc_from_epoch(t),
                    interval_s=t - prev_t,
                    users=_float(history_path, row, "User Count", i),
                    requests=max(0, int(n - prev_n)),
                    failures=max(0, int(f - prev_f)),
                    p50_ms=_float(history_path, row, "50%", i) if "50%" in row else None,
                    p95_ms=_float(history_path, row, "95%", i),
                    p99_ms=_float(history_path, row, "99%", i),
                )
            )
        if prev_t is None or t > prev_t:
            prev_t, prev_n, prev_f = t, n, f
    if not history:
        raise EmptyResult(history_path, "no Aggregated row: the test recorded no history")
    samples = _stop_row(samples)
    failures: list[FailureKind] = []
    if failures_path.is_file():
        for i, r in enumerate(_rows(failures_path, FAILURE_COLUMNS), 2):
            failures.append(
                FailureKind(
                    method=r["Method"],
                    name=r["Name"],
                    error=r["Error"],
                    occurrences=int(_float(failures_path, r, "Occurrences", i) or 0),
                )
            )
    first = _float(history_path, history[0], "Timestamp", 2)
    users = [s.users for s in samples if s.users is not None]
    files = (stats_path, history_path) + ((failures_path,) if failures_path.is_file() else ())
    return LoadTest(
        format="locust",
        files=files,
        total=total,
        samples=tuple(samples),
        endpoints=tuple(e for e in endpoints if e.name != "Aggregated"),
        failures=tuple(failures),
        started=utc_from_epoch(first) if first is not None else None,
        ended=samples[-1].time if samples else utc_from_epoch(first or 0),
        max_users=max(users) if users else None,
    )


def _stop_row(samples: list[Sample]) -> list[Sample]:
    """Locust writes a last history row as the run quits, while it stops its users: that
    row's User Count is what was left mid-stop (5 of 30, say), but its interval's requests
    were made by the users of the row before. Left as written, a full second of peak
    throughput lands at a handful of users and bends the scalability fit."""
    if len(samples) < 2:
        return samples
    last, before = samples[-1], samples[-2]
    if last.users is None or before.users is None or last.users >= before.users:
        return samples
    return [*samples[:-1], dataclasses.replace(last, users=before.users)]


# --------------------------------------------------------------------------- live run


@dataclass(frozen=True)
class RunSpec:
    locustfile: Path
    host: str
    users: int
    spawn_rate: float
    run_time_s: int
    out_prefix: Path
    grace_s: float = 30.0  # beyond run_time_s before the run is killed
    probe_path: str = "/"
    probe_timeout_s: float = 5.0


@dataclass(frozen=True)
class RunResult:
    result: LoadTest
    command: tuple[str, ...]
    returncode: int
    wall_s: float
    log_tail: str


def locust_available() -> bool:
    return importlib.util.find_spec("locust") is not None


def probe(host: str, path: str = "/", timeout_s: float = 5.0) -> None:
    """Raise LiveRunError unless the target answers HTTP at all (any status is fine)."""
    url = host.rstrip("/") + path
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout_s):
            return
    except urllib.error.HTTPError:
        return  # it answered
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise LiveRunError(host, f"the target does not answer at {url}: {reason}") from e


def _progress_line(line: str) -> str | None:
    text = line.strip()
    if "Aggregated" in text and "|" in text:
        cells = [c for c in text.replace("|", " ").split() if c]
        # Aggregated  reqs  fails(%)  avg min max med  req/s  failures/s
        if len(cells) >= 9:
            return (
                f"requests {cells[1]}, failures {cells[2]}, median {cells[6]} ms, {cells[7]} req/s"
            )
    if "/INFO/" in text or "/WARNING/" in text or "/ERROR/" in text or "Traceback" in text:
        return text.split(": ", 1)[-1]
    return None


def _command(spec: RunSpec) -> tuple[str, ...]:
    """The headless Locust command line of a run."""
    return (
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(spec.locustfile),
        "--headless",
        "--host",
        spec.host,
        "-u",
        str(spec.users),
        "-r",
        str(spec.spawn_rate),
        "-t",
        f"{spec.run_time_s}s",
        "--csv",
        str(spec.out_prefix),
        "--exit-code-on-error",
        "0",
        "--stop-timeout",
        "5",
        "--loglevel",
        "INFO",
    )


def run(spec: RunSpec, progress: Callable[[str], None] | None = None) -> RunResult:
    """Run Locust headless against ``spec.host``; bounded: it never hangs."""
    say = progress or (lambda _line: None)
    if not locust_available():
        raise LiveRunError(spec.locustfile, f"Locust is not installed here; {INSTALL_HINT}")
    if not spec.locustfile.is_file():
        raise LiveRunError(spec.locustfile, "no such locustfile")
    scheme = urlsplit(spec.host).scheme
    if scheme not in ("http", "https"):
        raise LiveRunError(spec.host, "the host must be an http:// or https:// URL")
    probe(spec.host, spec.probe_path, spec.probe_timeout_s)
    spec.out_prefix.parent.mkdir(parents=True, exist_ok=True)
    for old in files_of(spec.out_prefix):
        old.unlink(missing_ok=True)
    command = _command(spec)
    say(f"locust: {spec.users} users at {spec.spawn_rate}/s for {spec.run_time_s} s on {spec.host}")
    start = time.monotonic()
    limit_s = spec.run_time_s + spec.grace_s
    tail: deque[str] = deque(maxlen=40)
    last_said = [0.0]

    def on_line(line: str) -> None:
        tail.append(line.rstrip())
        shown = _progress_line(line)
        now = time.monotonic()
        if shown and ("Aggregated" not in line or now - last_said[0] >= 5):
            if "Aggregated" in line:
                last_said[0] = now
            say(f"[{now - start:5.1f} s] {shown}")

    done = process.stream(
        command,
        cwd=spec.locustfile.parent,
        timeout_s=limit_s,
        env={"PYTHONUNBUFFERED": "1"},
        progress=on_line,
        progress_bytes=None,  # on_line keeps only a few lines
    )
    wall = time.monotonic() - start
    log_tail = "\n".join(list(tail)[-15:])
    if done.error is not None:
        raise LiveRunError(spec.host, f"Locust did not start: {done.error}")
    if done.timed_out:
        raise LiveRunError(
            spec.host, f"Locust did not finish within {limit_s:.0f} s; it was stopped"
        )
    if done.returncode != 0:
        raise LiveRunError(
            spec.host, f"Locust exited with {done.returncode}: {tail[-1] if tail else ''}"
        )
    result = _final_result(spec.out_prefix)
    say(f"done in {wall:.1f} s: {result.total.requests} requests, {result.total.failures} failed")
    return RunResult(result, command, 0, wall, log_tail)


def _final_result(prefix: Path, wait_s: float = 3.0) -> LoadTest:
    """Locust's final CSV lags its console summary: retry until the Aggregated row is in."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return parse(prefix)
        except LoadTestError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
