"""PromQL as golive reads it: parsed by a maintained parser, kept as a small tree.

`parse` hands the text to promql-parser (a binding of the Rust parser GreptimeDB
maintains) and converts its tree into frozen dataclasses holding what burn-rate matching
needs: selectors with their matchers and ranges, subquery windows, functions,
aggregations, binary operators. golive's own code adds only meaning: constant folding
(``14.4 * (1 - 0.999)``) and walking selectors. Durations are parsed here too.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import promql_parser as pp

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_DURATION_RE = re.compile(r"(\d+(?:ms|s|m|h|d|w|y))+")


class PromQLError(ValueError):
    pass


def parse_duration(text: str) -> timedelta:
    """``1h30m`` -> timedelta; raise ValueError otherwise."""
    text = text.strip()
    if not _DURATION_RE.fullmatch(text):
        raise ValueError(f"not a duration: {text!r} (e.g. 5m, 1h, 28d)")
    total = 0.0
    for num, unit in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text):
        total += int(num) * _UNITS[unit]
    return timedelta(seconds=total)


def prometheus_duration(d: timedelta) -> str:
    """timedelta -> as Prometheus prints a duration (model.Duration), as Sloth names rules:
    years and weeks only when they divide it exactly (``4w`` for 28 days, ``1w`` for 7,
    ``30d``), then d, h, m, s, ms."""
    ms = int(round(d.total_seconds() * 1000))
    if ms <= 0:
        return "0s"
    out = ""
    for unit, size, exact in (
        ("y", 365 * 86400000, True),
        ("w", 7 * 86400000, True),
        ("d", 86400000, False),
        ("h", 3600000, False),
        ("m", 60000, False),
        ("s", 1000, False),
        ("ms", 1, False),
    ):
        if exact and ms % size:
            continue
        if ms >= size:
            out += f"{ms // size}{unit}"
            ms %= size
    return out


def format_duration(d: timedelta) -> str:
    """timedelta -> the shortest PromQL duration (``30d``, ``1h30m``, ``5m``)."""
    s = int(round(d.total_seconds()))
    if s <= 0:
        return "0s"
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if s >= size:
            out += f"{s // size}{unit}"
            s %= size
    return out


@dataclass(frozen=True)
class Node:
    pass


@dataclass(frozen=True)
class Number(Node):
    value: float


@dataclass(frozen=True)
class String(Node):
    value: str


@dataclass(frozen=True)
class Selector(Node):
    name: str
    matchers: tuple[tuple[str, str, str], ...]  # (label, op, value), sorted, without __name__
    range: timedelta | None = None


@dataclass(frozen=True)
class Subquery(Node):
    expr: Node
    range: timedelta
    step: timedelta | None


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Aggregate(Node):
    op: str
    args: tuple[Node, ...]  # the last one is the vector
    by: tuple[str, ...] = ()
    without: bool = False


@dataclass(frozen=True)
class Binary(Node):
    op: str
    lhs: Node
    rhs: Node


@dataclass(frozen=True)
class Unary(Node):
    op: str
    expr: Node


_MATCH_OPS = {
    "MatchOp.Equal": "=",
    "MatchOp.NotEqual": "!=",
    "MatchOp.Re": "=~",
    "MatchOp.NotRe": "!~",
}


def _selector(vs: pp.VectorSelector, rng: timedelta | None = None) -> Selector:
    name = vs.name or ""
    matchers = []
    for m in vs.matchers.matchers:
        op = _MATCH_OPS.get(str(m.op), str(m.op))
        if m.name == "__name__" and op == "=":
            name = m.value
        else:
            matchers.append((m.name, op, m.value))
    return Selector(name, tuple(sorted(matchers)), rng)


def _convert(e: Any) -> Node:  # noqa: PLR0911 - one branch per node type of the library
    """promql_parser's tree -> golive's frozen nodes (what the matching below reads)."""
    if isinstance(e, pp.ParenExpr):
        return _convert(e.expr)
    if isinstance(e, pp.NumberLiteral):
        return Number(float(e.val))
    if isinstance(e, pp.StringLiteral):
        return String(str(e.val))
    if isinstance(e, pp.VectorSelector):
        return _selector(e)
    if isinstance(e, pp.MatrixSelector):
        return _selector(e.vector_selector, e.range)
    if isinstance(e, pp.SubqueryExpr):
        return Subquery(_convert(e.expr), e.range or timedelta(0), e.step or None)
    if isinstance(e, pp.Call):
        return Call(e.func.name, tuple(_convert(a) for a in e.args))
    if isinstance(e, pp.AggregateExpr):
        args = (() if e.param is None else (_convert(e.param),)) + (_convert(e.expr),)
        mod = e.modifier
        by = tuple(mod.labels) if mod is not None else ()
        without = mod is not None and str(mod.type).endswith("Without")
        return Aggregate(str(e.op), args, by, without)
    if isinstance(e, pp.BinaryExpr):
        return Binary(str(e.op), _convert(e.lhs), _convert(e.rhs))
    if isinstance(e, pp.UnaryExpr):
        inner = _convert(e.expr)
        return Number(-inner.value) if isinstance(inner, Number) else Unary("-", inner)
    raise PromQLError(f"unsupported PromQL node {type(e).__name__}")


# Functions Prometheus 2.x accepts that promql-parser (which follows Prometheus 3) lacks:
# holt_winters, renamed double_exponential_smoothing in Prometheus 3.
pp.register_extra_functions(
    [
        pp.Function(
            "holt_winters",
            [pp.ValueType.Matrix, pp.ValueType.Scalar, pp.ValueType.Scalar],
            pp.ValueType.Vector,
        )
    ]
)


def _raw_strings(text: str) -> str:
    """Backtick strings as double-quoted ones: PromQL raw strings keep backslashes as they
    are, which promql-parser 0.12 refuses (``\\s`` in a regex: "unknown escape")."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "#":  # a comment runs to the end of the line
            j = text.find("\n", i)
            j = len(text) if j < 0 else j
            out.append(text[i:j])
            i = j
        elif c in "\"'":
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif c == "`":
            j = text.find("`", i + 1)
            if j < 0:
                return text  # unterminated: the parser says so
            body = text[i + 1 : j].replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'"{body}"')
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


