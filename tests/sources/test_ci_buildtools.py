"""golive_lib.sources.ci.buildtools: pipeline commands followed into make, scripts, npm..."""

from __future__ import annotations

from pathlib import Path

from golive_lib.sources import ci
from golive_lib.sources.ci import Pipeline, Step


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def parsed(root: Path, pipeline: str = ".github/workflows/ci.yml") -> Pipeline:
    pipelines, failures = ci.parse_all([root / pipeline], root)
    assert failures == []
    return pipelines[0]


def derived(p: Pipeline) -> list[Step]:
    return [s for j in p.jobs for s in j.steps if s.via]


def gha(run: str) -> str:
    return (
        f"on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {run}\n"
    )


MAKEFILE = """\
GOLANGCI ?= golangci-lint
.PHONY: all lint test
all: lint test

lint: lint-dockerfiles
\t@$(GOLANGCI) run ./...

lint-dockerfiles:
\thadolint Dockerfile \\
\t  build/Dockerfile
test:
\tgo test -race ./...
include mk/*.mk
"""


def test_bare_make_runs_the_default_goal_prerequisites_first(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": gha("make"),
            "Makefile": MAKEFILE,
            "mk/release.mk": "release:\n\tdocker push x\n",
        },
    )
    steps = derived(parsed(root))
    assert [(s.run, s.path.name, s.line) for s in steps] == [
        ("hadolint Dockerfile build/Dockerfile", "Makefile", 9),
        ("golangci-lint run ./...", "Makefile", 6),
        ("go test -race ./...", "Makefile", 12),
    ]
    assert steps[0].via[0].command == "make" and steps[0].via[0].line == 6
    assert steps[0].name.startswith("make lint-dockerfiles")


def test_make_targets_in_an_included_makefile_and_a_missing_target_is_noted(
    tmp_path: Path,
) -> None:
    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": gha("make release nope"),
            "Makefile": MAKEFILE,
            "mk/release.mk": "release:\n\tdocker push x\n",
        },
    )
    p = parsed(root)
    assert [(s.run, s.path.name) for s in derived(p)] == [("docker push x", "release.mk")]
    assert any("no rule for nope in Makefile" in n for n in p.notes)


def test_scripts_are_followed_and_a_script_calling_make_too(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": gha("./ci-buildImage.sh"),
            "ci-buildImage.sh": "#!/bin/bash\nset -e\ndocker build -t app .\nmake push\n",
            "Makefile": "push:\n\tdocker push app\n",
        },
    )
    steps = derived(parsed(root))
    assert [(s.run, s.path.name, s.line, len(s.via)) for s in steps] == [
        ("docker build -t app .", "ci-buildImage.sh", 3, 1),
        ("make push", "ci-buildImage.sh", 4, 1),
        ("docker push app", "Makefile", 2, 2),
    ]


def test_npm_tox_and_nox_are_followed_to_their_commands(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": gha("npm test && tox -e lint && nox -s tests"),
            "package.json": '{\n  "scripts": {\n    "pretest": "eslint .",\n'
            '    "test": "jest --ci"\n  }\n}\n',
            "tox.ini": "[tox]\nenvlist = py312\n[testenv]\ncommands = pytest\n"
            "[testenv:lint]\ncommands =\n    ruff check .\n    mypy src\n",
            "noxfile.py": "import nox\n\n@nox.session(python='3.12')\ndef tests(session):\n"
            "    session.install('.')\n    session.run('pytest', '-q')\n",
        },
    )
    assert [(s.run, s.path.name, s.line) for s in derived(parsed(root))] == [
        ("eslint .", "package.json", 3),
        ("jest --ci", "package.json", 4),
        ("ruff check .", "tox.ini", 7),
        ("mypy src", "tox.ini", 8),
        ("pytest -q", "noxfile.py", 6),
    ]


def test_compose_build_gradle_and_maven(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": gha(
                "docker compose build && ./gradlew build && mvn -B verify"
                " && mvn -DskipTests package"
            ),
            "compose.yaml": "services:\n  api:\n    build: ./api\n    image: ghcr.io/a/api\n"
            "  db:\n    image: postgres:16\n",
            "build.gradle": "plugins { id 'java' }\n",
            "pom.xml": "<project>\n  <plugin>maven-failsafe-plugin</plugin>\n</project>\n",
        },
    )
    runs = [s.run for s in derived(parsed(root))]
    assert runs == [
        "docker build -f ./api/Dockerfile ./api -t ghcr.io/a/api",
        "gradle test (run by the build task)",
        "mvn surefire:test (unit tests of the verify phase)",
        "mvn failsafe:integration-test (the verify phase)",
    ]


def test_github_local_composite_action_and_reusable_workflow(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": "on: push\njobs:\n  lint:\n    runs-on: x\n    steps:\n"
            "      - uses: ./.github/actions/lint\n        with: {target: src}\n"
            "      - uses: acme/mystery-action@v1\n"
            "  deploy:\n    uses: ./.github/workflows/deploy.yml\n    with: {env: prod}\n"
            "  never:\n    if: false\n    runs-on: x\n    steps: [{run: docker push x}]\n",
            ".github/actions/lint/action.yml": "inputs:\n  target: {default: .}\nruns:\n"
            "  using: composite\n  steps:\n    - run: ruff check ${{ inputs.target }}\n"
            "      shell: bash\n",
            ".github/workflows/deploy.yml": "on: workflow_call\njobs:\n  helm:\n"
            "    runs-on: x\n    environment: ${{ inputs.env }}\n"
            "    steps:\n      - run: helm upgrade app ./chart --set env=${{ inputs.env }}\n",
        },
    )
    p = parsed(root)
    assert [j.name for j in p.jobs] == ["lint", "deploy", "deploy / helm"]
    lint = p.jobs[0]
    assert ("ruff check src", "action.yml", 6) in [(s.run, s.path.name, s.line) for s in lint.steps]
    helm = p.jobs[2]
    assert helm.steps[0].run == "helm upgrade app ./chart --set env=prod"
    assert "action acme/mystery-action@v1 not inspected" in p.notes[0]
    assert any("job never" in n and "if: false" in n for n in p.notes)


