"""The reports corpus: each file with its expected truth, read by golive and compared.

A case is a ``NAME.expected.json`` beside its report ``NAME`` (a Locust case names the
``--csv`` prefix). Its ``kind`` says which reader and which facts:

- ``scan``: ``findings`` (how many), ``complete`` (the scanner ran and finished),
  ``skipped`` (dependencies it did not check; default 0), ``severities`` (optional counts
  by level);
- ``coverage``: ``lines_covered``, ``lines_valid``, ``branches_covered``,
  ``branches_valid`` and (optional) ``contradictions`` (its totals disagree with its
  elements);
- ``junit``: ``tests``, ``failures``, ``errors``, ``skipped`` over the file and
  ``contradictions`` (its summary attributes disagree with its test cases);
- ``loadtest``: ``requests``, ``failures``, ``max_users`` (null: unknown), ``date`` (the
  test's day from the content; null when the content holds none) and ``percentiles`` (the
  latency percentiles of 50, 95, 99 that the file measures).

A false pass is golive calling clean, complete, dated, measured or passing what the truth
says is not: a scan read as clean that has findings or did not complete, coverage read
higher than it is, fewer failed tests, a contradiction not named, a load test dated when
its content holds no date, fewer failed requests, a percentile claimed that is not there.
Used by tests/corpus/test_reports_corpus.py and bench/reports_corpus.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SUFFIX = ".expected.json"


@dataclass(frozen=True)
class Case:
    report: Path
    expected: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.report.relative_to(HERE))


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: dict[str, Any]
    differences: tuple[str, ...] = ()
    false_passes: tuple[str, ...] = ()
    error: str | None = None  # golive could not read a file the truth says is valid

    @property
    def agrees(self) -> bool:
        return not self.differences and self.error is None


def cases() -> list[Case]:
    found = []
    for expected in sorted(HERE.rglob(f"*{SUFFIX}")):
        report = expected.with_name(expected.name[: -len(SUFFIX)])
        found.append(Case(report, json.loads(expected.read_text(encoding="utf-8"))))
    return found


def _scan(path: Path) -> dict[str, Any]:
    from golive_lib.sources import scans

    rep = scans.load(path)
    severities: dict[str, int] = {}
    for f in rep.findings:
        severities[f.severity.label] = severities.get(f.severity.label, 0) + 1
    return {
        "format": rep.format,
        "findings": len(rep.findings),
        "complete": not rep.problems,
        "skipped": len(rep.skipped),
        "severities": severities,
    }


def _coverage(path: Path) -> dict[str, Any]:
    from golive_lib.sources import coverage

    c = coverage.parse(path)
    return {
        "lines_covered": c.lines_covered,
        "lines_valid": c.lines_valid,
        "branches_covered": c.branches_covered,
        "branches_valid": c.branches_valid,
        "contradictions": bool(c.contradictions),
    }


def _junit(path: Path) -> dict[str, Any]:
    from golive_lib.sources import junit

    suites = junit.parse(path)
    return {
        "tests": sum(s.tests for s in suites),
        "failures": sum(s.failures for s in suites),
        "errors": sum(s.errors for s in suites),
        "skipped": sum(s.skipped for s in suites),
        "contradictions": any(s.contradictions for s in suites),
    }


def _loadtest(path: Path) -> dict[str, Any]:
    from golive_lib.sources import loadtest

    r = loadtest.load(path)
    measured = [
        q
        for q in (50, 95, 99)
        if (any(s.latency(q) is not None for s in r.samples) if r.samples else r.total.latency(q))
        is not None
        and (r.samples or r.total.latency(q) is not None)
    ]
    return {
        "format": r.format.replace("-summary", ""),
        "requests": r.total.requests,
        "failures": r.total.failures,
        "max_users": r.max_users,
        "date": r.ended.date().isoformat() if r.ended else None,
        "percentiles": measured,
    }


READERS = {"scan": _scan, "coverage": _coverage, "junit": _junit, "loadtest": _loadtest}


def _rate(covered: int, valid: int) -> float:
    return covered / valid if valid else 0.0


def _false_passes(kind: str, want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    fp: list[str] = []
    if kind == "scan":
        clean = got["findings"] == 0 and got["complete"] and got["skipped"] == 0
        dirty = want["findings"] > 0 or not want["complete"] or want.get("skipped", 0) > 0
        if clean and dirty:
            fp.append("read as a clean scan")
        if got["findings"] < want["findings"]:
            fp.append(f"{want['findings'] - got['findings']} finding(s) missed")
    elif kind == "coverage":
        for what in ("lines", "branches"):
            g = _rate(got[f"{what}_covered"], got[f"{what}_valid"])
            w = _rate(want[f"{what}_covered"], want[f"{what}_valid"])
            if g > w + 1e-9:
                fp.append(f"{what} coverage read as {g:.1%}, truth {w:.1%}")
        if want.get("contradictions") and not got["contradictions"]:
            fp.append("totals that contradict the elements not named")
    elif kind == "junit":
        if got["failures"] + got["errors"] < want["failures"] + want["errors"]:
            fp.append("fewer failed tests than there are")
        if want["contradictions"] and not got["contradictions"]:
            fp.append("contradicting counts not named")
    elif kind == "loadtest":
        if want["date"] is None and got["date"] is not None:
            fp.append(f"dated {got['date']} though the content holds no date")
        if got["failures"] < want["failures"]:
            fp.append("fewer failed requests than there are")
        extra = set(got["percentiles"]) - set(want["percentiles"])
        if extra:
            fp.append(f"claims percentiles the file lacks: {sorted(extra)}")
    return fp


def check(case: Case) -> Outcome:
    kind = case.expected["kind"]
    try:
        got = READERS[kind](case.report)
    except Exception as e:  # noqa: BLE001 - a corpus run reports every failure
        return Outcome(case, {}, error=f"{type(e).__name__}: {e}")
    want = {k: v for k, v in case.expected.items() if k not in ("about", "kind")}
    differences = []
    for key, value in want.items():
        have = got.get(key)
        if key == "severities":
            have = {k: v for k, v in (have or {}).items() if v}
        if key == "max_users" and value is not None and have is not None:
            same = abs(float(have) - float(value)) < 1e-9
        else:
            same = have == value
        if not same:
            differences.append(f"{key}: expected {value!r}, got {have!r}")
    return Outcome(case, got, tuple(differences), tuple(_false_passes(kind, case.expected, got)))


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def agreement(self) -> float:
        return sum(o.agrees for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    @property
    def false_passes(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.false_passes]


def run_all() -> Tally:
    return Tally([check(c) for c in cases()])
