"""Follow a pipeline's commands into what they run: make, scripts, npm, tox, nox, compose...

A CI step often runs ``make``, ``./ci/build.sh``, ``npm test``, ``tox -e lint``,
``docker compose build`` or ``./gradlew build`` and the real work is in the file that
command reads. ``expand_pipeline`` adds, after each step, one Step per command found
there, with the file and line where it is written and ``via`` naming the commands that
led to it (``ci.yml:87 runs `make```). Followed, recursively (a few levels deep):

- ``make [-C DIR] [-f FILE] [TARGET...]``: the targets' recipes and prerequisites
  (bare ``make`` is the default goal), included makefiles too (`makefile`);
- a shell script the repository holds (``./x.sh``, ``bash ci/x``, ``sh x.sh``);
- ``npm test``/``npm run X``/``yarn X``/``pnpm X``: the package.json script (pre/post too);
- ``tox [-e ENVS]`` (tox.ini) and ``nox [-s SESSIONS]`` (noxfile.py ``session.run``);
- ``docker compose build|push|up --build``: each service with a ``build:`` (and image);
- Gradle ``build``/``check`` (they run ``test``) and Maven phases from ``test`` on
  (surefire; failsafe's integration tests from ``verify`` when the POM names failsafe).

What cannot be followed (no Makefile, no such target, a script outside the repository)
is named in the pipeline's notes. Nothing here decides pass/fail.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import Job, Origin, Pipeline, Step
from ._yaml import PipelineError, as_map, get, load_yaml, scalar
from .makefile import Makefile, read_makefile
from .shell import command_segments, words

MAX_DEPTH = 5
MAX_STEPS_PER_PIPELINE = 5000
MAX_SCRIPT_BYTES = 512_000

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
MAVEN_PHASES = ("validate", "compile", "test", "package", "verify", "install", "deploy")
GRADLE_TEST_TASKS = frozenset({"build", "check"})
_SHELL_SUFFIXES = (".sh", ".bash", ".ksh", ".zsh")
_SHELL_RUNNERS = frozenset({"bash", "sh", "zsh", "ksh", "dash", "source", "."})


@dataclass(frozen=True)
class Found:
    """A command written in a file a pipeline command reads."""

    command: str
    path: Path
    line: int
    context: str  # what ran it, e.g. "make test" (names the derived step)
    follow: bool = True  # False for a description golive wrote (gradle/maven/compose)


@dataclass
class _Expander:
    repo: Path
    notes: list[str] = field(default_factory=list)
    makefiles: dict[Path, Makefile] = field(default_factory=dict)
    budget: int = MAX_STEPS_PER_PIPELINE

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.repo).as_posix()
        except ValueError:
            return str(path)

    def inside(self, path: Path) -> bool:
        try:
            return path.resolve().is_relative_to(self.repo.resolve())
        except OSError:
            return False

    # ----------------------------------------------------------------- dispatch

    def step(self, step: Step) -> list[Step]:
        if not step.run:
            return []
        out: list[Step] = []
        cwd = self.repo
        for newlines, segment in command_segments(step.run):
            argv = words(segment)
            if argv[:1] == ["cd"] and len(argv) > 1:
                target = (cwd / argv[1]).resolve() if not argv[1].startswith("$") else cwd
                cwd = target if target.is_dir() and self.inside(target) else cwd
                continue
            origin = Origin(step.path, step.line_at(newlines), segment)
            out.extend(self.follow(segment, cwd, (*step.via, origin), 0))
        return out

    def follow(self, segment: str, cwd: Path, via: tuple[Origin, ...], depth: int) -> list[Step]:
        if depth >= MAX_DEPTH or self.budget <= 0:
            return []
        argv = words(segment)
        for stop in ("|", ">", ">>", "2>&1", "<"):
            if stop in argv:
                argv = argv[: argv.index(stop)]
        if not argv:
            return []
        found = self.resolve(argv, cwd)
        steps: list[Step] = []
        for item in found:
            if self.budget <= 0:
                break
            self.budget -= 1
            name = f"{item.context}: {item.command}"[:200]
            steps.append(Step(name, item.path, item.line, item.command, item.line, via=via))
            inner = Origin(item.path, item.line, item.command)
            for _, sub in command_segments(item.command) if item.follow else ():
                steps.extend(self.follow(sub, item.path.parent, (*via, inner), depth + 1))
        return steps

    def resolve(self, argv: list[str], cwd: Path) -> list[Found]:
        tool = Path(argv[0]).name
        if tool in ("make", "gmake"):
            return self.make(argv, cwd)
        if tool in ("npm", "yarn", "pnpm", "bun"):
            return self.npm(argv, cwd)
        if tool == "tox":
            return self.tox(argv, cwd)
        if tool == "nox":
            return self.nox(argv, cwd)
        if tool == "docker-compose" or argv[:2] == ["docker", "compose"]:
            return self.compose(argv[1:] if tool == "docker-compose" else argv[2:], cwd)
        if tool in ("gradle", "gradlew", "gradlew.bat"):
            return self.gradle(argv, cwd)
        if tool in ("mvn", "mvnw", "mvnw.cmd"):
            return self.maven(argv, cwd)
        script = self.script_path(argv, cwd)
        return self.script(script) if script is not None else []

    # ----------------------------------------------------------------- make

    def make(self, argv: list[str], cwd: Path) -> list[Found]:
        directory, file, targets = cwd, None, []
        args = iter(argv[1:])
        for arg in args:
            if arg in ("-C", "--directory"):
                directory = directory / next(args, ".")
            elif arg.startswith("-C") and len(arg) > 2:
                directory = directory / arg[2:]
            elif arg in ("-f", "--file", "--makefile"):
                file = next(args, None)
            elif arg.startswith("-") or "=" in arg:
                continue
            else:
                targets.append(arg)
        if "$" in str(directory) or (file and "$" in file):
            return []
        path = (
            directory / file
            if file
            else next(
                (
                    directory / n
                    for n in ("GNUmakefile", "makefile", "Makefile")
                    if (directory / n).is_file()
                ),
                directory / "Makefile",
            )
        )
        shown = " ".join(["make", *targets])
        if not path.is_file() or not self.inside(path):
            self.note(f"`{shown}`: no {self.rel(path)} in the repository, not followed")
            return []
        mk = self.makefiles.get(path)
        if mk is None:
            mk = self.makefiles[path] = read_makefile(path)
            for problem in mk.not_read:
                self.note(f"{self.rel(path)}: {problem}, not followed")
        found: list[Found] = []
        goals: list[str | None] = [*targets] if targets else [None]
        for target in goals:
            commands = mk.commands(target)
            if commands is None:
                name = target or "(default goal)"
                self.note(
                    f"`make {target or ''}`: no rule for {name} in {self.rel(path)}".replace(
                        "make `", "make`"
                    )
                )
                continue
            for rule, recipe in commands:
                found.append(Found(recipe.command, recipe.path, recipe.line, f"make {rule}"))
        return found

    # ----------------------------------------------------------------- scripts

    def script_path(self, argv: list[str], cwd: Path) -> Path | None:
        first = argv[0]
        candidate: str | None = None
        if Path(first).name in _SHELL_RUNNERS and len(argv) > 1:
            rest = [a for a in argv[1:] if not a.startswith("-")]
            candidate = rest[0] if rest else None
        elif "/" in first or first.endswith(_SHELL_SUFFIXES):
            candidate = first
        if candidate is None or "$" in candidate or candidate.startswith("/"):
            return None
        for base in (cwd, self.repo):
            path = base / candidate
            if path.is_file() and self.inside(path):
                return path
        if candidate.endswith(_SHELL_SUFFIXES):
            self.note(f"script {candidate}: not found in the repository, not followed")
        return None

    def script(self, path: Path) -> list[Found]:
        try:
            if path.stat().st_size > MAX_SCRIPT_BYTES:
                return []
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return []
        first = text.splitlines()[0] if text else ""
        is_shell = path.suffix in _SHELL_SUFFIXES or (
            first.startswith("#!") and re.search(r"\b(?:ba|z|k|da)?sh\b", first) is not None
        )
        if not is_shell:
            return []
        rel = self.rel(path)
        return [
            Found(segment, path, newlines + 1, rel)
            for newlines, segment in command_segments(text)
            if not segment.startswith(("echo ", "printf ", "set ", "local ", "export "))
        ]

    # ----------------------------------------------------------------- npm

    def npm(self, argv: list[str], cwd: Path) -> list[Found]:
        tool, rest = Path(argv[0]).name, [a for a in argv[1:] if not a.startswith("-")]
        if not rest:
            return []
        if rest[0] in ("run", "run-script") and len(rest) > 1:
            name = rest[1]
        elif rest[0] in ("test", "t", "tst") and tool != "bun":
            name = "test"
        elif tool in ("yarn", "pnpm") and rest[0] not in ("install", "add", "exec", "dlx"):
            name = rest[0]
        else:
            return []
        path = cwd / "package.json"
        if not path.is_file():
            path = self.repo / "package.json"
        if not path.is_file():
            return []
        scripts = _package_scripts(path)
        if name not in scripts:
            self.note(f"`{tool} {' '.join(rest)}`: no script {name!r} in {self.rel(path)}")
            return []
        found = []
        for key in (f"pre{name}", name, f"post{name}"):
            if key in scripts:
                command, line = scripts[key]
                found.append(Found(command, path, line, f"{tool} run {key}"))
        return found

    # ----------------------------------------------------------------- tox / nox

    def tox(self, argv: list[str], cwd: Path) -> list[Found]:
        path = cwd / "tox.ini" if (cwd / "tox.ini").is_file() else self.repo / "tox.ini"
        if not path.is_file():
            return []
        sections, envlist = _tox_ini(path)
        envs: list[str] = []
        args = iter(argv[1:])
        for arg in args:
            if arg in ("-e", "--env"):
                envs.extend(next(args, "").split(","))
            elif arg.startswith("-e") and len(arg) > 2:
                envs.extend(arg[2:].split(","))
        envs = [e.strip() for e in envs if e.strip()] or envlist
        found: list[Found] = []
        for env in envs:
            commands = sections.get(f"testenv:{env}") or sections.get("testenv") or []
            found.extend(Found(c, path, line, f"tox -e {env}") for c, line in commands)
        return found

    def nox(self, argv: list[str], cwd: Path) -> list[Found]:
        path = cwd / "noxfile.py" if (cwd / "noxfile.py").is_file() else self.repo / "noxfile.py"
        if not path.is_file():
            return []
        sessions = _nox_sessions(path)
        wanted: list[str] = []
        args = iter(argv[1:])
        for arg in args:
            if arg in ("-s", "--session", "--sessions", "-e"):
                wanted.extend(next(args, "").split(","))
        names = [w.strip() for w in wanted if w.strip()] or list(sessions)
        found: list[Found] = []
        for name in names:
            for command, line in sessions.get(name.split("-")[0], sessions.get(name, [])):
                found.append(Found(command, path, line, f"nox -s {name}"))
        return found

    # ----------------------------------------------------------------- compose

    def compose(self, argv: list[str], cwd: Path) -> list[Found]:
        files: list[str] = []
        rest: list[str] = []
        args = iter(argv)
        for arg in args:
            if arg in ("-f", "--file"):
                files.append(next(args, ""))
            elif arg in ("-p", "--project-name", "--env-file", "--profile"):
                next(args, None)
            else:
                rest.append(arg)
        positional = [a for a in rest if not a.startswith("-")]
        sub = positional[0] if positional else ""
        builds = sub == "build" or (sub in ("up", "run") and "--build" in rest)
        paths = (
            [cwd / f for f in files]
            if files
            else [
                next(
                    (cwd / n for n in COMPOSE_FILES if (cwd / n).is_file()), cwd / COMPOSE_FILES[0]
                )
            ]
        )
        if sub == "run" and len(positional) == 2:  # no command given: the service's own
            return [
                Found(command, path, line, f"compose service {positional[1]}")
                for path in paths
                if path.is_file() and self.inside(path)
                for command, line in _compose_command(path, positional[1])
            ]
        if not builds and sub != "push":
            return []
        found: list[Found] = []
        for path in paths:
            if not path.is_file() or not self.inside(path):
                self.note(f"compose file {self.rel(path)}: not found, not followed")
                continue
            for service, context, dockerfile, image, line in _compose_builds(path):
                if builds:
                    cmd = f"docker build -f {dockerfile} {context}" + (
                        f" -t {image}" if image else ""
                    )
                    found.append(Found(cmd, path, line, f"compose service {service}", False))
                if sub == "push" and image:
                    found.append(
                        Found(
                            f"docker push {image}", path, line, f"compose service {service}", False
                        )
                    )
        return found

    # ----------------------------------------------------------------- gradle / maven

    def gradle(self, argv: list[str], cwd: Path) -> list[Found]:
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

    def maven(self, argv: list[str], cwd: Path) -> list[Found]:
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
            line = _line_of(pom, "maven-failsafe-plugin")
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


# --------------------------------------------------------------------------- file readers


def _line_of(path: Path, needle: str) -> int:
    try:
        for i, line in enumerate(
            path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
        ):
            if needle in line:
                return i
    except OSError:
        pass
    return 0


def _package_scripts(path: Path) -> dict[str, tuple[str, int]]:
    try:
        text = path.read_text(encoding="utf-8")
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


def _tox_ini(path: Path) -> tuple[dict[str, list[tuple[str, int]]], list[str]]:
    """tox.ini: each section's ``commands`` lines (with their lines) and the envlist."""
    sections: dict[str, list[tuple[str, int]]] = {}
    envlist: list[str] = []
    section = ""
    key = ""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
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


def _nox_sessions(path: Path) -> dict[str, list[tuple[str, int]]]:
    """noxfile.py: each session's ``session.run(...)`` commands (string arguments joined)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
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


def _compose_builds(path: Path) -> list[tuple[str, str, str, str, int]]:
    """(service, context, dockerfile, image, line) for each compose service with ``build:``."""
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"), path)
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


def _compose_command(path: Path, service: str) -> list[tuple[str, int]]:
    """The ``command:`` of one compose service (a string or a list), with its line."""
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"), path)
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


def expand_pipeline(pipeline: Pipeline, repo: Path) -> Pipeline:
    """The pipeline with, after each step, the steps its commands run in the repository."""
    expander = _Expander(repo)
    jobs: list[Job] = []
    for job in pipeline.jobs:
        steps: list[Step] = []
        for step in job.steps:
            steps.append(step)
            steps.extend(expander.step(step))
        jobs.append(replace(job, steps=tuple(steps)))
    return replace(pipeline, jobs=tuple(jobs), notes=(*pipeline.notes, *expander.notes))
