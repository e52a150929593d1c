"""CircleCI (.circleci/config.yml): jobs as the workflows run them, orbs, reusable commands.

Each workflow entry becomes a Job (its name, contexts, branch filters and parameters);
its steps are the job definition's, with reusable ``commands`` expanded and
``<< parameters.x >>`` substituted. An orb step or orb job (``docker/publish``) becomes a
Step whose ``uses`` is the orb's name and command, e.g. ``circleci/docker/publish``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import Job, Pipeline, Ref, Step
from ._yaml import (
    YList,
    YMap,
    as_list,
    as_map,
    first_line,
    get,
    inputs_of,
    items,
    load_mapping,
    scalar,
)
from .known import orb_command_is_known

_PARAM_RE = re.compile(r"<<\s*parameters\.([\w-]+)\s*>>")
MAX_COMMAND_DEPTH = 8
# Keys of a workflow entry that configure the run, not the orb job.
WORKFLOW_KEYS = frozenset({"name", "requires", "context", "filters", "matrix", "type"})
# Built-in steps written as a bare name or a one-key mapping.
BUILTIN_STEPS = frozenset(
    {
        "checkout",
        "setup_remote_docker",
        "save_cache",
        "restore_cache",
        "store_artifacts",
        "store_test_results",
        "persist_to_workspace",
        "attach_workspace",
        "add_ssh_keys",
    }
)


class _Config:
    """The parts of a config that steps and jobs refer to by name."""

    def __init__(self, doc: YMap) -> None:
        self.path = doc.path
        self.orbs: dict[str, str] = {
            str(k): str(scalar(v)) for k, v in items(doc.get("orbs")) if scalar(v)
        }
        self.commands: YMap = as_map(doc.get("commands")) or YMap(doc.path, 1)
        self.executors: YMap = as_map(doc.get("executors")) or YMap(doc.path, 1)
        self.jobs: YMap = as_map(doc.get("jobs")) or YMap(doc.path, 1)
        self.notes: list[str] = []
        # Parameters of type `steps` in force (a job's or a command's): name -> steps.
        self.step_lists: dict[str, YList] = {}

    def note_orb(self, uses: str) -> None:
        text = f"orb command {uses} not inspected (what it does is unknown to golive)"
        if not orb_command_is_known(uses) and text not in self.notes:
            self.notes.append(text)

    def orb_uses(self, name: str) -> str | None:
        """``docker/build`` -> ``circleci/docker/build`` when ``docker`` is an orb alias."""
        alias, _, command = name.partition("/")
        if not command or alias not in self.orbs:
            return None
        orb = self.orbs[alias].split("@", 1)[0]
        return f"{orb}/{command}"


def _substitute(text: str, params: dict[str, str]) -> str:
    return _PARAM_RE.sub(lambda m: params.get(m.group(1), m.group(0)), text)


def _param_defaults(spec: YMap | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, decl in items(get(spec, "parameters")):
        default = scalar(get(decl, "default"))
        if default is not None:
            out[str(name)] = default
    return out


def _step_lists(spec: YMap | None, given: YMap | None) -> dict[str, YList]:
    """Parameters whose value is a list of steps (``type: steps``): defaults, then given."""
    out: dict[str, YList] = {}
    for name, decl in items(get(spec, "parameters")):
        default = as_list(get(decl, "default"))
        if default is not None:
            out[str(name)] = default
    for name, value in items(given):
        if as_list(value) is not None:
            out[str(name)] = value
    return out


def _merged_params(defaults: dict[str, str], given: YMap | None) -> dict[str, str]:
    out = dict(defaults)
    for k, v in items(given):
        text = scalar(v)
        if text is not None:
            out[str(k)] = text
    return out


def _steps(items: YList | None, cfg: _Config, params: dict[str, str], depth: int) -> list[Step]:
    steps: list[Step] = []
    for i, item in enumerate(items or ()):
        assert items is not None
        line = items.line_of(i)
        name = scalar(item)
        body: Any = None
        if name is None:
            m = as_map(item)
            if m is None or not m:
                continue
            name = str(next(iter(m)))
            body = m[name]
            line = m.line_of(name)
            if name == "run":
                steps.append(_run_step(m, params))
                continue
        steps.extend(_named_step(name, body, line, items.path, cfg, params, depth))
    return steps


def _run_step(m: YMap, params: dict[str, str]) -> Step:
    body = m["run"]
    spec = as_map(body)
    if spec is None:
        command = _substitute(scalar(body) or "", params)
        return Step(first_line(command), m.path, m.line_of("run"), command, m.value_line("run"))
    command = _substitute(scalar(spec.get("command")) or "", params)
    name = _substitute(scalar(spec.get("name")) or "", params) or first_line(command)
    return Step(name, m.path, m.line_of("run"), command, spec.value_line("command"))


def _named_step(
    name: str, body: Any, line: int, path: Path, cfg: _Config, params: dict[str, str], depth: int
) -> list[Step]:
    args = as_map(body)
    if name in ("when", "unless") and args is not None:
        condition = args.get("condition")
        text = _substitute(scalar(condition) or "", params).strip().lower()
        if (name == "when" and (condition is False or text == "false")) or (
            name == "unless" and (condition is True or text == "true")
        ):
            return []  # never runs
        return _steps(as_list(args.get("steps")), cfg, params, depth)
    if name == "steps":  # a `steps` parameter spliced in: `- steps: << parameters.x >>`
        listed = as_list(body)
        ref = _PARAM_RE.fullmatch((scalar(body) or "").strip())
        if listed is None and ref is not None:
            listed = cfg.step_lists.get(ref.group(1))
        return _steps(listed, cfg, params, depth + 1) if depth < MAX_COMMAND_DEPTH else []
    command = as_map(cfg.commands.get(name))
    if command is not None and depth < MAX_COMMAND_DEPTH:
        inner = _merged_params(_param_defaults(command), args)
        inner = {k: _substitute(v, params) for k, v in inner.items()}
        outer = cfg.step_lists
        cfg.step_lists = {**outer, **_step_lists(command, args)}
        try:
            return _steps(as_list(command.get("steps")), cfg, inner, depth + 1)
        finally:
            cfg.step_lists = outer
    orb = cfg.orb_uses(name)
    if orb is not None:
        cfg.note_orb(orb)
    uses = orb or name
    inputs = tuple((k, _substitute(v, params)) for k, v in inputs_of(args))
    return [Step(name, path, line, uses=uses, inputs=inputs)]


def _images(spec: YMap, cfg: _Config) -> tuple[list[str], list[Ref]]:
    """The job's docker images (first = primary), directly or through its executor."""
    source: YMap | None = spec
    executor = spec.get("executor")
    exec_name = scalar(executor) or scalar(get(executor, "name"))
    if "docker" not in spec and exec_name:
        source = as_map(cfg.executors.get(exec_name))
    docker = as_list(source.get("docker")) if source is not None else None
    images: list[str] = []
    refs: list[Ref] = []
    for i, entry in enumerate(docker or ()):
        image = scalar(get(entry, "image"))
        if image and docker is not None:
            images.append(image)
            refs.append(Ref("image", image, docker.path, docker.line_of(i)))
    return images, refs