def test_taskfile_tasks_deps_and_includes_and_justfile_recipes(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": gha("task ci:check && just"),
            "Taskfile.yml": "version: '3'\nincludes:\n  ci: ./tasks/ci.yml\ntasks:\n"
            "  lint:\n    cmds:\n      - golangci-lint run\n",
            "tasks/ci.yml": "version: '3'\ntasks:\n  check:\n    deps: [fmt]\n    cmds:\n"
            "      - task: test\n  fmt:\n    cmds: [gofmt -l .]\n  test:\n"
            "    cmds:\n      - cmd: go test ./...\n",
            "justfile": "default: lint\n    cargo test\n\nlint:\n    cargo clippy -- -D warnings\n",
        },
    )
    assert [(s.run, s.path.name, s.line) for s in derived(parsed(root))] == [
        ("gofmt -l .", "ci.yml", 8),
        ("go test ./...", "ci.yml", 11),
        ("cargo clippy -- -D warnings", "justfile", 5),
        ("cargo test", "justfile", 2),
    ]


def test_a_cd_out_of_the_repository_stops_following(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": gha("git clone x docs && cd docs && make add-latest-icons"),
            "Makefile": "add-latest-icons:\n\tdocker push nope\n",
        },
    )
    p = parsed(root)
    assert derived(p) == [] and p.notes == ()


def test_make_variables_of_every_flavour_and_in_conditionals(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": gha("make -o build test-unit"),
            "Makefile": "DOCKER ?= docker\nFLAGS := $(DOCKER) run --rm\nifeq ($(CI),true)\n"
            '\tFLAGS += -t\nendif\nRUN ::= $(FLAGS) "dev"\n\nbuild:\n\t$(DOCKER) build -t dev .\n'
            "test-unit: build\n\t$(RUN) hack/test/unit\n",
            "hack/test/unit": "#!/usr/bin/env bash\nset -eu\ngo test ./...\n",
        },
    )
    runs = [(s.run, s.path.name) for s in derived(parsed(root))]
    assert ('docker run --rm -t "dev" hack/test/unit', "Makefile") in runs
    assert ("go test ./...", "unit") in runs


def test_make_pattern_rules_substitute_the_stem(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": gha("make validate-lint"),
            "Makefile": "validate-%: prep\n\thack/validate/$* --target $@\n\nprep:\n\ttrue\n",
        },
    )
    assert [s.run for s in derived(parsed(root))] == [
        "true",
        "hack/validate/lint --target validate-lint",
    ]


def test_working_directory_of_a_step_or_job_is_where_commands_are_followed(
    tmp_path: Path,
) -> None:
    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": "on: push\njobs:\n  app:\n    runs-on: x\n"
            "    defaults:\n      run:\n        working-directory: services/app\n"
            "    steps:\n      - run: make test\n"
            "      - run: make test\n        working-directory: services/web\n",
            "services/app/Makefile": "test:\n\tgo test ./...\n",
            "services/web/Makefile": "test:\n\tnpx jest\n",
        },
    )
    assert [(s.run, s.path.parent.name) for s in derived(parsed(root))] == [
        ("go test ./...", "app"),
        ("npx jest", "web"),
    ]


def test_a_tox_env_that_only_lints_is_not_a_test_run(tmp_path: Path) -> None:
    from golive_lib.sections import cicd

    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": gha("tox -e pep8"),
            "tox.ini": "[testenv]\ncommands = pytest\n[testenv:pep8]\ncommands = flake8\n",
        },
    )
    p = parsed(root)
    assert [s.run for s in derived(p)] == ["flake8"]
    assert cicd.classify_tests([p]) == {"unit": [], "integration": []}
    assert [h.value for h in cicd.detect([p], cicd.CODE_LINT)] == ["flake8"]


def test_tox_toml_environments_are_followed(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": gha("tox run -e lint,py312"),
            "tox.toml": 'env_list = ["py312"]\n\n[env_run_base]\ncommands = [["pytest", "-q"]]\n'
            '\n[env.lint]\ncommands = [["ruff", "check", "."]]\n',
        },
    )
    assert [(s.run, s.line) for s in derived(parsed(root))] == [
        ("ruff check .", 6),
        ("pytest -q", 3),
    ]


def test_pre_commit_hooks_are_read_from_the_run_and_the_action(tmp_path: Path) -> None:
    from golive_lib.sections import cicd

    root = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": "on: push\njobs:\n  lint:\n    runs-on: x\n"
            "    steps:\n      - uses: pre-commit/action@v3.0.1\n",
            ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/hadolint/hadolint\n"
            "    rev: v2.12.0\n    hooks:\n      - id: hadolint-docker\n"
            "  - repo: local\n    hooks:\n      - id: tests\n        name: unit tests\n"
            "        entry: pytest -q tests/unit\n        language: system\n",
        },
    )
    p = parsed(root)
    assert [(s.run, s.line) for s in derived(p)] == [("hadolint", 5), ("pytest -q tests/unit", 8)]
    assert [h.label for h in cicd.detect([p], cicd.DOCKERFILE_LINT)][0] == "hadolint"
