"""Recognising multi-window multi-burn-rate alerts for an SLO by what they do.

Alert rules are read by *structure*: each ``or`` clause of an alert is a list of
``and``-ed threshold conditions; each condition is followed through recording rules to
the raw series and ranges it reads. A clause whose conditions read the SLO's SLI over a
long and a short window is a pair, with a factor (threshold / error budget), the alert's
``for`` and labels. Each expected role (page quick/slow, ticket quick/slow) is then
judged against the window tables of `windows` (Sloth, Pyrra, the SRE workbook):

- covered: windows and factor as one of the tables has them, the SLI exactly the SLO's,
  ``for`` no longer than the short window, and (page roles) the alert pages;
- wrong: the closest pair, naming what differs (factor, windows, SLI, severity, ``for``);
- missing: nothing resembles it.
Never rule names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .. import promql
from ..promql import Binary, Node, Selector, constant, format_duration
from .model import SLO
from .windows import PAGE, BurnWindow, WindowTable, accepted_tables

SelectorKey = tuple[str, tuple[tuple[str, str, str], ...]]
TOLERANCE = 1.5  # a factor or long window within x1.5 of a table's counts as that value
SEVERITY_LABELS = ("severity", "sloth_severity")  # the first present decides


@dataclass(frozen=True)
class RuleDef:
    kind: str  # "recording" or "alerting"
    name: str
    expr: str
    labels: dict[str, str]
    file: str = ""
    group: str = ""
    for_s: float = 0.0


@dataclass(frozen=True)
class Condition:
    window: timedelta  # the longest range the compared expression reads
    threshold: float  # as an error ratio
    selectors: frozenset[SelectorKey]


@dataclass(frozen=True)
class PairFound:
    alert: str
    file: str
    long: timedelta
    short: timedelta
    factor: float  # threshold / (1 - objective)
    labels: dict[str, str] = field(default_factory=dict)
    for_s: float = 0.0
    selectors: frozenset[SelectorKey] = frozenset()
    short_factor: float | None = None  # the short window's own threshold / budget

    @property
    def windows(self) -> str:
        return f"{format_duration(self.long)}/{format_duration(self.short)}"


@dataclass(frozen=True)
class PagingPolicy:
    """What makes an alert page: a severity label value in `severities`, and, when an
    Alertmanager configuration was read, `routes` saying where its labels go (None when
    they reach a paging receiver, else why not)."""

    severities: frozenset[str] = frozenset({"page", "critical"})
    routes: Callable[[str, dict[str, str]], str | None] | None = None

    def why_not(self, alert: str, labels: dict[str, str]) -> str | None:
        label = next((k for k in SEVERITY_LABELS if k in labels), None)
        if label is None:
            return "has no severity label, so nothing routes it as a page"
        if labels[label] not in self.severities:
            pages = ", ".join(sorted(self.severities))
            return (
                f"has {label}={labels[label]!r}, which does not page (paging severities: {pages})"
            )
        return self.routes(alert, labels) if self.routes else None


@dataclass(frozen=True)
class RoleVerdict:
    role: str
    want: BurnWindow  # the expectation shown (the first accepted table's)
    table: str
    hit: PairFound | None = None  # covered
    near: PairFound | None = None  # the closest pair when it is wrong
    problems: tuple[str, ...] = ()  # what differs, when wrong
    disabled: str = ""  # the spec field that turned this role off

    @property
    def status(self) -> str:
        if self.disabled:
            return "disabled"
        if self.hit is not None:
            return "covered"
        return "wrong" if self.near is not None else "missing"


@dataclass(frozen=True)
class Coverage:
    slo: SLO
    found: tuple[PairFound, ...]
    roles: tuple[RoleVerdict, ...]

    @property
    def missing(self) -> tuple[BurnWindow, ...]:
        return tuple(v.want for v in self.roles if v.status == "missing")

    @property
    def wrong(self) -> tuple[RoleVerdict, ...]:
        return tuple(v for v in self.roles if v.status == "wrong")

    @property
    def covered(self) -> tuple[tuple[BurnWindow, PairFound | None], ...]:
        return tuple((v.want, v.hit) for v in self.roles if not v.disabled)


def _key(s: Selector) -> SelectorKey:
    return (s.name, s.matchers)


class RuleIndex:
    """Recording rules by name, to follow a selector to the expression it records."""

    def __init__(self, rules: list[RuleDef]) -> None:
        self.rules = rules
        self.clauses: dict[str, list[list[Condition]]] = {}  # alert expr -> its clauses
        self.recording: dict[str, list[tuple[dict[str, str], Node]]] = {}
        for r in rules:
            if r.kind == "recording":
                try:
                    node = promql.parse(r.expr)
                except promql.PromQLError:
                    continue
                self.recording.setdefault(r.name, []).append((r.labels, node))

    def definitions(self, s: Selector) -> list[Node]:
        """The recording rules a selector reads: those whose labels satisfy every matcher;
        when some rules carry every matched label, only those (a rule without the label
        only *might* produce it)."""
        candidates = [
            (labels, node)
            for labels, node in self.recording.get(s.name, [])
            if all(_label_ok(labels, m) for m in s.matchers)
        ]
        strict = [(lb, n) for lb, n in candidates if all(m[0] in lb for m in s.matchers)]
        return [n for _, n in (strict or candidates)]

    def expand(self, node: Node, depth: int = 0) -> tuple[list[timedelta], set[Any]]:
        """(ranges read, raw selectors read) of ``node``, recording rules followed."""
        ranges: list[timedelta] = []
        raw: set[Any] = set()
        for s in promql.selectors(node):
            defs = self.definitions(s) if depth < 8 and s.range is None else []
            if defs:
                for d in defs:
                    r, k = self.expand(d, depth + 1)
                    ranges += r
                    raw |= k
            else:
                raw.add(_key(s))
                if s.range is not None:
                    ranges.append(s.range)
        stack = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, promql.Subquery):
                ranges.append(n.range)
            stack.extend(promql.children(n))
        return ranges, raw


def _label_ok(labels: dict[str, str], m: tuple[str, str, str]) -> bool:
    name, op, value = m
    got = labels.get(name)
    if got is None:
        return True  # the label comes from the recorded series themselves
    if op == "=":
        return got == value
    if op == "!=":
        return got != value
    hit = re.fullmatch(value, got) is not None
    return hit if op == "=~" else not hit


def _split(node: Node, op: str) -> list[Node]:
    if isinstance(node, Binary) and node.op == op:
        return _split(node.lhs, op) + _split(node.rhs, op)
    return [node]


def _comparison(node: Node) -> tuple[Node, float] | None:
    """(vector side, threshold) of ``X > c``, also inside max(...) without(...)."""
    while isinstance(node, promql.Aggregate) and len(node.args) == 1:
        node = node.args[0]
    if not isinstance(node, Binary) or node.op not in (">", ">="):
        return None
    c = constant(node.rhs)
    if c is None:
        return None
    vec = node.lhs
    # burn rate written as ratio / budget > factor
    if isinstance(vec, Binary) and vec.op == "/" and constant(vec.rhs) is not None:
        c *= constant(vec.rhs) or 1.0
        vec = vec.lhs
    return vec, c


def conditions_of(expr: str, index: RuleIndex) -> list[list[Condition]]:
    """The alert's clauses (``or``), each a list of ``and``-ed threshold conditions
    (computed once per index: every SLO of a review reads the same rules)."""
    if expr not in index.clauses:
        index.clauses[expr] = _conditions(expr, index)
    return index.clauses[expr]


def _conditions(expr: str, index: RuleIndex) -> list[list[Condition]]:
    out = []
    for clause in _split(promql.parse(expr), "or"):
        conds = []
        for part in _split(clause, "and"):
            cmp = _comparison(part)
            if cmp is None:
                continue
            ranges, raw = index.expand(cmp[0])
            if ranges:
                conds.append(Condition(max(ranges), cmp[1], frozenset(raw)))
        out.append(conds)
    return out


def _names(keys: frozenset[SelectorKey] | set[SelectorKey]) -> set[str]:
    return {k[0] for k in keys}


def pairs_for(slo: SLO, index: RuleIndex) -> tuple[list[PairFound], list[PairFound]]:
    """(pairs reading exactly the SLO's SLI, pairs reading the same metrics with other
    matchers: a wrong SLI)."""
    rules = index.rules
    wanted = {_key(s) for s in slo.selectors()}
    exact: list[PairFound] = []
    near: list[PairFound] = []
    for r in rules:
        if r.kind != "alerting":
            continue
        try:
            clauses = conditions_of(r.expr, index)
        except promql.PromQLError:
            continue
        for conds in clauses:
            for mine, bucket in (
                ([c for c in conds if wanted <= c.selectors], exact),
                ([c for c in conds if _names(wanted) <= _names(c.selectors)], near),
            ):
                windows = sorted({c.window for c in mine})
                if len(windows) < 2:
                    continue
                long_c = max(mine, key=lambda c: c.window)
                short_c = min(mine, key=lambda c: c.window)
                sels = frozenset().union(*(c.selectors for c in mine))
                bucket.append(
                    PairFound(
                        r.name,
                        r.file,
                        long_c.window,
                        min(windows),
                        long_c.threshold / slo.budget,
                        dict(r.labels),
                        r.for_s,
                        sels,
                        short_c.threshold / slo.budget,
                    )
                )
                break
    return exact, near


def _close(a: float, b: float, tol: float = TOLERANCE) -> bool:
    return b / tol <= a <= b * tol


def _windows_ok(p: PairFound, w: BurnWindow) -> bool:
    return (
        _close(p.long.total_seconds(), w.long.total_seconds())
        and _close(p.short.total_seconds(), w.short.total_seconds(), 2.0)
        and p.short <= p.long / 4
    )


def sli_difference(slo: SLO, p: PairFound) -> str:
    """``code=~"5.." instead of code=~"5..|429"``: matchers of the SLI the pair lacks or
    changes, against what it reads instead."""
    want = {m for s in slo.selectors() for m in s.matchers}
    got = {m for k in p.selectors for m in k[1]}
    lacking = sorted(want - got)
    extra = {m[0]: m for m in sorted(got - want)}
    parts = []
    for name, op, value in lacking:
        other = extra.pop(name, None)
        if other:
            parts.append(f'{other[0]}{other[1]}"{other[2]}" instead of {name}{op}"{value}"')
        else:
            parts.append(f'{name}{op}"{value}" missing')
    parts += [f'{n}{o}"{v}" added' for n, o, v in extra.values()]
    return "SLI " + ", ".join(parts) if parts else "SLI differs"


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _problems(
    slo: SLO, p: PairFound, w: BurnWindow, policy: PagingPolicy, exact_sli: bool
) -> list[str]:
    out = []
    if not exact_sli:
        out.append(sli_difference(slo, p))
    if not _windows_ok(p, w):
        out.append(
            f"windows {p.windows} instead of {format_duration(w.long)}/{format_duration(w.short)}"
        )
    if not _close(p.factor, w.factor_value):
        out.append(f"factor {_fmt(p.factor)} instead of {_fmt(w.factor_value)}")
    elif p.short_factor is not None and not _close(p.short_factor, w.factor_value):
        out.append(
            f"factor {_fmt(p.short_factor)} on the {format_duration(p.short)} short window "
            f"instead of {_fmt(w.factor_value)}"
        )
    if p.for_s > p.short.total_seconds():
        out.append(
            f"for {format_duration(timedelta(seconds=p.for_s))} is longer than its "
            f"{format_duration(p.short)} short window: the alert is too slow"
        )
    if w.severity == PAGE and (why := policy.why_not(p.alert, p.labels)):
        out.append(f"does not page: {p.alert} {why}")
    return out


def _distance(p: PairFound, w: BurnWindow) -> float:
    """How far a pair is from a role: long windows and factors, on a log scale."""
    return abs(math.log(p.long / w.long)) + abs(math.log(max(p.factor, 1e-9) / w.factor_value))


def _identifies(slo: SLO, p: PairFound, others: tuple[frozenset[SelectorKey], ...] = ()) -> bool:
    """Whether a pair reading other matchers of the same metrics is about this SLO: its
    labels name the SLO (golive, Sloth, Pyrra labels), or, naming no SLO and reading
    exactly no other SLO's SLI, it reads the SLO's exact total (same population) with
    different bad-event matchers."""
    names = {slo.name, slo.short_name or slo.name}
    named = [p.labels[k] for k in ("slo", "sloth_slo", "sloth_id") if k in p.labels]
    if named:
        return bool(set(named) & names)
    if any(o <= p.selectors for o in others):
        return False
    total = {_key(s) for s in promql.selectors(promql.parse(slo.total_at(timedelta(minutes=5))))}
    return bool(total) and total <= p.selectors


def _nearest(p: PairFound, t: WindowTable) -> BurnWindow:
    return min(t.pairs, key=lambda w: _distance(p, w))


def judge(
    slo: SLO,
    exact: list[PairFound],
    near: list[PairFound],
    policy: PagingPolicy,
    tables: tuple[WindowTable, ...] | None = None,
    others: tuple[frozenset[SelectorKey], ...] = (),
) -> tuple[RoleVerdict, ...]:
    """Each pair is judged against the table that fits the SLO's pairs best (Sloth's,
    Pyrra's, ...): it covers the nearest role of any table it matches exactly, else it is
    a wrong pair of the nearest role of the best-fitting table. A role is covered, else
    wrong (its pair with fewest problems), else missing."""
    tables = tables or accepted_tables(slo.window, slo.windows)
    candidates = [(p, True) for p in exact] + [
        (p, False) for p in near if _identifies(slo, p, others)
    ]
    ranked = sorted(
        tables,
        key=lambda t: sum(_distance(p, _nearest(p, t)) for p, _ in candidates),
    )
    best_table = ranked[0]
    roles = [w.role for w in best_table.pairs]
    judged: dict[str, list[tuple[list[str], PairFound, BurnWindow, WindowTable]]] = {
        r: [] for r in roles
    }
    for p, exact_sli in candidates:
        options = [(_problems(slo, p, _nearest(p, t), policy, exact_sli), t) for t in ranked]
        probs, t = next(((pr, t) for pr, t in options if not pr), options[0])
        w = _nearest(p, t)
        judged[w.role].append((probs, p, w, t))
    verdicts = []
    for role in roles:
        first = best_table.for_role(role)
        disabled = slo.disabled.get(first.severity, "")
        mine = sorted(judged[role], key=lambda x: (len(x[0]), x[1].alert))
        if disabled:
            verdicts.append(RoleVerdict(role, first, best_table.name, disabled=disabled))
        elif not mine:
            verdicts.append(RoleVerdict(role, first, best_table.name))
        elif not mine[0][0]:
            _, p, w, t = mine[0]
            verdicts.append(RoleVerdict(role, w, t.name, hit=p))
        else:
            probs, p, w, t = mine[0]
            verdicts.append(RoleVerdict(role, w, t.name, near=p, problems=tuple(probs)))
    return tuple(verdicts)


def recognise(
    slo: SLO,
    rules: list[RuleDef] | RuleIndex,
    policy: PagingPolicy | None = None,
    others: tuple[SLO, ...] = (),
) -> Coverage:
    """How the alerting rules cover ``slo``'s four burn-rate roles, by structure.
    ``others``: the review's other SLOs, whose own alerts are never this one's wrong pairs.
    Pass one `RuleIndex` for every SLO of a review: rules are then read once."""
    index = rules if isinstance(rules, RuleIndex) else RuleIndex(rules)
    exact, near = pairs_for(slo, index)
    other_slis = tuple(frozenset(_key(s) for s in o.selectors()) for o in others)
    roles = judge(slo, exact, near, policy or PagingPolicy(), others=other_slis)
    return Coverage(slo, tuple(exact), roles)
