"""09 Testing: coverage reports, unit and integration results, and a continuous
end-to-end probe that something alerts on.

`collect(params)` reads the coverage reports (Cobertura, JaCoCo, LCOV) and the JUnit XML
files of the repository, and asks the review's Prometheus (observability.prometheus)
for `probe_success` (its freshness and success rate over `testing.e2e_window`) and for the
alerting rules that watch it. The three checks are pure functions of its evidence.
"""

from __future__ import annotations

import glob
import math
from dataclasses import dataclass, field
from pathlib import Path

from .. import catalog, promql
from ..errors import SourceError
from ..model import Check, Evidence, Status
from ..params import Params, Testing
from ..sources import connect, junit
from ..sources import coverage as cov
from ..sources.connect import server_url
from ..sources.prometheus import Rule
from .base import check, checks_of, repo_relative, run_checks

SECTION = "testing"
PROBE_METRIC = "probe_success"


@dataclass(frozen=True)
class E2E:
    selector: str
    prometheus_url: str | None = None
    error: str | None = None  # Prometheus not configured, down, or the query refused
    instances: tuple[str, ...] = ()
    age_s: float | None = None  # age of the newest probe_success sample
    last_value: float | None = None
    success_rate: float | None = None  # over the window
    alerts: tuple[Rule, ...] = ()  # alerting rules whose expression uses probe_success
    queries: tuple[str, ...] = ()


@dataclass(frozen=True)
class TestingEvidence:
    repository: Path
    coverage: tuple[cov.Coverage, ...] = ()
    coverage_errors: tuple[str, ...] = ()
    coverage_unmatched: tuple[str, ...] = ()  # configured paths that matched no file
    suites: tuple[junit.Suite, ...] = ()
    junit_errors: tuple[str, ...] = ()
    junit_unmatched: tuple[str, ...] = ()
    e2e: E2E = field(default_factory=lambda: E2E(""))


# --------------------------------------------------------------------------- collect


def _glob(repository: Path, pattern: str) -> list[Path]:
    root = repository.resolve()
    found = sorted(Path(p) for p in glob.glob(str(root / pattern), recursive=True))
    return [p for p in found if p.is_file() and p.resolve().is_relative_to(root)]


def probe_queries(selector: str, window: str) -> dict[str, str]:
    sel = f"{PROBE_METRIC}{{{selector}}}"
    return {
        "age": f"time() - timestamp({sel})",
        "last": sel,
        "rate": f"avg_over_time({sel}[{window}])",
    }


def _e2e(params: Params) -> E2E:
    t = params.testing
    sel = t.e2e_selector
    url = server_url(params.observability.prometheus)
    try:
        client = connect.prometheus(params.observability.prometheus)
    except SourceError as e:
        return E2E(sel, url, error=f"Prometheus: {e.message}")
    if client is None:
        return E2E(
            sel,
            url,
            error="no Prometheus configured (set observability.prometheus.url, or the "
            "variable named by url_env)",
        )
    q = probe_queries(sel, promql.format_duration(t.e2e_window))
    try:
        age = client.query(q["age"])
        last = client.query(q["last"])
        rate = client.query(q["rate"])
        groups = client.rules()
    except SourceError as e:
        return E2E(sel, url, error=f"{e.source}: {e.message}", queries=tuple(q.values()))
    alerts = tuple(
        r for g in groups for r in g.rules if r.kind == "alerting" and PROBE_METRIC in r.query
    )
    instances = tuple(sorted({s.labels.get("instance", "?") for s in last}))
    rates = [s.value for s in rate if not math.isnan(s.value)]
    return E2E(
        sel,
        url,
        instances=instances,
        age_s=max((s.value for s in age), default=None),
        last_value=min((s.value for s in last), default=None),
        success_rate=min(rates) if rates else None,
        alerts=alerts,
        queries=tuple(q.values()),
    )


