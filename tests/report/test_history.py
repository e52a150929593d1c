"""History, diff, `previous` in results.json and the portfolio across three dated runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import minirun
import pytest
from conftest import ROOT, assert_valid_results
from sshkeys import allowed_line, make_key, trusted

from golive_lib import catalog
from golive_lib.report import history, portfolio
from golive_lib.report import signoff as so

WAIVER = """\
waivers:
  - {check: cicd.deploy-environments, reason: prod by hand until February, approver: CTO,
     expires: 2026-01-31}
"""
NOT_APPLICABLE = """\
not_applicable:
  cicd.deploy-environments: deployed by the platform's promotion pipeline
"""


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """svc reviewed on three dates: waived (go), waiver expired (no-go), declared n/a (go);
    plus one run of a second service that is a no-go."""
    base = tmp_path_factory.mktemp("history")
    (base / "repo").mkdir()
    nbdir = minirun.notebooks(base / "nb")
    out = base / "reports"
    params = base / "svc.yaml"
    header = minirun.PARAMS.format(name="svc")
    params.write_text(header + WAIVER)
    first = minirun.review(params, out, nbdir, date(2026, 1, 10)).folder
    second = minirun.review(params, out, nbdir, date(2026, 2, 5)).folder
    params.write_text(header + WAIVER + NOT_APPLICABLE)
    third = minirun.review(params, out, nbdir, date(2026, 2, 6)).folder
    other = base / "other.yaml"
    other.write_text(minirun.PARAMS.format(name="other"))
    minirun.review(other, out, nbdir, date(2026, 2, 1))
    return [first, second, third]


def results(folder: Path) -> dict:  # type: ignore[type-arg]
    doc = json.loads((folder / "results.json").read_text())
    assert_valid_results(doc)
    return doc  # type: ignore[no-any-return]


def golive(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive_lib", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_the_waiver_applies_then_expires_across_the_runs(three_runs):
    docs = [results(f) for f in three_runs]
    status = [{c["id"]: c for c in d["checks"]}["cicd.deploy-environments"]["status"] for d in docs]
    assert status == ["waived", "fail", "n/a"]
    assert [d["decision"] for d in docs] == ["go", "no-go", "go"]
    expired = {c["id"]: c for c in docs[1]["checks"]}["cicd.deploy-environments"]
    assert any("waiver expired on 2026-01-31" in e["value"] for e in expired["evidence"])
    assert docs[0]["waivers"][0]["waived"] == ["cicd.deploy-environments"]
    assert docs[1]["waivers"][0]["expired"] is True and docs[1]["waivers"][0]["waived"] == []


def test_results_json_records_the_previous_run_and_the_history(three_runs):
    first, second, third = (results(f) for f in three_runs)
    assert "previous" not in first and "history" not in first
    assert second["previous"] == {
        "folder": "2026-01-10",
        "date": "2026-01-10",
        "decision": "go",
        "changes": [
            {
                "id": "cicd.deploy-environments",
                "title": catalog.CHECKS["cicd.deploy-environments"].title,
                "old": "waived",
                "new": "fail",
            }
        ],
    }
    assert third["previous"]["folder"] == "2026-02-05"
    assert [(c["old"], c["new"]) for c in third["previous"]["changes"]] == [("fail", "n/a")]
    assert [h["folder"] for h in third["history"]] == ["2026-01-10", "2026-02-05"]
    assert third["history"][1]["counts"]["fail"] == 1


def every_run(svc: Path) -> list[dict]:  # type: ignore[type-arg]
    """The history as reading every run's results gives it."""
    return [
        {"folder": r.name, "date": r.date, "decision": r.decision, "counts": r.counts}
        for r in history.runs(svc)
        if r.results
    ]


