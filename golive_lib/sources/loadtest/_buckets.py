"""Streaming reduction of per-request rows to per-interval samples (k6 NDJSON, JTL).

Latencies go into a log-bucketed histogram (3 % wide bins from 0.1 ms to 10 min), one
per time interval and one per request name, so percentiles stay within about 1.5 % of
the exact value while memory grows with the test's duration and names, never with the
number of rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import Endpoint, Format, LoadTest, Sample, utc_from_epoch

LOW_MS = 0.1
GROWTH = 1.03
NBINS = int(math.log(600_000 / LOW_MS) / math.log(GROWTH)) + 2
# Representative value of each bin: its geometric middle.
_MIDS = LOW_MS * GROWTH ** (np.arange(NBINS) - 0.5)  # bin i >= 1 holds [G^(i-1), G^i)
_MIDS[0] = LOW_MS / 2
MAX_NAMES = 500  # request names kept apart; the rest are counted under "(other)"


def bins(ms: Any) -> Any:
    values = np.maximum(np.asarray(ms, dtype=np.float64), LOW_MS)
    idx = np.floor(np.log(values / LOW_MS) / math.log(GROWTH)).astype(np.int64) + 1
    idx[np.asarray(ms) < LOW_MS] = 0
    return np.clip(idx, 0, NBINS - 1)


def percentile(hist: Any, q: float) -> float | None:
    total = int(hist.sum())
    if total == 0:
        return None
    rank = max(1, math.ceil(q / 100 * total))
    i = int(np.searchsorted(np.cumsum(hist), rank))
    return float(_MIDS[min(i, NBINS - 1)])


@dataclass
class Aggregator:
    interval_s: float
    base: int | None = None  # index of the first interval held in `hist`
    hist: Any = None  # (intervals, NBINS) int32
    failures: Any = None  # (intervals,) int64
    users: Any = None  # (intervals,) float64, NaN = unknown
    first_s: float = math.inf
    last_s: float = -math.inf
    names: dict[tuple[str, str], int] = field(default_factory=dict)
    name_hist: list[Any] = field(default_factory=list)
    name_failures: list[int] = field(default_factory=list)

    def _cover(self, lo: int, hi: int) -> None:
        """Grow the arrays so intervals lo..hi (inclusive) have a row."""
        if self.base is None:
            self.base = lo
            n = hi - lo + 1
            self.hist = np.zeros((n, NBINS), dtype=np.int32)
            self.failures = np.zeros(n, dtype=np.int64)
            self.users = np.full(n, np.nan)
            return
        before = max(0, self.base - lo)
        after = max(0, hi - (self.base + len(self.failures) - 1))
        if before or after:
            self.hist = np.pad(self.hist, ((before, after), (0, 0)))
            self.failures = np.pad(self.failures, (before, after))
            self.users = np.pad(self.users, (before, after), constant_values=np.nan)
            self.base -= before

    def _rows(self, t_s: Any) -> Any:
        idx = np.floor(t_s / self.interval_s).astype(np.int64)
        self._cover(int(idx.min()), int(idx.max()))
        assert self.base is not None
        return idx - self.base

    def add(
        self,
        t_s: Any,
        ms: Any,
        failed: Any,
        name_codes: Any | None = None,
        name_keys: list[tuple[str, str]] | None = None,
    ) -> None:
        """One block of requests: start times (epoch s), latencies (ms), failed flags."""
        if len(t_s) == 0:
            return
        t_s = np.asarray(t_s, dtype=np.float64)
        self.first_s = min(self.first_s, float(t_s.min()))
        self.last_s = max(self.last_s, float(t_s.max()))
        rows = self._rows(t_s)
        b = bins(ms)
        n = len(self.failures)
        self.hist += (
            np.bincount(rows * NBINS + b, minlength=n * NBINS).reshape(n, NBINS).astype(np.int32)
        )
        failed = np.asarray(failed, dtype=bool)
        self.failures += np.bincount(rows, weights=failed, minlength=n).astype(np.int64)
        if name_codes is None or name_keys is None:
            return
        # Chunk-local codes -> global name ids.
        mapping = np.array([self._name_id(k) for k in name_keys], dtype=np.int64)
        gid = mapping[np.asarray(name_codes, dtype=np.int64)]
        k = len(self.name_hist)
        per_name = np.bincount(gid * NBINS + b, minlength=k * NBINS).reshape(k, NBINS)
        fails = np.bincount(gid, weights=failed, minlength=k)
        for i in range(k):
            self.name_hist[i] += per_name[i]
            self.name_failures[i] += int(fails[i])

    def _name_id(self, key: tuple[str, str]) -> int:
        if key not in self.names:
            if len(self.names) >= MAX_NAMES:
                key = ("", "(other)")
                if key in self.names:
                    return self.names[key]
            self.names[key] = len(self.name_hist)
            self.name_hist.append(np.zeros(NBINS, dtype=np.int64))
            self.name_failures.append(0)
        return self.names[key]

    def add_users(self, t_s: Any, users: Any) -> None:
        """Concurrency observations: the interval keeps the highest."""
        if len(t_s) == 0:
            return
        rows = self._rows(np.asarray(t_s, dtype=np.float64))
        values = np.asarray(users, dtype=np.float64)
        current = np.where(np.isnan(self.users), -np.inf, self.users)
        np.maximum.at(current, rows, values)
        self.users = np.where(np.isneginf(current), np.nan, current)

    @property
    def requests(self) -> int:
        return 0 if self.hist is None else int(self.hist.sum())

    def samples(self) -> tuple[Sample, ...]:
        if self.base is None:
            return ()
        counts = self.hist.sum(axis=1)
        out: list[Sample] = []
        last_users: float | None = None
        for i in range(len(counts)):
            u = float(self.users[i])
            last_users = last_users if math.isnan(u) else u
            if counts[i] == 0 and last_users is None:
                continue
            h = self.hist[i]
            out.append(
                Sample(
                    time=utc_from_epoch((self.base + i + 1) * self.interval_s),
                    interval_s=self.interval_s,
                    users=last_users,
                    requests=int(counts[i]),
                    failures=int(self.failures[i]),
                    p50_ms=percentile(h, 50),
                    p95_ms=percentile(h, 95),
                    p99_ms=percentile(h, 99),
                )
            )
        return tuple(out)

    def total(self) -> Endpoint:
        h = self.hist.sum(axis=0) if self.hist is not None else np.zeros(NBINS)
        requests = int(h.sum())
        span = max(self.last_s - self.first_s, self.interval_s) if requests else 0.0
        return Endpoint(
            name="Aggregated",
            method="",
            requests=requests,
            failures=int(self.failures.sum()) if self.failures is not None else 0,
            throughput=requests / span if span else None,
            p50_ms=percentile(h, 50),
            p95_ms=percentile(h, 95),
            p99_ms=percentile(h, 99),
        )

    def endpoints(self) -> tuple[Endpoint, ...]:
        span = max(self.last_s - self.first_s, self.interval_s)
        out = []
        for (method, name), i in self.names.items():
            h = self.name_hist[i]
            n = int(h.sum())
            out.append(
                Endpoint(
                    name=name,
                    method=method,
                    requests=n,
                    failures=self.name_failures[i],
                    throughput=n / span,
                    p50_ms=percentile(h, 50),
                    p95_ms=percentile(h, 95),
                    p99_ms=percentile(h, 99),
                )
            )
        return tuple(sorted(out, key=lambda e: -e.requests))

    def max_users(self) -> float | None:
        if self.users is None or np.all(np.isnan(self.users)):
            return None
        return float(np.nanmax(self.users))


def line_blocks(path: Path, size: int) -> Iterator[bytes]:
    """The file in blocks of about ``size`` bytes, each ending at a line end: memory stays
    at a block or two whatever the file's length (pyarrow's streaming reader reads ahead)."""
    with path.open("rb") as f:
        rest = b""
        while True:
            chunk = f.read(size)
            if not chunk:
                if rest.strip():
                    yield rest
                return
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            rest = data[cut:]
            yield data[:cut]


def load_test(fmt: Format, path: Path, agg: Aggregator) -> LoadTest:
    """The result of a file reduced by ``agg``: its samples, totals and time span."""
    samples = agg.samples()
    return LoadTest(
        format=fmt,
        files=(path,),
        total=agg.total(),
        samples=samples,
        endpoints=agg.endpoints(),
        started=samples[0].time if samples else None,
        ended=samples[-1].time if samples else None,
        max_users=agg.max_users(),
    )
