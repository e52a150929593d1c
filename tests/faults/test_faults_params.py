"""Bad input is refused cleanly (exit 2, the message names the field, nothing written):
service names that try to leave reports/, a parameters file missing, empty, truncated or
malformed, a secret written into it. And a signed report tampered with fails `verify`.

No notebook runs here: every refusal happens before anything is written, which is what
is checked (the reports folder, holding an earlier report, is byte-for-byte unchanged).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from faultkit import (
    SECRETS,
    assert_refused,
    copy_repo,
    digest,
    example_params,
    golive,
    seed_earlier,
)
from sshkeys import allowed_line, make_key, trusted


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    """(work folder, reports folder with an earlier report, valid parameters)."""
    work = tmp_path_factory.mktemp("params")
    out = work / "reports"
    seed_earlier(out, "refused", work.parent / "earlier-template")
    repo = copy_repo(work / "repo", only=["docs"])
    return work, out, example_params("refused", repo)


def _run(
    work: Path, out: Path, text: str, name: str = "p.yaml"
) -> subprocess.CompletedProcess[str]:
    path = work / name
    path.write_text(text, encoding="utf-8")
    return golive("run", path, "--out", out, "--sections", "architecture", cwd=work)


@pytest.mark.parametrize(
    "name", ["../escape", "..", "a/../../b", "/etc", "reports/../..", "UPPER", "a b", ""]
)
def test_a_service_name_that_would_leave_reports_is_refused(world, name: str) -> None:
    work, out, doc = world
    before = digest(out)
    bad = {**doc, "service": {**doc["service"], "name": name}}
    result = _run(work, out, yaml.safe_dump(bad))
    assert_refused(result, out, before, "service.name")
    assert not (work / "escape").exists()


@pytest.mark.parametrize("mode", ["missing", "empty", "truncated", "malformed"])
def test_a_spoilt_parameters_file_is_refused(world, mode: str) -> None:
    work, out, doc = world
    before = digest(out)
    text = yaml.safe_dump(doc, sort_keys=False)
    path = work / f"{mode}.yaml"
    if mode == "missing":
        result = golive("run", path, "--out", out, cwd=work)
    else:
        content = {
            "empty": "",
            "truncated": text[: text.index("observability:") + 30],
            "malformed": text.replace("service:", "service: [unclosed\n  x: {", 1),
        }[mode]
        result = _run(work, out, content, path.name)
    assert_refused(result, out, before, path.name)


def test_a_secret_written_into_the_parameters_is_refused_and_not_echoed(world) -> None:
    work, out, doc = world
    before = digest(out)
    leaked = "hunter2-golive-fault-9f3a"
    bad = yaml.safe_dump(doc, sort_keys=False).replace(
        "url: http://127.0.0.1:", f"url: http://admin:{leaked}@127.0.0.1:", 1
    )
    assert leaked in bad
    result = _run(work, out, bad)
    assert_refused(result, out, before, "credentials")
    assert leaked not in result.stderr + result.stdout


def test_a_tampered_signed_report_fails_verify(world) -> None:
    work, out, _doc = world
    [earlier] = [p for p in (out / "refused").iterdir() if p.is_dir()]
    folder = work / "signed" / earlier.name
    shutil.copytree(earlier, folder)  # the seeded earlier report stays untouched
    key = make_key(work / "keys", "ann")
    allowed = work / "keys" / "allowed_signers"
    trusted(allowed, allowed_line("ann@example.com", key, "sre"))
    who = ("--key", key, "--signer", "ann@example.com", "--role", "sre")
    signed = golive("signoff", folder, *who, "--decision", "no-go", cwd=work)
    assert signed.returncode == 0, signed.stderr
    trust = ("--trusted-signers", allowed)
    assert golive("verify", folder, *trust, cwd=work).returncode == 0  # untouched: verified
    page = folder / "report.html"
    page.write_bytes(page.read_bytes().replace(b"</body>", b"<p>all good</p></body>", 1))
    result = golive("verify", folder, *trust, cwd=work)
    assert result.returncode == 1, result.stderr
    assert "changed: report.html" in result.stdout + result.stderr
    for value in SECRETS.values():
        assert value not in (folder / "signoffs.jsonl").read_text(encoding="utf-8")
