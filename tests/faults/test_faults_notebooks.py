"""Faults inside the notebooks: a cell that raises, the kernel dying mid-notebook, a drill
that hangs (and prints a secret of the environment before it does).

One run of one service over a notebooks folder of its own: the real summary and disaster-
recovery notebooks, and two small section notebooks written here (architecture: emits a
check, then raises; CI/CD: emits a check, then the kernel process exits). Each fault is in
its own section, so each is seen on its own.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import NOTEBOOKS
from faultkit import (
    SECRETS,
    Batch,
    assert_error,
    assert_report,
    copy_repo,
    example_params,
    run_batch,
    section_notebook,
)

SECTIONS = ("architecture", "cicd", "disaster_recovery")
HANG = (
    "python -c \"import os, signal, time; print('token', os.environ['PROM_TOKEN'], flush=True); "
    'signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"'
)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    work = tmp_path_factory.mktemp("notebooks")
    nbdir = work / "notebooks"
    nbdir.mkdir()
    for name in ("00_summary.ipynb", "03_disaster_recovery.ipynb"):
        shutil.copy(NOTEBOOKS / name, nbdir)
    section_notebook(
        nbdir / "01_architecture.ipynb",
        "architecture",
        [
            "review.show(catalog.make('architecture.doc-present', Status.PASS, 'found'))",
            "raise RuntimeError('the architecture cell broke')",
            "review.show(catalog.make('architecture.diagram', Status.PASS, 'never reached'))",
        ],
    )
    section_notebook(
        nbdir / "02_cicd.ipynb",
        "cicd",
        [
            "review.show(catalog.make('cicd.pipeline-present', Status.PASS, 'found'))",
            "import os\nos._exit(9)  # the kernel process dies mid-notebook",
            "review.show(catalog.make('cicd.docker-build', Status.PASS, 'never reached'))",
        ],
    )
    repo = copy_repo(work / "repo", only=["docs", "ops"])
    doc = example_params("notebook-faults", repo)
    doc["observability"]["prometheus"]["auth"] = {"kind": "bearer", "token_env": "PROM_TOKEN"}
    doc["dr"]["restore"] = {"command": HANG, "verify": "python -c pass", "timeout_s": 2}
    doc["dr"].pop("replay")
    return run_batch(work, [doc], SECTIONS, extra_args=("--notebooks", str(nbdir)))


def test_a_cell_that_raises_leaves_the_notebook_rendered_and_its_checks_errors(
    batch: Batch,
) -> None:
    report = assert_report(batch, "notebook-faults")
    assert report.check("architecture.doc-present")["status"] == "pass"  # shown before
    assert_error(
        report, "architecture.diagram", "01_architecture.ipynb", "RuntimeError", "cell broke"
    )
    page = (report.folder / "01_architecture.html").read_text(encoding="utf-8")
    assert "the architecture cell broke" in page  # the traceback is in the rendered page
    [section] = [s for s in report.results["sections"] if s["id"] == "architecture"]
    assert "the architecture cell broke" in section["execution_error"]


def test_a_kernel_that_dies_mid_notebook_keeps_what_it_showed(batch: Batch) -> None:
    report = assert_report(batch, "notebook-faults")
    assert report.check("cicd.pipeline-present")["status"] == "pass"  # saved before it died
    for check_id in ("cicd.docker-build", "cicd.release-documented"):
        assert_error(report, check_id, "02_cicd.ipynb", "died")
    [section] = [s for s in report.results["sections"] if s["id"] == "cicd"]
    assert "died" in section["execution_error"].lower()


def test_a_drill_that_hangs_is_killed_at_its_timeout_and_is_an_error(batch: Batch) -> None:
    report = assert_report(batch, "notebook-faults")
    restore = assert_error(report, "dr.restore-tested", "timed out after 2 s")
    # the section went on: the documents were read
    assert report.check("dr.plan-documented")["status"] == "pass"
    # it printed the token before hanging: redacted in the evidence and the notebook
    assert "token ***" in (report.folder / "03_disaster_recovery.ipynb").read_text("utf-8")
    assert SECRETS["PROM_TOKEN"] not in str(restore)
