"""PyYAML's safe loading through libyaml (C) when the wheel has it, else the pure-Python one,
bounded against hostile input.

The C parser reads the parameters, rule and pipeline files about ten times faster; both
build the same Python objects and raise the same ``yaml.MarkedYAMLError`` with line and
column marks.

Bounds (:class:`YamlLimitError`, a ``MarkedYAMLError``): nesting deeper than ``max_depth``
is refused from the event stream, before any recursive step runs; a document whose
aliases expand to more than ``max_nodes`` nodes (a "billion laughs" bomb: a few hundred
bytes that every later walk sees as millions of values) is refused from its node graph,
counted with each shared node measured once. ``unique_keys`` refuses a mapping that
repeats a key, naming both lines (YAML 1.2 requires keys to be unique; PyYAML keeps the
last silently).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["SafeLoader", "YamlLimitError", "check", "safe_load", "safe_load_all"]

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

#: Deepest nesting of mappings and sequences accepted (a parameters file needs ~8).
MAX_DEPTH = 100
#: Most nodes a document may hold once its aliases are expanded.
MAX_NODES = 2_000_000


class YamlLimitError(yaml.MarkedYAMLError):
    """A document past a bound (depth, expanded size) or repeating a key."""


def _check_depth(text: str, max_depth: int) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                raise YamlLimitError(
                    problem=f"nested deeper than {max_depth} levels",
                    problem_mark=event.start_mark,  # type: ignore[arg-type]
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_graph(root: Node, max_nodes: int, unique_keys: bool) -> None:
    """Expanded size (each distinct node measured once, iteratively) and, when asked,
    repeated keys."""
    size: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in size:
            continue
        children = _children(node)
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in size)
            if unique_keys and isinstance(node, MappingNode):
                _check_keys(node)
            continue
        total = 1 + sum(size.get(id(c), 0) for c in children)
        size[id(node)] = total
        if total > max_nodes:
            raise YamlLimitError(
                problem=f"its aliases expand to more than {max_nodes:,} values "
                "(an alias bomb?); write the values out or use fewer aliases",
                problem_mark=node.start_mark,
            )


def _check_keys(node: MappingNode) -> None:
    seen: dict[str, int] = {}
    for key, _value in node.value:
        if not isinstance(key, ScalarNode) or key.value == "<<":
            continue
        line = key.start_mark.line + 1
        if key.value in seen:
            raise YamlLimitError(
                problem=f"the key {key.value!r} is given twice, on lines {seen[key.value]} "
                f"and {line}; keep one",
                problem_mark=key.start_mark,
            )
        seen[key.value] = line


def _load(
    text: str, *, many: bool, max_depth: int, max_nodes: int, unique_keys: bool
) -> Iterator[Any]:
    _check_depth(text, max_depth)
    loader = SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node said there is one
                break
            _check_graph(node, max_nodes, unique_keys)
            yield loader.construct_document(node)
            if not many:
                if loader.check_node():
                    extra = loader.get_node()
                    raise yaml.composer.ComposerError(
                        "expected a single document in the stream",
                        None,
                        "but found another document",
                        extra.start_mark if extra is not None else None,
                    )
                return
    finally:
        loader.dispose()


def safe_load(
    text: str,
    *,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
    unique_keys: bool = False,
) -> Any:
    """The one document of ``text`` (None when empty), bounded (see the module)."""
    docs = list(
        _load(text, many=False, max_depth=max_depth, max_nodes=max_nodes, unique_keys=unique_keys)
    )
    return docs[0] if docs else None


def safe_load_all(
    text: str,
    *,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
    unique_keys: bool = False,
) -> Iterator[Any]:
    """Every document of ``text``, each bounded (see the module)."""
    return _load(text, many=True, max_depth=max_depth, max_nodes=max_nodes, unique_keys=unique_keys)


def check(
    text: str,
    *,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
    unique_keys: bool = False,
) -> None:
    """Raise YamlLimitError when ``text`` is past a bound (see the module), for a loader
    of its own that builds other objects than these (e.g. one that keeps line numbers)."""
    _check_depth(text, max_depth)
    loader = SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                _check_graph(node, max_nodes, unique_keys)
    finally:
        loader.dispose()
