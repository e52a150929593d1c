"""GitLab CI (.gitlab-ci.yml): jobs, ``extends``, hidden templates, local includes, anchors.

Every line of ``before_script``/``script``/``after_script`` is one Step with its own line;
``!reference [.job, script]`` and list anchors are expanded in place. Local includes are
read (their jobs keep their own file and lines); remote/project/template includes are
noted, not fetched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Job, Pipeline, Ref, Step
from ._yaml import (
    PipelineError,
    YMap,
    YTag,
    as_list,
    as_map,
    first_line,
    load_mapping,
    scalar,
)

# Top-level keys that are configuration, not jobs.
RESERVED = frozenset(
    {
        "image",
        "services",
        "stages",
        "types",
        "before_script",
        "after_script",
        "variables",
        "cache",
        "include",
        "default",
        "workflow",
        "spec",
    }
)
SCRIPT_KEYS = ("before_script", "script", "after_script")
INHERITED = ("image", "services", "before_script", "after_script")
MAX_EXTENDS_DEPTH = 11  # GitLab's own limit


def _read_include(path: Path) -> YMap:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PipelineError(path, f"included file cannot be read: {e.strerror or e}") from e
    return load_mapping(text, path)


def _include_entries(value: Any) -> list[tuple[str, str]]:
    """``include:`` as (kind, target) pairs: local, remote, template, project, component."""
    items = as_list(value)
    entries: list[tuple[str, str]] = []
    for item in items if items is not None else [value]:
        text = scalar(item)
        m = as_map(item)
        if text:
            entries.append(("remote" if "://" in text else "local", text))
        elif m is not None:
            for kind in ("local", "remote", "template", "component"):
                if scalar(m.get(kind)):
                    entries.append((kind, str(scalar(m.get(kind)))))
            if scalar(m.get("project")):
                ref = scalar(m.get("ref"))
                entries.append(("project", f"{m['project']}" + (f"@{ref}" if ref else "")))
    return entries


def _load_with_includes(doc: YMap, repo: Path, notes: list[str], seen: set[Path]) -> YMap:
    """Merge local includes under the document: the including file's keys win."""
    merged = YMap(doc.path, doc.line)
    for kind, target in _include_entries(doc.get("include")):
        if kind != "local":
            notes.append(f"{kind} include {target!r} not followed")
            continue
        for path in sorted(repo.glob(target.lstrip("/"))) or [repo / target.lstrip("/")]:
            if path in seen:
                continue
            seen.add(path)
            _merge_into(merged, _load_with_includes(_read_include(path), repo, notes, seen))
    _merge_into(merged, doc)
    return merged


def _merge_into(target: YMap, source: YMap) -> None:
    for key, value in source.items():
        target[key] = value
        target.key_lines[key] = source.line_of(key)
        target.value_lines[key] = source.value_line(key)


def _deep_merge(base: YMap, over: YMap) -> YMap:
    """GitLab's ``extends`` merge: mappings merge key by key, everything else is replaced."""
    out = YMap(over.path, over.line)
    for src in (base, over):
        for key, value in src.items():
            old = out.get(key)
            if isinstance(old, YMap) and isinstance(value, YMap):
                value = _deep_merge(old, value)
            out[key] = value
            out.key_lines[key] = src.line_of(key)
            out.value_lines[key] = src.value_line(key)
    return out


def _resolve(name: str, doc: YMap, depth: int = 0) -> YMap:
    spec = as_map(doc.get(name))
    if spec is None:
        raise PipelineError(doc.path, f"extends: no job or template named {name!r}")
    if depth > MAX_EXTENDS_DEPTH:
        raise PipelineError(spec.path, f"extends: nesting too deep (cycle?) at {name!r}")
    parents = spec.get("extends")
    names = [scalar(parents)] if scalar(parents) else [scalar(p) for p in as_list(parents) or ()]
    merged = YMap(spec.path, spec.line)
    for parent in names:
        if parent:
            merged = _deep_merge(merged, _resolve(parent, doc, depth + 1))
    return _deep_merge(merged, spec)


