"""Azure Pipelines templates and template expressions, expanded before the jobs are read.

``Expander.load(path, parameters)`` reads a pipeline or template file and returns its
YAML with ``${{ parameters.x }}`` substituted (a whole-value parameter keeps its type:
a ``stepList`` parameter placed as a list item is spliced in), ``${{ if ... }}`` /
``${{ else }}`` / ``${{ each ... }}`` blocks spliced in (every branch: golive does not
evaluate the expressions; a branch whose condition is literally false is dropped), and
every ``- template: file`` item of a stages/jobs/steps list replaced by that template's
items, read relative to the file that names it (``/x`` from the repository root).
A template in another repository (``file@repo``) is named in ``notes``, not fetched.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ._yaml import PipelineError, YList, YMap, as_list, as_map, get, load_mapping, scalar
from .files import FollowsRepository, read_text

MAX_DEPTH = 10
LIST_KEYS = ("stages", "jobs", "steps")
_WHOLE_RE = re.compile(r"^\s*\$\{\{\s*parameters\.([\w.-]+)\s*\}\}\s*$")
_PARAM_RE = re.compile(r"\$\{\{\s*parameters\.([\w-]+)\s*\}\}")
_DIRECTIVE_RE = re.compile(r"^\s*\$\{\{\s*(if|elseif|else|each)\b(.*?)\}\}\s*$")
_FALSE_RE = re.compile(
    r"^\s*(?:false|eq\(\s*(true|false)\s*,\s*(?!\1)(?:true|false)\s*\))\s*$", re.I
)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value) if scalar(value) is not None else ""


class Expander(FollowsRepository):
    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.notes: list[str] = []

    # ------------------------------------------------------------ parameters

    @staticmethod
    def declared(doc: YMap) -> dict[str, Any]:
        """A template's parameter defaults: list form (name/default) or the old map form."""
        out: dict[str, Any] = {}
        params = doc.get("parameters")
        for item in as_list(params) or ():
            name = scalar(get(item, "name"))
            if name is not None:
                out[name] = get(item, "default")
        for key, value in (as_map(params) or {}).items():
            out[str(key)] = value
        return out

    def substitute(self, value: Any, params: dict[str, Any]) -> Any:
        if isinstance(value, str):
            whole = _WHOLE_RE.match(value)
            if whole:
                return self._lookup(whole.group(1), params, value)
            return _PARAM_RE.sub(lambda m: _text(params.get(m.group(1), m.group(0))), value)
        if isinstance(value, YMap):
            out = YMap(value.path, value.line)
            for key, item in value.items():
                directive = _DIRECTIVE_RE.match(str(key))
                if directive:
                    merged = self.substitute(item, params)
                    if isinstance(merged, YMap) and not self._false(directive, params):
                        for k, v in merged.items():
                            out[k] = v
                            out.key_lines[k] = merged.line_of(k)
                            out.value_lines[k] = merged.value_line(k)
                    continue
                out[key] = self.substitute(item, params)
                out.key_lines[key] = value.line_of(key)
                out.value_lines[key] = value.value_line(key)
            return out
        if isinstance(value, YList):
            lst = YList(value.path, value.line)
            for i, item in enumerate(value):
                line = value.line_of(i)
                m = as_map(item)
                if m is not None and len(m) == 1 and _DIRECTIVE_RE.match(str(next(iter(m)))):
                    directive = _DIRECTIVE_RE.match(str(next(iter(m))))
                    assert directive is not None
                    inner = self.substitute(next(iter(m.values())), params)
                    if not self._false(directive, params):
                        self._extend(lst, inner, line)
                    continue
                new = self.substitute(item, params)
                if isinstance(item, str) and _WHOLE_RE.match(item) and isinstance(new, YList):
                    self._extend(lst, new, line)
                else:
                    lst.append(new)
                    lst.item_lines.append(line)
            return lst
        return value

    def _false(self, directive: re.Match[str], params: dict[str, Any]) -> bool:
        condition = _PARAM_RE.sub(
            lambda m: _text(params.get(m.group(1), m.group(0))), directive.group(2)
        )
        return directive.group(1) in ("if", "elseif") and bool(_FALSE_RE.match(condition))

    @staticmethod
    def _extend(lst: YList, inner: Any, line: int) -> None:
        items = as_list(inner)
        if items is None:
            if inner is not None:
                lst.append(inner)
                lst.item_lines.append(line)
            return
        for j, x in enumerate(items):
            lst.append(x)
            lst.item_lines.append(items.line_of(j))

    @staticmethod
    def _lookup(name: str, params: dict[str, Any], raw: str) -> Any:
        node: Any = params
        for part in name.split("."):
            if not isinstance(node, dict) or part not in node:
                return raw
            node = node[part]
        return node

    # ------------------------------------------------------------ templates

    def load(self, path: Path, given: dict[str, Any] | None = None, depth: int = 0) -> YMap:
        """A pipeline or template with its templates expanded; PipelineError for the root."""
        doc = load_mapping(read_text(path), path)
        params = self.declared(doc)
        params.update(given or {})
        expanded = self.substitute(doc, params)
        assert isinstance(expanded, YMap)
        result = self.expand_lists(expanded, path, depth)
        assert isinstance(result, YMap)
        return result

    def expand_lists(self, node: Any, path: Path, depth: int) -> Any:
        """Replace ``- template:`` items of stages/jobs/steps lists, in every nested list."""
        if isinstance(node, YMap):
            for key in list(node):
                value = node[key]
                if str(key) in LIST_KEYS and isinstance(value, YList):
                    node[key] = self._splice(value, str(key), path, depth)
                else:
                    node[key] = self.expand_lists(value, path, depth)
            return node
        if isinstance(node, YList):
            for i, item in enumerate(node):
                node[i] = self.expand_lists(item, path, depth)
        return node

    def _splice(self, items: YList, kind: str, path: Path, depth: int) -> YList:
        out = YList(items.path, items.line)
        for i, item in enumerate(items):
            m = as_map(item)
            target = scalar(m.get("template")) if m is not None else None
            if m is None or target is None or any(k in m for k in ("stage", "job", "deployment")):
                out.append(self.expand_lists(item, path, depth))
                out.item_lines.append(items.line_of(i))
                continue
            loaded = self.template(target, as_map(m.get("parameters")), m, depth)
            inner = as_list(get(loaded, kind)) if loaded is not None else None
            if inner is None:
                if loaded is not None:
                    self.note(f"template {target} ({self.rel(m.path)}:{m.line}) has no {kind}")
                continue
            for j, x in enumerate(inner):
                out.append(x)
                out.item_lines.append(inner.line_of(j))
        return out

    def template(self, target: str, given: YMap | None, at: YMap, depth: int) -> YMap | None:
        where = f"{self.rel(at.path)}:{at.line}"
        if "@" in target and not target.endswith("@self"):
            self.note(f"template {target} ({where}) is in another repository, not followed")
            return None
        name = target.removesuffix("@self")
        if "$" in name:
            self.note(f"template {target} ({where}) names a variable, not followed")
            return None
        path = (self.repo / name.lstrip("/")) if name.startswith("/") else (at.path.parent / name)
        if not path.is_file():
            self.note(f"template {target} ({where}): file not found")
            return None
        if depth >= MAX_DEPTH:
            self.note(f"template {target} ({where}): nested too deep, not followed")
            return None
        try:
            return self.load(path, dict(given or {}), depth + 1)
        except (OSError, UnicodeDecodeError, PipelineError) as e:
            self.note(f"template {target} ({where}) cannot be read: {e}")
            return None
