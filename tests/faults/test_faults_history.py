"""An earlier results.json that is not what golive wrote (not JSON, wrong shapes, nested
100,000 deep) is skipped by `run` (its diff-since-last and history), `history`, the
portfolio page, and refused by `diff` with exit 2: one warning naming the file, no exit 3,
no traceback.

One `golive run` over one service per corruption (the architecture section only: the
earlier runs are what is under test), then `history` and `diff` on them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from faultkit import EARLIER, copy_repo, example_params, golive, seed_earlier, write_params

CORRUPT: dict[str, str] = {
    "hist-notjson": "{not json",
    "hist-list": "[1, 2, 3]",
    "hist-checks-object": json.dumps(
        {"service": "x", "date": EARLIER, "decision": "go", "checks": {"id": "a"}}
    ),
    "hist-check-no-id": json.dumps(
        {"service": "x", "date": EARLIER, "decision": "go", "checks": [{"status": "pass"}]}
    ),
    "hist-decision-number": json.dumps(
        {"service": "x", "date": EARLIER, "decision": 42, "checks": []}
    ),
    "hist-counts-list": json.dumps(
        {"service": "x", "date": EARLIER, "decision": "go", "checks": [], "counts": [1]}
    ),
    "hist-signoff-list": json.dumps(
        {"service": "x", "date": EARLIER, "decision": "go", "checks": [], "signoff": [1]}
    ),
    "hist-deep": "[" * 100_000 + "]" * 100_000,
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    work = tmp_path_factory.mktemp("history")
    out = work / "reports"
    repo = copy_repo(work / "repo", only=["docs"])
    paths = []
    for service, text in CORRUPT.items():
        earlier = seed_earlier(out, service, work.parent / "earlier-template")
        (earlier / "results.json").unlink()  # a hard link to the template: its own now
        (earlier / "results.json").write_text(text, encoding="utf-8")
        paths.append(write_params(work, example_params(service, repo)))
    # a service whose only run is corrupt: the portfolio lists it as unreadable
    lonely = seed_earlier(out, "hist-only-corrupt", work.parent / "earlier-template")
    (lonely / "results.json").unlink()
    (lonely / "results.json").write_text("[]", encoding="utf-8")
    started = time.monotonic()
    result = golive(
        "run", *paths, "--out", out, "--sections", "architecture", "--workers", "2", cwd=work
    )
    return {"work": work, "out": out, "run": result, "seconds": time.monotonic() - started}


def test_run_skips_a_malformed_earlier_results_with_one_warning_each(world) -> None:
    result = world["run"]
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    out: Path = world["out"]  # type: ignore[assignment]
    for service in CORRUPT:
        bad = out / service / EARLIER / "results.json"
        assert result.stderr.count(f"skipped {bad}") == 1, (service, result.stderr[-3000:])
        [new] = [p for p in (out / service).iterdir() if p.name != EARLIER]
        doc = json.loads((new / "results.json").read_text(encoding="utf-8"))
        assert "previous" not in doc  # nothing to compare with
        assert doc["service"] == service
    assert world["seconds"] < 200


def test_the_portfolio_lists_a_service_whose_latest_run_is_unreadable(world) -> None:
    out: Path = world["out"]  # type: ignore[assignment]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "hist-only-corrupt" in page
    for service in CORRUPT:
        assert service in page


@pytest.mark.parametrize("service", ["hist-list", "hist-check-no-id", "hist-deep"])
def test_history_shows_a_malformed_run_as_unreadable(world, service: str) -> None:
    work: Path = world["work"]  # type: ignore[assignment]
    out: Path = world["out"]  # type: ignore[assignment]
    result = golive("history", service, "--reports", out, cwd=work)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith(EARLIER))
    assert "unreadable" in row
    assert "skipped" in result.stderr and "results.json" in result.stderr


@pytest.mark.parametrize("service", ["hist-notjson", "hist-counts-list", "hist-deep"])
def test_diff_with_a_malformed_run_is_refused_with_exit_2(world, service: str) -> None:
    work: Path = world["work"]  # type: ignore[assignment]
    out: Path = world["out"]  # type: ignore[assignment]
    bad = out / service / EARLIER
    [good] = [p for p in (out / service).iterdir() if p.name != EARLIER]
    result = golive("diff", bad, good, cwd=work)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert str(bad / "results.json") in result.stderr
    assert result.stdout == ""
