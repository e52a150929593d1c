"""The repository's secret scan: findings located and redacted, never the secret; what is
left out by rule is counted; findings are cached per repository without the secret."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from golive_lib.errors import SourceError
from golive_lib.sources import secret_engines, secrets, tracked

# fakes in real formats (an AWS key id ending in EXAMPLE is AWS's documented sample, which
# kingfisher rightly does not report)
AWS_KEY = "AKIA4HQWZ7RZM2K6PXLB"  # pragma: allowlist secret
PASSWORD = "s3cr3t-Hunter2-Tr0ub4dor"  # pragma: allowlist secret
ENGINES = ["kingfisher", "detect-secrets"]


@pytest.fixture(autouse=True)
def _fresh_listing():
    tracked.forget()


def repo(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text(
        f'REGION = "eu-west-1"\nAWS_ACCESS_KEY_ID = "{AWS_KEY}"\npassword = "{PASSWORD}"\n'
    )
    (tmp_path / "README.md").write_text("# service\n\nNo secrets here.\n")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    (tmp_path / "blob.dat").write_bytes(b"\0\1\2" + AWS_KEY.encode())
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "x.py").write_text(f'k = "{AWS_KEY}"\n')
    (tmp_path / "vendor" / "lib").mkdir(parents=True)
    (tmp_path / "vendor" / "lib" / "conf.py").write_text(f'password = "{PASSWORD}"\n')
    return tmp_path


@pytest.mark.parametrize("engine", ENGINES)
def test_findings_have_type_and_location_but_not_the_secret(tmp_path, engine):
    scan = secrets.scan(repo(tmp_path), engine=engine)
    where = {f.location: f for f in scan.findings}
    assert "AWS" in where["app/settings.py:2"].type
    assert "app/settings.py:3" in where
    shown = repr(scan)
    assert AWS_KEY not in shown and PASSWORD not in shown
    assert all(f.redacted.startswith("[redacted") for f in scan.findings)
    assert scan.files_scanned == 2  # binaries, .venv and vendor/ left out
    assert scan.engine.startswith(engine)
    skipped = dict(scan.skipped)
    assert skipped["binary"] == 2  # logo.png by name, blob.dat by its NUL bytes
    assert skipped["vendored or generated (security.secrets.vendored)"] == 1


def test_vendored_trees_are_scanned_when_the_rule_is_emptied(tmp_path):
    scan = secrets.scan(repo(tmp_path), vendored=())
    assert any(f.path == "vendor/lib/conf.py" for f in scan.findings)


def test_excluded_globs_are_not_scanned(tmp_path):
    scan = secrets.scan(repo(tmp_path), ("app/*",))
    assert scan.findings == () and scan.files_scanned == 1


def test_a_missing_repository_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="not a directory"):
        secrets.scan(tmp_path / "nope")


def test_only_what_git_lists_is_scanned(tmp_path):
    root = repo(tmp_path / "r")
    (root / ".gitignore").write_text("build/\n")
    (root / "build").mkdir()
    (root / "build" / "out.py").write_text(f'token = "{PASSWORD}"\n')
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    scan = secrets.scan(root)
    assert not any(f.path.startswith("build/") for f in scan.findings)
    assert "app/settings.py:2" in {f.location for f in scan.findings}


def test_keyword_placeholders_and_references_are_not_secrets(tmp_path):
    (tmp_path / "settings.py").write_text(
        'password = "changeme-placeholder"\n'
        'api_key = "${API_KEY}"\n'
        'token = "{{ vault_token }}"\n'
        f'secret = "{PASSWORD}"\n'
    )
    scan = secrets.scan(tmp_path)
    assert [f.location for f in scan.findings] == ["settings.py:4"]


def test_a_finding_in_the_baseline_is_accepted_not_counted(tmp_path):
    root = repo(tmp_path / "r")
    import hashlib

    digest = hashlib.sha1(PASSWORD.encode()).hexdigest()  # noqa: S324 - the baseline's form
    baseline = {
        "results": {
            "app/settings.py": [
                {"type": "Secret Keyword", "hashed_secret": digest, "line_number": 3}
            ]
        }
    }
    (root / ".secrets.baseline").write_text(json.dumps(baseline))
    scan = secrets.scan(root)
    assert "app/settings.py:3" not in {f.location for f in scan.findings}
    assert [f.location for f in scan.accepted] == ["app/settings.py:3"]
    # audited as a real secret: not accepted
    baseline["results"]["app/settings.py"][0]["is_secret"] = True
    (root / ".secrets.baseline").write_text(json.dumps(baseline))
    assert "app/settings.py:3" in {f.location for f in secrets.scan(root).findings}


def test_a_second_scan_reads_unchanged_files_from_a_cache_that_holds_no_secret(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = repo(tmp_path / "r")
    first = secrets.scan(root)
    assert first.rescanned == 2
    entries = list((tmp_path / "cache" / "golive" / "secrets-v2").rglob("*.json"))
    assert len(entries) == 1  # one file per repository
    text = entries[0].read_text()
    assert AWS_KEY not in text and PASSWORD not in text
    assert len(json.loads(text)) == first.files_scanned
    # a cache hit gives the same findings without running the scanner
    monkeypatch.setattr(secret_engines, "run_kingfisher", lambda *_a: pytest.fail("scanned again"))
    again = secrets.scan(root)
    assert again.findings == first.findings and again.rescanned == 0


def test_the_cache_is_scoped_per_repository(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    secrets.scan(repo(tmp_path / "a"))
    secrets.scan(repo(tmp_path / "b"))
    assert len(list((tmp_path / "cache" / "golive" / "secrets-v2").rglob("*.json"))) == 2


def test_a_fully_cached_scan_never_imports_detect_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = repo(tmp_path / "r")
    first = secrets.scan(root, engine="detect-secrets")
    # a fresh process: detect-secrets costs ~80 ms to import, a cache hit needs none of it
    code = (
        "import sys; from pathlib import Path; from golive_lib.sources import secrets; "
        f"scan = secrets.scan(Path({str(root)!r}), engine='detect-secrets'); "
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
    found = secrets.scan(root)
    assert [f.location for f in found.findings] == ["app/settings.py:1"]
    assert found.rescanned == 1


def test_an_unwritable_cache_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    scan = secrets.scan(repo(tmp_path / "r"))
    assert "app/settings.py:2" in {f.location for f in scan.findings}


def test_without_kingfisher_detect_secrets_runs_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(secret_engines, "kingfisher_binary", lambda: None)
    scan = secrets.scan(repo(tmp_path))
    assert scan.engine.startswith("detect-secrets") and "not installed" in scan.engine_note
    assert "app/settings.py:2" in {f.location for f in scan.findings}
    with pytest.raises(SourceError, match="pip install kingfisher-bin"):
        secrets.scan(tmp_path, engine="kingfisher")


def test_a_second_scan_of_a_git_repository_reads_only_changed_files(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = repo(tmp_path / "r")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    first = secrets.scan(root)
    tracked.forget()
    read: list[str] = []
    real = secrets._read_key

    def spy(repo_: Path, rel: str, unreadable: list[str]):  # type: ignore[no-untyped-def]
        read.append(rel)
        return real(repo_, rel, unreadable)

    monkeypatch.setattr(secrets, "_read_key", spy)
    again = secrets.scan(root)
    assert read == [] and again.findings == first.findings and again.skipped == first.skipped
    (root / "README.md").write_text(f"# service\n\ntoken = '{PASSWORD}'\n")
    tracked.forget()
    changed = secrets.scan(root)
    assert read == ["README.md"] and changed.rescanned == 1
    assert "README.md:3" in {f.location for f in changed.findings}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_allowlist_pragma_silences_its_own_line_only(tmp_path, engine):
    (tmp_path / "a.py").write_text(
        f'db_password = "{PASSWORD}"  # pragma: allowlist secret\n'
        f'other_password = "{PASSWORD}x"\n'
        "# pragma: allowlist nextline secret\n"
        f'third_password = "{PASSWORD}y"\n'
    )
    scan = secrets.scan(tmp_path, engine=engine)
    assert [f.location for f in scan.findings] == ["a.py:2"]


def test_test_example_and_doc_files_are_apart_but_config_text_is_not():
    def apart(path: str) -> bool:
        return secrets.SecretFinding("t", path, 1, "[redacted]").in_tests

    assert apart("pkg/client_test.go") and apart("web/src/api.spec.ts")
    assert apart("tests/fixtures/keys.py") and apart("docs/setup.md") and apart("README.md")
    assert apart("src/test/java/AppTest.java")
    assert not apart("requirements.txt") and not apart("deploy/.env") and not apart("src/app.py")
    assert not apart("contest/app.py")  # a folder named like a test word is not one
    # a token the engine is sure of (a provider's own format) in a README is not apart
    sure = secrets.SecretFinding("GitHub PAT", "README.md", 1, "[redacted]", "high")
    assert not sure.in_tests
    assert secrets.SecretFinding("x", "docs/a.md", 1, "[redacted]", "high").in_docs
    assert secrets.SecretFinding("x", "tests/a.py", 1, "[redacted]", "high").in_tests


def test_a_failing_kingfisher_falls_back_to_detect_secrets_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def broken(*_a, **_k):  # type: ignore[no-untyped-def]
        raise SourceError("secrets", "kingfisher exited 1 on 3 inputs")

    monkeypatch.setattr(secret_engines, "run_kingfisher", broken)
    scan = secrets.scan(repo(tmp_path / "r"))
    assert scan.engine.startswith("detect-secrets") and "kingfisher exited 1" in scan.engine_note
    assert "app/settings.py:2" in {f.location for f in scan.findings}
    assert not (tmp_path / "cache" / "golive" / "secrets-v2").exists()  # not cached as kingfisher's
    with pytest.raises(SourceError, match="exited 1"):
        secrets.scan(tmp_path / "r", engine="kingfisher")


@pytest.mark.parametrize("engine", [*ENGINES, "kingfisher failing"])
def test_tracked_files_found_binary_or_large_while_the_engine_runs_are_left_out(
    tmp_path, monkeypatch, engine
):
    # a first review gives the engine every tracked file its path rules keep and looks at
    # their content meanwhile: a hit in one then found binary or too large is dropped
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = repo(tmp_path / "r")
    line = f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'.encode()
    # over golive's 2 MB but under kingfisher's --max-file-size 2 (a MiB): kingfisher reads it
    (root / "app" / "dump.sql").write_bytes(line + b"-- filler line\n" * 133_400)
    assert secrets.MAX_BYTES < (root / "app" / "dump.sql").stat().st_size < 2**21
    (root / "app" / "blob.bin2").write_bytes(line + b"\0" + line)  # binary by its NUL byte
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    if engine == "kingfisher failing":

        def broken(*_a, **_k):  # type: ignore[no-untyped-def]
            raise SourceError("secrets", "kingfisher exited 1 on 3 inputs")

        monkeypatch.setattr(secret_engines, "run_kingfisher", broken)
    first = secrets.scan(root, engine="auto" if engine == "kingfisher failing" else engine)
    assert {f.path for f in first.findings} == {"app/settings.py"}
    skipped = dict(first.skipped)
    assert skipped["binary"] == 3  # logo.png by name; blob.dat, blob.bin2 by their NUL bytes
    assert skipped[secrets.LARGE] == 1
    assert first.files_scanned == 2 and first.rescanned == 2  # settings.py, README.md
    if engine == "kingfisher failing":
        return  # the fallback's findings are not cached
    # the second review knows those contents by their blobs: neither read nor scanned
    tracked.forget()
    monkeypatch.setattr(secrets, "_content", lambda *_a: pytest.fail("read again"))
    monkeypatch.setattr(secret_engines, "run_kingfisher", lambda *_a: pytest.fail("scanned"))
    monkeypatch.setattr(secret_engines, "run_detect_secrets", lambda *_a: pytest.fail("scanned"))
    again = secrets.scan(root, engine=engine)
    assert again.findings == first.findings and again.skipped == first.skipped
    assert again.rescanned == 0
