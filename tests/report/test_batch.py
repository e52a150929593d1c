"""Batch runs: services reviewed concurrently on one pool, one failing service does not
stop the others, a summary table, and the worst outcome as the exit code."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import minirun
import pytest
from conftest import ROOT

from golive_lib.model import Decision
from golive_lib.report import batch
from golive_lib.report.run import ProgressEvent, RunOptions, RunOutcome, run


def services(tmp: Path, names: list[str]) -> list[Path]:
    (tmp / "repo").mkdir(exist_ok=True)
    paths = []
    for name in names:
        path = tmp / f"{name}.yaml"
        path.write_text(minirun.PARAMS.format(name=name), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    """One CLI run of three services; `broken` cannot be reviewed: reports/broken is a
    file, so its report folder cannot be created."""
    tmp = tmp_path_factory.mktemp("batch")
    nbdir = minirun.notebooks(tmp / "notebooks")
    out = tmp / "reports"
    out.mkdir()
    (out / "broken").write_text("not a folder", encoding="utf-8")
    paths = services(tmp, ["alpha", "broken", "gamma"])
    cmd = [sys.executable, "-m", "golive_lib", "run", *map(str, paths)]
    cmd += ["--out", str(out), "--notebooks", str(nbdir), "--workers", "2"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    return proc, out


def test_one_failing_service_does_not_stop_the_others(batch_run):
    proc, out = batch_run
    folders = [Path(line) for line in proc.stdout.splitlines()]
    assert sorted(f.parent.name for f in folders) == ["alpha", "gamma"]
    for folder in folders:
        doc = json.loads((folder / "results.json").read_text())
        assert doc["decision"] == "no-go"  # minirun plants one failing blocking check
        assert (folder / "report.html").is_file()
    assert (out / "broken").read_text() == "not a folder"
    assert (out / "index.html").is_file()  # the portfolio lists the reviewed services


def test_exit_code_is_the_worst_outcome(batch_run):
    proc, _ = batch_run
    assert proc.returncode == batch.EXIT_INTERNAL, proc.stderr


def test_summary_table_names_every_service(batch_run):
    proc, out = batch_run
    lines = proc.stderr.splitlines()
    header = next(
        i
        for i, line in enumerate(lines)
        if line.split()[:4] == ["service", "decision", "counts", "report"]
    )
    rows = {line.split()[0]: line for line in lines[header + 1 : header + 4]}
    assert set(rows) == {"alpha", "broken", "gamma"}
    assert "NO-GO" in rows["alpha"] and str(out / "alpha") in rows["alpha"]
    assert "NOT REVIEWED" in rows["broken"] and "FileExistsError" in rows["broken"]
    assert "1 fail" in rows["gamma"]


def test_services_run_concurrently_with_section_progress(tmp_path):
    nbdir = minirun.notebooks(tmp_path / "notebooks")
    events: list[ProgressEvent] = []
    options = RunOptions(
        out=tmp_path / "reports", notebooks_dir=nbdir, workers=2, events=events.append
    )
    outcomes = run(services(tmp_path, ["one", "two"]), options)
    assert [o.service for o in outcomes] == ["one", "two"]
    assert all(o.ok and o.decision is Decision.NO_GO for o in outcomes)
    starts = [i for i, e in enumerate(events) if e.stage == "start"]
    dones = [i for i, e in enumerate(events) if e.stage == "done"]
    assert len(starts) == 2 and len(dones) == 2
    assert max(starts) < min(dones)  # the second began before the first ended
    sections = [e for e in events if e.stage == "section"]
    assert {(e.service, e.section) for e in sections} == {("one", "cicd"), ("two", "cicd")}
    assert all(e.total == 3 for e in events if e.stage == "start")  # cicd, summary, render
    # the portfolio lists both, however soon after the first the second ended
    page = (tmp_path / "reports" / "index.html").read_text()
    assert all(f"{o.service}/{o.folder.name}/index.html" in page for o in outcomes if o.folder)


def test_a_run_told_so_leaves_the_portfolio_to_its_caller(tmp_path):
    nbdir = minirun.notebooks(tmp_path / "notebooks")
    out = tmp_path / "reports"
    options = RunOptions(out=out, notebooks_dir=nbdir, workers=1, portfolio=False)
    [outcome] = run(services(tmp_path, ["solo"]), options)
    assert outcome.ok and outcome.folder is not None and outcome.folder.is_dir()
    assert not (out / "index.html").exists()  # a Dask review process: its client writes it


def test_exit_code_and_table_rules():
    go = RunOutcome("a", Path("r/a/1"), Decision.GO, {"pass": 3})
    no = RunOutcome("b", Path("r/b/1"), Decision.NO_GO, {"pass": 1, "fail": 2})
    lost = RunOutcome("c", None, None, {}, "OSError: disk full")
    blocking = lambda o: o.decision is Decision.NO_GO  # noqa: E731
    assert batch.exit_code([go], blocking) == 0
    assert batch.exit_code([go, no], blocking) == 1
    assert batch.exit_code([lost, go, no], blocking) == 3
    rows = batch.summary_rows([no, lost])
    assert rows[0] == ("b", "NO-GO", "1 pass, 2 fail", "r/b/1")
    assert rows[1] == ("c", "NOT REVIEWED", "", "error: OSError: disk full")


class Terminal(io.StringIO):
    """A stream that says it is a terminal, so the rich display is used."""

    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_rich_bars_and_table_ci_gets_plain_lines():
    tty = Terminal()
    with batch.progress_display(["alpha", "beta"], tty) as (progress, events):
        assert events is not None
        progress("hidden: the bars replace plain lines")
        events(ProgressEvent("alpha", "start", "executing 1 section notebooks", total=3))
        events(ProgressEvent("alpha", "section", "cicd done in 1.0s", "cicd", 1, 3))
        events(ProgressEvent("beta", "failed", "could not be reviewed: OSError: disk full"))
    shown = tty.getvalue()
    assert "alpha" in shown and "beta" in shown and "disk full" in shown
    assert "hidden" not in shown
    batch.print_summary([RunOutcome("alpha", Path("r/alpha/d"), Decision.GO, {"pass": 2})], tty)
    assert "GO" in tty.getvalue() and "r/alpha/d" in tty.getvalue()

    ci = io.StringIO()
    with batch.progress_display(["alpha"], ci) as (progress, events):
        assert events is None
        progress("alpha: cicd done in 1.0s")
    assert ci.getvalue() == "golive: alpha: cicd done in 1.0s\n"
