"""Every input file the example's parameters name, missing, empty, truncated and malformed.

What each must give (and does), in a complete report:
- a file the checklist requires that is absent, or present but saying nothing (empty), is
  the finding itself: `fail`, naming the file (or the paths searched);
- a file that is there but cannot be read or parsed (malformed, or a structured file cut
  short) is `error`, naming the file;
- prose cut short (Markdown, log lines) is still prose: whatever the check finds in what
  is left, the report is complete.

One service per mode carries every fault of that mode at once (one file per check, so
no fault hides another: security.gdpr names the erasure procedure's problem beside the
warehouse's); the Locust history, read after its stats by the same check, is spoilt in a
second group of services. The dashboards, read after the SLO files by the same check,
are spoilt in the services of tests/faults/test_faults_prometheus.py (their checks are
independent of Prometheus). Two batch runs here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from faultkit import (
    MODES,
    Batch,
    assert_report,
    copy_repo,
    example_params,
    run_batch,
    spoil_file,
)

ANY = "any"  # prose cut short: no status required, the report is complete


@dataclass(frozen=True)
class Expect:
    file: str
    group: str  # "a" or "b": which service of the mode carries it
    check: str
    missing: str
    empty: str
    truncated: str
    malformed: str
    missing_cause: str | None = None  # what a `missing` summary names instead of the file
    truncated_check: str | None = None

    def status(self, mode: str) -> str:
        return str(getattr(self, mode))

    def check_for(self, mode: str) -> str:
        return self.truncated_check if mode == "truncated" and self.truncated_check else self.check

    def cause(self, mode: str) -> str:
        return self.missing_cause if mode == "missing" and self.missing_cause else self.file


E, F = "error", "fail"
TABLE = [
    Expect("docs/architecture.md", "a", "architecture.doc-present", F, F, ANY, E),
    Expect(
        ".github/workflows/ci.yml",
        "a",
        "cicd.pipeline-present",
        F,
        F,
        ANY,
        E,
        missing_cause=".github/workflows/*.yml",
    ),
    Expect("Dockerfile", "a", "cicd.dockerfile-clean", E, E, ANY, E),
    Expect("README.md", "a", "cicd.release-documented", F, F, ANY, E),
    Expect("docs/dr-plan.md", "a", "dr.plan-documented", F, F, ANY, E),
    Expect("docs/restore.md", "a", "dr.restore-documented", F, F, ANY, E),
    Expect("slo/ingest-api-storage.sloth.yaml", "a", "observability.slo-alerting", E, E, E, E),
    Expect("results/logs/sample.jsonl", "a", "observability.logging", E, F, ANY, F),
    Expect("docs/rollout-plan.md", "a", "rollout.plan-documented", F, F, ANY, E),
    Expect("rollout/seed.sql", "a", "rollout.phase-progress", E, E, E, E),
    Expect("results/loadtest/ingest_stats.csv", "a", "capacity.load-test-present", E, E, E, E),
    Expect("results/scans/pip-audit.json", "a", "security.dependency-scan", E, E, E, E),
    Expect("results/scans/trivy-image.json", "a", "security.image-scan", E, E, E, E),
    Expect("warehouse/seed.sql", "a", "security.snowflake-rbac", E, E, E, E),
    Expect("docs/privacy/erasure.md", "a", "security.gdpr", F, F, ANY, E),
    Expect("results/coverage/coverage.xml", "a", "testing.coverage", F, E, E, E),
    Expect(
        "results/junit/unit.xml",
        "a",
        "testing.unit-and-integration",
        F,
        E,
        E,
        E,
        missing_cause="no unit suite found",
    ),
    Expect(
        "results/loadtest/ingest_stats_history.csv", "b", "capacity.load-test-present", E, E, E, E
    ),
]
SECTIONS = {
    "a": (
        "architecture",
        "cicd",
        "disaster_recovery",
        "observability",
        "rollout",
        "capacity",
        "security",
        "testing",
    ),
    "b": ("capacity",),
}


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Batch]:
    work = {g: tmp_path_factory.mktemp(f"inputs-{g}") for g in SECTIONS}
    docs: dict[str, list[dict[str, object]]] = {g: [] for g in SECTIONS}
    for mode in MODES:
        for group in SECTIONS:
            repo = copy_repo(work[group] / f"repo-{mode}")
            for e in (e for e in TABLE if e.group == group):
                spoil_file(repo / e.file, mode)
            doc = example_params(f"in-{group}-{mode}", repo)
            doc["dr"].pop("restore")  # the drills are not inputs: faster without them
            doc["dr"].pop("replay")
            docs[group].append(doc)
    return {g: run_batch(work[g], docs[g], SECTIONS[g]) for g in SECTIONS}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("expect", TABLE, ids=[e.file for e in TABLE])
def test_a_spoilt_input_file_is_a_finding_or_an_error_naming_it(
    batches: dict[str, Batch], expect: Expect, mode: str
) -> None:
    report = assert_report(batches[expect.group], f"in-{expect.group}-{mode}")
    check = report.check(expect.check_for(mode))
    status = expect.status(mode)
    if status == ANY:
        return  # complete report, earlier one intact, no secret: asserted above
    assert check["status"] == status, (check["id"], check["status"], check["summary"])
    assert expect.cause(mode) in check["summary"], (check["id"], check["summary"])


def test_one_check_names_both_of_its_spoilt_sources(batches: dict[str, Batch]) -> None:
    """security.gdpr with the erasure procedure missing and the warehouse seed missing: the
    procedure's finding decides the status (fail), and the PII inventory it could not read
    is still named."""
    gdpr = assert_report(batches["a"], "in-a-missing").check("security.gdpr")
    assert gdpr["status"] == "fail", gdpr["summary"]
    summary = gdpr["summary"]
    assert "docs/privacy/erasure.md" in summary
    assert "also not evaluated: pii-inventory" in summary and "warehouse/seed.sql" in summary
