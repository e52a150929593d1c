"""A small PromQL parser: enough structure to recognise burn-rate alerts.

It parses what rule files hold (selectors with matchers, range and subquery windows,
functions, aggregations with by/without, binary operators with their precedence and
on/ignoring/group_* modifiers, offsets) into a tree of frozen dataclasses, and folds
constant arithmetic (``14.4 * (1 - 0.999)``). It does not type-check or evaluate.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import timedelta

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_DURATION_RE = re.compile(r"(\d+(?:ms|s|m|h|d|w|y))+")
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<duration>(?:\d+(?:ms|s|m|h|d|w|y))+(?![A-Za-z0-9_:.]))
  | (?P<number>0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>==|!=|>=|<=|=~|!~|[-+*/%^<>=(){}\[\],:@])
    """,
    re.X,
)
AGGREGATIONS = frozenset(
    "sum min max avg group stddev stdvar count count_values bottomk topk quantile".split()
)
_PRECEDENCE = [
    ("or",),
    ("and", "unless"),
    ("==", "!=", "<=", "<", ">=", ">"),
    ("+", "-"),
    ("*", "/", "%", "atan2"),
    ("^",),
]
COMPARISONS = frozenset({"==", "!=", "<=", "<", ">=", ">"})


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


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise PromQLError(f"unexpected character {text[pos]!r} at {pos}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self, k: int = 0) -> tuple[str, str]:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("eof", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise PromQLError(f"expected {value!r}, got {tok[1] or 'end of input'!r}")
        self.i += 1
        return tok

    def is_op(self, ops: tuple[str, ...]) -> bool:
        kind, v = self.peek()
        return kind in ("op", "ident") and v in ops

    def parse(self) -> Node:
        node = self.expr(0)
        if self.peek()[0] != "eof":
            raise PromQLError(f"unexpected {self.peek()[1]!r}")
        return node

    def expr(self, level: int) -> Node:
        if level == len(_PRECEDENCE):
            return self.unary()
        ops = _PRECEDENCE[level]
        lhs = self.expr(level + 1)
        while self.is_op(ops):
            op = self.take()[1]
            self.modifiers()
            rhs = self.expr(level if op == "^" else level + 1)
            lhs = Binary(op, lhs, rhs)
        return lhs

    def modifiers(self) -> None:
        while self.peek()[1] in ("bool", "on", "ignoring", "group_left", "group_right"):
            word = self.take()[1]
            if word != "bool" and self.peek()[1] == "(":
                self.labels()

    def labels(self) -> tuple[str, ...]:
        self.take("(")
        names = []
        while self.peek()[1] != ")":
            names.append(self.take()[1])
            if self.peek()[1] == ",":
                self.take(",")
        self.take(")")
        return tuple(names)

    def unary(self) -> Node:
        if self.peek()[1] in ("-", "+"):
            op = self.take()[1]
            inner = self.unary()
            if op == "-" and isinstance(inner, Number):
                return Number(-inner.value)
            return inner if op == "+" else Unary("-", inner)
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            v = self.peek()[1]
            if v == "[":
                self.take("[")
                rng = parse_duration(self.take()[1])
                step = None
                if self.peek()[1] == ":":
                    self.take(":")
                    if self.peek()[1] != "]":
                        step = parse_duration(self.take()[1])
                    node = Subquery(node, rng, step)
                elif isinstance(node, Selector):
                    node = Selector(node.name, node.matchers, rng)
                else:
                    raise PromQLError("a range needs a selector")
                self.take("]")
            elif v == "offset":
                self.take()
                if self.peek()[1] == "-":
                    self.take()
                self.take()
            elif v == "@":
                self.take()
                if self.peek()[1] in ("start", "end"):
                    self.take()
                    self.take("(")
                    self.take(")")
                else:
                    self.take()
            else:
                return node

    def primary(self) -> Node:
        kind, v = self.peek()
        if v == "(":
            self.take("(")
            node = self.expr(0)
            self.take(")")
            return node
        if kind == "number":
            self.take()
            return Number(float(int(v, 16)) if v.lower().startswith("0x") else float(v))
        if kind == "string":
            self.take()
            return String(_unquote(v))
        if v == "{":
            return self.selector("")
        if kind in ("ident", "duration"):
            self.take()
            low = v.lower()
            if low in ("inf", "nan"):
                return Number(float(low))
            if low in AGGREGATIONS and (self.peek()[1] in ("(", "by", "without")):
                return self.aggregate(low)
            if self.peek()[1] == "(":
                return Call(v, self.args())
            return self.selector(v)
        raise PromQLError(f"unexpected {v or 'end of input'!r}")

    def args(self) -> tuple[Node, ...]:
        self.take("(")
        args = []
        while self.peek()[1] != ")":
            args.append(self.expr(0))
            if self.peek()[1] == ",":
                self.take(",")
        self.take(")")
        return tuple(args)

    def aggregate(self, op: str) -> Node:
        by: tuple[str, ...] = ()
        without = False
        if self.peek()[1] in ("by", "without"):
            without = self.take()[1] == "without"
            by = self.labels()
        args = self.args()
        if self.peek()[1] in ("by", "without"):
            without = self.take()[1] == "without"
            by = self.labels()
        return Aggregate(op, args, by, without)

    def selector(self, name: str) -> Node:
        matchers = []
        if self.peek()[1] == "{":
            self.take("{")
            while self.peek()[1] != "}":
                label = self.take()[1]
                op = self.take()[1]
                if op not in ("=", "!=", "=~", "!~"):
                    raise PromQLError(f"bad matcher operator {op!r}")
                kind, value = self.take()
                if kind != "string":
                    raise PromQLError(f"matcher value must be a string, got {value!r}")
                if label == "__name__" and op == "=":
                    name = _unquote(value)
                else:
                    matchers.append((label, op, _unquote(value)))
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("}")
        return Selector(name, tuple(sorted(matchers)))


def _unquote(s: str) -> str:
    body = s[1:-1]
    if s[0] == "`":
        return body
    return re.sub(r"\\(.)", r"\1", body)


@functools.lru_cache(maxsize=2048)
def parse(text: str) -> Node:
    """Parse a PromQL expression; raise PromQLError naming the problem.

    Cached (trees are immutable): each SLO is matched against every alerting rule, so a
    review parsed each rule's expression once per SLO and per check."""
    try:
        return _Parser(text).parse()
    except (PromQLError, ValueError, IndexError) as e:
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
