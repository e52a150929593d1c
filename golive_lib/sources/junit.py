"""JUnit XML test results (pytest, Maven Surefire/Failsafe, Gradle, Jest...), as suites.

`parse(path)` returns every ``<testsuite>`` with its counts (from its attributes, else
counted from its ``<testcase>`` children) and the first failed cases. `classify` puts a
suite in "unit" or "integration" by fnmatch patterns on its name, its file and its
test cases' class names.
"""

from __future__ import annotations

import fnmatch
import xml.etree.ElementTree as ET
from dataclasses import dataclass
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

    @property
    def ok(self) -> bool:
        return self.failures == 0 and self.errors == 0

    @property
    def ran(self) -> int:
        return self.tests - self.skipped


def _count(el: ET.Element, attr: str, label: str) -> int | None:
    raw = el.get(attr)
    if raw is None or raw == "":
        return None
    try:
        return int(float(raw))
    except ValueError as e:
        raise SourceError(label, f"<testsuite name={el.get('name')!r}> {attr}={raw!r}") from e


def _or(value: int | None, counted: int) -> int:
    return counted if value is None else value


def _suite(el: ET.Element, label: str) -> Suite:
    cases = el.findall("testcase")
    failed: list[str] = []
    n_fail = n_err = n_skip = 0
    for c in cases:
        for kind in ("failure", "error"):
            hit = c.find(kind)
            if hit is not None:
                n_fail += kind == "failure"
                n_err += kind == "error"
                if len(failed) < MAX_FAILED_SHOWN:
                    msg = (hit.get("message") or (hit.text or "").strip()).splitlines()
                    failed.append(
                        f"{c.get('classname', '')}.{c.get('name', '?')}".lstrip(".")
                        + (f": {msg[0][:160]}" if msg else "")
                    )
        if c.find("skipped") is not None:
            n_skip += 1
    tests = _count(el, "tests", label)
    time_raw = el.get("time")
    try:
        time_s = float(time_raw.replace(",", "")) if time_raw else None
    except ValueError:
        time_s = None
    return Suite(
        name=el.get("name", ""),
        file=label,
        tests=tests if tests is not None else len(cases),
        failures=_or(_count(el, "failures", label), n_fail),
        errors=_or(_count(el, "errors", label), n_err),
        skipped=_or(_count(el, "skipped", label) or _count(el, "disabled", label), n_skip),
        time_s=time_s,
        classnames=tuple(sorted({c.get("classname", "") for c in cases} - {""})),
        failed=tuple(failed),
    )


def parse(path: Path, label: str | None = None) -> list[Suite]:
    """Every test suite of one JUnit XML file; SourceError when unreadable or malformed."""
    label = label or str(path)
    root = read_xml(path, label)
    if root.tag not in ("testsuites", "testsuite"):
        raise SourceError(label, f"not JUnit XML (root element <{root.tag}>)")
    suites = [root] if root.tag == "testsuite" else []
    suites += [s for s in root.iter("testsuite") if s is not root]
    # A suite holding only nested suites (no cases of its own) is a container.
    leaves = [s for s in suites if s.findall("testcase") or not s.findall("testsuite")]
    return [_suite(s, label) for s in leaves]


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
