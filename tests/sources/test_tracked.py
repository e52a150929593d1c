"""The one listing of a repository's files that every walk reads."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from golive_lib.sources import tracked


@pytest.fixture(autouse=True)
def _fresh() -> None:
    tracked.forget()


def make(root: Path) -> Path:
    for rel in ("Dockerfile", "b/x.py", "a/y.py", "a/sub/z.py", "node_modules/m.js", "build/o.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n")
    return root


def test_a_git_work_tree_is_what_git_lists(tmp_path: Path) -> None:
    root = make(tmp_path / "r")
    (root / ".gitignore").write_text("build/\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    listed = tracked.listing(root)
    assert listed.from_git
    assert listed.paths == (".gitignore", "Dockerfile", "a/sub/z.py", "a/y.py", "b/x.py")


def test_a_plain_folder_is_walked_without_vcs_and_dependency_folders(tmp_path: Path) -> None:
    listed = tracked.listing(make(tmp_path))
    assert not listed.from_git
    assert "node_modules/m.js" not in listed.paths and "build/o.py" in listed.paths


def test_a_link_out_of_the_repository_is_listed_as_outside(tmp_path: Path) -> None:
    root = make(tmp_path / "r")
    (tmp_path / "secret.txt").write_text("outside\n")
    os.symlink(tmp_path / "secret.txt", root / "a" / "link.txt")
    os.symlink(root / "b" / "x.py", root / "a" / "inner.py")
    os.mkfifo(root / "a" / "pipe")
    listed = tracked.listing(root)
    assert listed.outside == frozenset({"a/link.txt"})
    assert "a/inner.py" in listed.paths and "a/pipe" not in listed.paths


def test_globs_and_walk_order(tmp_path: Path) -> None:
    listed = tracked.listing(make(tmp_path))
    assert [p.relative_to(tmp_path).as_posix() for p in listed.match("**/*.py")] == [
        "a/sub/z.py",
        "a/y.py",
        "b/x.py",
        "build/o.py",
    ]
    assert listed.match("a/*.py") == [tmp_path / "a" / "y.py"]
    ordered = sorted(listed.paths, key=tracked.walk_order)
    assert ordered.index("a/y.py") < ordered.index("a/sub/z.py")  # files before subfolders


def test_a_git_listing_is_reused_until_the_index_changes(tmp_path: Path) -> None:
    root = make(tmp_path / "r")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "Dockerfile"], check=True)
    first = tracked.listing(root)
    assert tracked.listing(root) is first
    subprocess.run(["git", "-C", str(root), "add", "a"], check=True)
    assert tracked.listing(root) is not first


def test_glob_literals_are_contained_in_every_path_a_glob_matches() -> None:
    globs = ["**/vendor/**", "**/*.min.js", "[abcdef]/x", "a/[ab]c/**/x?.py", "*"]
    literals = tracked.glob_literals(globs)
    paths = ["vendor/a.go", "x/vendor/b.go", "web/app.min.js", "a/x", "a/bc/d/x1.py", "top"]
    for glob, literal in zip(globs, literals, strict=True):
        rx = tracked.globs_regex([glob])
        assert rx is not None
        for path in paths:
            if rx.fullmatch(path):
                assert literal in path, (glob, literal, path)


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def test_unchanged_tracked_files_carry_their_blob_and_any_change_drops_it(tmp_path: Path) -> None:
    root = make(tmp_path / "r")
    (tmp_path / "elsewhere.txt").write_text("outside\n")
    _git(root, "init", "-q")
    _git(root, "add", "Dockerfile", "a", "b")
    _git(root, "commit", "-qm", "c")
    blob = _git(root, "rev-parse", "HEAD:a/y.py").strip()
    assert tracked.listing(root, fresh=True).blobs["a/y.py"] == blob
    (root / "b" / "x.py").write_text("changed\n")  # modified: its content is not the blob
    os.remove(root / "a" / "sub" / "z.py")  # deleted: not listed
    os.remove(root / "Dockerfile")  # a tracked file replaced by a link out of the repository
    os.symlink(tmp_path / "elsewhere.txt", root / "Dockerfile")
    _git(root, "update-index", "--assume-unchanged", "a/y.py")  # git no longer checks it
    listed = tracked.listing(root, fresh=True)
    assert listed.paths == ("Dockerfile", "a/y.py", "b/x.py", "build/o.py")
    assert listed.outside == frozenset({"Dockerfile"})
    assert listed.blobs == {}  # a/y.py is looked at, not taken from the index


def test_a_submodule_is_not_a_file(tmp_path: Path) -> None:
    inner = make(tmp_path / "inner")
    _git(inner, "init", "-q")
    _git(inner, "add", "Dockerfile")
    _git(inner, "commit", "-qm", "c")
    root = make(tmp_path / "r")
    _git(root, "init", "-q")
    commit = _git(inner, "rev-parse", "HEAD").strip()
    _git(root, "update-index", "--add", "--cacheinfo", f"160000,{commit},lib")
    _git(root, "add", "Dockerfile")
    listed = tracked.listing(root, fresh=True)
    assert "lib" not in listed.paths and "Dockerfile" in listed.blobs
