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

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import Job, Origin, Pipeline, Step
from .buildfiles import (
    TASKFILES,
    Found,
    compose_builds,
    compose_command,
    gradle_found,
    justfile_recipes,
    maven_found,
    nox_sessions,
    package_scripts,
    precommit_hooks,
    taskfile_tasks,
    tox_ini,
    tox_toml,
)
from .files import FollowsRepository, read_text
from .makefile import Makefile, read_makefile
from .shell import command_segments, words

MAX_DEPTH = 5
MAX_STEPS_PER_PIPELINE = 5000
MAX_SCRIPT_BYTES = 512_000

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
_SHELL_SUFFIXES = (".sh", ".bash", ".ksh", ".zsh")
_TARGET_RE = re.compile(r"^[\w.%/+-][\w.%/+:-]*$")
_SHELL_RUNNERS = frozenset({"bash", "sh", "zsh", "ksh", "dash", "source", "."})


@dataclass
class _Expander(FollowsRepository):
    repo: Path
    notes: list[str] = field(default_factory=list)
    makefiles: dict[Path, Makefile] = field(default_factory=dict)
    budget: int = MAX_STEPS_PER_PIPELINE

    def inside(self, path: Path) -> bool:
        try:
            return path.resolve().is_relative_to(self.repo.resolve())
        except OSError:
            return False

    # ----------------------------------------------------------------- dispatch

    def step(self, step: Step, start: Path | None) -> tuple[list[Step], Path | None]:
        """The steps found behind one step's commands, and the folder its shell ends in
        (None: outside the repository)."""
        if step.uses and step.uses.startswith("pre-commit/action"):
            origin = Origin(step.path, step.line, step.uses)
            return self.follow("pre-commit run --all-files", self.repo, (origin,), 0), start
        if not step.run:
            return [], start
        out: list[Step] = []
        cwd = start
        for newlines, segment in command_segments(step.run, step.shell):
            argv = words(segment.lstrip("( "))
            if argv[:1] == ["cd"]:
                # Into a folder of the repository: follow from there; elsewhere (a clone
                # made at run time, a variable): what follows is not in the repository.
                target = (cwd / argv[1]).resolve() if cwd and len(argv) > 1 else None
                cwd = target if target and target.is_dir() and self.inside(target) else None
                if len(argv) == 1:
                    cwd = self.repo
                continue
            if cwd is None:
                continue
            origin = Origin(step.path, step.line_at(newlines), segment)
            out.extend(self.follow(segment, cwd, (*step.via, origin), 0))
        return out, cwd

    def follow(self, segment: str, cwd: Path, via: tuple[Origin, ...], depth: int) -> list[Step]:
        if depth >= MAX_DEPTH or self.budget <= 0:
            return []
        argv = words(segment.lstrip("( "))
        for i, word in enumerate(argv):
            if word in ("|", "||", "&", ")") or re.match(r"^(?:\d?>|&>|<)", word):
                argv = argv[:i]
                break
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
            return gradle_found(argv, cwd)
        if tool in ("mvn", "mvnw", "mvnw.cmd"):
            return maven_found(argv, cwd)
        if tool == "pre-commit" and "run" in argv[1:2]:
            return self.precommit(argv, cwd)
        if tool in ("task", "go-task"):
            return self.task(argv, cwd)
        if tool == "just":
            return self.just(argv, cwd)
        if argv[:2] in (["docker", "run"], ["docker", "exec"], ["podman", "run"]):
            return self.in_container(argv, cwd)
        script = self.script_path(argv, cwd)
        return self.script(script) if script is not None else []

    def in_container(self, argv: list[str], cwd: Path) -> list[Found]:
        """``docker run ... IMAGE hack/test/unit``: a repository script run in a container
        (the repository mounted) is followed like one run directly."""
        for i, arg in enumerate(argv[2:], 2):
            if arg.startswith("-") or "/" not in arg or "$" in arg:
                continue
            path = cwd / arg
            if path.is_file() and self.inside(path) and path.suffix not in (".yml", ".yaml"):
                found = self.script(path)
                if found:
                    return found
            script = self.script_path(argv[i:], cwd)
            if script is not None:
                return self.script(script)
        return []

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
            elif arg in ("-o", "-W", "-I", "--old-file", "--what-if", "--include-dir"):
                next(args, None)  # an option's argument, not a target
            elif arg in ("-j", "-l") or arg.isdigit():
                continue
            elif arg.startswith("-") or "=" in arg or not _TARGET_RE.match(arg):
                continue  # options, variables, shell text that is not a target
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
            text = read_text(path)
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
        tool, rest = Path(argv[0]).name, []
        args = iter(argv[1:])
        for arg in args:
            if arg in ("--filter", "-F", "--prefix", "-C", "--dir", "-w", "--workspace", "--cwd"):
                return []  # another package of a workspace: not followed
            if not arg.startswith("-"):
                rest.append(arg)
        if not rest or rest[0] in ("workspace", "workspaces", "--"):
            return []
        if rest[0] in ("run", "run-script") and len(rest) > 1:
            name = rest[1]
        elif rest[0] in ("test", "t", "tst") and tool != "bun":
            name = "test"
        elif tool in ("yarn", "pnpm") and rest[0] not in (
            "install",
            "add",
            "exec",
            "dlx",
            "remove",
            "up",
            "upgrade",
            "set",
            "config",
            "why",
            "cache",
            "info",
            "init",
            "link",
            "pack",
            "publish",
            "version",
            "global",
            "dedupe",
        ):
            name = rest[0]
        else:
            return []
        path = cwd / "package.json"
        if not path.is_file():
            path = self.repo / "package.json"
        if not path.is_file():
            return []
        scripts = package_scripts(path)
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
        candidates = [d / n for d in (cwd, self.repo) for n in ("tox.ini", "tox.toml")]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            return []
        sections, envlist = tox_toml(path) if path.suffix == ".toml" else tox_ini(path)
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
        sessions = nox_sessions(path)
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
                for command, line in compose_command(path, positional[1])
            ]
        if not builds and sub != "push":
            return []
        found: list[Found] = []
        for path in paths:
            if not path.is_file() or not self.inside(path):
                self.note(f"compose file {self.rel(path)}: not found, not followed")
                continue
            for service, context, dockerfile, image, line in compose_builds(path):
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

    # ----------------------------------------------------------------- pre-commit

    def precommit(self, argv: list[str], cwd: Path) -> list[Found]:
        path = next(
            (
                d / ".pre-commit-config.yaml"
                for d in (cwd, self.repo)
                if (d / ".pre-commit-config.yaml").is_file()
            ),
            None,
        )
        if path is None:
            return []
        only = [a for a in argv[2:] if not a.startswith("-")][:1]  # `pre-commit run HOOK`
        return [
            Found(command, path, line, f"pre-commit hook {hook_id}")
            for hook_id, command, line in precommit_hooks(path)
            if not only or hook_id == only[0]
        ]

    # ----------------------------------------------------------------- task / just

    def task(self, argv: list[str], cwd: Path) -> list[Found]:
        path = next((cwd / n for n in TASKFILES if (cwd / n).is_file()), None)
        if path is None or not self.inside(path):
            return []
        tasks = taskfile_tasks(path)
        names = [a for a in argv[1:] if not a.startswith("-") and "=" not in a]
        names = names[: names.index("--")] if "--" in names else names
        found: list[Found] = []
        for name in names or ["default"]:
            if name not in tasks:
                self.note(f"`task {name}`: no such task in {self.rel(path)}, not followed")
                continue
            self._task(tasks, name, found, set())
        return found

    def _task(
        self, tasks: dict[str, list[Any]], name: str, out: list[Found], seen: set[str]
    ) -> None:
        if name in seen or len(seen) > 200:
            return
        seen.add(name)
        for item in tasks.get(name, []):
            if item[0] == "task":
                self._task(tasks, item[1], out, seen)
            else:
                out.append(Found(item[1], item[3], item[2], f"task {name}"))

    def just(self, argv: list[str], cwd: Path) -> list[Found]:
        path = next(
            (cwd / n for n in ("justfile", "Justfile", ".justfile") if (cwd / n).is_file()), None
        )
        if path is None or not self.inside(path):
            return []
        recipes, first = justfile_recipes(path)
        names = [a for a in argv[1:] if not a.startswith("-") and a in recipes][:1] or [first]
        found: list[Found] = []
        seen: set[str] = set()

        def walk(name: str) -> None:
            if name in seen or name not in recipes:
                return
            seen.add(name)
            deps, body = recipes[name]
            for dep in deps:
                walk(dep)
            found.extend(Found(cmd, path, line, f"just {name}") for cmd, line in body)

        for name in names:
            walk(name)
        return found


def expand_pipeline(pipeline: Pipeline, repo: Path) -> Pipeline:
    """The pipeline with, after each step, the steps its commands run in the repository."""
    expander = _Expander(repo)
    # GitLab runs a job's script lines in one shell: a `cd` carries over to the next line.
    shared_shell = pipeline.system == "gitlab"
    jobs: list[Job] = []
    for job in pipeline.jobs:
        steps: list[Step] = []
        cwd: Path | None = repo
        for step in job.steps:
            steps.append(step)
            start = cwd if shared_shell else repo
            if step.cwd and "$" not in step.cwd and not step.cwd.startswith(("/", "~")):
                folder = (repo / step.cwd).resolve()
                start = folder if folder.is_dir() and expander.inside(folder) else None
            found, end = expander.step(step, start)
            steps.extend(found)
            cwd = end
        jobs.append(replace(job, steps=tuple(steps)))
    return replace(pipeline, jobs=tuple(jobs), notes=(*pipeline.notes, *expander.notes))
