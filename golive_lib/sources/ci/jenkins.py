"""Jenkinsfiles (declarative, and simple scripted ones): stages and the steps they run.

The Groovy scanner (`jenkins_groovy.py`) turns the file into a tree of statements, each
with its line and an optional ``{ … }`` body. Every stage that runs steps becomes a Job
(parallel and nested stages name their parent in ``stage``);
``sh``/``bat``/``pwsh``/``powershell`` are ``run`` steps, any other statement
(``docker.build(...)``, ``img.push()``) a ``uses`` step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import Job, Pipeline, Ref, Step
from ._yaml import first_line
from .jenkins_groovy import Stmt, scan

SHELL_STEPS = frozenset({"sh", "bat", "powershell", "pwsh"})
# Declarative directives of a stage that are not steps.
STAGE_DIRECTIVES = frozenset(
    {
        "agent",
        "environment",
        "when",
        "options",
        "tools",
        "input",
        "post",
        "steps",
        "parallel",
        "stages",
        "matrix",
        "failFast",
        "triggers",
        "parameters",
        "libraries",
    }
)
# Built-in and common plugin steps whose effect is known (or is no evidence either way);
# any other statement (a shared-library call such as `infra.runMaven(...)`) is named as
# not inspected. docker.build / .push are matched by the checks themselves.
KNOWN_STEPS = frozenset(
    {
        "checkout",
        "git",
        "stash",
        "unstash",
        "archiveArtifacts",
        "junit",
        "echo",
        "dir",
        "withCredentials",
        "timeout",
        "retry",
        "node",
        "script",
        "error",
        "readFile",
        "writeFile",
        "sleep",
        "withEnv",
        "publishHTML",
        "recordIssues",
        "cleanWs",
        "deleteDir",
        "input",
        "milestone",
        "lock",
        "catchError",
        "warnError",
        "sshagent",
        "fileExists",
        "withDockerRegistry",
        "withDockerContainer",
        "withRegistry",
        "properties",
        "def",
        "if",
        "else",
        "for",
        "while",
        "return",
        "try",
        "catch",
        "finally",
        "currentBuild",
        "env",
        "build",
        "emailext",
        "mail",
        "slackSend",
        "step",
        "recordCoverage",
        "publishChecks",
        "buildDiscarder",
        "parallel",
        "usernamePassword",
        "string",
        "file",
        "sshUserPrivateKey",
        "docker",
        "println",
        "print",
        "unarchive",
        "copyArtifacts",
        "tool",
        "waitUntil",
        "findFiles",
        "readJSON",
        "readYaml",
        "writeJSON",
        "writeYaml",
        "zip",
        "unzip",
        "withMaven",
        "withGradle",
        "jacoco",
        "cobertura",
        "setBuildStatus",
        "githubNotify",
        "gitlabCommitStatus",
        "updateGitlabCommitStatus",
        "addBadge",
        "skipDefaultCheckout",
        "ansiColor",
        "timestamps",
        "container",
        "podTemplate",
        "label",
        "pwd",
        "isUnix",
    }
)
# Well-known shared-library steps (jenkins-infra/pipeline-library, used by the Jenkins
# project and its plugins) read as the build they run.
LIBRARY_STEPS = {"buildPlugin": "mvn clean verify", "buildPluginWithGradle": "gradle build"}
MAVEN_STEPS = frozenset({"runMaven", "runWithMaven"})
_LIST_RE = re.compile(r"^(?:def\s+|final\s+)?([A-Za-z_]\w*)\s*=\s*\[")
_CALL_ARG_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s*[,)]")


def _lists(stmts: list[Stmt], out: dict[str, list[str]]) -> dict[str, list[str]]:
    """``def name = ['a', 'b']`` list literals of the whole file, by name."""
    for stmt in stmts:
        m = _LIST_RE.match(stmt.text)
        if m:
            out[m.group(1)] = [value for value, _ in stmt.strings]
        if stmt.body:
            _lists(stmt.body, out)
    return out


def library_command(uses: str, lists: dict[str, list[str]]) -> str | None:
    """The command a well-known library step runs: ``buildPlugin()`` is ``mvn clean verify``,
    ``infra.runMaven(options, ...)`` is ``mvn`` with the options list of this file."""
    head, _, args = uses.partition("(")
    name = head.strip().rsplit(".", 1)[-1]
    if name in LIBRARY_STEPS:
        return LIBRARY_STEPS[name]
    if name in MAVEN_STEPS:
        arg = _CALL_ARG_RE.match(args)
        if arg and arg.group(1) in lists:
            return "mvn " + " ".join(lists[arg.group(1)])
        quoted = re.findall(r"['\"]([^'\"]+)['\"]", args.split("]")[0]) if "[" in args else []
        return "mvn " + " ".join(quoted) if quoted else None
    return None


# Methods of images and Groovy values, not pipeline steps.
_METHODS = frozenset(
    {
        "push",
        "build",
        "inside",
        "withRun",
        "run",
        "add",
        "put",
        "each",
        "addAll",
        "remove",
        "contains",
        "collect",
        "split",
        "trim",
        "toString",
        "size",
        "join",
        "tag",
        "pull",
    }
)
_NAME_RE = re.compile(r"^[A-Za-z_][\w.]*$")
_STAGE_RE = re.compile(r"^stage\s*\(?\s*(?:name\s*:\s*)?$")
_ASSIGN_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s*=")


def _child(body: list[Stmt] | None, word: str) -> Stmt | None:
    return next((s for s in body or () if s.word == word and s.body is not None), None)


def _stage_name(stmt: Stmt) -> str | None:
    if stmt.word != "stage" or stmt.body is None:
        return None
    return stmt.first_string() or stmt.text.removeprefix("stage").strip("() ")


def _steps(body: list[Stmt], path: Path, cwd: str | None = None) -> list[Step]:
    """Leaf statements of a steps block, descending into script/withCredentials/dir/...
    bodies; ``dir('sub') { ... }`` sets the folder the shell steps inside run in."""
    steps: list[Step] = []
    for stmt in body:
        if stmt.body is not None:
            inner = cwd
            folder = stmt.first_string() if stmt.word == "dir" else None
            if folder is not None:
                inner = f"{cwd}/{folder}" if cwd else folder
            steps.extend(_steps(stmt.body, path, inner))
            continue
        if stmt.word in SHELL_STEPS:
            script = _script_string(stmt)
            if script is not None:
                value, line = script
                name = first_line(value) or stmt.word
                shell = stmt.word if stmt.word in ("powershell", "pwsh") else None
                steps.append(Step(name, path, stmt.line, value, line, cwd=cwd, shell=shell))
                continue
            steps.append(Step(stmt.word, path, stmt.line, stmt.text, stmt.line, cwd=cwd))
            continue
        steps.append(Step(stmt.word or stmt.text, path, stmt.line, uses=stmt.text))
    return steps


def _script_string(stmt: Stmt) -> tuple[str, int] | None:
    """The script of ``sh 'x'`` or ``sh(script: "x", returnStdout: true)``."""
    pairs = list(zip(stmt.strings, stmt.labels, strict=True))
    named = [string for string, label in pairs if label == "script"]
    unnamed = [string for string, label in pairs if label is None]
    candidates = named or unnamed or stmt.strings
    return candidates[0] if candidates else None


def _agent_image(body: list[Stmt] | None) -> tuple[str, int] | None:
    """``agent { docker { image 'x' } }`` or ``agent { docker 'x' }``."""
    agent = _child(body, "agent")
    for stmt in agent.body if agent and agent.body else ():
        if stmt.word == "docker" and stmt.body is None and stmt.strings:
            return stmt.strings[0]
        if stmt.word == "docker" and stmt.body:
            image = next((s for s in stmt.body if s.word == "image" and s.strings), None)
            if image is not None:
                return image.strings[0]
    return None


def _env_values(body: list[Stmt] | None) -> tuple[str, ...]:
    env = _child(body, "environment")
    return tuple(s.first_string() or "" for s in env.body or () if s.strings) if env else ()


def _never_runs(body: list[Stmt] | None) -> bool:
    """``when { expression { false } }`` (or ``return false``): the stage never runs."""
    when = _child(body, "when")
    for stmt in when.body or () if when else ():
        if stmt.word == "expression" and stmt.body is not None:
            texts = [s.text.strip() for s in stmt.body]
            if texts in (["false"], ["return false"]):
                return True
    return False


def _is_manual(body: list[Stmt] | None) -> bool:
    """A stage that waits for a person: an ``input`` directive or step."""
    return any(s.word == "input" for s in body or ()) or any(
        s.word == "input" for b in (_child(body, "steps"),) if b for s in b.body or ()
    )


def _post_steps(body: list[Stmt] | None, path: Path) -> list[Step]:
    post = _child(body, "post")
    return _steps(post.body or [], path) if post else []


@dataclass
class _Walk:
    path: Path
    jobs: list[Job] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def image(self, body: list[Stmt] | None) -> str | None:
        found = _agent_image(body)
        if found is None:
            return None
        self.refs.append(Ref("image", found[0], self.path, found[1]))
        return found[0]

    def stage(self, stmt: Stmt, name: str, parent: str | None, inherited: tuple[str, ...]) -> None:
        body = stmt.body or []
        if _never_runs(body):
            self.notes.append(f"stage {name} (line {stmt.line}) never runs (when false)")
            return
        image = self.image(body)
        env = inherited + _env_values(body)
        nested = [c for c in (_child(body, "parallel"), _child(body, "stages")) if c]
        matrix = _child(body, "matrix")
        if matrix is not None:
            nested.extend(c for c in (_child(matrix.body, "stages"),) if c)
        for holder in nested:
            self.stages(holder.body or [], name, env)
        steps_block = _child(body, "steps")
        if steps_block is not None:
            steps = _steps(steps_block.body or [], self.path)
        elif not nested:  # scripted: the stage body is the steps
            steps = _steps([s for s in body if s.word not in STAGE_DIRECTIVES], self.path)
        else:
            steps = []
        steps += _post_steps(body, self.path)
        if steps or not nested:
            self.jobs.append(
                Job(
                    name,
                    self.path,
                    stmt.line,
                    tuple(steps),
                    image=image,
                    stage=parent,
                    contexts=(name, *env),
                    manual=_is_manual(body),
                )
            )

    def stages(self, body: list[Stmt], parent: str | None, env: tuple[str, ...]) -> None:
        for stmt in body:
            name = _stage_name(stmt)
            if name is not None:
                self.stage(stmt, name, parent, env)
            elif stmt.body is not None:  # stages { }, node { }, parallel { }, wrappers
                self.stages(stmt.body, parent, env)


def parse(path: Path, text: str, repo: Path) -> Pipeline:
    tree = scan(text, path)
    walk = _Walk(path)
    pipeline = _child(tree, "pipeline")
    body = pipeline.body if pipeline is not None else tree
    walk.image(body)
    walk.stages(body or [], None, _env_values(body))
    post = _child(body, "post")
    if post is not None:
        walk.jobs.append(Job("post", path, post.line, tuple(_steps(post.body or [], path))))
    lists = _lists(tree, {})
    for index, job in enumerate(walk.jobs):
        mapped = tuple(
            replace(s, run=command, run_line=s.line)
            if s.uses and s.run is None and (command := library_command(s.uses, lists))
            else s
            for s in job.steps
        )
        walk.jobs[index] = replace(job, steps=mapped)
    seen: set[str] = set()
    for job in walk.jobs:
        for step in job.steps:
            head = (step.uses or "").split("(", 1)[0].strip()
            known = head.split(".", 1)[0] in KNOWN_STEPS or head.rsplit(".", 1)[-1] in _METHODS
            if (
                step.run is None
                and step.uses
                and not known
                and head not in seen
                and _NAME_RE.match(head)
            ):
                seen.add(head)
                walk.notes.append(
                    f"step {head} (line {step.line}) not inspected (a shared library or plugin)"
                )
    return Pipeline("jenkins", path, tuple(walk.jobs), tuple(walk.refs), tuple(walk.notes))
