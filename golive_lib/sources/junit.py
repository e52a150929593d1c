"""JUnit XML test results, as Maven Surefire/Failsafe, Gradle, pytest, jest-junit, PHPUnit
and go-junit-report write them: suites with their counts and first failed cases.

Counts come from the ``<testcase>`` elements themselves, never from the suite's
``tests``/``failures``/``errors``/``skipped`` attributes. A testcase is:
- failed when it holds a ``<failure>`` (Surefire also adds ``<rerunFailure>`` children to
  a test that failed every rerun: still one failed test);
- in error when it holds an ``<error>`` and no ``<failure>``;
- skipped when it holds ``<skipped>`` (pytest's xfail, jest's ``test.skip``, go's
  ``t.Skip``, PHPUnit's incomplete and skipped tests) and neither of the above;
- passed otherwise, including Surefire's flaky tests (``<flakyFailure>``/``<flakyError>``
  only: it failed, then passed on a rerun; the count of flaky tests is kept).
Where a suite's attributes disagree with its elements (a ``failures="0"`` around a
``<failure>``), the elements win and the disagreement is kept in
``Suite.contradictions`` for the reviewer. Attributes of a suite that only holds nested
suites (PHPUnit's, jest-junit's and the ``<testsuites>`` root) are compared with the sum
of the cases below it; the disagreement is kept on the first leaf suite inside it.

Nested suites (PHPUnit nests a suite per class and per data provider) are flattened to
the suites that hold test cases. `classify` puts a suite in "unit" or "integration" by
fnmatch patterns on its name, its file and its test cases' class names.

Deliberately ignored: ``<system-out>``/``<system-err>``, ``<properties>``, timestamps and
host names, PHPUnit's ``<warning>`` elements and ``assertions`` counts, and the
``disabled`` attribute (a count with no element behind it).
"""

from __future__ import annotations

import fnmatch
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from ..errors import SourceError
from .xmlfile import read_xml

Kind = Literal["unit", "integration"]
MAX_FAILED_SHOWN = 5


@dataclass(frozen=True)
class Suite:
    name: str
    file: str  # as shown to the reviewer (relative to the repository)
    tests: int
    failures: int
    errors: int
    skipped: int
    time_s: float | None
    classnames: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()  # "classname.name: message", the first few
    flaky: int = 0  # passed on a rerun after failing (Surefire's flakyFailure/flakyError)
    #: Where the suite's attributes disagree with its test cases ("failures=0 but 1
    #: <failure> element"); the counts above are the elements'.
    contradictions: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.failures == 0 and self.errors == 0

    @property
    def ran(self) -> int:
        return self.tests - self.skipped


@dataclass(frozen=True)
class _Counts:
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0

    def __add__(self, other: _Counts) -> _Counts:
        return _Counts(
            self.tests + other.tests,
            self.failures + other.failures,
            self.errors + other.errors,
            self.skipped + other.skipped,
        )


def _count(el: ET.Element, attr: str, label: str) -> int | None:
    raw = el.get(attr)
    if raw is None or raw == "":
        return None
    try:
        return int(float(raw))
    except ValueError as e:
        raise SourceError(label, f"<{el.tag} name={el.get('name')!r}> {attr}={raw!r}") from e


def _outcome(case: ET.Element) -> str:
    if case.find("failure") is not None:
        return "failure"
    if case.find("error") is not None:
        return "error"
    if case.find("skipped") is not None:
        return "skipped"
    return "passed"


def _own(el: ET.Element) -> _Counts:
    outcomes = [_outcome(c) for c in el.findall("testcase")]
    return _Counts(
        len(outcomes),
        outcomes.count("failure"),
        outcomes.count("error"),
        outcomes.count("skipped"),
    )


def _below(el: ET.Element) -> _Counts:
    """The counts of every test case in ``el`` and the suites nested in it."""
    total = _own(el)
    for child in el.findall("testsuite"):
        total = total + _below(child)
    return total


