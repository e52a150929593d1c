"""`golive run` stopped mid-way (SIGTERM, SIGKILL), then run again twice at once.

One reports folder, one service, in this order: an earlier report is seeded; a run is
stopped with SIGTERM while its notebooks execute; another with SIGKILL; then two runs of
the same service start at the same moment. The two last are the re-runs: they must land
(in <date> and <date>-2) and be confused neither by the hidden temporary folder a SIGKILL
leaves behind nor by each other.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from faultkit import (
    EARLIER,
    TODAY,
    Report,
    assert_complete,
    assert_no_secret,
    copy_repo,
    digest,
    example_params,
    golive,
    popen_golive,
    seed_earlier,
    write_params,
)

SERVICE = "interrupted"
SECTIONS = ("testing",)


def _children() -> dict[int, int]:
    """pid -> parent pid of every process."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def descendants(pid: int) -> set[int]:
    parents = _children()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


@dataclass
class Story:
    out: Path
    service: Path
    earlier: Path
    earlier_digest: dict[str, str]
    after: dict[str, list[str]] = field(default_factory=dict)  # stage -> service folder
    results: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    orphans: set[int] = field(default_factory=set)
    pair: list[subprocess.CompletedProcess[str]] = field(default_factory=list)


def _interrupt(cmd: list[str], work: Path, story: Story, signum: int) -> None:
    """Start a run, wait until its notebooks execute, send ``signum``; once the run ended,
    note what is left of it (processes, folders), then end whatever process remains."""
    name = signal.Signals(signum).name
    known = {p.name for p in story.service.iterdir()}
    proc = popen_golive(*cmd, cwd=work)
    deadline = time.monotonic() + 60
    while True:
        fresh = [p for p in story.service.glob(".tmp-*") if p.name not in known]
        if fresh and any(fresh[0].glob("*.ipynb")):
            break
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "the run never started its notebooks"
        time.sleep(0.02)
    tree = descendants(proc.pid)
    proc.send_signal(signum)
    proc.wait(timeout=120)  # not communicate(): orphans may hold its pipes open
    if signum == signal.SIGKILL:
        time.sleep(3)  # time enough for any process of the killed run to notice and exit
        story.orphans = alive(tree)
    for pid in alive(tree):  # leave nothing running, whatever the verdict
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    stdout, stderr = proc.communicate(timeout=30)
    story.results[name] = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    story.after[name] = sorted(p.name for p in story.service.iterdir())


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    work = tmp_path_factory.mktemp("signals")
    repo = copy_repo(work / "repo", only=["results"])
    params = write_params(work, example_params(SERVICE, repo))
    out = work / "reports"
    earlier = seed_earlier(out, SERVICE, work.parent / "earlier-template")
    s = Story(out, out / SERVICE, earlier, digest(earlier))
    cmd = ["run", str(params), "--out", str(out), "--sections", ",".join(SECTIONS)]

    _interrupt(cmd, work, s, signal.SIGTERM)
    _interrupt(cmd, work, s, signal.SIGKILL)

    procs = [popen_golive(*cmd, cwd=work) for _ in range(2)]
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        s.pair.append(subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr))
    s.results["history"] = golive("history", SERVICE, "--reports", out, cwd=work)
    return s


def test_sigterm_mid_run_leaves_no_report_in_place(story: Story) -> None:
    result = story.results["SIGTERM"]
    assert result.returncode == 143, (result.returncode, result.stderr)  # 128 + SIGTERM
    assert "interrupted" in result.stderr
    assert story.after["SIGTERM"] == [EARLIER]  # no dated folder, no temporary one
    assert digest(story.earlier) == story.earlier_digest
    assert_no_secret(texts=(result.stdout, result.stderr))


def test_sigkill_mid_run_leaves_no_report_in_place(story: Story) -> None:
    assert story.results["SIGKILL"].returncode == -signal.SIGKILL
    left = story.after["SIGKILL"]
    assert [n for n in left if not n.startswith(".tmp-")] == [EARLIER]  # hidden leftovers only
    assert digest(story.earlier) == story.earlier_digest


def test_sigkill_leaves_no_process_of_the_run_behind(story: Story) -> None:
    assert story.orphans == set()


def test_two_runs_at_once_after_the_interrupts_both_land(story: Story) -> None:
    for result in story.pair:
        assert result.returncode in (0, 1), result.stderr
        assert_no_secret(texts=(result.stdout, result.stderr))
    folders = sorted(Path(r.stdout.strip().splitlines()[-1]) for r in story.pair)
    today = TODAY.isoformat()
    assert [f.name for f in folders] == [today, f"{today}-2"]
    assert sorted(n for n in os.listdir(story.service) if not n.startswith(".tmp-")) == [
        EARLIER,
        today,
        f"{today}-2",
    ]
    assert [n for n in story.after["SIGKILL"] if n.startswith(".tmp-")]  # the kill left one
    for folder in folders:
        report = Report(folder, SECTIONS)
        assert_complete(report)  # the SIGKILL's hidden leftover was swept by these runs
        previous = report.results["previous"]["folder"]
        assert previous in (EARLIER, today), previous  # never a temporary folder
        assert all(not h["folder"].startswith(".") for h in report.results["history"])
    assert digest(story.earlier) == story.earlier_digest
    assert_no_secret(story.out)
    # the SIGKILLed run's hidden folder was swept: its lock died with it
    assert [n for n in os.listdir(story.service) if n.startswith(".tmp-")] == []


def test_history_lists_the_dated_runs_only(story: Story) -> None:
    result = story.results["history"]
    assert result.returncode == 0, result.stderr
    today = TODAY.isoformat()
    for name in (EARLIER, today, f"{today}-2"):
        assert name in result.stdout
    assert ".tmp" not in result.stdout and "unreadable" not in result.stdout
    portfolio = (story.out / "index.html").read_text(encoding="utf-8")
    assert SERVICE in portfolio and ".tmp" not in portfolio
    assert json.loads((story.earlier / "results.json").read_text())["service"] == SERVICE
