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
from pathlib import Path

import numpy as np
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from . import EmptyResult, LoadTest, LoadTestError, MalformedFile
from ._buckets import Aggregator, load_test

BATCH = 100_000


def parse(path: str | Path, interval_s: float = 1.0) -> LoadTest:
    path = Path(path)
    agg = Aggregator(interval_s)
    t_s: list[float] = []
    elapsed: list[float] = []
    failed: list[bool] = []
    users: list[float] = []
    labels: list[str] = []
    names: dict[str, int] = {}

    def flush() -> None:
        if not t_s:
            return
        times = np.array(t_s)
        codes = np.array([names.setdefault(x, len(names)) for x in labels])
        agg.add(
            times,
            np.array(elapsed),
            np.array(failed),
            name_codes=codes,
            name_keys=[("", k) for k in names],
        )
        known = ~np.isnan(np.array(users))
        if known.any():
            agg.add_users(times[known], np.array(users)[known])
        for part in (t_s, elapsed, failed, users, labels):
            part.clear()

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
            ts, t = el.get("ts"), el.get("t")
            if ts is None or t is None:
                raise MalformedFile(path, f"<{el.tag}> number {count + 1} lacks ts or t")
            try:
                t_s.append(int(ts) / 1000.0)
                elapsed.append(float(t))
            except ValueError as e:
                raise MalformedFile(path, f"<{el.tag}> number {count + 1}: {e}") from e
            failed.append(el.get("s", "true").lower() != "true")
            threads = el.get("na") or el.get("ng")
            users.append(float(threads) if threads else float("nan"))
            labels.append(el.get("lb", ""))
            count += 1
            el.clear()
            if len(t_s) >= BATCH:
                flush()
        flush()
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