def _entry_contexts(args: YMap | None, params: dict[str, str]) -> tuple[str, ...]:
    if args is None:
        return ()
    context = args.get("context")
    contexts = [scalar(context)] if scalar(context) else [scalar(c) for c in as_list(context) or ()]
    only = get(get(args.get("filters"), "branches"), "only")
    filters = [scalar(only)] if scalar(only) else [scalar(b) for b in as_list(only) or ()]
    return tuple(c for c in (*contexts, *filters, *params.values()) if c)


def _job(key: str, line: int, args: YMap | None, cfg: _Config) -> Job | None:
    name = scalar(get(args, "name")) or key
    spec = as_map(cfg.jobs.get(key))
    if spec is None:
        uses = cfg.orb_uses(key)
        if uses is None:
            return None  # an approval hold or an unknown job
        cfg.note_orb(uses)
        step_inputs = tuple((k, v) for k, v in inputs_of(args) if k not in WORKFLOW_KEYS)
        step = Step(key, cfg.path, line, uses=uses, inputs=step_inputs)
        return Job(name, cfg.path, line, (step,), contexts=_entry_contexts(args, {}))
    given = _merged_params(_param_defaults(spec), args)
    cfg.step_lists = _step_lists(spec, args)
    params = {k: v for k, v in given.items() if k not in WORKFLOW_KEYS}
    images, _ = _images(spec, cfg)
    return Job(
        name=name,
        path=cfg.path,
        line=line,
        steps=tuple(_steps(as_list(spec.get("steps")), cfg, params, 0)),
        image=images[0] if images else None,
        services=tuple(images[1:]),
        contexts=_entry_contexts(args, params) if args is not None else tuple(params.values()),
    )