def test_the_history_comes_from_the_newest_run_and_the_folders_that_exist(three_runs, tmp_path):
    svc = tmp_path / "svc"
    shutil.copytree(three_runs[0].parent, svc)
    doc = results(three_runs[2])
    new = {**doc, "date": "2026-03-01"}
    assert history.with_previous(new, svc)["history"] == every_run(svc)
    # a run the newest one does not list (written meanwhile, or readable again) is read
    shutil.copytree(svc / "2026-01-10", svc / "2026-01-20")
    got = history.with_previous(new, svc)["history"]
    assert [h["folder"] for h in got] == ["2026-01-10", "2026-01-20", "2026-02-05", "2026-02-06"]
    assert got == every_run(svc)
    # a listed run that is gone is left out; an entry not shaped as golive writes it is
    # read from its run instead
    shutil.rmtree(svc / "2026-01-10")
    tampered = results(svc / "2026-02-06")
    tampered["history"][1]["counts"] = {"fail": "many"}
    (svc / "2026-02-06" / "results.json").write_text(json.dumps(tampered))
    got = history.with_previous(new, svc)["history"]
    assert [h["folder"] for h in got] == ["2026-01-20", "2026-02-05", "2026-02-06"]
    assert got == every_run(svc) and got[1]["counts"]["fail"] == 1
    for bad in ({"counts": {"failed": 1}}, {"date": "soon"}, {"decision": "maybe"}):
        (svc / "2026-02-06" / "results.json").write_text(
            json.dumps({**tampered, "history": [{**tampered["history"][1], **bad}]})
        )
        assert history.with_previous(new, svc)["history"] == got, bad
    # a run the newest one lists is not read again: its counts as recorded
    (svc / "2026-03-01").mkdir()
    (svc / "2026-03-01" / "results.json").write_text(json.dumps(history.with_previous(new, svc)))
    (svc / "2026-01-20" / "results.json").write_text("{damaged later")
    later = history.with_previous({**doc, "date": "2026-04-01"}, svc)["history"]
    assert [h["folder"] for h in later] == [h["folder"] for h in got] + ["2026-03-01"]
    assert later[0] == got[0]
    shutil.rmtree(svc / "2026-03-01")
    # the newest run unreadable: the newest readable one before it is the previous run
    (svc / "2026-02-06" / "results.json").write_text("{not json")
    previous = history.with_previous(new, svc)
    assert previous["previous"]["folder"] == "2026-02-05"
    # 2026-02-05 does not list the damaged 2026-01-20, which is read: unreadable, left out
    assert [h["folder"] for h in previous["history"]] == ["2026-02-05"]


def test_index_and_summary_show_the_changes_and_the_timeline(three_runs):
    index = (three_runs[2] / "index.html").read_text()
    assert "Changed since the last review" in index and "2026-02-05" in index
    assert "Statuses over the dated runs" in index
    first = (three_runs[0] / "index.html").read_text()
    assert "First review of this service" in first
    summary = (three_runs[2] / "00_summary.html").read_text()
    assert "Changed since the last review" in summary and "cicd.deploy-environments" in summary
    assert "Traceback" not in summary


def test_history_lists_every_dated_run_with_its_signoff_state(three_runs, tmp_path):
    reports = three_runs[0].parents[1]
    key = make_key(tmp_path, "ann")
    allowed = tmp_path / "allowed_signers"
    trust = trusted(allowed, allowed_line("ann@example.com", key, "sre"))
    so.sign(three_runs[0], key, "ann@example.com", "sre", so.SignDecision.GO, "", trust)
    result = golive("history", "svc", "--reports", str(reports), "--trusted-signers", str(allowed))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["run", "decision", "counts", "sign-off"]
    assert [ln.split()[0] for ln in lines[1:]] == ["2026-01-10", "2026-02-05", "2026-02-06"]
    assert "awaiting service-owner" in lines[1] and "go" in lines[1]
    assert "unverified" not in result.stdout
    assert "no-go" in lines[2] and "1 fail" in lines[2]
    assert "not signed yet" in lines[3] and "1 n/a" in lines[3]
    # without the trusted signers the same sign-off is shown, but does not count
    untrusted = golive("history", "svc", "--reports", str(reports)).stdout.splitlines()
    assert "not signed yet (needs service-owner, sre); 1 unverified" in untrusted[1]


def test_history_of_an_unknown_service_is_bad_input(three_runs):
    result = golive("history", "nope", "--reports", str(three_runs[0].parents[1]))
    assert result.returncode == 2 and "no reports of service 'nope'" in result.stderr


def test_diff_lists_the_checks_whose_status_changed(three_runs):
    first, second, third = map(str, three_runs)
    result = golive("diff", first, second)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["cicd.deploy-environments: waived -> fail"]
    assert "1 changed" in result.stderr
    assert golive("diff", first, third).stdout.splitlines() == [
        "cicd.deploy-environments: waived -> n/a"
    ]
    assert golive("diff", third, third).stdout == ""
    missing = golive("diff", first, first + "-nope")
    assert missing.returncode == 2 and "no such report folder" in missing.stderr


def test_status_changes_names_added_and_removed_checks():
    old = {"checks": [{"id": "a.x", "title": "X", "status": "pass"}]}
    new = {"checks": [{"id": "a.y", "title": "Y", "status": "fail"}]}
    assert history.status_changes(old, new) == [
        {"id": "a.y", "title": "Y", "old": None, "new": "fail"},
        {"id": "a.x", "title": "X", "old": "pass", "new": None},
    ]


