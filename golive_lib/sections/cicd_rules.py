"""What counts as a Docker build, a lint, a test, a release or a deploy in a pipeline, and
how an image or action reference is pinned: data (rule tables) and small pure functions,
in one place, for :mod:`golive_lib.sections.cicd`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..sources.ci import Ref


@dataclass(frozen=True)
class Rule:
    """One way of doing something in a pipeline: a shell command or an action/orb/task.

    ``command`` matches a command segment; ``uses`` matches a step's action/orb/task and
    then every ``inputs`` pattern must match that input's value ("" when it is absent);
    ``unless`` vetoes a command match. ``kind`` fixes a test rule's kind. A ``by_name``
    rule judges a build-tool target by its name (``make test``, ``npm run lint``): it
    applies only when golive could not follow that command into the file it reads.
    """

    label: str
    command: re.Pattern[str] | None = None
    uses: re.Pattern[str] | None = None
    inputs: tuple[tuple[str, re.Pattern[str]], ...] = ()
    unless: re.Pattern[str] | None = None
    kind: Literal["unit", "integration"] | None = None
    by_name: bool = False


def cmd(
    label: str,
    pattern: str,
    unless: str | None = None,
    kind: Literal["unit", "integration"] | None = None,
    by_name: bool = False,
) -> Rule:
    return Rule(
        label,
        command=re.compile(pattern),
        unless=re.compile(unless) if unless else None,
        kind=kind,
        by_name=by_name,
    )


def act(
    label: str, pattern: str, kind: Literal["unit", "integration"] | None = None, **inputs: str
) -> Rule:
    compiled = tuple((k, re.compile(v)) for k, v in inputs.items())
    return Rule(label, uses=re.compile(pattern), inputs=compiled, kind=kind)


# A command segment that installs a tool does not run it.
INSTALL_RE = re.compile(
    r"\b(?:pip3?|pipx|uv\s+pip|uv\s+tool|poetry|npm|yarn|pnpm|apt-get|apt|apk|brew|dnf|yum|"
    r"gem|cargo|go)\s+(?:install|add|get)\b|\bcurl\b|\bwget\b"
)
_NOT_FALSE = r"^(?!\s*false\s*$).+"
# A command that only prints or does nothing: its words are not commands.
SAYS_RE = re.compile(r"^\(?\s*(?:echo|printf|:|true|logger|Write-Host|Write-Output)(?:\s|$)")

DOCKER_BUILD: tuple[Rule, ...] = (
    cmd("docker build", r"\bdocker\s+(?:image\s+)?build\b"),
    cmd("docker buildx", r"\bdocker\s+buildx\s+(?:build|bake)\b"),
    cmd("podman/buildah build", r"\bpodman\s+build\b|\bbuildah\s+(?:bud|build)\b"),
    cmd("kaniko", r"/kaniko/executor\b|\bexecutor\s+--(?:context|dockerfile)\b"),
    cmd("buildkit/nerdctl build", r"\bbuildctl(?:-daemonless\.sh)?\s+build\b|\bnerdctl\s+build\b"),
    cmd("ko build", r"\bko\s+(?:build|publish)\b"),
    cmd("jib", r"\b(?:mvnw?|gradlew?)\b.*\bjib(?::build|:dockerBuild|DockerBuild)?(?![:\w])"),
    cmd("cloud build", r"\bgcloud\s+builds\s+submit\b|\baz\s+acr\s+build\b"),
    cmd("buildpacks", r"\bpack\s+build\b"),
    act("docker/build-push-action", r"^docker/build-push-action(?:@|$)"),
    act("docker/bake-action", r"^docker/bake-action(?:@|$)"),
    act(
        "docker/github-builder workflow",
        r"^docker/github-builder/\.github/workflows/(?:build|bake)\.yml@",
    ),
    act("buildah-build action", r"^redhat-actions/buildah-build(?:@|$)"),
    act("Docker task (build)", r"^Docker@\d+$", command=r"(?i)^(?:build|buildAndPush|)$"),
    act("CircleCI docker orb", r"^circleci/docker/(?:build|publish)$"),
    act("CircleCI registry orb", r"^circleci/(?:aws-ecr|gcp-gcr|azure-acr)/build[-_]"),
    act("Jenkins docker.build", r"\bdocker\.build\s*\("),
)

DOCKERFILE_LINT: tuple[Rule, ...] = (
    cmd("hadolint", r"\bhadolint\b", unless=r"--version\b"),
    cmd("trivy config", r"\btrivy\s+(?:config|conf)\b"),
    cmd("checkov (Dockerfile)", r"(?i)\bcheckov\b.*\bdockerfile\b"),
    cmd("dockerfilelint", r"\bdockerfilelint\b"),
    act("hadolint action/orb/task", r"(?i)hadolint"),
)

# `make lint`, `make golangci-lint`: a target named lint, not `make lint-dockerfiles`.
_MAKE_LINT = (
    r"\bmake\b(?:\s+\S+)*\s+(?:(?!(?:docker|dockerfile|helm|chart|yaml|md|markdown|docs?)[-_])"
    r"\S+[-_])?lint(?:[-_](?:code|go|py|python|all))?(?=\s|$)"
)
CODE_LINT: tuple[Rule, ...] = (
    cmd("ruff", r"\bruff\s+(?:check\b|format\s+.*--(?:check|diff)\b|\.)"),
    cmd("flake8", r"\bflake8\b"),
    cmd("pylint", r"\bpylint\b"),
    cmd("black --check", r"\bblack\b.*--(?:check|diff)\b"),
    cmd("isort --check", r"\bisort\b.*--(?:check|check-only|diff)\b"),
    cmd("mypy (static analysis)", r"\bmypy\b"),
    cmd("pyright (static analysis)", r"\bpyright\b"),
    cmd("eslint", r"\beslint\b"),
    cmd(
        "npm/yarn/pnpm lint",
        r"\b(?:npm\s+run|yarn(?:\s+run)?|pnpm(?:\s+run)?)\s+lint\b",
        by_name=True,
    ),
    cmd("prettier --check", r"\bprettier\b.*--check\b"),
    cmd("golangci-lint", r"\bgolangci-lint\s+run\b"),
    cmd("go vet", r"\bgo\s+vet\b"),
    cmd("staticcheck", r"\bstaticcheck\b"),
    cmd("gofmt", r"\bgofmt\s+-[lds]"),
    cmd("rubocop", r"\brubocop\b"),
    cmd("ktlint/detekt", r"\b(?:ktlint|detekt)\b"),
    cmd("checkstyle/spotless", r"\b(?:checkstyle:check|spotless(?::check|Check))\b"),
    cmd("cargo clippy", r"\bcargo\s+clippy\b"),
    cmd("cargo fmt --check", r"\bcargo\s+fmt\b.*--check\b"),
    cmd("shellcheck", r"\bshellcheck\b"),
    cmd("dotnet format --verify-no-changes", r"\bdotnet\s+format\b.*--verify-no-changes\b"),
    cmd("make lint", _MAKE_LINT, by_name=True),
    cmd("tox/nox lint", r"\b(?:tox\s+-e\s*|nox\s+-s\s*)\S*lint"),
    cmd("pre-commit hooks", r"\bpre-commit\s+run\b"),
    act("golangci-lint action", r"^golangci/golangci-lint-action(?:@|$)"),
    act("pre-commit action", r"^pre-commit/action(?:@|$)"),
    act("ruff action", r"^(?:astral-sh|chartboost)/ruff-action(?:@|$)"),
    act("black action", r"^psf/black(?:@|$)"),
    act("super-linter", r"^(?:github|super-linter)/super-linter"),
    act("shellcheck action", r"^ludeeus/action-shellcheck(?:@|$)"),
    act("reviewdog", r"^reviewdog/action-"),
)

_LINT_ENV = r"-[es]\s*\S*(?:lint|type|docs|fmt|format)"
# Runs that compile the tests without running any: `go test -run=nope`, `go test -c`.
_COMPILE_ONLY_GO = (
    r"-run[= ]['\"]?(?:\^\$|(?i:nope|x{3,}|none|nothing)\b)|\s-c(?:\s|$)|-run=\S*\bnone\b"
)
TESTS: tuple[Rule, ...] = (
    cmd(
        "pytest",
        r"(?<![\w./\\-])(?:py\.test|pytest)(?![\w.-])",
        unless=r"--collect-only\b|\s--co\b",
    ),
    cmd("tox", r"\btox\b", unless=_LINT_ENV, by_name=True),
    cmd("nox", r"\bnox\b", unless=_LINT_ENV, by_name=True),
    cmd(
        "go test",
        r"\bgo\s+test\b|(?<![\w./\\-])gotestsum(?![\w.-])",
        unless=_COMPILE_ONLY_GO,
    ),
    cmd("npm/yarn/pnpm test", r"\b(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?test\b", by_name=True),
    cmd("jest/vitest/mocha", r"(?<![\w./\\-])(?:jest|vitest|mocha)(?![\w.-])"),
    cmd(
        "maven",
        r"\bmvnw?\b.*(?<![\w.=-])(?:test|verify|integration-test)(?![\w.=-])",
        unless=r"-D(?:skipTests|maven\.test\.skip)\b",
    ),
    cmd("gradle", r"\bgradlew?\b.*(?<![\w.=-])(?:test|check|integrationTest)(?![\w.=-])"),
    cmd("cargo test", r"\bcargo\s+(?:test|nextest)\b", unless=r"--no-run\b"),
    cmd("rspec", r"\brspec\b"),
    cmd("dotnet test", r"\bdotnet\s+test\b"),
    cmd("phpunit", r"\bphpunit\b"),
    cmd(
        "make test",
        r"\bmake\b(?:\s+\S+)*\s+(?:\S+[-_])?(?:tests?|unit|integration|e2e)(?:[-_]\S+)?(?=\s|$)",
        by_name=True,
    ),
    cmd(
        "e2e runner",
        r"\bcypress\s+run\b|\bplaywright\s+test\b|\bnewman\s+run\b",
        kind="integration",
    ),
    act("dotnet test task", r"^DotNetCoreCLI@\d+$", command=r"(?i)^test$"),
    act("Maven task", r"^Maven@\d+$", goals=r"(?i)\b(?:test|verify)\b"),
    act("Gradle task", r"^Gradle@\d+$", tasks=r"(?i)\btest\b"),
    act("Cypress action", r"^cypress-io/github-action(?:@|$)", kind="integration"),
    act("CircleCI language orb test job", r"^circleci/(?:node|python|go|ruby|gradle|maven)/test$"),
    act(
        "reusable test workflow",
        r"(?i)/\.github/workflows/[^@]*(?:e2e|integration|acceptance)[^@]*@",
        kind="integration",
    ),
)

# Markers that tell unit from integration tests, looked for in the command, then in the
# step and job names (so `pytest` in a job named "integration-tests" is integration).
UNIT_MARKERS = re.compile(
    r"(?i)not\s+(?:integration|e2e|slow)|!\s*(?:integration|e2e)\b|\btests?/unit\b|-m\s*['\"]?unit\b|\bunit\b"
)
INTEGRATION_MARKERS = re.compile(
    r"(?i)integration|\be2e\b|end-to-end|\bendtoend\b|\bacceptance\b|\bsystem[-_ ]?tests?\b"
    r"|\bfunctional\b|\bfailsafe\b|-tags[= ]\S*integration"
)

IMAGE_RELEASE: tuple[Rule, ...] = (
    cmd("docker push", r"\b(?:docker|podman|buildah)\s+(?:image\s+)?push\b"),
    cmd("buildx --push", r"\bdocker\s+buildx\s+(?:build|bake)\b.*(?:--push\b|type=registry)"),
    cmd(
        "kaniko --destination", r"(?:/kaniko/executor|\bexecutor)\b.*--destination", r"--no-push\b"
    ),
    cmd(
        "crane/skopeo/regctl copy",
        r"\bcrane\s+(?:push|copy|cp)\b|\bskopeo\s+copy\b|\bregctl\s+image\s+copy\b",
    ),
    cmd("ko build (pushes)", r"\bko\s+(?:build|publish)\b", r"--push=false|--local\b|\s-L\b"),
    cmd("jib build (pushes)", r"\b(?:mvnw?|gradlew?)\b.*\bjib(?::build)?(?![:\w])"),
    cmd("cloud build (pushes)", r"\bgcloud\s+builds\s+submit\b|\baz\s+acr\s+build\b"),
    cmd(
        "image push tool",
        r"(?:^|[\s/(])[\w.-]*push(?:er)?[\w.-]*\s+.*(?<![A-Za-z])(?:REGISTRY|registry|IMAGE|image)",
        unless=r"^\(?\s*(?:git|helm|cosign|oras|curl|aws\s+s3|gsutil|pushd|echo|printf)\b"
        r"|\bpush=false\b|\bpushd\b",
    ),
    act(
        "docker/build-push-action or bake-action with push",
        r"^docker/(?:build-push|bake)-action(?:@|$)",
        push=_NOT_FALSE,
    ),
    act(
        "docker/github-builder workflow with push",
        r"^docker/github-builder/\.github/workflows/(?:build|bake)\.yml@",
        push=_NOT_FALSE,
    ),
    act("push-to-registry action", r"^redhat-actions/push-to-registry(?:@|$)"),
    act("Docker task (push)", r"^Docker@\d+$", command=r"(?i)^(?:push|buildAndPush|)$"),
    act("CircleCI docker orb", r"^circleci/docker/(?:publish|push)$"),
    act(
        "CircleCI registry orb",
        r"^circleci/(?:aws-ecr|gcp-gcr|azure-acr)/(?:build[-_]and[-_])?push",
    ),
    act("Jenkins image push", r"^(?!.*\bgit\b).*\.push\s*\("),
)

DEPLOY: tuple[Rule, ...] = (
    cmd("deploy", r"(?i)\bdeploy(?:ment)?\b"),
    cmd("helm", r"\bhelm(?:file)?\s+(?:upgrade|install|apply|sync)\b"),
    cmd("kubectl", r"\bkubectl\b.*\b(?:apply|set\s+image|rollout\s+restart|replace|patch)\b"),
    cmd("terraform apply", r"\b(?:terraform|terragrunt|tofu)\s+apply\b"),
    cmd("argocd", r"\bargocd\s+app\s+(?:sync|set)\b"),
    cmd("flux", r"\bflux\s+reconcile\b"),
    cmd("ECS", r"\baws\s+ecs\s+update-service\b|\becs-deploy\b"),
    cmd("Cloud Run", r"\bgcloud\s+run\s+(?:deploy|services\s+update)\b"),
    cmd("Azure app", r"\baz\s+(?:webapp|containerapp|functionapp)\b.*\b(?:up|update|deploy)\b"),
    cmd("serverless", r"\b(?:serverless|sls|sam|cdk)\s+deploy\b"),
    cmd("ansible", r"\bansible-playbook\b"),
    cmd("skaffold", r"\bskaffold\s+(?:run|deploy)\b"),
    cmd("pulumi up", r"\bpulumi\s+up\b"),
    cmd("nomad", r"\bnomad\s+(?:job\s+)?run\b"),
    cmd("fly deploy", r"\bfly(?:ctl)?\s+deploy\b"),
    act("deploy action/orb/task", r"(?i)deploy"),
    act(
        "helm/kubernetes action/orb/task",
        r"(?i)^(?:KubernetesManifest|HelmDeploy)@|helm.*(?:upgrade|install)",
    ),
    act(
        "Azure app task",
        r"^(?:AzureWebApp|AzureWebAppContainer|AzureFunctionApp|AzureContainerApps)@",
    ),
)

# A deploy command that changes nothing: a dry run, a diff, a check.
DRY_RUN_RE = re.compile(r"--dry-?run\b|--check\b|--validate-only\b|\b(?:helm|kubectl)\s+diff\b")

# Other names an environment goes by in pipelines.
ENV_ALIASES: dict[str, tuple[str, ...]] = {
    "production": ("prod", "prd", "live"),
    "prod": ("production", "prd"),
    "staging": ("stg",),
    "stg": ("staging",),
    "development": ("dev",),
    "dev": ("development",),
    "preproduction": ("preprod", "pre-prod"),
    "preprod": ("preproduction", "pre-prod"),
    "uat": ("acceptance",),
}

FLOATING_TAGS = frozenset(
    {"latest", "stable", "edge", "main", "master", "nightly", "dev", "lts", "current", "rolling"}
)
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_VERSION_RE = re.compile(r"^v?\d+(?:\.\d+)*(?:[-+.][\w.]+)?$")

Pin = Literal["digest", "version", "unpinned", "variable"]


def image_pin(image: str) -> Pin:
    """How an image reference is pinned: by digest, by a version tag, or not at all."""
    if "$" in image:
        return "variable"
    if "@sha256:" in image:
        return "digest"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    floating = tag.lower() in FLOATING_TAGS or tag.lower().startswith("latest-")
    return "version" if tag and not floating else "unpinned"


def action_pin(uses: str) -> Pin:
    """``owner/repo@<40-hex sha>`` is a digest, ``@v4``/``@1.2.3`` a version, else unpinned."""
    if "$" in uses:
        return "variable"
    if "@" not in uses:
        return "unpinned"
    ref = uses.rsplit("@", 1)[1]
    if _SHA_RE.match(ref):
        return "digest"
    return "version" if _VERSION_RE.match(ref) else "unpinned"


def ref_pin(ref: Ref) -> Pin:
    if ref.kind == "image":
        return image_pin(ref.value)
    return action_pin(ref.value)
