"""golive_lib.sources.ci.github and the ci interface: discovery, dispatch, lines, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive_lib.errors import SourceError
from golive_lib.sources import ci
from golive_lib.sources.ci import Job, Pipeline, PipelineError

REPO = Path(__file__).resolve().parents[1] / "data" / "ci" / "github"
CI_YML = REPO / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return ci.parse(CI_YML, REPO)


def job(p: Pipeline, name: str) -> Job:
    return next(j for j in p.jobs if j.name == name)


def test_discover_finds_every_workflow_yml_and_yaml() -> None:
    found = [p.relative_to(REPO).as_posix() for p in ci.discover(REPO, [])]
    assert found == [".github/workflows/ci.yml", ".github/workflows/nightly.yaml"]


def test_discover_takes_the_explicit_files_as_given_even_when_missing() -> None:
    assert ci.discover(REPO, ["ci/other.yml"]) == [REPO / "ci" / "other.yml"]


def test_a_workflow_is_recognised_by_its_folder() -> None:
    assert ci.system_of(CI_YML) == "github"


def test_jobs_carry_their_names_and_lines(pipeline: Pipeline) -> None:
    assert pipeline.system == "github"
    assert [(j.name, j.line) for j in pipeline.jobs] == [
        ("lint", 18),
        ("test", 38),
        ("image", 67),
        ("deploy-staging", 88),
        ("deploy-production", 101),
    ]


def test_a_multi_line_run_block_starts_on_the_line_after_the_indicator(pipeline: Pipeline) -> None:
    lint = job(pipeline, "lint").steps[3]
    assert lint.name == "Lint"
    assert lint.line == 28
    assert lint.run == "ruff check .\nruff format --check .\nmypy src\n"
    assert lint.line_at(2) == 32  # "mypy src"


def test_actions_keep_their_inputs(pipeline: Pipeline) -> None:
    build = job(pipeline, "image").steps[3]
    assert build.uses == "docker/build-push-action@v6"
    assert build.line == 81
    assert build.input("PUSH") == "${{ github.event_name != 'pull_request' }}"


def test_environment_as_string_or_mapping_and_container_images(pipeline: Pipeline) -> None:
    staging, production = job(pipeline, "deploy-staging"), job(pipeline, "deploy-production")
    assert (staging.environment, staging.image) == ("staging", "alpine/helm:3.15.4")
    assert production.environment == "production"
    assert job(pipeline, "test").services == ("postgres:16.4",)


def test_refs_list_actions_and_images_but_not_local_actions() -> None:
    nightly = ci.parse(REPO / ".github" / "workflows" / "nightly.yaml", REPO)
    refs = [(r.kind, r.value, r.line) for r in nightly.refs]
    assert ("action", "acme/shared-workflows/.github/workflows/e2e.yml@main", 7) in refs
    assert ("image", "python:3.12-slim", 13) in refs
    assert ("image", "alpine:latest", 17) in refs
    assert all(not v.startswith("./") for _, v, _ in refs)


def test_a_reusable_workflow_call_is_a_job_with_one_uses_step() -> None:
    nightly = ci.parse(REPO / ".github" / "workflows" / "nightly.yaml", REPO)
    e2e = job(nightly, "e2e")
    assert [s.uses for s in e2e.steps] == ["acme/shared-workflows/.github/workflows/e2e.yml@main"]
    assert e2e.steps[0].input("target") == "staging"


def test_malformed_yaml_names_the_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "ci.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: push\njobs:\n  build:\n    steps:\n      - run: echo [\n    x: : y\n")
    with pytest.raises(PipelineError) as info:
        ci.parse(bad, tmp_path)
    assert isinstance(info.value, SourceError)
    assert info.value.path == bad
    assert info.value.line is not None and info.value.line >= 5
    assert info.value.column is not None
    assert f"line {info.value.line}, column {info.value.column}" in str(info.value)


def test_parse_all_turns_failures_into_records(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("jobs: [unclosed\n")
    good = bad.with_name("ci.yml")
    good.write_text(CI_YML.read_text())
    pipelines, failures = ci.parse_all([good, bad, tmp_path / "missing.yml"], tmp_path)
    assert [p.path for p in pipelines] == [good]
    assert [f.path for f in failures] == [bad, tmp_path / "missing.yml"]
    assert failures[0].line is not None and "YAML error" in failures[0].message
    assert "file not found" in failures[1].message


def test_a_top_level_list_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / ".github" / "workflows" / "x.yml"
    path.parent.mkdir(parents=True)
    path.write_text("- just\n- a list\n")
    with pytest.raises(PipelineError, match="expected a mapping"):
        ci.parse(path, tmp_path)


def test_an_empty_workflow_file_has_no_jobs(tmp_path: Path) -> None:
    path = tmp_path / ".github" / "workflows" / "empty.yml"
    path.parent.mkdir(parents=True)
    path.write_text("")
    assert ci.parse(path, tmp_path).jobs == ()


@pytest.mark.parametrize(
    ("name", "text", "system"),
    [
        ("pipeline.yml", "version: 2.1\njobs: {}\nworkflows: {}\n", "circleci"),
        ("pipeline.yml", "on: push\njobs: {}\n", "github"),
        ("pipeline.yml", "trigger: [main]\nsteps: []\n", "azure"),
        ("pipeline.yml", "build:\n  script: [make]\n", "gitlab"),
        ("build.groovy", "pipeline { agent any }", "jenkins"),
        ("notes.txt", "hello", None),
    ],
)
def test_an_explicit_file_with_an_unusual_name_is_recognised_by_content(
    tmp_path: Path, name: str, text: str, system: str | None
) -> None:
    assert ci.system_of(tmp_path / name, text) == system


def test_an_unrecognisable_file_is_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(PipelineError, match="cannot tell which CI system"):
        ci.parse(path, tmp_path)


def test_powershell_steps_join_backtick_lines_and_keep_windows_paths(tmp_path: Path) -> None:
    from golive_lib.sections import cicd

    path = tmp_path / ".github" / "workflows" / "win.yml"
    path.parent.mkdir(parents=True)
    path.write_text(
        "on: push\njobs:\n  win:\n    runs-on: windows-latest\n    steps:\n"
        "      - shell: pwsh\n        run: |\n"
        "          docker cp ctn:c:\\\\gopath\\\\bin\\\\gotestsum.exe bin\\\\\n"
        "          docker build `\n            -t app .\n"
    )
    p = ci.parse(path, tmp_path)
    (step,) = p.jobs[0].steps
    assert step.shell == "pwsh"
    assert [seg for _, seg in cicd.command_segments(step.run or "", step.shell)] == [
        "docker cp ctn:c:\\\\gopath\\\\bin\\\\gotestsum.exe bin\\\\",
        "docker build -t app .",
    ]
    assert cicd.classify_tests([p]) == {"unit": [], "integration": []}