def test_the_portfolio_puts_what_needs_attention_first(three_runs, tmp_path, monkeypatch):
    reports = three_runs[0].parents[1]
    keys = {role: make_key(tmp_path, role) for role in ("service-owner", "sre")}
    allowed = tmp_path / "allowed_signers"
    trust = trusted(allowed, *(allowed_line(f"{r}@example.com", k, r) for r, k in keys.items()))
    monkeypatch.setenv("GOLIVE_TRUSTED_SIGNERS", str(allowed))
    rows = portfolio.rows(reports)
    assert [(r.service, r.run.name) for r in rows] == [
        ("other", "2026-02-01"),  # no-go (its deploy check fails)
        ("svc", "2026-02-06"),  # go, awaiting sign-off
    ]
    page = (reports / "index.html").read_text()
    assert page.index("other") < page.index("svc/2026-02-06/index.html")
    for role, key in keys.items():
        so.sign(three_runs[2], key, f"{role}@example.com", role, so.SignDecision.GO, "", trust)
    signed = portfolio.rows(reports)
    assert signed[-1].service == "svc" and signed[-1].signoff == "signed go by service-owner, sre"
    assert signed[-1].why == "go, signed"
    (three_runs[2] / "junit.xml").write_text("<testsuites/>")
    tampered = portfolio.rows(reports)
    assert tampered[0].service == "svc" and tampered[0].why.startswith("unverified sign-off")
    assert tampered[0].signoff == "not signed yet (needs service-owner, sre); 2 unverified"


def test_a_batch_rewrites_the_portfolio_at_most_every_so_often_and_at_its_end(three_runs, tmp_path):
    reports = tmp_path / "reports"
    shutil.copytree(three_runs[0].parents[1], reports)
    page = reports / "index.html"
    page.unlink()
    rewriter = portfolio.Rewriter(reports, every_s=3600)
    rewriter.finish()  # no service ended: nothing to rewrite
    assert not page.exists()
    rewriter.service_ended()  # the first service: at once
    assert "svc/2026-02-06/index.html" in page.read_text()
    shutil.copytree(reports / "other", reports / "late")
    rewriter.service_ended()  # within every_s of the last rewrite: left behind
    assert "late/2026-02-01/index.html" not in page.read_text()
    rewriter.finish()
    assert "late/2026-02-01/index.html" in page.read_text()
    shutil.rmtree(reports / "late")
    portfolio.Rewriter(reports, every_s=0).service_ended()
    assert "late/" not in page.read_text()


def test_a_slow_portfolio_rewrite_is_done_less_often(three_runs, tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    shutil.copytree(three_runs[0].parents[1], reports)
    written = []
    real_write = portfolio.write

    def slow_write(folder: Path) -> Path:  # thousands of services to read
        time.sleep(0.2)
        written.append(folder)
        return real_write(folder)

    monkeypatch.setattr(portfolio, "write", slow_write)
    rewriter = portfolio.Rewriter(reports, every_s=0)
    rewriter.service_ended()
    rewriter.service_ended()  # within 4 x 0.2 s of the last rewrite: left behind
    assert len(written) == 1
    rewriter.finish()
    assert len(written) == 2


def test_unfinished_and_foreign_folders_are_not_runs(tmp_path):
    svc = tmp_path / "svc"
    for name in ("2026-01-01", "2026-01-01-2", "2026-01-01-10", ".tmp-2026-01-02-ab", "notes"):
        (svc / name).mkdir(parents=True)
    assert [r.name for r in history.runs(svc)] == ["2026-01-01", "2026-01-01-2", "2026-01-01-10"]
    assert all(r.decision == "unreadable" for r in history.runs(svc))


def test_the_newest_run_is_cached_and_the_cache_is_dropped_when_the_folder_changes(tmp_path):
    svc = tmp_path / "svc"
    for name in ("2026-01-01", "2026-01-02"):
        (svc / name).mkdir(parents=True)
    assert history.latest(svc).name == "2026-01-02"
    cache = tmp_path / history.LATEST_CACHE / "svc"
    assert cache.read_text().strip() == "2026-01-02"  # the listing was cached
    # a newer run lands (any process, any way): the folder changed, the cache is not used
    time.sleep(0.01)
    (svc / "2026-01-02-2").mkdir()
    assert history.latest(svc).name == "2026-01-02-2"
    assert cache.read_text().strip() == "2026-01-02-2"
    # the newest run is removed: listed again
    time.sleep(0.01)
    (svc / "2026-01-02-2").rmdir()
    assert history.latest(svc).name == "2026-01-02"
    # a cache that names no run is not believed, nor one older than the folder
    cache.write_text("../../etc\n")
    stamp = os.stat(svc)
    os.utime(cache, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # as if golive wrote it
    assert history.latest(svc).name == "2026-01-02"
    assert history.latest(tmp_path / "absent") is None


def test_a_review_caches_its_run_as_the_newest(three_runs):
    folder = three_runs[2].parent
    cache = folder.parent / history.LATEST_CACHE / folder.name
    assert cache.read_text().strip() == three_runs[2].name
    assert history.latest(folder).folder == three_runs[2]
