"""JMeter results saved as XML (``jmeter.save.saveservice.output_format=xml``).

Read: the top-level sample elements of ``<testResults>`` (``<httpSample>``, ``<sample>``
and any other element JMeter writes for a sampler), each with ``ts`` (start, epoch
milliseconds), ``t`` (elapsed ms), ``s`` (success, true/false), ``lb`` (label) and ``na``
(all active threads, else ``ng``, the thread group's). Sub-results nested in a sample
(redirects, a transaction controller's children) are part of their parent, as in the CSV
form, and are not counted again. The file is streamed (iterparse), in bounded memory.

Ignored: response data, headers, assertions' details, bytes, latency and connect times.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from . import EmptyResult, LoadTest, LoadTestError, MalformedFile
from ._buckets import Aggregator, load_test

BATCH = 100_000


@dataclass
class _Batch:
    """Samples read since the last flush into the aggregator (local to this module)."""

    t_s: list[float] = field(default_factory=list)
    elapsed: list[float] = field(default_factory=list)
    failed: list[bool] = field(default_factory=list)
    users: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    names: dict[str, int] = field(default_factory=dict)  # kept across flushes

    def add(self, el: ET.Element, number: int, path: Path) -> None:
        ts, t = el.get("ts"), el.get("t")
        if ts is None or t is None:
            raise MalformedFile(path, f"<{el.tag}> number {number} lacks ts or t")
        try:
            self.t_s.append(int(ts) / 1000.0)
            self.elapsed.append(float(t))
        except ValueError as e:
            raise MalformedFile(path, f"<{el.tag}> number {number}: {e}") from e
        self.failed.append(el.get("s", "true").lower() != "true")
        threads = el.get("na") or el.get("ng")
        self.users.append(float(threads) if threads else float("nan"))
        self.labels.append(el.get("lb", ""))

    def flush(self, agg: Aggregator) -> None:
        if not self.t_s:
            return
        names = self.names
        times = np.array(self.t_s)
        codes = np.array([names.setdefault(x, len(names)) for x in self.labels])
        agg.add(
            times,
            np.array(self.elapsed),
            np.array(self.failed),
            name_codes=codes,
            name_keys=[("", k) for k in names],
        )
        known = ~np.isnan(np.array(self.users))
        if known.any():
            agg.add_users(times[known], np.array(self.users)[known])
        for part in (self.t_s, self.elapsed, self.failed, self.users, self.labels):
            part.clear()


def parse(path: str | Path, interval_s: float = 1.0) -> LoadTest:
    path = Path(path)
    agg = Aggregator(interval_s)
    batch = _Batch()
    depth = 0
    count = 0
    try:
        for event, el in iterparse(str(path), events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 1 and el.tag != "testResults":
                    raise MalformedFile(path, f"not a JMeter XML JTL (root <{el.tag}>)")
                continue
            depth -= 1
            if depth != 1:
                continue
            batch.add(el, count + 1, path)
            count += 1
            el.clear()
            if len(batch.t_s) >= BATCH:
                batch.flush(agg)
        batch.flush(agg)
    except LoadTestError:
        raise
    except ET.ParseError as e:
        line, col = e.position
        raise MalformedFile(
            path, f"malformed or truncated XML at line {line}, column {col + 1}"
        ) from e
    except DefusedXmlException as e:
        raise MalformedFile(path, f"refused XML: {e}") from e
    except OSError as e:
        raise LoadTestError(path, f"cannot read: {e}") from e
    if agg.requests == 0:
        raise EmptyResult(path, "the file holds no sample")
    return load_test("jmeter", path, agg)