def _gated(entries: YList | None) -> set[str]:
    """Names of workflow entries that wait, directly or not, for an approval job."""
    requires: dict[str, list[str]] = {}
    approvals: set[str] = set()
    for entry in entries or ():
        m = as_map(entry)
        if not m:
            continue
        key = str(next(iter(m)))
        args = as_map(m[key])
        name = scalar(get(args, "name")) or key
        if scalar(get(args, "type")) == "approval":
            approvals.add(name)
        req = get(args, "requires")
        one = scalar(req)
        requires[name] = [one] if one else [str(r) for r in as_list(req) or ()]
    gated = set(approvals)
    changed = True
    while changed:
        changed = False
        for name, needs in requires.items():
            if name not in gated and any(n in gated for n in needs):
                gated.add(name)
                changed = True
    return gated - approvals


def _workflow_jobs(doc: YMap, cfg: _Config) -> tuple[list[Job], set[str]]:
    jobs: list[Job] = []
    used: set[str] = set()
    for wf_name, workflow in items(doc.get("workflows")):
        when, unless = get(workflow, "when"), get(workflow, "unless")
        if when is False or unless is True:
            why = "when: false" if when is False else "unless: true"
            cfg.notes.append(f"workflow {wf_name} never runs ({why})")
            for entry in as_list(get(workflow, "jobs")) or ():
                key = scalar(entry) or (str(next(iter(entry))) if as_map(entry) else None)
                if key:
                    used.add(key)
            continue
        entries = as_list(get(workflow, "jobs"))
        gated = _gated(entries)
        for i, entry in enumerate(entries or ()):
            assert entries is not None
            key = scalar(entry)
            args: YMap | None = None
            if key is None:
                m = as_map(entry)
                if not m:
                    continue
                key = str(next(iter(m)))
                args = as_map(m[key])
            used.add(key)
            job = _job(key, entries.line_of(i), args, cfg)
            if job is not None:
                jobs.append(replace(job, manual=job.name in gated))
    return jobs, used


def parse(path: Path, text: str, repo: Path) -> Pipeline:
    doc = load_mapping(text, path)
    cfg = _Config(doc)
    jobs, used = _workflow_jobs(doc, cfg)
    for key in cfg.jobs:
        if str(key) not in used:  # a job no workflow runs (2.0 configs run "build")
            job = _job(str(key), cfg.jobs.line_of(key), None, cfg)
            if job is not None:
                jobs.append(job)
    orbs = as_map(doc.get("orbs"))
    refs = [
        Ref("orb", str(scalar(v)), path, orbs.value_line(k))
        for k, v in items(orbs)
        if orbs is not None and scalar(v)
    ]
    for holder in (cfg.jobs, cfg.executors):
        for spec in holder.values():
            if as_map(spec) is not None:
                refs.extend(_images(spec, cfg)[1])
    return Pipeline("circleci", path, tuple(jobs), tuple(dict.fromkeys(refs)), tuple(cfg.notes))
