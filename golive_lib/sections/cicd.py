"""02 CI/CD: what the pipelines build, lint, test, release and deploy, and the Dockerfiles.

`collect` reads the pipeline files (every system of `sources.ci`), the Dockerfiles and
their base images; the checks are functions of that `CicdEvidence` and the parameters.
Only `dockerfile_clean` runs something now (hadolint). What counts as a Docker build, a
lint, a test, a release or a deploy is data: the rule tables below, in one place.

Reading the pipelines: every shell command is split into logical lines (backslash
continuations joined) and segments (``&&``, ``||``, ``;``); comment lines and package
installs (``pip install ruff``) never match. Actions, orbs, tasks and Jenkins statements
match on their ``uses`` text and inputs. When a file could not be parsed, the checks
evaluate the others; a step not found there is then an ``error``, not a ``fail``,
because it may be in the file that could not be read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .. import catalog
from ..errors import SourceError
from ..model import Check, Evidence, Status
from ..params import Params
from ..sources import hadolint, repofile, tracked
from ..sources.ci import DISCOVERY, Job, ParseFailure, Pipeline, Ref, Step, discover, parse_all
from ..sources.ci.shell import command_segments
from ..sources.docs import parse_markdown_text
from . import release_docs
from .base import check, repo_relative

SECTION = "cicd"

# --------------------------------------------------------------------------- rule tables


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

DOCKERFILE_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", ".tox", "__pycache__"})

FLOATING_TAGS = frozenset(
    {"latest", "stable", "edge", "main", "master", "nightly", "dev", "lts", "current", "rolling"}
)
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_VERSION_RE = re.compile(r"^v?\d+(?:\.\d+)*(?:[-+.][\w.]+)?$")

# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class CicdEvidence:
    """What the CI/CD checks look at, read once from the repository."""

    repository: Path
    pipeline_files: tuple[Path, ...]
    pipelines: tuple[Pipeline, ...]
    failures: tuple[ParseFailure, ...]
    dockerfiles: tuple[Path, ...]  # existing ones
    missing_dockerfiles: tuple[str, ...] = ()  # listed in the parameters, not found
    base_images: tuple[Ref, ...] = ()  # FROM lines of the Dockerfiles
    dockerfile_errors: tuple[str, ...] = ()  # Dockerfiles that could not be read

    def rel(self, path: Path) -> str:
        return repo_relative(path, self.repository)

    def where(self, path: Path, line: int) -> str:
        return f"{self.rel(path)}:{line}"


@dataclass(frozen=True)
class Hit:
    """One detection: what matched, where (file and line), in which job and step."""

    label: str
    value: str
    path: Path
    line: int
    job: Job
    step: Step


# A path or image name that is a test fixture, not the product.
TEST_FIXTURE_RE = re.compile(
    r"(?i)(?:^|[\s/=:])(?:tests?|testdata|test[-_]data|fixtures?|testing|e2e|integration[-_]tests?)/"
    r"|(?:^|[-_/])(?:test[-_]?)?fixtures?(?:[-_:/\s]|$)|(?<![\w-])tests?[-_ ]?images?(?![\w-])"
)


def is_fixture_path(path: str) -> bool:
    return bool(TEST_FIXTURE_RE.search(path))


def product_hits(ev: CicdEvidence, hits: list[Hit]) -> list[Hit]:
    """Builds and pushes of the product image: a test-fixture image is not the product when
    the repository has a Dockerfile outside test folders."""
    product = [p for p in ev.dockerfiles if not is_fixture_path("/" + ev.rel(p))]
    if not product:
        return hits
    return [h for h in hits if not is_fixture_path(h.value) and not is_fixture_path(h.job.name)]


def find_dockerfiles(repo: Path) -> list[Path]:
    """Every ``Dockerfile*`` / ``*.Dockerfile`` in the repository, skipping vendored trees."""
    found: list[str] = []
    for rel in tracked.listing(repo).paths:  # git's view: build output is not the service's
        *folders, name = rel.split("/")
        lower = name.lower()
        if DOCKERFILE_SKIP_DIRS.isdisjoint(folders) and (
            (lower.startswith("dockerfile") and not lower.endswith(".md"))
            or lower.endswith(".dockerfile")
        ):
            found.append(rel)
    return [repo / rel for rel in sorted(found, key=tracked.walk_order)]


_FROM_RE = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(?P<image>\S+)(?:\s+AS\s+(?P<alias>\S+))?", re.I)
_ARG_RE = re.compile(r"^\s*ARG\s+(?P<name>\w+)(?:=(?P<value>\S*))?", re.I)
_VAR_RE = re.compile(r"\$\{?(\w+)(?::-[^}]*)?\}?")


def base_images(text: str, path: Path) -> list[Ref]:
    """The external base images of a Dockerfile's FROM lines (not scratch, not stage aliases).

    ``ARG`` defaults declared before the first FROM are substituted; what stays a
    variable is kept as written (``$``) and reported as set at build time.
    """
    args: dict[str, str] = {}
    aliases: set[str] = set()
    refs: list[Ref] = []
    seen_from = False
    for lineno, line in enumerate(text.splitlines(), 1):
        arg = _ARG_RE.match(line)
        if arg and not seen_from and arg.group("value"):
            args[arg.group("name")] = arg.group("value").strip("\"'")
            continue
        m = _FROM_RE.match(line)
        if not m:
            continue
        seen_from = True
        image = _VAR_RE.sub(lambda v: args.get(v.group(1), v.group(0)), m.group("image"))
        if m.group("alias"):
            aliases.add(m.group("alias").lower())
        if image.lower() == "scratch" or image.lower() in aliases - {
            (m.group("alias") or "").lower()
        }:
            continue
        refs.append(Ref("image", image, path, lineno))
    return refs


def collect(params: Params) -> CicdEvidence:
    """Read the pipelines and the Dockerfiles of the service repository."""
    repo = params.repository
    files = discover(repo, params.cicd.pipeline_files)
    pipelines, failures = parse_all(files, repo)
    if params.cicd.dockerfiles:
        listed = [(p, repo / p) for p in params.cicd.dockerfiles]
        dockerfiles = [path for _, path in listed if path.is_file()]
        missing = [name for name, path in listed if not path.is_file()]
    else:
        dockerfiles, missing = find_dockerfiles(repo), []
    bases: list[Ref] = []
    unreadable: list[str] = []
    for path in dockerfiles:
        try:
            bases.extend(base_images(repofile.read_text(repo, path), path))
        except SourceError as e:
            unreadable.append(f"{path}: {e.message}")
    return CicdEvidence(
        repository=repo,
        pipeline_files=tuple(files),
        pipelines=tuple(pipelines),
        failures=tuple(failures),
        dockerfiles=tuple(dockerfiles),
        missing_dockerfiles=tuple(missing),
        base_images=tuple(bases),
        dockerfile_errors=tuple(unreadable),
    )


# --------------------------------------------------------------------------- matching


def _inputs_match(step: Step, rule: Rule) -> bool:
    return all(p.search(step.input(key) or "") for key, p in rule.inputs)


@functools.lru_cache(maxsize=4096)
def followed(job: Job) -> frozenset[tuple[Path, int, str]]:
    """The commands of a job that golive followed into a Makefile, script, package.json..."""
    return frozenset((o.path, o.line, o.command) for s in job.steps for o in s.via)


def step_hits(step: Step, job: Job, rule: Rule) -> list[Hit]:
    """Where one rule matches one step."""
    hits: list[Hit] = []
    if rule.command is not None and step.run:
        for newlines, segment in command_segments(step.run, step.shell):
            if SAYS_RE.match(segment) or INSTALL_RE.search(segment):
                continue  # `echo "running hadolint"` runs nothing; installing is not running
            if not rule.command.search(segment):
                continue
            if rule.unless is not None and rule.unless.search(segment):
                continue
            if rule.by_name and (step.path, step.line_at(newlines), segment) in followed(job):
                continue
            hits.append(
                Hit(rule.label, segment[:200], step.path, step.line_at(newlines), job, step)
            )
    if rule.uses is not None and step.uses and rule.uses.search(step.uses):
        if _inputs_match(step, rule):
            shown = step.uses + "".join(
                f" {k}={step.input(k)}" for k, _ in rule.inputs if step.input(k)
            )
            hits.append(Hit(rule.label, shown[:200], step.path, step.line, job, step))
    return hits


def detect(pipelines: Iterable[Pipeline], rules: Iterable[Rule]) -> list[Hit]:
    """Every place a rule matches, in file and line order, one hit per line and rule kind."""
    rules = tuple(rules)
    hits: dict[tuple[Path, int, str], Hit] = {}
    for pipeline in pipelines:
        for job in pipeline.jobs:
            for step in job.steps:
                for rule in rules:
                    for hit in step_hits(step, job, rule):
                        hits.setdefault((hit.path, hit.line, hit.job.name), hit)
    return list(hits.values())


def _command_kind(hit: Hit, rule_kind: str | None) -> Literal["unit", "integration"] | None:
    """The kind the command itself says (markers in it, or the rule), if any."""
    if rule_kind == "integration":
        return "integration"
    if UNIT_MARKERS.search(hit.value):
        return "unit"
    if INTEGRATION_MARKERS.search(hit.value):
        return "integration"
    return None


def classify_test(
    hit: Hit, rule_kind: str | None = None, siblings_marked: bool = False
) -> Literal["unit", "integration"]:
    """Unit or integration: from the command first, then the step's and job's names.

    ``siblings_marked``: another test run of the same job says in its command that it is
    the integration suite, so this unmarked one is the unit suite whatever the job's name.
    """
    kind = _command_kind(hit, rule_kind)
    if kind is not None:
        return kind
    if siblings_marked:
        return "unit"
    names = " ".join(filter(None, (hit.step.name, hit.job.name, hit.job.stage)))
    if UNIT_MARKERS.search(names):
        return "unit"
    if INTEGRATION_MARKERS.search(names):
        return "integration"
    return "unit"


def classify_tests(pipelines: Iterable[Pipeline]) -> dict[str, list[Hit]]:
    """Test runs by kind: ``{"unit": [...], "integration": [...]}``."""
    by_kind: dict[str, list[Hit]] = {"unit": [], "integration": []}
    seen: set[tuple[Path, int, str]] = set()
    for pipeline in pipelines:
        for job in pipeline.jobs:
            found: list[tuple[Hit, str | None]] = []
            for step in job.steps:
                for rule in TESTS:
                    for hit in step_hits(step, job, rule):
                        key = (hit.path, hit.line, job.name)
                        if key not in seen:
                            seen.add(key)
                            found.append((hit, rule.kind))
            marked = any(_command_kind(h, k) == "integration" for h, k in found)
            for hit, kind in found:
                by_kind[classify_test(hit, kind, marked)].append(hit)
    return by_kind


def env_pattern(environment: str) -> re.Pattern[str]:
    """An environment's name or alias as a whole word (``values-staging.yaml`` names staging)."""
    names = (environment, *ENV_ALIASES.get(environment.lower(), ()))
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?i)(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")


def deploy_hits(pipelines: Iterable[Pipeline], environment: str) -> list[Hit]:
    """Where the pipelines deploy to one environment.

    A job whose CI ``environment:`` is it; a job naming it (name, stage, contexts,
    variables) that has a deploy step; or a deploy step naming it itself.
    """
    named = env_pattern(environment)
    hits: list[Hit] = []
    for pipeline in pipelines:
        for job in pipeline.jobs:
            if job.environment and named.search(job.environment):
                first = job.steps[0] if job.steps else Step(job.name, job.path, job.line)
                value = f"environment: {job.environment}"
                hits.append(Hit("CI environment", value, job.path, job.line, job, first))
                continue
            job_names_it = any(named.search(t) for t in (job.name, job.stage or "", *job.contexts))
            for step in job.steps:
                step_text = " ".join((step.name, *(v for _, v in step.inputs)))
                deploys = (h for rule in DEPLOY for h in step_hits(step, job, rule))
                for hit in (h for h in deploys if not DRY_RUN_RE.search(h.value)):
                    if job_names_it or named.search(hit.value) or named.search(step_text):
                        hits.append(hit)
                        break
                else:
                    continue
                break
    return hits


# --------------------------------------------------------------------------- pinning

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


# --------------------------------------------------------------------------- helpers


def hit_text(ev: CicdEvidence, hit: Hit) -> str:
    """What matched and the chain that led there (``ci.yml:87 runs `make`, Makefile:41 runs …``)."""
    if not hit.step.via:
        return hit.value
    chain = [f"{ev.where(o.path, o.line)} runs `{o.command[:80]}`" for o in hit.step.via]
    return ", ".join([*chain, f"{ev.where(hit.path, hit.line)} runs {hit.value}"])


def _evidence(ev: CicdEvidence, hit: Hit) -> Evidence:
    manual = " (manual job: runs only when started by hand)" if hit.job.manual else ""
    return Evidence(
        label=f"{hit.label} (job {hit.job.name}){manual}",
        value=hit_text(ev, hit)[:400],
        location=ev.where(hit.path, hit.line),
    )


# Words that make a not-inspected item likely to be where a check's evidence hides.
TOPICS: dict[str, re.Pattern[str]] = {
    check_id: re.compile(rf"(?i)(?<![a-z])(?:{words})")
    for check_id, words in {
        "cicd.docker-build": "docker|image|build|container|publish|compose|kaniko",
        "cicd.dockerfile-lint": "hadolint|lint|docker|check",
        "cicd.code-lint": "lint|check|vet|format|style|static",
        "cicd.unit-tests": "test|check|suite|verify",
        "cicd.integration-tests": "test|e2e|integration|suite|verify",
        "cicd.image-release": "publish|push|release|docker|image|registry|ecr|gcr",
    }.items()
}


def not_inspected(ev: CicdEvidence, check_id: str = "") -> list[str]:
    """What the pipelines use that golive did not read (remote includes, unknown actions...),
    the items whose names fit the check first."""
    notes = list(dict.fromkeys(n for p in ev.pipelines for n in p.notes))
    topic = TOPICS.get(check_id)
    if topic is not None:
        notes.sort(key=lambda n: topic.search(n) is None)
    return notes


def _not_inspected_text(ev: CicdEvidence, check_id: str = "") -> str:
    notes = not_inspected(ev, check_id)
    if not notes:
        return ""
    shown = "; ".join(notes[:4]) + (f"; … {len(notes) - 4} more" if len(notes) > 4 else "")
    return f"; {len(notes)} thing(s) not inspected: {shown}"


def _not_inspected_evidence(ev: CicdEvidence, check_id: str = "") -> list[Evidence]:
    return [
        Evidence(
            label="not counted (never runs)" if "never runs" in n else "not inspected", value=n
        )
        for n in not_inspected(ev, check_id)
    ]


def _unread(ev: CicdEvidence) -> str:
    """The files that could not be parsed, for a summary; empty when every file parsed."""
    if not ev.failures:
        return ""
    return "; not read: " + "; ".join(f"{ev.rel(f.path)} ({f.message})" for f in ev.failures)


def _unread_evidence(ev: CicdEvidence) -> list[Evidence]:
    return [
        Evidence(label="could not parse", value=f.message, location=ev.where(f.path, f.line or 1))
        for f in ev.failures
    ]


def _unread_fix(ev: CicdEvidence) -> str:
    """Where to fix a pipeline file that could not be parsed, and how to check it."""
    places = "; ".join(f"{ev.where(f.path, f.line or 1)} ({f.message})" for f in ev.failures)
    return (
        f"Fix {places}, then re-run; the CI system's own linter confirms the file is valid "
        "(GitLab: CI Lint, CircleCI: `circleci config validate`, Azure: the pipeline editor's "
        "Validate, GitHub: actionlint)."
    )


def _files(ev: CicdEvidence) -> str:
    """The pipeline files, named when few, counted when many."""
    names = [ev.rel(p.path) for p in ev.pipelines]
    if len(names) > 3:
        return f"{len(names)} pipeline files ({', '.join(names[:3])}, …)"
    return ", ".join(names) or "none"


def _no_pipeline(ev: CicdEvidence) -> bool:
    return not ev.pipelines and not ev.failures


def _no_pipeline_check(check_id: str, remediation: str) -> Check:
    return catalog.make(
        check_id,
        Status.FAIL,
        "no pipeline: no CI/CD pipeline definition was found in the repository",
        remediation="Add a pipeline first (see cicd.pipeline-present); then: " + remediation,
    )


def _detection(
    check_id: str, ev: CicdEvidence, hits: list[Hit], what: str, remediation: str
) -> Check:
    """Pass when something was found; fail (or error, when a file was unreadable) when not."""
    if _no_pipeline(ev):
        return _no_pipeline_check(check_id, remediation)
    evidence = [_evidence(ev, h) for h in hits]
    if hits:
        places = sorted({ev.where(h.path, h.line) for h in hits})
        summary = f"{what}: {len(hits)} step(s), at {', '.join(places[:5])}"
        summary += " …" if len(places) > 5 else ""
        if all(h.job.manual for h in hits):
            summary += " (only in manual jobs: they run when someone starts them)"
        return catalog.make(
            check_id, Status.PASS, summary + _unread(ev), evidence + _unread_evidence(ev)
        )
    files = _files(ev)
    if ev.failures:
        return catalog.make(
            check_id,
            Status.ERROR,
            f"no step found that {what.lower()} in the files that parsed ({files})" + _unread(ev),
            _unread_evidence(ev),
            remediation=_unread_fix(ev),
        )
    unseen = _not_inspected_text(ev, check_id)
    if unseen:
        remediation = (
            "If this is done by something golive did not inspect (listed in the evidence), "
            "name the step in the pipeline itself or waive this check with the reason; "
            "otherwise: " + remediation
        )
    if any("never runs" in n for n in not_inspected(ev)):
        remediation = (
            "Jobs or stages that can never run are not counted (see the evidence): if the "
            "step is in one, enable it. " + remediation
        )
    return catalog.make(
        check_id,
        Status.FAIL,
        f"no step {what.lower()} in {files}" + unseen,
        _not_inspected_evidence(ev, check_id),
        remediation=remediation,
    )


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


def _finding_evidence(ev: CicdEvidence, f: hadolint.Finding) -> Evidence:
    return Evidence(
        label=f"{f.code} ({f.level})",
        value=f.message,
        location=ev.where(f.file, f.line),
        link=f.link,
    )


@check("cicd.dockerfile-clean")
def dockerfile_clean(ev: CicdEvidence, params: Params) -> Check:
    check_id = "cicd.dockerfile-clean"
    threshold = params.cicd.hadolint_threshold
    if not ev.dockerfiles and not ev.missing_dockerfiles:
        return catalog.make(check_id, Status.NA, "no Dockerfile in the repository")
    findings: list[hadolint.Finding] = []
    # A listed Dockerfile that is missing cannot be linted: error, but the ones that
    # exist are still linted so their findings stay in the evidence.
    errors = [f"{m}: listed in cicd.dockerfiles but not found" for m in ev.missing_dockerfiles]
    # hadolint finds nothing wrong in an empty file and reports a file it cannot parse as
    # one more finding (DL1000): neither is a Dockerfile that was checked.
    unreadable: list[str] = []
    tool_failed = False
    for path in ev.dockerfiles:
        try:
            if not path.read_bytes().strip():
                unreadable.append(f"{ev.rel(path)}: the file is empty: nothing to lint or build")
                continue
        except OSError as e:
            unreadable.append(f"{ev.rel(path)}: cannot read: {e.strerror or e}")
            continue
        try:
            found = hadolint.lint(path, timeout_s=params.cicd.hadolint_timeout_s, cwd=ev.repository)
        except SourceError as e:
            errors.append(f"{ev.rel(path)}: {e.message}")
            tool_failed = True
            continue
        for f in found:
            if f.code == "DL1000":
                why = f.message.splitlines()[0] if f.message else "parse error"
                unreadable.append(f"{ev.rel(path)}: cannot be parsed at line {f.line}: {why}")
        findings += [f for f in found if f.code != "DL1000"]
    errors += unreadable
    evidence = [_finding_evidence(ev, f) for f in findings]
    names = ", ".join(ev.rel(p) for p in ev.dockerfiles)
    if errors:
        linted = f"; linted {names}: {len(findings)} finding(s)" if ev.dockerfiles else ""
        remediation = (
            "Fix the paths under cicd.dockerfiles (relative to the repository)."
            if ev.missing_dockerfiles
            else ""
        )
        if unreadable:
            remediation += " Write a Dockerfile that `docker build` (and hadolint) can parse."
        if tool_failed:
            remediation += f" Install hadolint (`{hadolint.INSTALL_HINT}`) and make sure it runs."
        return catalog.make(
            check_id,
            Status.ERROR,
            "hadolint could not check " + "; ".join(errors) + linted,
            evidence,
            remediation=remediation.strip(),
        )
    blocking = [f for f in findings if hadolint.at_or_above(f.level, threshold)]
    counts = {lvl: sum(f.level == lvl for f in findings) for lvl in hadolint.LEVELS}
    shown = ", ".join(f"{n} {lvl}" for lvl, n in counts.items() if n)
    if blocking:
        codes = ", ".join(sorted({f.code for f in blocking}))
        return catalog.make(
            check_id,
            Status.FAIL,
            f"hadolint: {len(blocking)} finding(s) at or above {threshold} in {names} "
            f"({codes}); all: {shown}",
            evidence,
            remediation="Fix each finding (the rule's wiki page says how), or ignore a rule "
            "deliberately in `.hadolint.yaml` with the reason in a comment.",
            counts=counts,
        )
    if findings:
        return catalog.make(
            check_id,
            Status.WARN,
            f"hadolint: no finding at or above {threshold} in {names}; below it: {shown}",
            evidence,
            remediation="Consider fixing the remaining findings.",
            counts=counts,
        )
    return catalog.make(check_id, Status.PASS, f"hadolint: no findings in {names}", counts=counts)


@check("cicd.release-documented")
def release_documented(ev: CicdEvidence, params: Params) -> Check:
    check_id = "cicd.release-documented"
    readme = params.cicd.readme
    remediation = (
        f"Add a `## Release` section to {readme}: how a version is tagged, built, pushed and "
        "deployed (the commands or pipeline jobs), who approves production, how to roll back."
    )
    elsewhere = [
        ev.rel(p)
        for p in release_docs.other_release_docs(ev.repository)
        if ev.rel(p).lower() != readme.lower()
    ]
    if elsewhere:
        remediation += (
            f" The release is written down in {', '.join(elsewhere)}: link it from a release "
            f"section of {readme}, or name it in the parameters (`cicd.readme: {elsewhere[0]}`)."
        )
    path = release_docs.find_readme(ev.repository, readme)
    if path is None:
        return catalog.make(check_id, Status.FAIL, f"{readme} not found", remediation=remediation)
    shown = ev.rel(path)
    try:  # one that leads outside the repository is an error, never read
        text = repofile.read_text(ev.repository, path.relative_to(ev.repository))
    except SourceError as e:
        return catalog.make(check_id, Status.ERROR, f"cannot read {shown}: {e.message}")
    doc = parse_markdown_text(text, path)
    verdicts = [release_docs.judge(doc, h) for h in release_docs.release_headings(doc)]
    for v in verdicts:
        section = Evidence(
            label="section", value=v.heading.text, location=f"{shown}:{v.heading.line}"
        )
        if v.ok:
            return catalog.make(
                check_id,
                Status.PASS,
                f'{shown} documents the release process under "{v.heading.text}"',
                [section],
            )
        linked = release_docs.linked_release_doc(doc, v.heading, ev.repository)
        if linked is not None:
            return catalog.make(
                check_id,
                Status.PASS,
                f'{shown} links the release process from "{v.heading.text}" to {ev.rel(linked)}',
                [
                    section,
                    Evidence(
                        label="release document",
                        value=ev.rel(linked),
                        location=f"{ev.rel(linked)}:1",
                    ),
                ],
            )
    if verdicts:
        v = verdicts[0]
        what = "is empty" if v.reason == "empty" else f"holds no real content ({v.reason})"
        return catalog.make(
            check_id,
            Status.FAIL,
            f'the "{v.heading.text}" section of {shown} {what}',
            [
                Evidence(
                    label="section without content",
                    value=f"{x.heading.text}: {x.reason}",
                    location=f"{shown}:{x.heading.line}",
                )
                for x in verdicts
            ],
            remediation=remediation,
        )
    return catalog.make(
        check_id,
        Status.FAIL,
        f"{shown} has no release, deployment or publishing section",
        remediation=remediation,
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


CHECKS: tuple[Callable[[CicdEvidence, Params], Check], ...] = (
    pipeline_present,
    docker_build,
    dockerfile_lint,
    code_lint,
    unit_tests,
    integration_tests,
    image_release,
    deploy_environments,
    dockerfile_clean,
    release_documented,
    pinned_dependencies,
)


def evaluate(params: Params) -> list[Check]:
    """Every CI/CD check, in the catalog's order."""
    try:
        ev = collect(params)
    except Exception as e:  # noqa: BLE001 - a bug in collecting still yields results
        reason = f"could not read the CI/CD evidence: {type(e).__name__}: {e}"
        return [catalog.error(fn.check_id, reason) for fn in CHECKS]  # type: ignore[attr-defined]
    return [fn(ev, params) for fn in CHECKS]
