"""02 CI/CD: what the pipelines build, lint, test, release and deploy, and the Dockerfiles.

`collect` reads the pipeline files (every system of `sources.ci`), the Dockerfiles and
their base images; the checks are functions of that `CicdEvidence` and the parameters.
Only `dockerfile_clean` runs something now (hadolint). What counts as a Docker build, a
lint, a test, a release or a deploy is data: the rule tables of `cicd_rules`, in one place.

Reading the pipelines: every shell command is split into logical lines (backslash
continuations joined) and segments (``&&``, ``||``, ``;``); comment lines and package
installs (``pip install ruff``) never match. Actions, orbs, tasks and Jenkins statements
match on their ``uses`` text and inputs. When a file could not be parsed, the checks
evaluate the others; a step not found there is then an ``error``, not a ``fail``,
because it may be in the file that could not be read.
"""

from __future__ import annotations

from .. import catalog
from ..model import Check, Evidence, Status
from ..params import Params
from ..sources.ci import DISCOVERY, Ref
from ..sources.ci.shell import command_segments
from ..sources.dockerfiles import base_images, find_dockerfiles
from .base import check, checks_of, run_checks
from .cicd_detection import (
    _detection,
    _files,
    _no_pipeline,
    _no_pipeline_check,
    _not_inspected_evidence,
    _unread,
    _unread_evidence,
    hit_text,
    not_inspected,
)
from .cicd_evidence import (
    CicdEvidence,
    Hit,
    classify_test,
    classify_tests,
    collect,
    deploy_hits,
    detect,
    is_fixture_path,
    product_hits,
    step_hits,
)
from .cicd_files import dockerfile_clean, release_documented
from .cicd_rules import (
    CODE_LINT,
    DEPLOY,
    DOCKER_BUILD,
    DOCKERFILE_LINT,
    IMAGE_RELEASE,
    TESTS,
    Pin,
    Rule,
    action_pin,
    image_pin,
    ref_pin,
)

__all__ = [
    "CODE_LINT",
    "DEPLOY",
    "DOCKERFILE_LINT",
    "DOCKER_BUILD",
    "IMAGE_RELEASE",
    "TESTS",
    "Hit",
    "Rule",
    "action_pin",
    "base_images",
    "classify_test",
    "classify_tests",
    "command_segments",
    "detect",
    "dockerfile_clean",
    "find_dockerfiles",
    "image_pin",
    "is_fixture_path",
    "release_documented",
    "step_hits",
]

SECTION = "cicd"

# --------------------------------------------------------------------------- checks

_LOOKED_FOR = ", ".join(pattern for _, pattern in DISCOVERY)


@check("cicd.pipeline-present")
def pipeline_present(ev: CicdEvidence, params: Params) -> Check:
    evidence = [
        Evidence(
            label=f"{p.system} pipeline",
            value=f"{len(p.jobs)} job(s): {', '.join(j.name for j in p.jobs[:8])}",
            location=ev.where(p.path, 1),
        )
        for p in ev.pipelines
    ]
    if ev.failures:
        first = ev.failures[0]
        return catalog.make(
            "cicd.pipeline-present",
            Status.ERROR,
            f"cannot parse {ev.rel(first.path)}: {first.message}"
            + "".join(f"; cannot parse {ev.rel(f.path)}: {f.message}" for f in ev.failures[1:]),
            evidence + _unread_evidence(ev),
            remediation="Fix the file at the line and column given (validate it with the CI "
            "system's linter, e.g. `gitlab-ci lint`, `circleci config validate`).",
        )
    if not ev.pipelines:
        listed = ", ".join(params.cicd.pipeline_files) or _LOOKED_FOR
        return catalog.make(
            "cicd.pipeline-present",
            Status.FAIL,
            f"no pipeline definition found (looked for {listed})",
            remediation="Add a pipeline definition, e.g. `.github/workflows/ci.yml` or "
            "`.gitlab-ci.yml`, or name yours in the parameters under cicd.pipeline_files.",
        )
    if not any(p.jobs for p in ev.pipelines):
        files = ", ".join(ev.rel(p.path) for p in ev.pipelines)
        return catalog.make(
            "cicd.pipeline-present",
            Status.FAIL,
            f"pipeline file(s) define no jobs: {files}",
            evidence,
            remediation="Define the build, test and release jobs in the pipeline file.",
        )
    jobs = sum(len(p.jobs) for p in ev.pipelines)
    unseen = not_inspected(ev)
    summary = f"{len(ev.pipelines)} pipeline file(s) with {jobs} job(s): {_files(ev)}"
    if unseen:
        summary += f"; {len(unseen)} thing(s) not inspected or not counted (see the evidence)"
    return catalog.make(
        "cicd.pipeline-present",
        Status.PASS,
        summary,
        evidence + _not_inspected_evidence(ev),
    )


