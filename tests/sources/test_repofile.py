"""The one reader of repository files: what it refuses, and that it reads the rest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from golive_lib.errors import SourceError
from golive_lib.sources import repofile


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# A\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside\n", encoding="utf-8")
    (root / "docs" / "inner-link.md").symlink_to(root / "docs" / "a.md")
    (root / "out-link.md").symlink_to(tmp_path / "secret.txt")
    (root / "out-dir").symlink_to(tmp_path)
    return root


def test_a_file_of_the_repository_is_read_even_through_an_inner_link(repo: Path) -> None:
    assert repofile.read_text(repo, "docs/a.md") == "# A\n"
    assert repofile.read_text(repo, "docs/inner-link.md") == "# A\n"
    assert repofile.read_text(repo, repo / "docs" / "a.md") == "# A\n"  # absolute, inside


@pytest.mark.parametrize(
    ("rel", "why"),
    [
        ("out-link.md", "leaves the repository through a symbolic link"),
        ("out-dir/secret.txt", "leaves the repository through a symbolic link"),
        ("../secret.txt", "leaves the repository"),
        ("/etc/hostname", "leaves the repository"),
    ],
)
def test_a_path_that_leaves_the_repository_is_refused_unread(
    repo: Path, rel: str, why: str
) -> None:
    with pytest.raises(SourceError) as info:
        repofile.read_text(repo, rel)
    assert why in info.value.message and info.value.source == rel


def test_what_is_not_a_regular_file_is_refused_without_blocking(repo: Path) -> None:
    os.mkfifo(repo / "pipe")
    with pytest.raises(SourceError, match="not a regular file"):
        repofile.read_text(repo, "pipe")
    with pytest.raises(SourceError, match="not a regular file"):
        repofile.read_text(repo, "docs")


def test_missing_too_large_and_not_utf8_say_so(repo: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        repofile.read_text(repo, "docs/none.md")
    (repo / "big.log").write_bytes(b"x" * 2000)
    with pytest.raises(SourceError, match="more than the 1,000"):
        repofile.read_text(repo, "big.log", max_bytes=1000)
    (repo / "bin.md").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SourceError, match="not UTF-8"):
        repofile.read_text(repo, "bin.md")