@functools.lru_cache(maxsize=2048)
def parse(text: str) -> Node:
    """Parse a PromQL expression with promql-parser (the Rust parser GreptimeDB uses,
    Prometheus 2.45 grammar: subqueries, ``@``, ``offset``, quoted UTF-8 names); raise
    PromQLError naming the expression and the parser's reason.

    Cached (trees are immutable): each SLO is matched against every alerting rule, so a
    review parsed each rule's expression once per SLO and per check."""
    try:
        return _convert(pp.parse(_raw_strings(text) if "`" in text else text))
    except (ValueError, TypeError) as e:
        raise PromQLError(f"cannot parse {text.strip()[:200]!r}: {e}") from None


def constant(node: Node) -> float | None:
    """The value of a constant expression (numbers and arithmetic), or None."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Unary):
        v = constant(node.expr)
        return None if v is None else -v
    if isinstance(node, Call) and node.func in ("scalar", "vector") and node.args:
        return constant(node.args[0])
    if isinstance(node, Binary) and node.op in ("+", "-", "*", "/", "^"):
        a, b = constant(node.lhs), constant(node.rhs)
        if a is None or b is None:
            return None
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if node.op == "/":
            return a / b if b else None
        return float(a**b)
    return None


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Binary):
        return (node.lhs, node.rhs)
    if isinstance(node, Unary):
        return (node.expr,)
    if isinstance(node, Subquery):
        return (node.expr,)
    if isinstance(node, Call | Aggregate):
        return node.args
    return ()


def selectors(node: Node) -> list[Selector]:
    out = [node] if isinstance(node, Selector) else []
    for c in children(node):
        out += selectors(c)
    return out
