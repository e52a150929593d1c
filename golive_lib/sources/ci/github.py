"""GitHub Actions workflows (.github/workflows/*.yml): jobs, steps, containers, environments.

Followed: local composite actions (``uses: ./path`` with an ``action.yml`` whose
``runs.using`` is ``composite``: their steps join the job, ``${{ inputs.x }}``
substituted) and local reusable workflows (a job ``uses: ./.github/workflows/x.yml``:
its jobs join the pipeline as ``caller / job``). Remote actions golive knows the effect
of (`known`) are steps matched by the checks; others are named in the notes as not
inspected. A job or step whose ``if:`` is literally false never runs and is left out.
A workflow started only by ``workflow_dispatch`` has manual jobs.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import Job, Pipeline, Ref, Step
from ._yaml import (
    PipelineError,
    YMap,
    as_list,
    as_map,
    first_line,
    get,
    inputs_of,
    load_mapping,
    scalar,
)
from .files import FollowsRepository, read_text
from .known import action_is_known

MAX_DEPTH = 4
_INPUT_RE = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")
_FALSE_RE = re.compile(r"^\s*(?:false|\$\{\{\s*false\s*\}\}|0)\s*$", re.I)


def _image(value: Any) -> str | None:
    """``container:``/service value: an image string or a mapping with ``image:``."""
    m = as_map(value)
    return scalar(m.get("image")) if m is not None else scalar(value)


def _environment(value: Any) -> str | None:
    m = as_map(value)
    return scalar(m.get("name")) if m is not None else scalar(value)


def _env_values(*maps: Any) -> tuple[str, ...]:
    values: list[str] = []
    for m in maps:
        env = as_map(m)
        if env is not None:
            values.extend(v for v in (scalar(x) for x in env.values()) if v)
    return tuple(values)


def never_runs(spec: YMap) -> bool:
    """``if: false`` (or ``${{ false }}``): the job or step is never run."""
    value = spec.get("if")
    return value is False or (isinstance(value, str) and bool(_FALSE_RE.match(value)))


def _uses_ref(uses: str, path: Path, line: int) -> Ref | None:
    if uses.startswith("./"):
        return None  # an action of this repository
    if uses.startswith("docker://"):
        return Ref("image", uses.removeprefix("docker://"), path, line)
    return Ref("action", uses, path, line)


def _substitute(text: str | None, inputs: dict[str, str]) -> str | None:
    if text is None or not inputs:
        return text
    return _INPUT_RE.sub(lambda m: inputs.get(m.group(1), m.group(0)), text)


class _Reader(FollowsRepository):
    """Reads one workflow and the local actions and workflows it uses."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.notes: list[str] = []
        self.refs: list[Ref] = []

    def step(
        self, spec: YMap, inputs: dict[str, str], depth: int, cwd: str | None = None
    ) -> list[Step]:
        if never_runs(spec):
            where = f"{self.rel(spec.path)}:{spec.line}"
            self.note(f"step at {where} never runs (if: false): not counted")
            return []
        run = _substitute(scalar(spec.get("run")), inputs)
        uses = scalar(spec.get("uses"))
        name = scalar(spec.get("name")) or uses or first_line(run) or "step"
        image = uses.removeprefix("docker://") if uses and uses.startswith("docker://") else None
        given = tuple((k, _substitute(v, inputs) or "") for k, v in inputs_of(spec.get("with")))
        step = Step(
            name=name,
            path=spec.path,
            line=spec.line,
            run=run,
            run_line=spec.value_line("run") if run is not None else 0,
            uses=uses,
            inputs=given,
            image=image,
            cwd=scalar(spec.get("working-directory")) or cwd,
            shell=(scalar(spec.get("shell")) or "").split(" ", 1)[0] or None,
        )
        if uses:
            ref = _uses_ref(uses, spec.path, spec.line_of("uses"))
            if ref is not None:
                self.refs.append(ref)
                if ref.kind == "action" and not action_is_known(uses):
                    self.note(f"action {uses} not inspected (what it does is unknown to golive)")
            elif uses.startswith("./"):
                return [step, *self.composite(uses, dict(given), spec, depth)]
        return [step]

    def composite(self, uses: str, given: dict[str, str], at: YMap, depth: int) -> list[Step]:
        """The steps of a local composite action, with its inputs' defaults and values."""
        folder = self.repo / uses.removeprefix("./")
        path = next(
            (folder / n for n in ("action.yml", "action.yaml") if (folder / n).is_file()), None
        )
        where = f"{self.rel(at.path)}:{at.line}"
        if path is None or depth >= MAX_DEPTH:
            self.note(f"local action {uses} ({where}): no action.yml found, not followed")
            return []
        try:
            action = load_mapping(read_text(path), path)
        except (OSError, UnicodeDecodeError, PipelineError) as e:
            self.note(f"local action {uses}: cannot be read ({e}), not followed")
            return []
        runs = as_map(action.get("runs"))
        using = scalar(runs.get("using")) if runs is not None else None
        if runs is None or using != "composite":
            self.note(f"local action {uses} runs {using or 'nothing'}: its code is not inspected")
            return []
        values: dict[str, str] = {}
        for key, decl in (as_map(action.get("inputs")) or {}).items():
            default = scalar(decl.get("default")) if isinstance(decl, YMap) else None
            if default is not None:
                values[str(key)] = default
        values.update(given)
        steps: list[Step] = []
        for item in as_list(runs.get("steps")) or ():
            m = as_map(item)
            if m is not None:
                steps.extend(self.step(m, values, depth + 1))
        return steps

    def job(self, job_id: str, spec: YMap, line: int, doc: YMap, manual: bool) -> list[Job]:
        path = spec.path
        if never_runs(spec):
            self.note(f"job {job_id} ({self.rel(path)}:{line}) never runs (if: false): not counted")
            return []
        steps: list[Step] = []
        uses = scalar(spec.get("uses"))  # a reusable workflow called as a job
        called: list[Job] = []
        if uses:
            with_ = inputs_of(spec.get("with"))
            steps.append(Step(uses, path, spec.line_of("uses"), uses=uses, inputs=with_))
            if uses.startswith("./"):
                called = self.reusable(job_id, uses, dict(with_), spec, manual)
            else:
                ref = _uses_ref(uses, path, spec.line_of("uses"))
                self.refs.extend([ref] if ref else [])
                if not action_is_known(uses):
                    self.note(f"reusable workflow {uses} not inspected (in another repository)")
        workdir = scalar(get(get(get(spec, "defaults"), "run"), "working-directory")) or scalar(
            get(get(doc.get("defaults"), "run"), "working-directory")
        )
        for item in as_list(spec.get("steps")) or ():
            m = as_map(item)
            if m is not None:
                steps.extend(self.step(m, {}, 0, workdir))
        services: dict[Any, Any] = as_map(spec.get("services")) or {}
        self._container_refs(spec)
        job = Job(
            name=scalar(spec.get("name")) or job_id,
            path=path,
            line=line,
            steps=tuple(steps),
            image=_image(spec.get("container")),
            environment=_environment(spec.get("environment")),
            stage=None,
            services=tuple(i for i in (_image(s) for s in services.values()) if i),
            contexts=(job_id, *_env_values(doc.get("env"), spec.get("env"))),
            manual=manual,
        )
        return [job, *called]

    def _container_refs(self, spec: YMap) -> None:
        container = _image(spec.get("container"))
        if container:
            self.refs.append(Ref("image", container, spec.path, spec.value_line("container")))
        services = as_map(spec.get("services"))
        for key, service in (services or {}).items():
            image = _image(service)
            if image and services is not None:
                self.refs.append(Ref("image", image, spec.path, services.line_of(key)))

    def reusable(
        self, caller: str, uses: str, given: dict[str, str], at: YMap, manual: bool
    ) -> list[Job]:
        path = self.repo / uses.removeprefix("./").split("@", 1)[0]
        if not path.is_file():
            self.note(f"reusable workflow {uses} ({self.rel(at.path)}:{at.line}): not found")
            return []
        try:
            doc = load_mapping(read_text(path), path)
        except (OSError, UnicodeDecodeError, PipelineError) as e:
            self.note(f"reusable workflow {uses}: cannot be read ({e}), not followed")
            return []
        jobs: list[Job] = []
        jobs_map = as_map(doc.get("jobs"))
        for job_id, spec in (jobs_map or {}).items():
            m = as_map(spec)
            if m is None or jobs_map is None or scalar(m.get("uses")):
                continue  # nested reusable workflows: not followed further
            for job in self.job(str(job_id), m, jobs_map.line_of(job_id), doc, manual):
                steps = tuple(
                    s if s.run is None else replace(s, run=_substitute(s.run, given))
                    for s in job.steps
                )
                environment = _substitute(job.environment, given)
                jobs.append(
                    replace(
                        job,
                        name=f"{caller} / {job.name}",
                        steps=steps,
                        environment=environment,
                        stage=caller,
                    )
                )
        return jobs


def _manual_only(doc: YMap) -> bool:
    """Started only by hand: ``on: workflow_dispatch`` and nothing else."""
    on = doc.get("on", doc.get(True))
    names = [scalar(on)] if scalar(on) else [scalar(x) for x in as_list(on) or ()]
    if isinstance(on, YMap):
        names = [str(k) for k in on]
    return names == ["workflow_dispatch"]


def parse(path: Path, text: str, repo: Path) -> Pipeline:
    doc = load_mapping(text, path)
    reader = _Reader(repo)
    jobs_map = as_map(doc.get("jobs"))
    jobs: list[Job] = []
    manual = _manual_only(doc)
    for job_id, spec in (jobs_map or {}).items():
        m = as_map(spec)
        if m is None or jobs_map is None:
            continue
        jobs.extend(reader.job(str(job_id), m, jobs_map.line_of(job_id), doc, manual))
    return Pipeline("github", path, tuple(jobs), tuple(reader.refs), tuple(reader.notes))
