"""Remote actions and orbs whose effect golive knows, so it need not read their code.

A GitHub action or CircleCI orb command outside these lists is named in the pipeline's
notes as "not inspected": golive cannot tell what it does. The CI/CD checks' rule tables
(sections/cicd.py) say which of these build, lint, test, push or deploy; the others here
only set up tools, log in, cache or upload, so they are neither evidence nor unknown.
"""

from __future__ import annotations

import re

KNOWN_ACTIONS = re.compile(
    r"(?i)^(?:"
    r"actions/(?:checkout|setup-[\w-]+|cache|upload-artifact|download-artifact|"
    r"github-script|labeler|stale|create-release|upload-release-asset|"
    r"dependency-review-action|attest-build-provenance|configure-pages|deploy-pages|"
    r"upload-pages-artifact)"
    r"|docker/(?:build-push-action|login-action|setup-buildx-action|setup-qemu-action|"
    r"metadata-action|bake-action)"
    r"|docker/github-builder/\.github/workflows/(?:build|bake)\.yml"
    r"|hadolint/hadolint-action|golangci/golangci-lint-action|pre-commit/action"
    r"|(?:astral-sh|chartboost)/ruff-action|astral-sh/setup-uv|psf/black"
    r"|(?:github|super-linter)/super-linter|ludeeus/action-shellcheck|reviewdog/action-[\w-]+"
    r"|cypress-io/github-action|redhat-actions/[\w-]+"
    r"|azure/(?:login|k8s-deploy|k8s-set-context|setup-helm|setup-kubectl|webapps-deploy|"
    r"aks-set-context|docker-login|container-apps-deploy-action)"
    r"|aws-actions/(?:configure-aws-credentials|amazon-ecr-login|"
    r"amazon-ecs-deploy-task-definition|amazon-ecs-render-task-definition)"
    r"|google-github-actions/(?:auth|setup-gcloud|deploy-cloudrun|get-gke-credentials)"
    r"|codecov/codecov-action|softprops/action-gh-release|github/codeql-action/[\w-]+"
    r"|aquasecurity/trivy-action|anchore/(?:scan-action|sbom-action)|sigstore/cosign-installer"
    r"|goreleaser/goreleaser-action|gradle/(?:actions/[\w-]+|gradle-build-action)"
    r"|dorny/paths-filter|tj-actions/changed-files|pnpm/action-setup|oven-sh/setup-bun"
    r"|helm/(?:chart-testing-action|kind-action|chart-releaser-action)"
    r"|mikepenz/action-junit-report|dorny/test-reporter"
    # golive's own gate (.github/actions/golive-review in golive's repository, any fork)
    r"|[\w.-]+/golive/\.github/actions/golive-review"
    r")(?:@|/|$)"
)

KNOWN_ORB_COMMANDS = re.compile(
    r"(?i)^(?:"
    r"circleci/docker/[\w-]+|circleci/(?:aws-ecr|gcp-gcr|azure-acr)/[\w-]+"
    r"|circleci/(?:python|node|go|ruby|android|browser-tools|gradle|maven)/[\w-]+"
    r"|circleci/(?:helm|kubernetes|aws-eks|aws-ecs|aws-cli|gcp-cli|gcp-gke|azure-cli)/[\w-]+"
    r"|hadolint/hadolint/[\w-]+|circleci/hadolint/[\w-]+|codecov/codecov/[\w-]+"
    r"|circleci/slack/[\w-]+|circleci/jira/[\w-]+"
    r")$"
)


def action_is_known(uses: str) -> bool:
    return bool(KNOWN_ACTIONS.match(uses))


def orb_command_is_known(uses: str) -> bool:
    return bool(KNOWN_ORB_COMMANDS.match(uses))
