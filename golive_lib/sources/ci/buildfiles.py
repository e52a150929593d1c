"""The files build tools read, as far as `buildtools` needs them: the commands they hold,
each with its line. package.json scripts, tox.ini, noxfile.py sessions, compose services,
Taskfile.yml tasks and justfile recipes. Nothing here runs anything.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._yaml import PipelineError, as_list, as_map, get, load_yaml, scalar
from .files import read_text

MAVEN_PHASES = ("validate", "compile", "test", "package", "verify", "install", "deploy")
GRADLE_TEST_TASKS = frozenset({"build", "check"})


@dataclass(frozen=True)
class Found:
    """A command written in a file a pipeline command reads."""

    command: str
    path: Path
    line: int
    context: str  # what ran it, e.g. "make test" (names the derived step)
    follow: bool = True  # False for a description golive wrote (gradle/maven/compose)


def line_of(path: Path, needle: str) -> int:
    try:
        for i, line in enumerate(read_text(path, errors="replace").splitlines(), 1):
            if needle in line:
                return i
    except OSError:
        pass
    return 0


def package_scripts(path: Path) -> dict[str, tuple[str, int]]:
    try:
        text = read_text(path)
        data = json.loads(text)
    except (OSError, ValueError):
        return {}
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict):
        return {}
    lines = text.splitlines()
    out: dict[str, tuple[str, int]] = {}
    for name, command in scripts.items():
        if isinstance(command, str):
            needle = json.dumps(name) + ":"
            line = next((i for i, t in enumerate(lines, 1) if needle in t.replace('" :', '":')), 1)
            out[str(name)] = (command, line)
    return out


def tox_toml(path: Path) -> tuple[dict[str, list[tuple[str, int]]], list[str]]:
    """tox.toml (tox 4): ``[env.NAME]`` / ``[env_run_base]`` ``commands`` (lists of argv),
    keyed like tox.ini's sections (``testenv:NAME``, ``testenv``), each at its table's line."""
    import tomllib

    try:
        text = read_text(path)
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}, []
    lines = text.splitlines()

    def line_of_table(header: str) -> int:
        return next((i for i, t in enumerate(lines, 1) if t.strip() == header), 1)

    def commands(spec: object, line: int) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for cmd in spec.get("commands", []) if isinstance(spec, dict) else []:
            if isinstance(cmd, list):
                out.append((" ".join(str(c) for c in cmd if isinstance(c, str)), line))
        return out

    sections: dict[str, list[tuple[str, int]]] = {}
    base = data.get("env_run_base")
    if isinstance(base, dict):
        sections["testenv"] = commands(base, line_of_table("[env_run_base]"))
    envs = data.get("env")
    for name, spec in envs.items() if isinstance(envs, dict) else []:
        sections[f"testenv:{name}"] = commands(spec, line_of_table(f"[env.{name}]"))
    env_list = data.get("env_list")
    envlist = [str(e) for e in env_list] if isinstance(env_list, list) else []
    return sections, envlist


def tox_ini(path: Path) -> tuple[dict[str, list[tuple[str, int]]], list[str]]:
    """tox.ini: each section's ``commands`` lines (with their lines) and the envlist."""
    sections: dict[str, list[tuple[str, int]]] = {}
    envlist: list[str] = []
    section = ""
    key = ""
    try:
        lines = read_text(path).splitlines()
    except (OSError, UnicodeDecodeError):
        return {}, []
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip() or raw.lstrip().startswith(("#", ";")):
            continue
        header = re.match(r"^\[([^\]]+)\]", raw)
        if header:
            section, key = header.group(1).strip(), ""
            continue
        if raw[0].isspace() and key:
            value = raw.strip()
        else:
            k, _, value = raw.partition("=")
            key = k.strip()
            value = value.strip()
        if not value:
            continue
        if section == "tox" and key == "envlist":
            envlist.extend(
                e.strip() for e in re.split(r"[,\s]+", value) if e.strip() and "{" not in e
            )
        elif section.startswith("testenv") and key == "commands":
            value = re.sub(r"^[\w,-]+:\s*", "", value)  # factor-conditional line
            sections.setdefault(section, []).append((value.lstrip("-"), lineno))
    return sections, envlist


