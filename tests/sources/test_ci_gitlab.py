"""golive_lib.sources.ci.gitlab: jobs, templates, extends, anchors, local includes, lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive_lib.sources import ci
from golive_lib.sources.ci import Job, Pipeline

REPO = Path(__file__).resolve().parents[1] / "data" / "ci" / "gitlab"
MAIN = REPO / ".gitlab-ci.yml"
DEPLOY = REPO / "ci" / "deploy.yml"


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return ci.parse(MAIN, REPO)


def job(p: Pipeline, name: str) -> Job:
    return next(j for j in p.jobs if j.name == name)


def test_hidden_templates_and_reserved_keys_are_not_jobs(pipeline: Pipeline) -> None:
    names = {j.name for j in pipeline.jobs}
    assert names == {
        "lint",
        "hadolint",
        "unit-tests",
        "integration-tests",
        "build-image",
        "deploy-staging",
        "deploy-production",
    }


def test_every_script_line_is_a_step_with_its_line(pipeline: Pipeline) -> None:
    lint = job(pipeline, "lint")
    assert lint.line == 24 and lint.stage == "lint"
    assert [(s.run, s.line) for s in lint.steps] == [
        ("pip install -r requirements-dev.txt", 10),  # default: before_script
        ("ruff check .", 28),
        ("black --check --diff src tests", 29),
    ]


def test_an_empty_before_script_overrides_the_default(pipeline: Pipeline) -> None:
    assert [s.run for s in job(pipeline, "hadolint").steps] == [
        "hadolint --failure-threshold warning Dockerfile"
    ]


def test_a_list_anchor_in_a_script_is_expanded_at_the_anchor_lines(pipeline: Pipeline) -> None:
    steps = job(pipeline, "integration-tests").steps
    assert [(s.run, s.line) for s in steps][1:] == [
        ("apt-get update && apt-get install -y postgresql-client", 21),
        ('psql "$DATABASE_URL" -f schema.sql', 22),
        ("pytest -m integration", 56),
    ]


def test_job_image_services_variables_and_default_image(pipeline: Pipeline) -> None:
    integration = job(pipeline, "integration-tests")
    assert integration.image == "python:3.12-slim"
    assert integration.services == ("postgres:16",)
    assert "postgresql://postgres@db/postgres" in integration.contexts
    assert job(pipeline, "build-image").image == "gcr.io/kaniko-project/executor:v1.23.2-debug"


def test_a_folded_script_is_one_step(pipeline: Pipeline) -> None:
    (step,) = job(pipeline, "build-image").steps
    assert step.line == 66
    assert step.run is not None and step.run.startswith("/kaniko/executor --context")
    assert '--destination "$IMAGE"' in step.run


def test_local_include_jobs_keep_their_own_file_and_lines(pipeline: Pipeline) -> None:
    staging = job(pipeline, "deploy-staging")
    assert (staging.path, staging.line) == (DEPLOY, 9)
    assert staging.environment == "staging"
    assert staging.stage == "deploy"  # from the .deploy template via extends
    assert staging.image == "alpine/helm:3.15.4"
    helm = staging.steps[1]
    assert (helm.path, helm.line) == (DEPLOY, 7)
    assert helm.run is not None and helm.run.startswith("helm upgrade --install ingest-api")


def test_a_reference_tag_is_followed(pipeline: Pipeline) -> None:
    production = job(pipeline, "deploy-production")
    assert production.environment == "production"
    assert production.steps[-1].run == './scripts/notify.sh "deployed $CI_COMMIT_SHORT_SHA"'
    assert production.steps[-1].line == 26


def test_remote_includes_are_noted_not_fetched(pipeline: Pipeline) -> None:
    assert pipeline.notes == (
        "template include Security/SAST.gitlab-ci.yml not followed (not in this repository)",
    )


def test_image_refs_have_lines(pipeline: Pipeline) -> None:
    refs = {(r.value, r.path.name, r.line) for r in pipeline.refs}
    assert ("python:3.12-slim", ".gitlab-ci.yml", 8) in refs
    assert ("hadolint/hadolint:latest-debian", ".gitlab-ci.yml", 33) in refs
    assert ("postgres:16", ".gitlab-ci.yml", 50) in refs
    assert ("alpine/helm:3.15.4", "deploy.yml", 3) in refs


def test_extends_into_a_project_include_keeps_the_job_and_names_the_include(
    tmp_path: Path,
) -> None:
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "deploy.yml").write_text(
        "deploy-prod:\n  extends: .helm-deploy\n  environment: production\n"
    )
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text(
        "include:\n  - project: acme/ci-templates\n    file: /helm.yml\n"
        "  - local: ci/*.yml\n"
        "test:\n  extends: .nope\n  script: [pytest]\n"
    )
    p = ci.parse(path, tmp_path)
    assert [(j.name, j.environment) for j in p.jobs] == [
        ("deploy-prod", "production"),
        ("test", None),
    ]
    assert p.notes[0] == "project include acme/ci-templates not followed (not in this repository)"
    assert any("job deploy-prod (ci/deploy.yml:1) extends .helm-deploy" in n for n in p.notes)
    assert any("job test (.gitlab-ci.yml:5) extends .nope" in n for n in p.notes)


def test_a_missing_local_include_is_a_note_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text("include: [{local: ci/gone.yml}]\ntest:\n  script: [pytest]\n")
    p = ci.parse(path, tmp_path)
    assert [j.name for j in p.jobs] == ["test"]
    assert p.notes == (
        "local include ci/gone.yml cannot be read (No such file or directory), not followed",
    )


def test_jobs_that_never_run_are_not_jobs_and_manual_ones_are_marked(tmp_path: Path) -> None:
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text(
        "disabled:\n  when: never\n  script: [docker push x]\n"
        "ruled-off:\n  rules:\n    - if: $CI\n      when: never\n    - when: never\n"
        "  script: [docker push y]\n"
        "by-hand:\n  rules:\n    - if: $CI_COMMIT_TAG\n      when: manual\n"
        "  script: [helm upgrade x]\n"
        "normal:\n  rules:\n    - if: $X\n      when: never\n    - when: on_success\n"
        "  script: [pytest]\n"
    )
    p = ci.parse(path, tmp_path)
    assert [(j.name, j.manual) for j in p.jobs] == [("by-hand", True), ("normal", False)]
    assert sum("never runs" in n for n in p.notes) == 2


def test_a_reference_to_an_unknown_template_is_a_note(tmp_path: Path) -> None:
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text("test:\n  script:\n    - !reference [.setup, script]\n    - pytest\n")
    p = ci.parse(path, tmp_path)
    assert [s.run for s in p.jobs[0].steps] == ["pytest"]
    assert "!reference ['.setup', 'script'] names nothing" in p.notes[0]


def test_a_malformed_included_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "jobs.yml").write_text("build:\n  script: [make\n")
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text("include: /ci/jobs.yml\ntest:\n  script: [pytest]\n")
    pipelines, failures = ci.parse_all([path], tmp_path)
    assert [j.name for j in pipelines[0].jobs] == ["test"]  # the rest is still read
    (failure,) = failures
    assert failure.path == tmp_path / "ci" / "jobs.yml"
    assert failure.line == 3


def test_an_empty_gitlab_file_has_no_jobs(tmp_path: Path) -> None:
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text("# nothing yet\n")
    assert ci.parse(path, tmp_path).jobs == ()


def test_a_trigger_job_is_a_uses_step(tmp_path: Path) -> None:
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text(
        "stages: [deploy]\ndownstream:\n  stage: deploy\n  trigger:\n    project: acme/deploy\n"
    )
    (j,) = ci.parse(path, tmp_path).jobs
    assert [s.uses for s in j.steps] == ["trigger:acme/deploy"]
    assert j.steps[0].line == 4


def test_local_child_pipelines_of_a_trigger_are_read(tmp_path: Path) -> None:
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "service.yml").write_text(
        "deploy:\n  environment: production\n  script: [helm upgrade svc ./chart]\n"
    )
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text(
        "svc:\n  trigger:\n    include:\n      - local: ci/service.yml\n"
        "      - artifact: generated.yml\n        job: gen\n    strategy: depend\n"
    )
    p = ci.parse(path, tmp_path)
    assert [(j.name, j.environment) for j in p.jobs] == [
        ("svc", None),
        ("svc / deploy", "production"),
    ]
    assert p.notes == ("job svc: child pipeline generated at run time (artifact), not followed",)