def collect(params: Params) -> TestingEvidence:
    """Read coverage and JUnit files and ask Prometheus about the e2e probe."""
    t = params.testing
    repo = params.repository
    reports, cov_errors, cov_unmatched = [], [], []
    for spec in t.coverage:
        paths = _glob(repo, spec.path)
        if not paths:
            cov_unmatched.append(spec.path)
        for p in paths:
            try:
                reports.append(cov.parse(p, spec.format, repo_relative(p, repo)))
            except SourceError as e:
                cov_errors.append(f"{e.source}: {e.message}")
    suites, junit_errors, junit_unmatched = [], [], []
    for pattern in t.junit:
        paths = _glob(repo, pattern)
        if not paths:
            junit_unmatched.append(pattern)
        for p in paths:
            try:
                suites += junit.parse(p, repo_relative(p, repo))
            except SourceError as e:
                junit_errors.append(f"{e.source}: {e.message}")
    return TestingEvidence(
        repo,
        tuple(reports),
        tuple(cov_errors),
        tuple(cov_unmatched),
        tuple(suites),
        tuple(junit_errors),
        tuple(junit_unmatched),
        _e2e(params),
    )


# --------------------------------------------------------------------------- checks


def _pct(r: float | None) -> str:
    return "not measured" if r is None else f"{r:.1%}"


COVERAGE_FIX = (
    "Write a coverage report in CI (coverage.py `coverage xml`, JaCoCo, or LCOV from "
    "c8/nyc/gcov) and list it under testing.coverage in the parameters."
)


def _coverage_evidence(ev: TestingEvidence, total: cov.Coverage, t: Testing) -> list[Evidence]:
    """Each report's rates, the least covered files, the thresholds, and where the
    report's totals contradict its elements."""
    evidence = [
        Evidence(
            label=f"{r.source} ({r.format})",
            value=f"lines {_pct(r.line_rate)} ({r.lines_covered}/{r.lines_valid}), "
            f"branches {_pct(r.branch_rate)}"
            + (f" ({r.branches_covered}/{r.branches_valid})" if r.branches_valid else ""),
            location=r.source,
        )
        for r in ev.coverage
    ]
    least = sorted(
        (f for f in total.files if f.line_rate is not None), key=lambda f: f.line_rate or 0
    )[:3]
    if least:
        evidence.append(
            Evidence(
                label="least covered files",
                value=", ".join(f"{f.name} {_pct(f.line_rate)}" for f in least),
            )
        )
    evidence.append(
        Evidence(
            label="thresholds",
            value=f"lines {t.line_threshold:.0%}"
            + (f", branches {t.branch_threshold:.0%}" if t.branch_threshold is not None else ""),
        )
    )
    for c in total.contradictions:
        evidence.append(Evidence(label="totals contradict the elements", value=c))
    return evidence


def _shortfalls(line_rate: float, branch_rate: float | None, t: Testing) -> list[str]:
    """The coverage rates under their thresholds, as phrases."""
    short = []
    if line_rate < t.line_threshold:
        short.append(f"line coverage {_pct(line_rate)} < {t.line_threshold:.0%}")
    if (
        t.branch_threshold is not None
        and branch_rate is not None
        and branch_rate < t.branch_threshold
    ):
        short.append(f"branch coverage {_pct(branch_rate)} < {t.branch_threshold:.0%}")
    return short