def _reference(tag: YTag, doc: YMap) -> Any:
    """Follow ``!reference [job, key, ...]`` to the value it names."""
    node: Any = doc
    for part in as_list(tag.value) or ():
        m = as_map(node)
        if m is None:
            return None
        node = m.get(part)
    return node


def _script_items(value: Any, line: int, doc: YMap) -> list[tuple[str, int]]:
    """Flatten a script value (string, list, nested lists, !reference) to (command, line)."""
    if isinstance(value, YTag) and value.tag == "!reference":
        return _script_items(_reference(value, doc), value.line, doc)
    text = scalar(value)
    if text is not None:
        return [(text, line)]
    items = as_list(value)
    out: list[tuple[str, int]] = []
    for i, item in enumerate(items or ()):
        assert items is not None
        out.extend(_script_items(item, items.line_of(i), doc))
    return out


def _name_of(value: Any, key: str = "name") -> str | None:
    m = as_map(value)
    return scalar(m.get(key)) if m is not None else scalar(value)


def _steps(spec: YMap, defaults: YMap, doc: YMap) -> list[Step]:
    steps: list[Step] = []
    for key in SCRIPT_KEYS:
        source = spec if key in spec else defaults
        if key not in source:
            continue
        for command, line in _script_items(source[key], source.value_line(key), doc):
            if command.strip():
                steps.append(
                    Step(first_line(command), source.path, line, run=command, run_line=line)
                )
    trigger = spec.get("trigger")
    if trigger is not None:
        target = _name_of(trigger, "project") or "child pipeline"
        line = spec.line_of("trigger")
        steps.append(Step(f"trigger {target}", spec.path, line, uses=f"trigger:{target}"))
    return steps


def _defaults(doc: YMap) -> YMap:
    """``default:`` keys, falling back to the deprecated global keywords."""
    out = YMap(doc.path, doc.line)
    default = as_map(doc.get("default")) or YMap(doc.path, doc.line)
    for key in INHERITED:
        src = default if key in default else doc
        if key in src:
            out[key] = src[key]
            out.key_lines[key] = src.line_of(key)
            out.value_lines[key] = src.value_line(key)
    return out


def _image_refs(spec: YMap) -> list[Ref]:
    refs: list[Ref] = []
    image = _name_of(spec.get("image"))
    if image:
        refs.append(Ref("image", image, spec.path, spec.value_line("image")))
    services = as_list(spec.get("services"))
    for i, service in enumerate(services or ()):
        name = _name_of(service)
        if name and services is not None:
            refs.append(Ref("image", name, services.path, services.line_of(i)))
    return refs


def _variable_values(spec: YMap) -> tuple[str, ...]:
    variables: dict[Any, Any] = as_map(spec.get("variables")) or {}
    values = (scalar(v) or _name_of(v, "value") for v in variables.values())
    return tuple(v for v in values if v)


def parse(path: Path, text: str, repo: Path) -> Pipeline:
    notes: list[str] = []
    doc = _load_with_includes(load_mapping(text, path), repo, notes, {path})
    defaults = _defaults(doc)
    jobs: list[Job] = []
    refs: list[Ref] = _image_refs(defaults)
    for name in doc:
        key = str(name)
        if key in RESERVED or key.startswith(".") or as_map(doc[name]) is None:
            continue
        spec = _resolve(key, doc)
        if not any(k in spec for k in ("script", "trigger", "run")):
            continue  # not a job (GitLab would reject it)
        image = _name_of(spec.get("image")) or _name_of(defaults.get("image"))
        services = spec.get("services", defaults.get("services"))
        refs.extend(_image_refs(spec))
        jobs.append(
            Job(
                name=key,
                path=doc[name].path,
                line=doc.line_of(name),
                steps=tuple(_steps(spec, defaults, doc)),
                image=image,
                environment=_name_of(spec.get("environment")),
                stage=scalar(spec.get("stage")) or "test",
                services=tuple(s for s in (_name_of(x) for x in as_list(services) or ()) if s),
                contexts=_variable_values(spec),
            )
        )
    unique = tuple(dict.fromkeys(refs))
    return Pipeline("gitlab", path, tuple(jobs), unique, tuple(notes))
