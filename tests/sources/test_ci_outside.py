"""A pipeline under review is untrusted: nothing it names outside the repository is read.

Each case plants, beside the repository, a file that would make a check pass if golive
followed it (a Makefile running the tests, a GitLab template building the image, a
release document), and names it from inside: by ``..``, and by a symbolic link."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive_lib.sections import release_docs
from golive_lib.sources import ci
from golive_lib.sources.ci import files
from golive_lib.sources.docs import parse_markdown

SECRET = "planted-outside-the-repository"


def commands(pipelines: list[ci.Pipeline]) -> str:
    return "\n".join(s.run for p in pipelines for j in p.jobs for s in j.steps if s.run)


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """(repository, a folder beside it holding the planted files)."""
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (outside / "Makefile").write_text(f"test:\n\tgo test ./... # {SECRET}\n")
    (outside / "build.yml").write_text(
        f"build-image:\n  script:\n    - docker build -t app . # {SECRET}\n"
    )
    return repo, outside


@pytest.mark.parametrize("how", ["dotdot", "symlink"])
def test_a_gitlab_include_outside_the_repository_is_not_read(world, how):
    repo, outside = world
    if how == "symlink":
        (repo / "ci").mkdir()
        (repo / "ci" / "build.yml").symlink_to(outside / "build.yml")
        target = "ci/build.yml"
    else:
        target = "../outside/build.yml"
    (repo / ".gitlab-ci.yml").write_text(
        f"include:\n  - local: {target}\nunit:\n  script:\n    - pytest tests/unit\n"
    )
    pipelines, failures = ci.parse_all([repo / ".gitlab-ci.yml"], repo)
    text = commands(pipelines) + repr(failures) + repr([p.notes for p in pipelines])
    assert SECRET not in text
    assert "docker build" not in commands(pipelines)
    assert "pytest tests/unit" in commands(pipelines)  # the rest is still read


@pytest.mark.parametrize("how", ["dotdot", "symlink"])
def test_make_is_not_followed_into_a_makefile_outside_the_repository(world, how):
    repo, outside = world
    if how == "symlink":
        (repo / "Makefile").symlink_to(outside / "Makefile")
    else:
        (repo / "Makefile").write_text("include ../outside/Makefile\n")
    workflow = repo / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: make test\n"
    )
    pipelines, _ = ci.parse_all([workflow], repo)
    assert "go test" not in commands(pipelines) and SECRET not in commands(pipelines)


def test_a_local_action_outside_the_repository_is_not_read(world):
    repo, outside = world
    action = outside / "act"
    action.mkdir()
    (action / "action.yml").write_text(
        "runs:\n  using: composite\n  steps:\n"
        f"    - run: docker push registry.example.com/app # {SECRET}\n      shell: bash\n"
    )
    workflow = repo / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: ./../outside/act\n"
    )
    pipelines, _ = ci.parse_all([workflow], repo)
    assert SECRET not in commands(pipelines) + repr([p.notes for p in pipelines])


def test_the_gate_refuses_only_inside_a_review_of_a_repository(world):
    repo, outside = world
    with files.within(repo), pytest.raises(files.OutsideRepository, match="outside"):
        files.read_text(repo / ".." / "outside" / "Makefile")
    assert SECRET in files.read_text(outside / "Makefile")  # no repository in force


def test_a_release_section_linking_outside_the_repository_does_not_pass(world):
    repo, outside = world
    (outside / "RELEASING.md").write_text(
        "# Releasing\n\nTag vX.Y.Z, the pipeline builds and pushes the image,\n"
        "the release manager approves production, roll back with the previous tag.\n"
    )
    (repo / "README.md").write_text(
        "# app\n\n## Release\n\nSee [releasing](../outside/RELEASING.md).\n"
    )
    doc = parse_markdown(repo / "README.md")
    [heading] = release_docs.release_headings(doc)
    assert release_docs.linked_release_doc(doc, heading, repo) is None
    # the same document inside the repository is followed
    (repo / "RELEASING.md").write_text((outside / "RELEASING.md").read_text())
    (repo / "README.md").write_text("# app\n\n## Release\n\nSee [releasing](RELEASING.md).\n")
    doc = parse_markdown(repo / "README.md")
    [heading] = release_docs.release_headings(doc)
    assert release_docs.linked_release_doc(doc, heading, repo) == (repo / "RELEASING.md").resolve()