@check("testing.coverage")
def coverage(ev: TestingEvidence, params: Params) -> Check:
    cid = "testing.coverage"
    t = params.testing
    if ev.coverage_errors:
        return catalog.error(
            cid,
            "cannot read coverage: " + "; ".join(ev.coverage_errors),
            "Fix or regenerate the report; its format must be Cobertura, JaCoCo or LCOV.",
        )
    if not ev.coverage:
        where = ", ".join(ev.coverage_unmatched) or "none configured (testing.coverage)"
        return catalog.make(
            cid, Status.FAIL, f"no coverage report found ({where})", [], COVERAGE_FIX
        )
    total = cov.combine(list(ev.coverage))
    assert total is not None
    evidence = _coverage_evidence(ev, total, t)
    data = {"line_rate": total.line_rate, "branch_rate": total.branch_rate}
    if total.line_rate is None:
        return catalog.make(
            cid, Status.FAIL, "the coverage report measured no lines", evidence, COVERAGE_FIX
        )
    short = _shortfalls(total.line_rate, total.branch_rate, t)
    if short:
        return catalog.make(
            cid,
            Status.FAIL,
            "; ".join(short),
            evidence,
            "Add tests for the least covered code (above), or lower the threshold in the "
            "parameters with a reason the reviewers accept.",
            **data,
        )
    branch_note = (
        "branches not measured (run coverage with branch measurement to judge them)"
        if total.branch_rate is None
        else f"branches {_pct(total.branch_rate)}"
    )
    status = (
        Status.WARN if total.branch_rate is None and t.branch_threshold is not None else Status.PASS
    )
    if total.contradictions:
        return catalog.make(
            cid,
            Status.WARN,
            f"lines {_pct(total.line_rate)}, {branch_note} (counted from the report's "
            f"elements), but its totals disagree: {'; '.join(total.contradictions[:2])}",
            evidence,
            "Regenerate the coverage report with the tool itself: totals that disagree with "
            "the lines they sum were edited, merged or cut short.",
            **data,
        )
    return catalog.make(
        cid,
        status,
        f"lines {_pct(total.line_rate)}, {branch_note}",
        evidence,
        "Turn on branch coverage (coverage.py --branch, c8 default, JaCoCo BRANCH counter)."
        if status is Status.WARN
        else "",
        **data,
    )


def _suite_evidence(by_kind: dict[str, list[junit.Suite]]) -> list[Evidence]:
    """Per kind: its suites, tests, failures, skips and reruns; then each failed test."""
    evidence = []
    for kind, suites in by_kind.items():
        if not suites and kind == "unclassified":
            continue
        tests = sum(s.tests for s in suites)
        bad = sum(s.failures + s.errors for s in suites)
        skipped = sum(s.skipped for s in suites)
        flaky = sum(s.flaky for s in suites)
        files = sorted({s.file for s in suites})
        evidence.append(
            Evidence(
                label=f"{kind} suites",
                value=f"{len(suites)} suites, {tests} tests, {bad} failed, {skipped} skipped"
                + (f", {flaky} flaky (passed on a rerun)" if flaky else "")
                if suites
                else "none found",
                location=", ".join(files) or None,
            )
        )
        for s in suites:
            for f in s.failed:
                evidence.append(Evidence(label=f"failed ({kind})", value=f, location=s.file))
    return evidence


@check("testing.unit-and-integration")
def unit_and_integration(ev: TestingEvidence, params: Params) -> Check:
    cid = "testing.unit-and-integration"
    t = params.testing
    if ev.junit_errors:
        return catalog.error(
            cid,
            "cannot read test results: " + "; ".join(ev.junit_errors),
            "Regenerate the JUnit XML (pytest --junitxml, Surefire, Gradle); it must be "
            "well-formed XML.",
        )
    by_kind: dict[str, list[junit.Suite]] = {"unit": [], "integration": [], "unclassified": []}
    for s in ev.suites:
        got = junit.classify(s, t.unit_patterns, t.integration_patterns)
        by_kind[got or "unclassified"].append(s)
    evidence = _suite_evidence(by_kind)
    fix_find = (
        "Write JUnit XML for both suites in CI (e.g. pytest tests/unit --junitxml=results/"
        "junit/unit.xml) and set testing.junit and the unit/integration patterns."
    )
    problems = []
    for name in ("unit", "integration"):
        if not by_kind[name]:
            problems.append(f"no {name} suite found")
        elif sum(s.ran for s in by_kind[name]) == 0:
            problems.append(f"the {name} suites ran no tests")
    failing = [s for s in ev.suites if not s.ok]
    if failing:
        n = sum(s.failures + s.errors for s in failing)
        problems.insert(0, f"{n} failing tests in {', '.join(sorted({s.file for s in failing}))}")
    counts = {k: sum(s.tests for s in v) for k, v in by_kind.items()}
    contradictions = [f"{s.file}: {c}" for s in ev.suites for c in s.contradictions]
    for c in contradictions:
        evidence.append(Evidence(label="attributes contradict the test cases", value=c))
    if problems:
        return catalog.make(
            cid,
            Status.FAIL,
            "; ".join(problems),
            evidence,
            "Fix the failing tests." if failing else fix_find,
            **counts,
        )
    if contradictions:
        return catalog.make(
            cid,
            Status.WARN,
            f"unit: {counts['unit']} tests, integration: {counts['integration']} tests, no "
            f"failing test case, but the files' counts disagree with their test cases: "
            + "; ".join(contradictions[:3])
            + (f" (and {len(contradictions) - 3} more)" if len(contradictions) > 3 else ""),
            evidence,
            "Regenerate the JUnit XML with the test runner itself: a file whose suite counts "
            "disagree with its test cases was edited, merged or cut short.",
            **counts,
        )
    return catalog.make(
        cid,
        Status.PASS,
        f"unit: {counts['unit']} tests, integration: {counts['integration']} tests, no failures",
        evidence,
        "",
        **counts,
    )


