"""YAML with line numbers: mappings and sequences that remember where each item was written.

A SafeLoader subclass builds ``YMap``/``YList`` (a dict/list that also knows its file and
the 1-based line of every key and item), so parsers can give every job and step its line.
Anchors, aliases and ``<<`` merge keys work as in plain PyYAML; an unknown tag such as
GitLab's ``!reference`` becomes a ``YTag`` instead of an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ... import yamlload
from ...errors import SourceError
from ...yamlload import SafeLoader

#: A pipeline file's values once its aliases are expanded (a large one holds ~10,000).
CI_MAX_NODES = 500_000


class PipelineError(SourceError):
    """A pipeline file could not be read or parsed; ``line``/``column`` are 1-based when known."""

    def __init__(
        self, path: Path, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = ""
        if line is not None:
            where = f"line {line}" + (f", column {column}" if column is not None else "") + ": "
        super().__init__(str(path), where + message)
        self.problem = message


class YMap(dict[Any, Any]):
    """A YAML mapping; ``key_lines``/``value_lines`` give where each key and its value start."""

    def __init__(self, path: Path, line: int) -> None:
        super().__init__()
        self.path = path
        self.line = line
        self.key_lines: dict[Any, int] = {}
        self.value_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def value_line(self, key: Any) -> int:
        return self.value_lines.get(key, self.line_of(key))


class YList(list[Any]):
    """A YAML sequence; ``item_lines[i]`` is where item i's content starts."""

    def __init__(self, path: Path, line: int) -> None:
        super().__init__()
        self.path = path
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


@dataclass(frozen=True)
class YTag:
    """A value under a tag PyYAML does not know (e.g. ``!reference [.setup, script]``)."""

    tag: str
    value: Any
    line: int


def content_line(node: Node) -> int:
    """1-based line where a node's content begins (after a ``|``/``>`` block indicator)."""
    line: int = node.start_mark.line + 1
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        return line + 1
    return line


class _Loader(SafeLoader):
    path: Path = Path()


def _construct_map(loader: _Loader, node: MappingNode) -> YMap:
    loader.flatten_mapping(node)
    data = YMap(loader.path, node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):
            key = str(key)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1
        data.value_lines[key] = content_line(value_node)
    return data


def _construct_seq(loader: _Loader, node: SequenceNode) -> YList:
    data = YList(loader.path, node.start_mark.line + 1)
    for item in node.value:
        data.append(loader.construct_object(item, deep=True))
        data.item_lines.append(content_line(item))
    return data


def _construct_unknown(loader: _Loader, tag_suffix: str, node: Node) -> YTag:
    value: Any
    if isinstance(node, MappingNode):
        value = _construct_map(loader, node)
    elif isinstance(node, SequenceNode):
        value = _construct_seq(loader, node)
    else:
        value = loader.construct_scalar(node)  # type: ignore[arg-type]
    return YTag("!" + tag_suffix, value, node.start_mark.line + 1)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:omap", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_Loader.add_multi_constructor("!", _construct_unknown)


def load_yaml(text: str, path: Path) -> Any:
    """Parse one YAML document with line numbers; raise PipelineError naming line and column."""
    loader = _Loader(text)
    loader.path = path
    try:
        yamlload.check(text, max_nodes=CI_MAX_NODES)  # an alias bomb or deep nesting: refused
        return loader.get_single_data()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = " ".join(p for p in (e.context, e.problem) if p) or str(e)
        if mark is None:
            raise PipelineError(path, f"YAML error: {problem}") from e
        raise PipelineError(path, f"YAML error: {problem}", mark.line + 1, mark.column + 1) from e
    except yaml.YAMLError as e:
        raise PipelineError(path, f"YAML error: {e}") from e
    finally:
        loader.dispose()


def load_mapping(text: str, path: Path) -> YMap:
    """A YAML file whose top level must be a mapping; an empty file is an empty mapping."""
    data = load_yaml(text, path)
    if data is None:
        return YMap(path, 1)
    if not isinstance(data, YMap):
        raise PipelineError(
            path, f"expected a mapping at the top level; got {type(data).__name__}", 1
        )
    return data


# Small typed accessors for the loosely-typed YAML values.


def as_map(value: Any) -> YMap | None:
    return value if isinstance(value, YMap) else None


def as_list(value: Any) -> YList | None:
    return value if isinstance(value, YList) else None


def scalar(value: Any) -> str | None:
    """A scalar as text (booleans as ``true``/``false``); None for mappings, lists, null."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def inputs_of(value: Any) -> tuple[tuple[str, str], ...]:
    """A mapping of inputs (``with:``, ``inputs:``, orb parameters) as sorted text pairs."""
    m = as_map(value)
    if m is None:
        return ()
    pairs = []
    for k, v in m.items():
        text = scalar(v)
        pairs.append((str(k), text if text is not None else str(v)))
    return tuple(pairs)


def first_line(text: str | None) -> str:
    """The first non-blank line of a command, for naming a step that has no name."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def get(value: Any, key: str) -> Any:
    """``value[key]`` when value is a mapping, else None."""
    return value.get(key) if isinstance(value, YMap) else None


def items(value: Any) -> list[tuple[Any, Any]]:
    """The (key, value) pairs of a mapping; none for anything else."""
    return list(value.items()) if isinstance(value, YMap) else []
