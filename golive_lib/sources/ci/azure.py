"""Azure Pipelines (azure-pipelines.yml): stages, jobs, deployment jobs and their steps.

A pipeline may hold ``stages:``, only ``jobs:``, or only ``steps:`` (one implicit job).
Templates (stage, job and step templates with parameters, and a local ``extends:``)
are expanded first (`azure_templates`). Deployment jobs carry their ``environment:``
and the steps of every strategy hook (runOnce, rolling, canary: preDeploy, deploy,
routeTraffic, postRouteTraffic, on.*). Script steps (``script``/``bash``/``pwsh``/
``powershell``) are ``run``; so are the shell tasks (``Bash@3``, ``CmdLine@2``,
``ShellScript@2``, ``PowerShell@2``: inline or ``filePath``) and ``DockerCompose@0``,
read as the command they run. Other tasks and ``checkout`` are ``uses`` with their
``inputs``. A stage, job or step with ``condition: false`` (or ``enabled: false``) never
runs and is left out.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import Job, Pipeline, Ref, Step
from ._yaml import YMap, as_list, as_map, first_line, get, inputs_of, items, scalar
from .azure_templates import Expander

SCRIPT_KEYS = ("script", "bash", "pwsh", "powershell")
USES_KEYS = ("task", "template", "checkout", "download", "publish")
HOOKS = ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic")


_FALSE_RE = re.compile(r"^\s*(?:false|\$\{\{\s*false\s*\}\}|eq\(\s*1\s*,\s*2\s*\))\s*$", re.I)
_SOURCES_DIR_RE = re.compile(
    r"^\$\((?:System\.DefaultWorkingDirectory|Build\.SourcesDirectory|Build\.Repository\.LocalPath|"
    r"Pipeline\.Workspace)\)[/\\]"
)


def never_runs(m: YMap) -> bool:
    """``condition: false`` (or ``enabled: false`` on a step): it never runs."""
    condition, enabled = m.get("condition"), m.get("enabled")
    if condition is False or enabled is False:
        return True
    return isinstance(condition, str) and bool(_FALSE_RE.match(condition))


def _script_file(path: str) -> str:
    return _SOURCES_DIR_RE.sub("", path.strip()).replace("\\", "/")


def task_command(task: str, inputs: dict[str, str]) -> str | None:
    """The shell command a shell or compose task runs, or None for other tasks."""
    name, _, _ = task.partition("@")
    name = name.lower()
    target = inputs.get("targettype", "filePath" if "filepath" in inputs else "inline").lower()
    args = inputs.get("arguments", "")
    if name in ("bash", "powershell", "cmdline") and target == "inline" or name == "cmdline":
        return inputs.get("script") or inputs.get("inline")
    if name in ("bash", "powershell"):
        file = inputs.get("filepath")
        runner = "bash" if name == "bash" else "pwsh -File"
        return f"{runner} {_script_file(file)} {args}".strip() if file else None
    if name == "shellscript":
        file = inputs.get("scriptpath")
        return f"bash {_script_file(file)} {inputs.get('args', '')}".strip() if file else None
    if name == "npm":
        command = inputs.get("command", "install").lower()
        custom = inputs.get("customcommand", "")
        return f"npm {custom}" if command == "custom" and custom else None
    if name == "dockercompose":
        action = inputs.get("action", "Run a Docker Compose command").lower()
        file = _script_file(inputs.get("dockercomposefile", "docker-compose.yml"))
        file = file.replace("**/", "")
        sub = {"build services": "build", "push services": "push"}.get(action)
        if sub is None and action.startswith("run a docker compose command"):
            sub = inputs.get("dockercomposecommand", "")
        return f"docker compose -f {file} {sub}" if sub else None
    return None


def _step(m: YMap) -> Step | None:
    display = scalar(m.get("displayName"))
    workdir = scalar(m.get("workingDirectory")) or scalar(get(m.get("inputs"), "workingDirectory"))
    workdir = _script_file(workdir) if workdir else None
    for key in SCRIPT_KEYS:
        run = scalar(m.get(key))
        if run is not None:
            name = display or first_line(run)
            shell = key if key in ("pwsh", "powershell") else None
            return Step(name, m.path, m.line, run, m.value_line(key), cwd=workdir, shell=shell)
    for key in USES_KEYS:
        target = scalar(m.get(key))
        if target is not None:
            uses = target if key == "task" else f"{key}:{target}"
            name = display or uses
            inputs = inputs_of(m.get("inputs"))
            run = task_command(target, {k.lower(): v for k, v in inputs}) if key == "task" else None
            line = get(m, "inputs").line if run is not None and as_map(m.get("inputs")) else 0
            shell = "powershell" if target.lower().startswith("powershell@") else None
            step = Step(name, m.path, m.line, run, line, uses=uses, inputs=inputs, cwd=workdir)
            return replace(step, shell=shell)
    return None


def _steps(value: Any) -> list[Step]:
    steps: list[Step] = []
    for item in as_list(value) or ():
        m = as_map(item)
        if m is not None and never_runs(m):
            continue
        step = _step(m) if m is not None else None
        if step is not None:
            steps.append(step)
    return steps


def _deployment_steps(strategy: Any) -> list[Step]:
    steps: list[Step] = []
    for _, spec in items(strategy):  # runOnce / rolling / canary
        for hook in HOOKS:
            steps.extend(_steps(get(get(spec, hook), "steps")))
        hooks = get(spec, "on") or (spec.get(True) if isinstance(spec, YMap) else None)
        for _, outcome in items(hooks):  # on: failure / success (YAML 1.1 reads `on` as true)
            steps.extend(_steps(get(outcome, "steps")))
    return steps


def _environment(value: Any) -> str | None:
    """``environment: prod`` or ``{name: prod, resourceName: ...}``; ``prod.ns`` -> ``prod``."""
    name = scalar(value) or scalar(get(value, "name"))
    return name.split(".", 1)[0] if name else None


def _variable_values(value: Any) -> tuple[str, ...]:
    if isinstance(value, YMap):
        values = [scalar(v) for v in value.values()]
    else:
        values = [scalar(get(v, "value")) for v in as_list(value) or ()]
    return tuple(v for v in values if v)


def _container(value: Any, aliases: dict[str, str]) -> str | None:
    name = scalar(value) or scalar(get(value, "image"))
    return aliases.get(name, name) if name else None


def _job(m: YMap, stage: str | None, aliases: dict[str, str]) -> Job | None:
    if never_runs(m):
        return None
    for kind in ("job", "deployment"):
        name = scalar(m.get(kind))
        if name is not None:
            steps = _steps(m.get("steps")) + _deployment_steps(m.get("strategy"))
            return Job(
                name=scalar(m.get("displayName")) or name,
                path=m.path,
                line=m.line,
                steps=tuple(steps),
                image=_container(m.get("container"), aliases),
                environment=_environment(m.get("environment")) if kind == "deployment" else None,
                stage=stage,
                services=tuple(
                    s for s in (_container(v, aliases) for _, v in items(m.get("services"))) if s
                ),
                contexts=(name, *_variable_values(m.get("variables"))),
            )
    template = scalar(m.get("template"))
    if template is not None:
        step = Step(f"template {template}", m.path, m.line, uses=f"template:{template}")
        return Job(f"template {template}", m.path, m.line, (step,), stage=stage)
    return None


def _jobs(value: Any, stage: str | None, aliases: dict[str, str]) -> list[Job]:
    jobs: list[Job] = []
    for item in as_list(value) or ():
        m = as_map(item)
        job = _job(m, stage, aliases) if m is not None else None
        if job is not None:
            jobs.append(job)
    return jobs


def _container_resources(doc: YMap) -> tuple[dict[str, str], list[Ref]]:
    containers = as_list(get(doc.get("resources"), "containers"))
    aliases: dict[str, str] = {}
    refs: list[Ref] = []
    for i, item in enumerate(containers or ()):
        alias, image = scalar(get(item, "container")), scalar(get(item, "image"))
        if image and containers is not None:
            refs.append(Ref("image", image, containers.path, containers.line_of(i)))
            if alias:
                aliases[alias] = image
    return aliases, refs


def _extends(doc: YMap, expander: Expander) -> YMap:
    """``extends: {template, parameters}``: a local template is read with its parameters;
    a remote one is named in the notes, and stages/jobs/steps passed to it are read."""
    extends = as_map(doc.get("extends"))
    target = scalar(get(extends, "template"))
    if extends is None or target is None:
        return doc
    params = as_map(extends.get("parameters"))
    loaded = expander.template(target, params, extends, 0)
    if loaded is not None:
        return loaded
    out = YMap(doc.path, doc.line)
    source = params if params is not None else YMap(doc.path, doc.line)
    for key in ("stages", "jobs", "steps"):
        if key in source:
            out[key] = expander.expand_lists(source[key], doc.path, 0)
            out.key_lines[key] = source.line_of(key)
            out.value_lines[key] = source.value_line(key)
    return out


def parse(path: Path, text: str, repo: Path) -> Pipeline:
    expander = Expander(repo)
    doc = _extends(expander.load(path), expander)
    aliases, refs = _container_resources(doc)
    jobs: list[Job] = []
    for item in as_list(doc.get("stages")) or ():
        stage = as_map(item)
        if stage is None or never_runs(stage):
            continue
        name = scalar(stage.get("stage")) or scalar(stage.get("template"))
        jobs.extend(_jobs(stage.get("jobs"), name, aliases))
    jobs.extend(_jobs(doc.get("jobs"), None, aliases))
    if "steps" in doc:
        steps = tuple(_steps(doc.get("steps")))
        jobs.append(Job("steps", path, doc.line_of("steps"), steps))
    for job in jobs:
        if job.image and job.image not in aliases.values():
            refs.append(Ref("image", job.image, job.path, job.line))
    return Pipeline("azure", path, tuple(jobs), tuple(refs), tuple(expander.notes))
