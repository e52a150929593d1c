"""GitHub Actions workflows (.github/workflows/*.yml): jobs, steps, containers, environments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Job, Pipeline, Ref, Step
from ._yaml import YMap, as_list, as_map, first_line, inputs_of, load_mapping, scalar


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


def _uses_ref(uses: str, path: Path, line: int) -> Ref | None:
    if uses.startswith("./"):
        return None  # an action of this repository
    if uses.startswith("docker://"):
        return Ref("image", uses.removeprefix("docker://"), path, line)
    return Ref("action", uses, path, line)


def _step(spec: YMap, path: Path) -> Step:
    run = scalar(spec.get("run"))
    uses = scalar(spec.get("uses"))
    name = scalar(spec.get("name")) or uses or first_line(run) or "step"
    image = uses.removeprefix("docker://") if uses and uses.startswith("docker://") else None
    return Step(
        name=name,
        path=path,
        line=spec.line,
        run=run,
        run_line=spec.value_line("run") if run is not None else 0,
        uses=uses,
        inputs=inputs_of(spec.get("with")),
        image=image,
    )


def _job(job_id: str, spec: YMap, line: int, workflow_env: Any, path: Path) -> Job:
    steps: list[Step] = []
    uses = scalar(spec.get("uses"))  # a reusable workflow called as a job
    if uses:
        steps.append(
            Step(uses, path, spec.line_of("uses"), uses=uses, inputs=inputs_of(spec.get("with")))
        )
    for item in as_list(spec.get("steps")) or ():
        m = as_map(item)
        if m is not None:
            steps.append(_step(m, path))
    services: dict[Any, Any] = as_map(spec.get("services")) or {}
    return Job(
        name=scalar(spec.get("name")) or job_id,
        path=path,
        line=line,
        steps=tuple(steps),
        image=_image(spec.get("container")),
        environment=_environment(spec.get("environment")),
        stage=None,
        services=tuple(i for i in (_image(s) for s in services.values()) if i),
        contexts=(job_id, *_env_values(workflow_env, spec.get("env"))),
    )


def _refs(spec: YMap, path: Path) -> list[Ref]:
    refs: list[Ref] = []
    uses = scalar(spec.get("uses"))
    if uses:
        ref = _uses_ref(uses, path, spec.line_of("uses"))
        refs.extend([ref] if ref else [])
    container = _image(spec.get("container"))
    if container:
        refs.append(Ref("image", container, path, spec.value_line("container")))
    services = as_map(spec.get("services"))
    for key, service in (services or {}).items():
        image = _image(service)
        if image and services is not None:
            refs.append(Ref("image", image, path, services.line_of(key)))
    for item in as_list(spec.get("steps")) or ():
        m = as_map(item)
        step_uses = scalar(m.get("uses")) if m is not None else None
        if m is not None and step_uses:
            ref = _uses_ref(step_uses, path, m.line_of("uses"))
            refs.extend([ref] if ref else [])
    return refs


def parse(path: Path, text: str, repo: Path) -> Pipeline:
    doc = load_mapping(text, path)
    jobs_map = as_map(doc.get("jobs"))
    jobs: list[Job] = []
    refs: list[Ref] = []
    for job_id, spec in (jobs_map or {}).items():
        m = as_map(spec)
        if m is None or jobs_map is None:
            continue
        jobs.append(_job(str(job_id), m, jobs_map.line_of(job_id), doc.get("env"), path))
        refs.extend(_refs(m, path))
    return Pipeline("github", path, tuple(jobs), tuple(refs))