def nox_sessions(path: Path) -> dict[str, list[tuple[str, int]]]:
    """noxfile.py: each session's ``session.run(...)`` commands (string arguments joined)."""
    try:
        tree = ast.parse(read_text(path))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    out: dict[str, list[tuple[str, int]]] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not any(
            "session" in ast.unparse(d) for d in node.decorator_list
        ):
            continue
        name = node.name
        for d in node.decorator_list:
            if isinstance(d, ast.Call):
                for kw in d.keywords:
                    if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                        name = str(kw.value.value)
        commands: list[tuple[str, int]] = []
        for call in ast.walk(node):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr in ("run", "run_always")
            ):
                parts = [
                    a.value
                    for a in call.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                ]
                if parts:
                    commands.append((" ".join(parts), call.lineno))
        out[name] = sorted(commands, key=lambda c: c[1])
    return out


def compose_builds(path: Path) -> list[tuple[str, str, str, str, int]]:
    """(service, context, dockerfile, image, line) for each compose service with ``build:``."""
    try:
        doc = load_yaml(read_text(path), path)
    except (OSError, UnicodeDecodeError, PipelineError):
        return []
    services = as_map(get(doc, "services"))
    out: list[tuple[str, str, str, str, int]] = []
    for name, spec in (services or {}).items():
        m = as_map(spec)
        if m is None or "build" not in m or services is None:
            continue
        build = m.get("build")
        context = scalar(build) or scalar(get(build, "context")) or "."
        dockerfile = scalar(get(build, "dockerfile")) or "Dockerfile"
        image = scalar(m.get("image")) or ""
        out.append(
            (str(name), context, f"{context.rstrip('/')}/{dockerfile}", image, m.line_of("build"))
        )
    return out


def compose_command(path: Path, service: str) -> list[tuple[str, int]]:
    """The ``command:`` of one compose service (a string or a list), with its line."""
    try:
        doc = load_yaml(read_text(path), path)
    except (OSError, UnicodeDecodeError, PipelineError):
        return []
    spec = as_map(get(get(doc, "services"), service))
    if spec is None or "command" not in spec:
        return []
    value = spec["command"]
    text = scalar(value)
    if text is None:
        parts = [scalar(x) for x in value] if isinstance(value, list) else []
        text = " ".join(p for p in parts if p)
        if parts[:2] in (["sh", "-c"], ["bash", "-c"]):
            text = " ".join(p for p in parts[2:] if p)
    text = re.sub(r"^(?:ba)?sh\s+-c\s+", "", text).strip().strip("\"'")
    return [(text, spec.value_line("command"))] if text else []


TASKFILES = ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "taskfile.yaml", "Taskfile.dist.yml")


def taskfile_tasks(path: Path, prefix: str = "", depth: int = 0) -> dict[str, list[Any]]:
    """go-task: each task's run list, in order: ``("task", name)`` for a dependency or a
    called task, ``("cmd", command, line, file)`` for a command. Included Taskfiles are read
    under their namespace (``ci:test``)."""
    try:
        doc = load_yaml(read_text(path), path)
    except (OSError, UnicodeDecodeError, PipelineError):
        return {}
    out: dict[str, list[Any]] = {}
    tasks = as_map(get(doc, "tasks"))
    for name, spec in (tasks or {}).items():
        items: list[Any] = []
        for dep in as_list(get(spec, "deps")) or ():
            target = scalar(dep) or scalar(get(dep, "task"))
            if target:
                items.append(("task", prefix + target))
        cmds = as_list(get(spec, "cmds")) or as_list(spec)
        for i, cmd in enumerate(cmds or ()):
            text = scalar(cmd) or scalar(get(cmd, "cmd"))
            called = scalar(get(cmd, "task"))
            if called:
                items.append(("task", prefix + called))
            elif text and cmds is not None:
                line = cmds.line_of(i)
                items.append(("cmd", text, line, path))
        out[prefix + str(name)] = items
    for namespace, target in (as_map(get(doc, "includes")) or {}).items():
        rel = scalar(target) or scalar(get(target, "taskfile"))
        if not rel or depth >= 3:
            continue
        included = path.parent / rel
        if included.is_dir():
            included = next((included / n for n in TASKFILES if (included / n).is_file()), included)
        if included.is_file():
            out.update(taskfile_tasks(included, f"{prefix}{namespace}:", depth + 1))
    return out


_JUST_RECIPE_RE = re.compile(r"^@?([A-Za-z_][\w-]*)(?:\s+[^:=]*?)?\s*:(?!=)\s*(.*)$")


