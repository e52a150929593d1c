"""golive_lib.sources.ci.jenkins: the brace/quote-aware scanner and declarative stages."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive_lib.sources import ci
from golive_lib.sources.ci import Job, Pipeline, PipelineError
from golive_lib.sources.ci.jenkins import scan

REPO = Path(__file__).resolve().parents[1] / "data" / "ci" / "jenkins"
FILE = REPO / "Jenkinsfile"


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return ci.parse(FILE, REPO)


def job(p: Pipeline, name: str) -> Job:
    return next(j for j in p.jobs if j.name == name)


def test_stages_are_jobs_and_parallel_stages_name_their_parent(pipeline: Pipeline) -> None:
    assert ci.discover(REPO, []) == [FILE]
    assert [(j.name, j.stage, j.line) for j in pipeline.jobs] == [
        ("Lint", None, 18),
        ("Unit", "Tests", 31),
        ("Integration", "Tests", 40),
        ("Image", None, 53),
        ("Deploy to staging", None, 67),
        ("post", None, 82),
    ]


def test_a_triple_quoted_sh_maps_each_command_to_its_line(pipeline: Pipeline) -> None:
    script = job(pipeline, "Lint").steps[1]
    assert script.line == 22
    assert script.run is not None
    lines = script.run.splitlines()
    assert lines[1].strip() == "ruff check ." and script.line_at(1) == 23
    assert lines[2].strip() == "mypy src" and script.line_at(2) == 24


def test_named_script_argument_and_post_steps(pipeline: Pipeline) -> None:
    unit = job(pipeline, "Unit")
    assert unit.steps[0].run == "pytest tests/unit --junitxml=unit.xml"
    assert unit.steps[1].uses == "junit 'unit.xml'" and unit.steps[1].line == 37
    assert unit.image == "python:3.12-slim"


def test_steps_inside_script_closures_and_comments_are_found(pipeline: Pipeline) -> None:
    (step,) = job(pipeline, "Integration").steps
    assert step.run == "pytest tests/integration --db-host=${c.id}"
    assert step.line == 45


def test_groovy_statements_are_uses_steps(pipeline: Pipeline) -> None:
    image = job(pipeline, "Image")
    assert [(s.uses, s.line) for s in image.steps[1:]] == [
        ('def img = docker.build("${IMAGE}", "--pull .")', 58),
        ("img.push()", 60),
        ("img.push('latest')", 61),
    ]


def test_a_brace_on_the_next_line_and_environment_block(pipeline: Pipeline) -> None:
    deploy = job(pipeline, "Deploy to staging")
    assert "staging" in deploy.contexts
    (helm,) = deploy.steps
    assert helm.run is not None and "helm upgrade --install ingest-api ./chart \\" in helm.run
    assert helm.line_at(1) == 73


def test_agent_docker_images_are_refs(pipeline: Pipeline) -> None:
    assert [(r.value, r.line) for r in pipeline.refs] == [
        ("python:3.12-slim", 19),
        ("python:3.12-slim", 32),
    ]


def test_braces_and_slashes_inside_strings_do_not_confuse_the_scanner(tmp_path: Path) -> None:
    tree = scan(
        "pipeline {\n  stages {\n    stage('a') {\n      steps {\n"
        "        sh 'echo \"}\" // not a comment'\n"
        '        sh "curl https://x/{id}"\n      }\n    }\n  }\n}\n',
        tmp_path / "Jenkinsfile",
    )
    steps = tree[0].body[0].body[0].body[0].body  # type: ignore[index]
    assert [(s.first_string(), s.line) for s in steps] == [
        ('echo "}" // not a comment', 5),
        ("curl https://x/{id}", 6),
    ]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("pipeline {\n  stages {\n", "opened at line 2 is never closed", 2),
        ("pipeline { }\n}\n", "unexpected '}'", 2),
        ("pipeline {\n  sh 'oops\n}\n", "unterminated string", 2),
        ('pipeline {\n  sh """\n  never closed\n', "unterminated string", 2),
    ],
)
def test_unbalanced_files_are_errors_with_a_line(
    tmp_path: Path, text: str, message: str, line: int
) -> None:
    path = tmp_path / "Jenkinsfile"
    path.write_text(text)
    with pytest.raises(PipelineError, match=message) as info:
        ci.parse(path, tmp_path)
    assert info.value.line == line


def test_a_scripted_pipeline_reads_stages_inside_node(tmp_path: Path) -> None:
    path = tmp_path / "Jenkinsfile"
    path.write_text("node {\n  stage('Test') {\n    sh 'go test ./...'\n  }\n}\n")
    (j,) = ci.parse(path, tmp_path).jobs
    assert (j.name, j.line, [s.run for s in j.steps]) == ("Test", 2, ["go test ./..."])


def test_when_false_stages_input_stages_and_library_steps(tmp_path: Path) -> None:
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "build.sh").write_text("#!/bin/sh\ndocker build -t app .\n")
    path = tmp_path / "Jenkinsfile"
    path.write_text(
        "pipeline {\n  agent any\n  stages {\n"
        "    stage('Build') { steps { sh './ci/build.sh'\n infra.runMaven(opts, '21') } }\n"
        "    stage('Old') {\n      when { expression { false } }\n"
        "      steps { sh 'helm upgrade prod ./chart' }\n    }\n"
        "    stage('Prod') {\n      input { message 'Deploy?' }\n"
        "      steps { sh 'helm upgrade prod ./chart' }\n    }\n  }\n}\n"
    )
    pipelines, failures = ci.parse_all([path], tmp_path)
    assert failures == []
    (p,) = pipelines
    assert [(j.name, j.manual) for j in p.jobs] == [("Build", False), ("Prod", True)]
    build = p.jobs[0]
    assert [(s.run, s.path.name, s.line) for s in build.steps if s.run] == [
        ("./ci/build.sh", "Jenkinsfile", 4),
        ("docker build -t app .", "build.sh", 2),
    ]
    assert p.notes == (
        "stage Old (line 6) never runs (when false)",
        "step infra.runMaven (line 5) not inspected (a shared library or plugin)",
    )


def test_shell_steps_inside_dir_are_followed_from_that_folder(tmp_path: Path) -> None:
    (tmp_path / "services" / "api").mkdir(parents=True)
    (tmp_path / "services" / "api" / "Makefile").write_text("test:\n\tgo test ./...\n")
    path = tmp_path / "Jenkinsfile"
    path.write_text(
        "pipeline {\n  agent any\n  stages {\n    stage('Test') {\n      steps {\n"
        "        dir('services/api') {\n          sh 'make test'\n        }\n"
        "      }\n    }\n  }\n}\n"
    )
    (p,), _ = ci.parse_all([path], tmp_path)
    assert [(s.run, s.path.parent.name, s.line) for s in p.jobs[0].steps] == [
        ("make test", tmp_path.name, 7),
        ("go test ./...", "api", 2),
    ]


def test_well_known_library_steps_read_as_the_build_they_run(tmp_path: Path) -> None:
    path = tmp_path / "Jenkinsfile"
    path.write_text(
        "node {\n  stage('Build') {\n    def opts = ['-B', 'clean', 'install']\n"
        "    infra.runMaven(opts, '21')\n  }\n  stage('Plugin') {\n"
        "    buildPlugin(useContainerAgent: true)\n  }\n}\n"
    )
    p = ci.parse(path, tmp_path)
    runs = [(s.run, s.line) for j in p.jobs for s in j.steps if s.run]
    assert runs == [("mvn -B clean install", 4), ("mvn clean verify", 7)]
    assert not any("runMaven" in n or "buildPlugin" in n for n in p.notes)
