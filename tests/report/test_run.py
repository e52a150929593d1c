"""The report pipeline on small notebooks written by the test: real papermill, real kernels."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOKS, assert_valid_results
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from golive_lib.params import load_params
from golive_lib.report import render
from golive_lib.report.run import RunOptions, review, run

PARAMS = """\
schema_version: 1
service: {name: demo-svc, owner_team: t, escalation: e, tier: 1}
repository: repo
"""

EMIT = """\
from golive_lib import catalog
from golive_lib.model import Status
from golive_lib.notebook import Review
review = Review.start({section!r}, params_path, run_date)
"""


def notebook(path: Path, section: str, body: list[str]) -> None:
    params = new_code_cell('params_path = "unused.yaml"\nrun_date = None')
    params.metadata["tags"] = ["parameters"]
    cells = [
        new_markdown_cell(f"# {section} narrative"),
        params,
        new_code_cell(EMIT.format(section=section)),
    ]
    cells += [new_code_cell(src) for src in body]
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, str(path))


FIGURE = (
    "from golive_lib import plots\n"
    "plots.show({'data': [{'type': 'bar', 'x': ['a', 'b'], 'y': [1, 2]}],\n"
    "            'layout': {'title': {'text': 'f'}}})"
)


@pytest.fixture
def notebooks(tmp_path: Path) -> Path:
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    shutil.copy(NOTEBOOKS / "00_summary.ipynb", nbdir)
    notebook(
        nbdir / "01_architecture.ipynb",
        "architecture",
        [
            "review.show(catalog.make('architecture.doc-present', Status.PASS, 'overview found'))",
            FIGURE,
            "raise RuntimeError('disk on fire')",
            "review.show(catalog.make('architecture.diagram', Status.PASS, 'never reached'))",
        ],
    )
    notebook(
        nbdir / "02_cicd.ipynb",
        "cicd",
        [
            f"review.show(catalog.make({c!r}, Status.PASS, 'fine'))"
            for c in (
                "cicd.pipeline-present",
                "cicd.docker-build",
                "cicd.dockerfile-lint",
                "cicd.code-lint",
                "cicd.unit-tests",
                "cicd.integration-tests",
                "cicd.image-release",
                "cicd.deploy-environments",
                "cicd.dockerfile-clean",
                "cicd.release-documented",
            )
        ]
        + [FIGURE, "review.table()"],
    )
    return nbdir


@pytest.fixture
def params_path(write_params) -> Path:
    return write_params(PARAMS)


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_raising_cell_still_gives_a_complete_report(tmp_path, notebooks, params_path):
    out = tmp_path / "reports"
    options = RunOptions(out=out, notebooks_dir=notebooks, workers=2, run_date=date(2026, 1, 2))
    [outcome] = run([params_path], options)
    folder = out / "demo-svc" / "2026-01-02"
    assert outcome.folder == folder
    names = {p.name for p in folder.iterdir()}
    assert names == {
        "00_summary.ipynb",
        "00_summary.html",
        "01_architecture.ipynb",
        "01_architecture.html",
        "02_cicd.ipynb",
        "02_cicd.html",
        "index.html",
        "report.html",
        "results.json",
        "junit.xml",
        "plotly.min.js",  # the section pages' charts share it
        "golive.css",  # and JupyterLab's stylesheet
    }
    results = json.loads((folder / "results.json").read_text())
    assert_valid_results(results)
    by_id = {c["id"]: c for c in results["checks"]}
    assert by_id["architecture.doc-present"]["status"] == "pass"  # emitted before the error: kept
    diagram = by_id["architecture.diagram"]
    assert diagram["status"] == "error"
    assert (
        "failed at cell" in diagram["summary"]
        and "RuntimeError: disk on fire" in diagram["summary"]
    )
    assert by_id["cicd.unit-tests"]["status"] == "pass"  # the other section went on
    assert by_id["cicd.pinned-dependencies"]["status"] == "error"  # never emitted
    assert results["decision"] == "no-go" and outcome.decision.value == "no-go"
    sections = {s["id"]: s for s in results["sections"]}
    assert "disk on fire" in sections["architecture"]["execution_error"]
    assert sections["cicd"]["execution_error"] is None
    # the error is visible in the rendered section, and inputs are hidden
    arch_html = (folder / "01_architecture.html").read_text()
    assert "disk on fire" in arch_html
    assert "review = Review.start" not in arch_html
    assert "unused.yaml" not in arch_html  # parameters cells are not rendered
    # junit: error -> <error>, pass -> no failure
    junit = (folder / "junit.xml").read_text()
    assert 'name="architecture.diagram"' in junit and "<error" in junit
    # index shows the decision and every check
    index = (folder / "index.html").read_text()
    assert "NO-GO" in index and "cicd.release-documented" in index
    # no temporary folder is left behind
    assert [p.name for p in (out / "demo-svc").iterdir()] == ["2026-01-02"]


def test_report_html_embeds_plotly_once_and_fetches_nothing(tmp_path, notebooks, params_path):
    out = tmp_path / "reports"
    [outcome] = run([params_path], RunOptions(out=out, notebooks_dir=notebooks, workers=2))
    report = (outcome.folder / "report.html").read_text()
    assert report.count("plotly.js v") == 1  # the library's banner comment, inlined once
    assert report.count("Plotly.newPlot") >= 3  # summary + two section figures
    assert "<script src=" not in report.replace('<script src="data:', "")
    for anchor in ("summary", "architecture", "cicd"):
        assert f'id="{anchor}"' in report
    # executed notebooks keep plotly's JSON only, not the library
    for nb in outcome.folder.glob("*.ipynb"):
        assert nb.stat().st_size < 200_000, nb
        assert "plotly.js v" not in nb.read_text()


def test_a_second_run_the_same_day_gets_a_new_folder_and_keeps_the_first(
    tmp_path, notebooks, params_path
):
    out = tmp_path / "reports"
    options = RunOptions(
        out=out, notebooks_dir=notebooks, workers=2, run_date=date(2026, 3, 4), sections=("cicd",)
    )
    [first] = run([params_path], options)
    before = digest(first.folder)
    [second] = run([params_path], options)
    assert first.folder.name == "2026-03-04" and second.folder.name == "2026-03-04-2"
    assert digest(first.folder) == before
    results = json.loads((second.folder / "results.json").read_text())
    assert {s["id"] for s in results["sections"]} == {"cicd"}  # --sections honoured


def test_a_failure_while_rendering_leaves_no_half_report(
    tmp_path, notebooks, params_path, monkeypatch
):
    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(render, "render_notebook", broken)
    out = tmp_path / "reports"
    params = load_params(params_path)
    options = RunOptions(out=out, notebooks_dir=notebooks, sections=("cicd",))
    with ThreadPoolExecutor(2) as pool, pytest.raises(OSError, match="disk full"):
        review(params_path, params, options, pool)
    assert list((out / "demo-svc").iterdir()) == []


def test_a_cell_timeout_is_an_error_result_not_a_hang(tmp_path, params_path):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    notebook(
        nbdir / "02_cicd.ipynb",
        "cicd",
        [
            "review.show(catalog.make('cicd.pipeline-present', Status.PASS, 'ok'))",
            "import time; time.sleep(60)",
        ],
    )
    options = RunOptions(out=tmp_path / "r", notebooks_dir=nbdir, cell_timeout_s=3)
    [outcome] = run([params_path], options)
    results = json.loads((outcome.folder / "results.json").read_text())
    by_id = {c["id"]: c for c in results["checks"]}
    assert by_id["cicd.pipeline-present"]["status"] == "pass"
    assert by_id["cicd.docker-build"]["status"] == "error"
    assert "timed out" in by_id["cicd.docker-build"]["summary"].lower()


def test_a_kernel_that_dies_keeps_the_checks_shown_before_it(tmp_path, params_path):
    # the notebook is saved once, when execution ends in any way: also after a dead kernel
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    notebook(
        nbdir / "02_cicd.ipynb",
        "cicd",
        [
            "review.show(catalog.make('cicd.pipeline-present', Status.PASS, 'ok'))",
            "import os; os._exit(9)",
        ],
    )
    options = RunOptions(out=tmp_path / "r", notebooks_dir=nbdir)
    [outcome] = run([params_path], options)
    results = json.loads((outcome.folder / "results.json").read_text())
    by_id = {c["id"]: c for c in results["checks"]}
    assert by_id["cicd.pipeline-present"]["status"] == "pass"
    assert by_id["cicd.docker-build"]["status"] == "error"
    assert "dead" in by_id["cicd.docker-build"]["summary"].lower()


@pytest.mark.parametrize("name", ["../escape", "..", "a/../../b", "/abs"])
def test_a_service_folder_can_never_leave_the_reports_folder(tmp_path, name):
    from golive_lib.errors import ParamsError
    from golive_lib.report.placement import service_folder

    with pytest.raises(ParamsError, match="would leave the reports folder"):
        service_folder(tmp_path / "reports", name)
    assert service_folder(tmp_path / "reports", "ok-svc") == (tmp_path / "reports" / "ok-svc")


def test_abandoned_temporary_folders_are_swept_and_live_ones_kept(tmp_path):
    import os
    import subprocess
    import sys

    from golive_lib.report.placement import _hold, _sweep_stale

    service = tmp_path / "svc"
    service.mkdir()
    # a review killed outright: its folder and lock file remain, nobody holds the lock
    killed = service / ".tmp-2026-11-27-killed"
    killed.mkdir()
    fd = _hold(killed)
    (killed / "01_architecture.ipynb").write_text("{}")
    os.close(fd)
    # a review running in another process: its lock is held
    running = service / ".tmp-2026-11-27-running"
    running.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(running / '.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        # one that has not locked yet (just created), and one from before locks existed
        fresh = service / ".tmp-2026-11-27-fresh"
        fresh.mkdir()
        ancient = service / ".tmp-2025-01-01-old"
        ancient.mkdir()
        os.utime(ancient, (0, 0))
        report = service / "2026-11-26"
        report.mkdir()
        _sweep_stale(service)
        assert sorted(p.name for p in service.iterdir()) == [
            ".tmp-2026-11-27-fresh",
            ".tmp-2026-11-27-running",
            "2026-11-26",
        ]
    finally:
        holder.kill()
        holder.wait()
    _sweep_stale(service)  # the holder is gone: its folder goes too
    assert not running.exists()


@pytest.mark.skipif(shutil.which("taskset") is None, reason="needs taskset (util-linux)")
def test_without_workers_a_run_uses_the_cpus_it_may_run_on():
    """`--workers` left out: as many notebook processes as the CPUs this process may run
    on (taskset, a container's cpuset), up to 4; not the machine's count."""
    code = "from golive_lib.report import default_workers; print(default_workers())"
    pinned = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert pinned.stdout.strip() == "1"
    free = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert free.stdout.strip() == str(min(4, len(os.sched_getaffinity(0))))