def _contradictions(el: ET.Element, counted: _Counts, label: str) -> list[str]:
    said = []
    for attr in ("tests", "failures", "errors", "skipped"):
        value = _count(el, attr, label)
        have = getattr(counted, attr)
        if value is not None and value != have:
            what = {"tests": "<testcase>", "failures": "<failure>", "errors": "<error>"}.get(
                attr, "<skipped>"
            )
            said.append(
                f"<{el.tag}{' name=' + repr(el.get('name')) if el.get('name') else ''}> says "
                f"{attr}={value} but holds {have} {what} element(s)"
            )
    return said


def _suite(el: ET.Element, label: str, inherited: list[str]) -> Suite:
    cases = el.findall("testcase")
    failed: list[str] = []
    flaky = 0
    for c in cases:
        if c.find("failure") is None and any(
            c.find(k) is not None for k in ("flakyFailure", "flakyError")
        ):
            flaky += 1
        hit = c.find("failure")
        if hit is None:
            hit = c.find("error")
        if hit is not None and len(failed) < MAX_FAILED_SHOWN:
            msg = (hit.get("message") or (hit.text or "").strip()).splitlines()
            failed.append(
                f"{c.get('classname', '')}.{c.get('name', '?')}".lstrip(".")
                + (f": {msg[0][:160]}" if msg else "")
            )
    own = _own(el)
    contradictions = inherited + _contradictions(
        el, own if not el.findall("testsuite") else _below(el), label
    )
    time_raw = el.get("time")
    try:
        time_s = float(time_raw.replace(",", "")) if time_raw else None
    except ValueError:
        time_s = None
    return Suite(
        name=el.get("name", ""),
        file=label,
        tests=own.tests,
        failures=own.failures,
        errors=own.errors,
        skipped=own.skipped,
        time_s=time_s,
        classnames=tuple(sorted({c.get("classname", "") for c in cases} - {""})),
        failed=tuple(failed),
        flaky=flaky,
        contradictions=tuple(contradictions),
    )


def _walk(el: ET.Element, label: str, pending: list[str], out: list[Suite]) -> list[str]:
    """Append the suites holding cases under ``el`` to ``out``; a container's
    contradictions go to its first such suite. Returns what is still to be placed."""
    nested = el.findall("testsuite")
    if el.findall("testcase") or (el.tag == "testsuite" and not nested):
        out.append(_suite(el, label, pending))
        pending = []
    elif nested or el.tag == "testsuites":
        pending = pending + _contradictions(el, _below(el), label)
    for child in nested:
        pending = _walk(child, label, pending, out)
    return pending


def parse(path: Path, label: str | None = None) -> list[Suite]:
    """Every test suite of one JUnit XML file; SourceError when unreadable or malformed."""
    label = label or str(path)
    root = read_xml(path, label)
    if root.tag not in ("testsuites", "testsuite"):
        raise SourceError(label, f"not JUnit XML (root element <{root.tag}>)")
    out: list[Suite] = []
    left = _walk(root, label, [], out)
    if left and out:
        first = out[0]
        out[0] = replace(first, contradictions=first.contradictions + tuple(left))
    elif left:
        # No suite holds a case, yet the attributes count some: keep the disagreement.
        out.append(Suite(root.get("name", ""), label, 0, 0, 0, 0, None, contradictions=tuple(left)))
    return out


def _matches(text: str, patterns: list[str]) -> bool:
    t = text.lower()
    return any(fnmatch.fnmatchcase(t, p.lower()) for p in patterns)


def classify(suite: Suite, unit: list[str], integration: list[str]) -> Kind | None:
    """ "unit", "integration" or None, by the suite's name, then its file, then (when all
    agree) its test cases' class names. Integration wins a tie: it is the stricter label."""
    for text in (suite.name, suite.file):
        if _matches(text, integration):
            return "integration"
        if _matches(text, unit):
            return "unit"
    if suite.classnames:
        if all(_matches(c, integration) for c in suite.classnames):
            return "integration"
        if all(_matches(c, unit) for c in suite.classnames):
            return "unit"
    return None