@check("cicd.docker-build")
def docker_build(ev: CicdEvidence, params: Params) -> Check:
    return _detection(
        "cicd.docker-build",
        ev,
        product_hits(ev, detect(ev.pipelines, DOCKER_BUILD)),
        "Builds the Docker image",
        'Add a step that builds the image, e.g. `docker build -t "$IMAGE:$GIT_SHA" .` '
        "(GitHub Actions: `uses: docker/build-push-action@v6`; GitLab: kaniko "
        "`/kaniko/executor --context . --dockerfile Dockerfile`).",
    )


@check("cicd.dockerfile-lint")
def dockerfile_lint(ev: CicdEvidence, params: Params) -> Check:
    if not ev.dockerfiles and not ev.missing_dockerfiles:
        return catalog.make(
            "cicd.dockerfile-lint", Status.NA, "no Dockerfile in the repository: nothing to lint"
        )
    return _detection(
        "cicd.dockerfile-lint",
        ev,
        detect(ev.pipelines, DOCKERFILE_LINT),
        "Lints the Dockerfile",
        "Add a step `hadolint Dockerfile` (GitHub Actions: "
        "`uses: hadolint/hadolint-action@v3.1.0`; or "
        "`docker run --rm -i hadolint/hadolint < Dockerfile`).",
    )


@check("cicd.code-lint")
def code_lint(ev: CicdEvidence, params: Params) -> Check:
    return _detection(
        "cicd.code-lint",
        ev,
        detect(ev.pipelines, CODE_LINT),
        "Lints the code",
        "Add a lint step, e.g. `ruff check .` (Python), `golangci-lint run` (Go), "
        "`npx eslint .` (JavaScript/TypeScript).",
    )


@check("cicd.unit-tests")
def unit_tests(ev: CicdEvidence, params: Params) -> Check:
    return _detection(
        "cicd.unit-tests",
        ev,
        classify_tests(ev.pipelines)["unit"],
        "Runs unit tests",
        'Add a step that runs the unit tests, e.g. `pytest -m "not integration"` or '
        "`go test ./...`.",
    )


@check("cicd.integration-tests")
def integration_tests(ev: CicdEvidence, params: Params) -> Check:
    return _detection(
        "cicd.integration-tests",
        ev,
        classify_tests(ev.pipelines)["integration"],
        "Runs integration tests",
        "Add a job that runs the integration suite against real dependencies (CI services), "
        "e.g. `pytest tests/integration` or `go test -tags=integration ./...`, in a job named "
        "so it is recognisable (`integration-tests`).",
    )


@check("cicd.image-release")
def image_release(ev: CicdEvidence, params: Params) -> Check:
    return _detection(
        "cicd.image-release",
        ev,
        product_hits(ev, detect(ev.pipelines, IMAGE_RELEASE)),
        "Pushes the image",
        'Add a step that pushes the image to the registry, e.g. `docker push "$IMAGE:$GIT_SHA"` '
        "(GitHub Actions: `docker/build-push-action@v6` with `push: true`).",
    )


