"""detect-secrets over a repository: findings located and redacted, never the secret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from golive_lib.errors import SourceError
from golive_lib.sources import secrets

AWS_KEY = "AKIAZ7QXQ4R2EXAMPLE9"  # pragma: allowlist secret
PASSWORD = "s3cr3t-Hunter2-Tr0ub4dor"  # pragma: allowlist secret


def repo(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text(
        f'REGION = "eu-west-1"\nAWS_ACCESS_KEY_ID = "{AWS_KEY}"\npassword = "{PASSWORD}"\n'
    )
    (tmp_path / "README.md").write_text("# service\n\nNo secrets here.\n")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "x.py").write_text(f'k = "{AWS_KEY}"\n')
    return tmp_path


def test_findings_have_type_and_location_but_not_the_secret(tmp_path):
    scan = secrets.scan(repo(tmp_path))
    found = {(f.type, f.location) for f in scan.findings}
    assert ("AWS Access Key", "app/settings.py:2") in found
    assert any(f.location == "app/settings.py:3" for f in scan.findings)
    shown = repr(scan)
    assert AWS_KEY not in shown and PASSWORD not in shown
    assert all(f.redacted.startswith("[redacted") for f in scan.findings)
    assert scan.files_scanned == 2  # binary file and .venv skipped


def test_excluded_globs_are_not_scanned(tmp_path):
    scan = secrets.scan(repo(tmp_path), ("app/*",))
    assert scan.findings == () and scan.files_scanned == 1


def test_a_missing_repository_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="not a directory"):
        secrets.scan(tmp_path / "nope")


def test_a_second_scan_reads_unchanged_files_from_a_cache_that_holds_no_secret(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = repo(tmp_path / "r")
    first = secrets.scan(root)
    entries = list((tmp_path / "cache" / "golive").rglob("*.json"))
    assert len(entries) == first.files_scanned == 2
    for entry in entries:
        text = entry.read_text()
        assert AWS_KEY not in text and PASSWORD not in text
    # a cache hit gives the same findings without running the scanner
    monkeypatch.setattr(
        "detect_secrets.core.secrets_collection.SecretsCollection.scan_file",
        lambda *_a: pytest.fail("scanned again"),
    )
    assert secrets.scan(root) == first


def test_a_fully_cached_scan_never_imports_the_scanner(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = repo(tmp_path / "r")
    first = secrets.scan(root)
    # a fresh process: detect-secrets costs ~80 ms to import, a cache hit needs none of it
    code = (
        "import sys; from pathlib import Path; from golive_lib.sources import secrets; "
        f"scan = secrets.scan(Path({str(root)!r})); "
        "print(len(scan.findings), 'detect_secrets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(len(first.findings)), "False"]


def test_a_changed_file_is_scanned_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = repo(tmp_path / "r")
    assert secrets.scan(root).findings
    (root / "app" / "settings.py").write_text('REGION = "eu-west-1"\n')
    assert secrets.scan(root).findings == ()
    (root / "app" / "settings.py").write_text(f'TOKEN_ID = "{AWS_KEY}"\n')
    assert [f.location for f in secrets.scan(root).findings] == ["app/settings.py:1"]


def test_an_unwritable_cache_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    scan = secrets.scan(repo(tmp_path / "r"))
    assert ("AWS Access Key", "app/settings.py:2") in {(f.type, f.location) for f in scan.findings}
