"""Repository files that lead outside the repository through a symbolic link (the README,
the log sample, a dashboard, the rollout plan, a GDPR document) are refused the same way
as every other evidence file: the check says the file leaves the repository, and nothing
of the target reaches the report. A FIFO where the log sample should be is refused, not
waited on, by the log check and by the secret scan that walks the whole repository.

One batch run: one service whose files are symbolic links out of the repository, one
whose log sample is a FIFO nobody writes to.
"""

from __future__ import annotations

import os
import time

import pytest
from faultkit import Batch, assert_error, assert_report, copy_repo, example_params, run_batch

MARKER = "golive-outside-the-repository-5e1d"
SECTIONS = ("cicd", "observability", "rollout", "security")
LINKED = {
    "cicd.release-documented": "README.md",
    "observability.logging": "results/logs/sample.jsonl",
    "observability.dashboards": "dashboards/ingest-api.json",
    "rollout.plan-documented": "docs/rollout-plan.md",
    "security.gdpr": "docs/privacy/erasure.md",
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    work = tmp_path_factory.mktemp("symlinks")
    outside = work / "outside"
    outside.mkdir()
    linked = copy_repo(work / "linked")
    for rel in LINKED.values():
        target = outside / rel.replace("/", "_")
        # a good file, so only where it lies can make it refused
        target.write_text((linked / rel).read_text(encoding="utf-8") + f"\n{MARKER}\n")
        (linked / rel).unlink()
        (linked / rel).symlink_to(target)
    fifo_repo = copy_repo(work / "fifo")
    (fifo_repo / LINKED["observability.logging"]).unlink()
    os.mkfifo(fifo_repo / LINKED["observability.logging"])
    docs = [example_params("links-out", linked), example_params("log-fifo", fifo_repo)]
    for doc in docs:
        doc["observability"]["log_sample"] = LINKED["observability.logging"]
        doc["rollout"]["plan"] = [LINKED["rollout.plan-documented"]]
    started = time.monotonic()
    result = run_batch(work, docs, SECTIONS)
    result.extra["seconds"] = time.monotonic() - started
    return result


@pytest.mark.parametrize("check_id", list(LINKED))
def test_a_file_linked_outside_the_repository_is_refused_and_not_read(
    batch: Batch, check_id: str
) -> None:
    report = assert_report(batch, "links-out")
    if check_id == "security.gdpr":  # several items: the erasure one says why
        check = report.check(check_id)
        assert check["status"] in ("error", "fail", "pending"), check
        assert "leaves the repository" in str(check["evidence"]) + check["summary"]
    else:
        assert_error(report, check_id, LINKED[check_id], "leaves the repository")
    for path in report.folder.rglob("*"):
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), path


def test_a_fifo_as_the_log_sample_is_refused_not_waited_on(batch: Batch) -> None:
    report = assert_report(batch, "log-fifo")
    assert_error(report, "observability.logging", "not a regular file")
    assert report.check("cicd.release-documented")["status"] != "error"
    assert report.check("security.secrets-in-repo")["status"] != "error"
    assert batch.extra["seconds"] < 240