def justfile_recipes(path: Path) -> tuple[dict[str, tuple[list[str], list[tuple[str, int]]]], str]:
    """just: each recipe's dependencies and body lines (with their lines), and the default
    recipe (the first one)."""
    try:
        lines = read_text(path).splitlines()
    except (OSError, UnicodeDecodeError):
        return {}, ""
    recipes: dict[str, tuple[list[str], list[tuple[str, int]]]] = {}
    first = ""
    current: str | None = None
    for lineno, raw in enumerate(lines, 1):
        if raw[:1] in (" ", "\t"):
            if current is not None and raw.strip() and not raw.strip().startswith("#"):
                recipes[current][1].append((raw.strip().lstrip("@-"), lineno))
            continue
        current = None
        m = _JUST_RECIPE_RE.match(raw)
        if m and not raw.startswith(("set ", "export ", "alias ", "import ", "mod ")):
            current = m.group(1)
            deps = [d for d in m.group(2).split() if re.match(r"^[A-Za-z_][\w-]*$", d)]
            recipes[current] = (deps, [])
            first = first or current
    return recipes, first


def gradle_found(argv: list[str], cwd: Path) -> list[Found]:
    """Gradle `build`/`check` run `test` (the Java plugin's lifecycle), unless `-x test`."""
    skip = {argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("-x", "--exclude-task")}
    tasks = [a.rsplit(":", 1)[-1] for a in argv[1:] if not a.startswith("-") and a not in skip]
    if "test" in skip or not GRADLE_TEST_TASKS & set(tasks):
        return []
    build = next(
        (cwd / n for n in ("build.gradle.kts", "build.gradle") if (cwd / n).is_file()), None
    )
    if build is None:
        return []
    task = next(t for t in tasks if t in GRADLE_TEST_TASKS)
    return [Found(f"gradle test (run by the {task} task)", build, 1, f"gradle {task}", False)]


def maven_found(argv: list[str], cwd: Path) -> list[Found]:
    """Maven phases from `test` on run surefire; from `verify` on, failsafe when the POM
    names it; `-DskipTests` skips both."""
    if any(re.match(r"-D(?:skipTests|maven\.test\.skip)(?:=true)?$", a) for a in argv):
        return []
    phases = [a for a in argv[1:] if a in MAVEN_PHASES]
    if not phases:
        return []
    last = max(MAVEN_PHASES.index(p) for p in phases)
    pom = cwd / "pom.xml"
    if last < MAVEN_PHASES.index("test") or not pom.is_file():
        return []
    phase = MAVEN_PHASES[last]
    found = [
        Found(
            f"mvn surefire:test (unit tests of the {phase} phase)",
            pom,
            1,
            f"mvn {phase}",
            False,
        )
    ]
    if last >= MAVEN_PHASES.index("verify"):
        line = line_of(pom, "maven-failsafe-plugin")
        if line:
            found.append(
                Found(
                    f"mvn failsafe:integration-test (the {phase} phase)",
                    pom,
                    line,
                    f"mvn {phase}",
                    False,
                )
            )
    return found


# What a well-known pre-commit hook runs, when its id is all the config says.
HOOK_COMMANDS = {
    "ruff": "ruff check",
    "ruff-check": "ruff check",
    "ruff-format": "ruff format --check",
    "black": "black --check",
    "isort": "isort --check",
    "flake8": "flake8",
    "mypy": "mypy",
    "pylint": "pylint",
    "hadolint": "hadolint",
    "hadolint-docker": "hadolint",
    "shellcheck": "shellcheck",
    "eslint": "eslint",
    "prettier": "prettier --check",
    "golangci-lint": "golangci-lint run",
    "go-vet": "go vet",
    "rubocop": "rubocop",
}


def precommit_hooks(path: Path) -> list[tuple[str, str, int]]:
    """.pre-commit-config.yaml: (hook id, the command it runs, line) of every hook; a
    local hook's ``entry`` is its command, a well-known id maps to its tool."""
    try:
        doc = load_yaml(read_text(path), path)
    except (OSError, UnicodeDecodeError, PipelineError):
        return []
    out: list[tuple[str, str, int]] = []
    for repo in as_list(get(doc, "repos")) or ():
        hooks = as_list(get(repo, "hooks"))
        for i, hook in enumerate(hooks or ()):
            hook_id = scalar(get(hook, "id"))
            if not hook_id or hooks is None:
                continue
            entry = scalar(get(hook, "entry"))
            command = entry or HOOK_COMMANDS.get(hook_id) or hook_id
            if entry and scalar(get(hook, "language")) in ("docker_image", "docker"):
                command = f"{hook_id} ({entry})"
            out.append((hook_id, command, hooks.line_of(i)))
    return out
