"""golive_lib.sources.ci.circleci: workflow jobs, orbs, reusable commands, parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive_lib.sources import ci
from golive_lib.sources.ci import Job, Pipeline

REPO = Path(__file__).resolve().parents[1] / "data" / "ci" / "circleci"
CONFIG = REPO / ".circleci" / "config.yml"


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return ci.parse(CONFIG, REPO)


def job(p: Pipeline, name: str) -> Job:
    return next(j for j in p.jobs if j.name == name)


def test_discovered_and_recognised() -> None:
    assert ci.discover(REPO, []) == [CONFIG]
    assert ci.system_of(CONFIG) == "circleci"


def test_each_workflow_entry_is_a_job_at_its_line_and_approvals_are_not(pipeline: Pipeline) -> None:
    assert [(j.name, j.line) for j in pipeline.jobs] == [
        ("lint", 74),
        ("unit-tests", 75),
        ("integration-tests", 78),
        ("docker/hadolint", 81),
        ("docker/publish", 83),
        ("deploy-staging", 91),
        ("deploy-production", 99),
    ]


def test_run_as_string_and_as_mapping(pipeline: Pipeline) -> None:
    lint = job(pipeline, "lint")
    flake8 = next(s for s in lint.steps if s.run == "flake8 src tests")
    assert flake8.line == 35
    typecheck = next(s for s in lint.steps if s.name == "Type check")
    assert typecheck.run == "mypy src\npylint src --disable=C\n"
    assert typecheck.line_at(1) == 40


def test_reusable_commands_are_expanded_with_their_parameters(pipeline: Pipeline) -> None:
    unit = job(pipeline, "unit-tests")
    install = next(s for s in unit.steps if s.name == "Install dependencies")
    assert install.run == 'pip install -e ".[test]"'
    assert install.line == 25  # where the command's step is written
    lint_install = next(s for s in job(pipeline, "lint").steps if s.name == "Install dependencies")
    assert lint_install.run == 'pip install -e ".[dev]"'  # the parameter's default


def test_workflow_parameters_are_substituted(pipeline: Pipeline) -> None:
    integration = job(pipeline, "integration-tests")
    step = next(s for s in integration.steps if s.run and "pytest" in s.run)
    assert step.run == "pytest tests/integration --junitxml=test-results/junit.xml"
    assert step.name == "Run integration tests"
    assert step.line == 52


def test_orb_jobs_and_steps_use_the_orb_name(pipeline: Pipeline) -> None:
    publish = job(pipeline, "docker/publish")
    (step,) = publish.steps
    assert step.uses == "circleci/docker/publish"
    assert step.input("image") == "acme/ingest-api"
    assert step.input("requires") is None  # workflow keys are not orb inputs
    assert "docker-hub" in publish.contexts and "main" in publish.contexts
    kubectl = job(pipeline, "deploy-staging").steps[1]
    assert kubectl.uses == "circleci/kubernetes/install-kubectl"


def test_contexts_and_parameters_name_the_environment(pipeline: Pipeline) -> None:
    staging = job(pipeline, "deploy-staging")
    assert "k8s-staging" in staging.contexts and "staging" in staging.contexts
    deploy = staging.steps[-1]
    assert deploy.run == "./scripts/deploy.sh staging"
    assert deploy.name == "Deploy to staging"


def test_executor_images_and_orbs_are_refs(pipeline: Pipeline) -> None:
    refs = {(r.kind, r.value, r.line) for r in pipeline.refs}
    assert ("orb", "circleci/kubernetes@volatile", 6) in refs
    assert ("image", "cimg/python:3.12.4", 11) in refs
    assert ("image", "cimg/base:current", 60) in refs
    assert job(pipeline, "lint").image == "cimg/python:3.12.4"
    assert job(pipeline, "lint").services == ("cimg/postgres:16.3",)


def test_a_job_no_workflow_runs_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / ".circleci" / "config.yml"
    path.parent.mkdir()
    path.write_text(
        "version: 2\njobs:\n  build:\n    docker:\n      - image: golang:1.22\n"
        "    steps:\n      - checkout\n      - run: go test ./...\n"
    )
    (j,) = ci.parse(path, tmp_path).jobs
    assert (j.name, j.line, j.image) == ("build", 3, "golang:1.22")
    assert [(s.run, s.line) for s in j.steps] == [(None, 7), ("go test ./...", 8)]


def test_steps_parameters_orb_notes_approval_and_disabled_workflows(tmp_path: Path) -> None:
    path = tmp_path / ".circleci" / "config.yml"
    path.parent.mkdir()
    path.write_text(
        "version: 2.1\norbs:\n  kit: acme/kit@1.0.0\njobs:\n  deploy:\n    docker: [{image: x:1}]\n"
        "    parameters:\n      publish_steps:\n        type: steps\n"
        "        default:\n          - run: make release\n"
        "    steps:\n      - steps: << parameters.publish_steps >>\n      - kit/magic\n"
        "  nightly:\n    docker: [{image: x:1}]\n    steps: [{run: docker push y}]\n"
        "workflows:\n  main:\n    jobs:\n      - hold: {type: approval}\n"
        "      - deploy: {requires: [hold]}\n"
        "  parked:\n    when: false\n    jobs: [nightly]\n"
    )
    p = ci.parse(path, tmp_path)
    (deploy,) = p.jobs
    assert deploy.manual and [s.run or s.uses for s in deploy.steps] == [
        "make release",
        "acme/kit/magic",
    ]
    assert p.notes == (
        "orb command acme/kit/magic not inspected (what it does is unknown to golive)",
        "workflow parked never runs (when: false)",
    )
