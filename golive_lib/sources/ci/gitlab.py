"""GitLab CI (.gitlab-ci.yml): jobs, ``extends``, hidden templates, local includes, anchors.

Every line of ``before_script``/``script``/``after_script`` is one Step with its own line;
``!reference [.job, script]`` and list anchors are expanded in place. Local includes are
read (their jobs keep their own file and lines); remote/project/template includes are
noted, not fetched.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from . import Job, ParseFailure, Pipeline, Ref, Step
from ._yaml import (
    PipelineError,
    YMap,
    YTag,
    as_list,
    as_map,
    first_line,
    get,
    load_mapping,
    scalar,
)
from .files import read_text, rel

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


def _read_include(
    path: Path, notes: list[str], repo: Path, errors: list[ParseFailure]
) -> YMap | None:
    """An included file's mapping; None (and a note, or an error when it is not valid
    YAML: GitLab rejects the pipeline then) when it cannot be read."""
    try:
        text = read_text(path)
    except (OSError, UnicodeDecodeError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        notes.append(f"local include {rel(path, repo)} cannot be read ({why}), not followed")
        return None
    try:
        return load_mapping(text, path)
    except PipelineError as e:
        errors.append(ParseFailure.of(e))
        return None


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


def _load_with_includes(
    doc: YMap, repo: Path, notes: list[str], seen: set[Path], errors: list[ParseFailure]
) -> YMap:
    """Merge local includes under the document: the including file's keys win."""
    merged = YMap(doc.path, doc.line)
    for kind, target in _include_entries(doc.get("include")):
        if kind != "local":
            notes.append(f"{kind} include {target} not followed (not in this repository)")
            continue
        if "$" in target:
            notes.append(f"local include {target} names a variable, not followed")
            continue
        pattern = target.lstrip("/")
        paths = sorted(p for p in repo.glob(pattern) if p.is_file()) if pattern else []
        if not paths and not any(c in pattern for c in "*?["):
            paths = [repo / pattern]
        if not paths:
            notes.append(f"local include {target} matches no file")
        for path in paths:
            if path in seen:
                continue
            seen.add(path)
            included = _read_include(path, notes, repo, errors)
            if included is not None:
                _merge_into(merged, _load_with_includes(included, repo, notes, seen, errors))
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


def _resolve(name: str, doc: YMap, unknown: list[str], depth: int = 0) -> YMap:
    """The job ``name`` with what it ``extends`` merged in; parents that are not defined
    in the files read (or nest too deep) are listed in ``unknown`` and skipped."""
    spec = as_map(doc.get(name))
    if spec is None or depth > MAX_EXTENDS_DEPTH:
        unknown.append(name)
        return YMap(doc.path, doc.line)
    parents = spec.get("extends")
    names = [scalar(parents)] if scalar(parents) else [scalar(p) for p in as_list(parents) or ()]
    merged = YMap(spec.path, spec.line)
    for parent in names:
        if parent:
            merged = _deep_merge(merged, _resolve(parent, doc, unknown, depth + 1))
    return _deep_merge(merged, spec)


def _never_or_manual(spec: YMap) -> tuple[bool, bool]:
    """(never runs, manual only) from ``when:`` and ``rules:``."""
    when = scalar(spec.get("when"))
    rules = as_list(spec.get("rules"))
    if rules:
        whens = [scalar(get(r, "when")) or "on_success" for r in rules if as_map(r) is not None]
        if whens and all(w == "never" for w in whens):
            return True, False
        running = [w for w in whens if w != "never"]
        return False, bool(running) and all(w == "manual" for w in running)
    return when == "never", when == "manual"


def _reference(tag: YTag, doc: YMap) -> Any:
    """Follow ``!reference [job, key, ...]`` to the value it names (None when unknown)."""
    node: Any = doc
    for part in as_list(tag.value) or ():
        m = as_map(node)
        if m is None:
            return None
        node = m.get(part)
    return node


def _unknown_references(value: Any, doc: YMap) -> list[str]:
    """The ``!reference`` tags in a script value that name nothing in the files read."""
    if isinstance(value, YTag) and value.tag == "!reference":
        if _reference(value, doc) is None:
            return [str(list(as_list(value.value) or []))]
        return _unknown_references(_reference(value, doc), doc)
    return [r for item in as_list(value) or () for r in _unknown_references(item, doc)]


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


MAX_CHILD_DEPTH = 3


def _child_pipelines(
    key: str, spec: YMap, repo: Path, depth: int, notes: list[str]
) -> list[Pipeline]:
    """``trigger: include:`` local files: the child pipelines, read like this one."""
    include = get(spec.get("trigger"), "include")
    if include is None:
        return []
    children: list[Pipeline] = []
    for kind, target in _include_entries(include):
        if kind != "local" or "$" in target:
            notes.append(f"job {key}: child pipeline {kind} {target} not followed")
            continue
        child = repo / target.lstrip("/")
        if depth >= MAX_CHILD_DEPTH or not child.is_file():
            notes.append(f"job {key}: child pipeline {target} not found, not followed")
            continue
        try:
            children.append(_parse(child, read_text(child), repo, depth + 1))
        except (OSError, UnicodeDecodeError) as e:
            notes.append(f"job {key}: child pipeline {target} cannot be read ({e})")
    for item in as_list(include) or ():
        if get(item, "artifact") is not None:
            notes.append(
                f"job {key}: child pipeline generated at run time (artifact), not followed"
            )
    return children


def parse(path: Path, text: str, repo: Path) -> Pipeline:
    return _parse(path, text, repo, 0)


def _parse(path: Path, text: str, repo: Path, depth: int) -> Pipeline:
    notes: list[str] = []
    errors: list[ParseFailure] = []
    doc = _load_with_includes(load_mapping(text, path), repo, notes, {path}, errors)
    defaults = _defaults(doc)
    jobs: list[Job] = []
    refs: list[Ref] = _image_refs(defaults)
    for name in doc:
        key = str(name)
        if key in RESERVED or key.startswith(".") or as_map(doc[name]) is None:
            continue
        unknown: list[str] = []
        spec = _resolve(key, doc, unknown)
        where = f"{rel(doc[name].path, repo)}:{doc.line_of(name)}"
        if unknown:
            notes.append(
                f"job {key} ({where}) extends {', '.join(unknown)}, not defined in the files "
                "read (an include not followed?): kept with what is known"
            )
        elif not any(k in spec for k in ("script", "trigger", "run")):
            continue  # not a job (GitLab would reject it)
        never, manual = _never_or_manual(spec)
        if never:
            notes.append(f"job {key} ({where}) never runs (when: never): not counted")
            continue
        for key_ in SCRIPT_KEYS:
            for ref in _unknown_references(spec.get(key_), doc):
                notes.append(
                    f"job {key} ({where}): !reference {ref} names nothing in the files read"
                )
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
                manual=manual,
            )
        )
        for child in _child_pipelines(key, spec, repo, depth, notes):
            jobs.extend(
                replace(j, name=f"{key} / {j.name}", manual=j.manual or manual) for j in child.jobs
            )
            refs.extend(child.refs)
            notes.extend(child.notes)
            errors.extend(child.errors)
    unique = tuple(dict.fromkeys(refs))
    return Pipeline("gitlab", path, tuple(jobs), unique, tuple(notes), tuple(errors))