E2E_FIX = (
    "Probe the service end to end continuously (Prometheus blackbox exporter on /readyz or a "
    "real API call), scrape it, and add an alerting rule on probe_success with a runbook_url."
)


def _e2e_evidence(e: E2E, window: str, t: Testing) -> list[Evidence]:
    """The probed targets, the newest sample, the success rate and the alerts, each with
    the query that gave it."""
    return [
        Evidence(
            label="probe_success",
            value=f"{len(e.instances)} probed targets: {', '.join(e.instances)}"
            if e.instances
            else "no series",
            location=e.queries[1] if len(e.queries) > 1 else None,
        ),
        Evidence(
            label="newest sample",
            value="none" if e.age_s is None else f"{e.age_s:.0f} s old",
            location=e.queries[0] if e.queries else None,
        ),
        Evidence(
            label=f"success rate over {window}",
            value=_pct(e.success_rate) + f" (minimum {t.e2e_min_success:.1%})",
            location=e.queries[2] if len(e.queries) > 2 else None,
        ),
        Evidence(
            label="alerting rules on probe_success",
            value=", ".join(f"{r.name} ({r.file})" for r in e.alerts) or "none",
        ),
    ]


@check("testing.e2e-continuous")
def e2e_continuous(ev: TestingEvidence, params: Params) -> Check:
    cid = "testing.e2e-continuous"
    t = params.testing
    e = ev.e2e
    if e.error is not None:
        return catalog.error(
            cid, e.error, "Point observability.prometheus at the Prometheus that scrapes the probe."
        )
    window = promql.format_duration(t.e2e_window)
    evidence = _e2e_evidence(e, window, t)
    data = {
        "age_s": e.age_s,
        "success_rate": e.success_rate,
        "alerts": [r.name for r in e.alerts],
    }
    if not e.instances:
        return catalog.make(
            cid,
            Status.FAIL,
            f"no probe_success{{{e.selector}}} series in Prometheus: nothing probes the "
            "service end to end",
            evidence,
            E2E_FIX,
            **data,
        )
    problems = []
    if e.age_s is None or e.age_s > t.e2e_max_age_s:
        problems.append(
            f"the newest probe sample is {'missing' if e.age_s is None else f'{e.age_s:.0f} s old'}"
            f" (allowed {t.e2e_max_age_s:.0f} s)"
        )
    if e.success_rate is None or e.success_rate < t.e2e_min_success:
        problems.append(
            f"success rate over {window} {_pct(e.success_rate)} < {t.e2e_min_success:.1%}"
        )
    if not e.alerts:
        problems.append("no alerting rule watches probe_success")
    if problems:
        return catalog.make(cid, Status.FAIL, "; ".join(problems), evidence, E2E_FIX, **data)
    return catalog.make(
        cid,
        Status.PASS,
        f"probe fresh ({e.age_s:.0f} s), success {_pct(e.success_rate)} over {window}, "
        f"alerted on by {', '.join(r.name for r in e.alerts)}",
        evidence,
        "",
        **data,
    )


CHECKS = checks_of(SECTION, globals())


def evaluate(params: Params) -> list[Check]:
    """Every testing check, in the catalog's order."""
    return run_checks(CHECKS, params, lambda: collect(params))
