"""golive_lib.sources.ci.azure: stages, jobs, deployment jobs and their strategy steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive_lib.sources import ci
from golive_lib.sources.ci import Job, Pipeline, PipelineError

REPO = Path(__file__).resolve().parents[1] / "data" / "ci" / "azure"
FILE = REPO / "azure-pipelines.yml"


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return ci.parse(FILE, REPO)


def job(p: Pipeline, name: str) -> Job:
    return next(j for j in p.jobs if j.name == name)


def test_jobs_of_every_stage_with_lines(pipeline: Pipeline) -> None:
    assert ci.discover(REPO, []) == [FILE]
    assert [(j.name, j.stage, j.line) for j in pipeline.jobs] == [
        ("Lint", "Build", 22),
        ("Test", "Build", 31),
        ("Image", "Build", 51),
        ("DeployStaging", "DeployStaging", 67),
        ("DeployProduction", "DeployProduction", 85),
    ]


def test_script_and_bash_steps_are_runs_with_their_lines(pipeline: Pipeline) -> None:
    ruff = job(pipeline, "Lint").steps[1]
    assert ruff.name == "Ruff"
    assert ruff.line == 27 and ruff.line_at(1) == 29
    integration = job(pipeline, "Test").steps[1]
    assert integration.name == "Integration tests"
    assert integration.run is not None and integration.run.startswith("pytest tests/integration")
    assert integration.line_at(0) == 42


def test_tasks_are_uses_with_inputs(pipeline: Pipeline) -> None:
    docker = job(pipeline, "Image").steps[1]
    assert (docker.uses, docker.line, docker.name) == ("Docker@2", 56, "Build and push")
    assert docker.input("command") == "buildAndPush"


def test_deployment_jobs_carry_their_environment_and_strategy_steps(pipeline: Pipeline) -> None:
    staging = job(pipeline, "DeployStaging")
    assert staging.environment == "staging"  # "staging.ingest": the resource is dropped
    assert [s.uses for s in staging.steps] == ["HelmDeploy@0"]
    production = job(pipeline, "DeployProduction")
    assert production.environment == "production"
    assert [(s.uses or s.run, s.line) for s in production.steps] == [
        ("KubernetesManifest@1", 94),
        ("kubectl rollout undo deployment/ingest-api", 101),
    ]


def test_container_resources_resolve_service_aliases(pipeline: Pipeline) -> None:
    digest = "postgres:16.4@sha256:4ec37d2a07a0067f176fdcc9d4bb633a5724d2cc4f892c7a2046d054bb6939e5"
    assert job(pipeline, "Test").services == (digest,)
    assert [(r.kind, r.value, r.line) for r in pipeline.refs] == [("image", digest, 15)]


def test_a_steps_only_pipeline_is_one_job(tmp_path: Path) -> None:
    path = tmp_path / "azure-pipelines.yml"
    path.write_text("pool:\n  vmImage: ubuntu-latest\nsteps:\n  - script: go test ./...\n")
    (j,) = ci.parse(path, tmp_path).jobs
    assert (j.name, j.line) == ("steps", 3)
    assert [(s.run, s.line) for s in j.steps] == [("go test ./...", 4)]


def test_a_bad_indentation_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "azure-pipelines.yml"
    path.write_text("stages:\n  - stage: A\n    jobs:\n    - job: B\n   steps: []\n")
    with pytest.raises(PipelineError) as info:
        ci.parse(path, tmp_path)
    assert info.value.line == 5


def test_templates_with_parameters_tasks_and_conditions(tmp_path: Path) -> None:
    (tmp_path / "eng" / "templates").mkdir(parents=True)
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "build.sh").write_text("#!/bin/bash\ndocker build -t app .\n")
    (tmp_path / "eng" / "templates" / "jobs.yml").write_text(
        "parameters:\n  - name: env\n    default: staging\n  - name: preSteps\n"
        "    type: stepList\n    default: []\njobs:\n  - deployment: Deploy_${{ parameters.env }}\n"
        "    environment: ${{ parameters.env }}\n    strategy:\n      runOnce:\n        deploy:\n"
        "          steps:\n            - ${{ parameters.preSteps }}\n"
        "            - task: Bash@3\n              inputs:\n                targetType: filePath\n"
        "                filePath: $(System.DefaultWorkingDirectory)/ci/build.sh\n"
        "            - ${{ if eq(parameters.env, 'production') }}:\n"
        "              - script: helm upgrade app ./chart\n"
    )
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(
        "trigger: [main]\nstages:\n  - stage: Prod\n    jobs:\n"
        "      - template: eng/templates/jobs.yml\n        parameters:\n          env: production\n"
        "          preSteps:\n            - script: echo pre\n"
        "  - stage: Old\n    condition: false\n    jobs:\n      - job: Push\n"
        "        steps: [{script: docker push x}]\n"
        "  - template: eng/templates/stages.yml@templates\n"
    )
    pipelines, failures = ci.parse_all([path], tmp_path)
    assert failures == []
    (p,) = pipelines
    (job_,) = p.jobs
    assert (job_.name, job_.environment, job_.stage) == ("Deploy_production", "production", "Prod")
    runs = [(s.run, s.path.name) for s in job_.steps]
    assert runs == [
        ("echo pre", "azure-pipelines.yml"),
        ("bash ci/build.sh", "jobs.yml"),
        ("docker build -t app .", "build.sh"),
        ("helm upgrade app ./chart", "jobs.yml"),
    ]
    assert p.notes == (
        "template eng/templates/stages.yml@templates (azure-pipelines.yml:15) is in another "
        "repository, not followed",
    )


def test_a_job_template_is_azure_not_gitlab(tmp_path: Path) -> None:
    path = tmp_path / "ci-jobs.yml"
    path.write_text(
        "parameters:\n  - name: x\njobs:\n  - job: Build\n    steps:\n"
        "      - task: Docker@2\n        inputs: {command: build}\n"
    )
    p = ci.parse(path, tmp_path)
    assert p.system == "azure"
    assert [j.name for j in p.jobs] == ["Build"]


def test_an_npm_custom_task_runs_its_script(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"scripts": {"test": "jest --ci"}}\n')
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(
        "trigger: [main]\nsteps:\n  - task: Npm@1\n    inputs:\n      command: custom\n"
        "      customCommand: run test\n"
    )
    (p,), _ = ci.parse_all([path], tmp_path)
    assert [s.run for s in p.jobs[0].steps] == ["npm run test", "jest --ci"]