@check("cicd.deploy-environments")
def deploy_environments(ev: CicdEvidence, params: Params) -> Check:
    wanted = params.cicd.environments
    check_id = "cicd.deploy-environments"
    if not wanted:
        return catalog.make(
            check_id,
            Status.NA,
            "no environments named in the parameters",
            remediation="Name the environments under cicd.environments to have them checked.",
        )
    remediation_for = (
        "Add a deploy job for each missing environment, e.g. a GitHub Actions job with "
        "`environment: {env}` running `helm upgrade --install <release> ./chart "
        "-f values-{env}.yaml`, or a GitLab job with `environment: {env}`."
    )
    if _no_pipeline(ev):
        return _no_pipeline_check(check_id, remediation_for.format(env=wanted[0]))
    evidence: list[Evidence] = []
    missing: list[str] = []
    for env in wanted:
        hits = deploy_hits(ev.pipelines, env)
        if not hits:
            missing.append(env)
            evidence.append(Evidence(label=f"{env}: no deploy step", value="missing"))
        for hit in hits:
            manual = " (manual job)" if hit.job.manual else ""
            evidence.append(
                Evidence(
                    label=f"{env}: {hit.label} (job {hit.job.name}){manual}",
                    value=hit_text(ev, hit)[:400],
                    location=ev.where(hit.path, hit.line),
                )
            )
    found = [e for e in wanted if e not in missing]
    if not missing:
        summary = f"deploy steps for every environment: {', '.join(wanted)}"
        return catalog.make(
            check_id, Status.PASS, summary + _unread(ev), evidence, environments=found
        )
    status = Status.ERROR if ev.failures else Status.FAIL
    summary = f"no deploy step for {', '.join(missing)}"
    summary += f" (found: {', '.join(found)})" if found else ""
    remediation = remediation_for.format(env=missing[0])
    never = [n for n in not_inspected(ev) if "never runs" in n]
    if never:
        remediation = (
            "A job or stage that can never run is not counted (see the evidence: "
            f"{never[0]}): enable it, or " + remediation[0].lower() + remediation[1:]
        )
    return catalog.make(
        check_id,
        status,
        summary + _unread(ev),
        evidence + _unread_evidence(ev) + _not_inspected_evidence(ev),
        remediation=remediation,
        missing=missing,
    )


@check("cicd.pinned-dependencies")
def pinned_dependencies(ev: CicdEvidence, params: Params) -> Check:
    check_id = "cicd.pinned-dependencies"
    refs = [*ev.base_images, *(r for p in ev.pipelines for r in p.refs)]
    if not refs:
        return catalog.make(
            check_id, Status.NA, "no base images, CI images or CI actions found" + _unread(ev)
        )
    by_pin: dict[Pin, list[Ref]] = {"digest": [], "version": [], "unpinned": [], "variable": []}
    for ref in refs:
        by_pin[ref_pin(ref)].append(ref)
    labels: dict[Pin, str] = {
        "unpinned": "unpinned",
        "version": "pinned by version tag, not digest",
        "digest": "pinned by digest",
        "variable": "set at run time (not checked)",
    }
    evidence = [
        Evidence(
            label=f"{ref.kind} {labels[pin]}",
            value=ref.value,
            location=ev.where(ref.path, ref.line),
        )
        for pin in ("unpinned", "version", "variable", "digest")
        for ref in by_pin[pin]
    ]
    counts = {pin: len(items) for pin, items in by_pin.items()}
    if by_pin["unpinned"]:
        listed = ", ".join(
            f"{r.value} ({ev.where(r.path, r.line)})" for r in by_pin["unpinned"][:10]
        )
        return catalog.make(
            check_id,
            Status.WARN,
            f"{len(by_pin['unpinned'])} of {len(refs)} unpinned: {listed}" + _unread(ev),
            evidence,
            remediation="Pin each one: a base image by tag and digest "
            "(`FROM python:3.12-slim@sha256:…`), an action by commit SHA "
            "(`uses: actions/checkout@<sha> # v4`), an orb by version (`circleci/docker@2.5.0`).",
            counts=counts,
        )
    summary = f"all {len(refs)} pinned"
    if by_pin["version"]:
        summary += f"; {len(by_pin['version'])} by version tag only, not digest"
    if by_pin["variable"]:
        summary += f"; {len(by_pin['variable'])} set at run time"
    return catalog.make(check_id, Status.PASS, summary + _unread(ev), evidence, counts=counts)


CHECKS = checks_of(SECTION, globals())


def evaluate(params: Params) -> list[Check]:
    """Every CI/CD check, in the catalog's order."""
    return run_checks(CHECKS, params, lambda: collect(params))
