"""SLOs: one internal model, loaders from three specs, the maths, and burn-rate rules.

Spec, model, output (as Sloth): the parameters file, a Sloth ``prometheus/v1`` file or
an OpenSLO ``openslo/v1`` file are loaded into `SLO`. Units are converted once, here:
objectives are ratios in 0..1, windows are timedeltas. The maths is small pure
functions; the multi-window multi-burn-rate table is data (`standard_windows`).
Alert recognition reads rule *structure* (two windows, a burn factor times the error
budget, recording rules followed to their definitions), never rule names.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from . import promql, yamlload
from .promql import Binary, Node, Selector, constant, format_duration, parse_duration

WINDOW = "{{.window}}"  # Sloth's placeholder; the canonical one in the model
_PLACEHOLDERS = re.compile(r"\{\{\s*\.window\s*\}\}|\$window\b|\$\{window\}")
DEFAULT_SLOTH_WINDOW = timedelta(days=30)  # Sloth's default period


class SLOSpecError(ValueError):
    """An SLO spec that cannot be loaded; the message names the file and the field."""


@dataclass(frozen=True)
class SLO:
    name: str
    objective: float  # ratio in 0..1, e.g. 0.995
    window: timedelta
    errors: str  # PromQL of bad events per second, with {{.window}} for the range
    total: str  # PromQL of all events per second, with {{.window}}
    description: str = ""
    source: str = "parameters"  # where it was defined
    kind: str = "ratio"  # "ratio" or "latency"
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def budget(self) -> float:
        """The error budget as a ratio of events (1 - objective)."""
        return 1.0 - self.objective

    def errors_at(self, window: timedelta) -> str:
        return self.errors.replace(WINDOW, format_duration(window))

    def total_at(self, window: timedelta) -> str:
        return self.total.replace(WINDOW, format_duration(window))

    def selectors(self) -> list[Selector]:
        """The raw series the SLI reads (parsed from its queries)."""
        seen: dict[tuple[str, tuple[tuple[str, str, str], ...]], Selector] = {}
        for q in (self.errors_at(timedelta(minutes=5)), self.total_at(timedelta(minutes=5))):
            for s in promql.selectors(promql.parse(q)):
                seen.setdefault((s.name, s.matchers), Selector(s.name, s.matchers))
        return list(seen.values())


def selector_text(s: Selector) -> str:
    inner = ",".join(f'{k}{op}"{_esc(v)}"' for k, op, v in s.matchers)
    return f"{s.name}{{{inner}}}" if inner or not s.name else s.name


def _esc(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"')


# --------------------------------------------------------------------------- units


def objective_ratio(value: Any, where: str, percent: bool | None = None) -> float:
    """An objective as a ratio in (0, 1). ``"99.5%"`` and (with percent=True) 99.5 are
    percentages; otherwise a number must already be a ratio."""
    raw = value
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            percent, text = True, text[:-1]
        try:
            value = float(text)
        except ValueError:
            raise SLOSpecError(f"{where}: objective {raw!r} is not a number") from None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise SLOSpecError(f"{where}: objective {raw!r} is not a number")
    ratio = float(value) / 100 if percent else float(value)
    if not 0 < ratio < 1:
        hint = ' (a ratio such as 0.995, or a percentage such as "99.5%")'
        raise SLOSpecError(f"{where}: objective {raw!r} must be between 0 and 1{hint}")
    return ratio


def window_delta(value: Any, where: str) -> timedelta:
    try:
        d = parse_duration(str(value))
    except ValueError as e:
        raise SLOSpecError(f"{where}: {e}") from None
    if d < timedelta(hours=1):
        raise SLOSpecError(f"{where}: window {value!r} is shorter than an hour")
    return d


def _template(query: str, where: str) -> str:
    q = _PLACEHOLDERS.sub(WINDOW, query.strip())
    if WINDOW not in q:
        try:
            node = promql.parse(q)
        except promql.PromQLError as e:
            raise SLOSpecError(f"{where}: {e}") from None
        if isinstance(node, Selector) and node.range is None:
            return f"sum(rate({q}[{WINDOW}]))"  # a bare counter (OpenSLO style)
        raise SLOSpecError(
            f"{where}: the query has no {WINDOW} placeholder for the window: {query.strip()!r}"
        )
    try:
        promql.parse(q.replace(WINDOW, "5m"))
    except promql.PromQLError as e:
        raise SLOSpecError(f"{where}: {e}") from None
    return q


def ratio_slo(
    name: str,
    objective: float,
    window: timedelta,
    *,
    total: str,
    bad: str | None = None,
    good: str | None = None,
    where: str,
    description: str = "",
    source: str = "parameters",
) -> SLO:
    if (bad is None) == (good is None):
        raise SLOSpecError(f"{where}: give exactly one of bad/errors or good, and total")
    total_q = _template(total, f"{where}.total")
    if bad is not None:
        errors = _template(bad, f"{where}.bad")
    else:
        errors = f"({total_q}) - ({_template(good or '', f'{where}.good')})"
    return SLO(name, objective, window, errors, total_q, description, source)


def latency_slo(
    name: str,
    objective: float,
    window: timedelta,
    *,
    histogram: str,
    selector: str,
    threshold_s: float,
    where: str,
    description: str = "",
    source: str = "parameters",
) -> SLO:
    sel = selector.strip().strip("{}")
    le = _le(threshold_s)
    count = f"sum(rate({histogram}_count{{{sel}}}[{WINDOW}]))"
    good = f'sum(rate({histogram}_bucket{{{sel}{"," if sel else ""}le="{le}"}}[{WINDOW}]))'
    slo = SLO(name, objective, window, f"{count} - {good}", count, description, source, "latency")
    try:
        slo.selectors()
    except promql.PromQLError as e:
        raise SLOSpecError(f"{where}.selector: {e}") from None
    return slo


def _le(threshold_s: float) -> str:
    """The ``le`` label of a bucket bound as client libraries write it (0.25, 1.0)."""
    return repr(float(threshold_s))


# --------------------------------------------------------------------------- loaders


def load_file(path: Path, shown: str | None = None) -> list[SLO]:
    """SLOs from a Sloth (prometheus/v1) or OpenSLO (openslo/v1) file."""
    shown = shown or str(path)
    try:
        docs = [d for d in yamlload.safe_load_all(path.read_text(encoding="utf-8")) if d]
    except FileNotFoundError:
        raise SLOSpecError(f"{shown}: file not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise SLOSpecError(f"{shown}: cannot read: {e}") from None
    if not docs or not all(isinstance(d, dict) for d in docs):
        raise SLOSpecError(f"{shown}: expected a YAML mapping")
    first = docs[0]
    if str(first.get("version", "")) == "prometheus/v1":
        return load_sloth(first, shown)
    if any(str(d.get("apiVersion", "")).startswith("openslo/") for d in docs):
        return load_openslo(docs, shown)
    raise SLOSpecError(
        f"{shown}: neither a Sloth file (version: prometheus/v1) nor OpenSLO "
        "(apiVersion: openslo/v1)"
    )


def load_sloth(doc: dict[str, Any], shown: str, window: timedelta | None = None) -> list[SLO]:
    service = str(doc.get("service", "")).strip()
    out = []
    for i, s in enumerate(doc.get("slos") or []):
        where = f"{shown}: slos[{i}]"
        name = str(s.get("name", "")).strip()
        if not name:
            raise SLOSpecError(f"{where}.name: required")
        objective = objective_ratio(s.get("objective"), f"{where}.objective", percent=True)
        sli = s.get("sli") or {}
        slo_name = f"{service}-{name}" if service else name
        desc = str(s.get("description", ""))
        if "events" in sli:
            ev = sli["events"] or {}
            out.append(
                ratio_slo(
                    slo_name,
                    objective,
                    window or DEFAULT_SLOTH_WINDOW,
                    total=str(ev.get("total_query", "")),
                    bad=str(ev.get("error_query", "")),
                    where=f"{where}.sli.events",
                    description=desc,
                    source=shown,
                )
            )
        elif "raw" in sli:
            ratio = _template(str((sli["raw"] or {}).get("error_ratio_query", "")), where)
            out.append(
                SLO(
                    slo_name,
                    objective,
                    window or DEFAULT_SLOTH_WINDOW,
                    ratio,
                    "vector(1)",
                    desc,
                    shown,
                )
            )
        else:
            raise SLOSpecError(f"{where}.sli: needs events (error_query, total_query) or raw")
    if not out:
        raise SLOSpecError(f"{shown}: no slos")
    return out


def _openslo_query(metric: Any, where: str) -> str:
    try:
        spec = metric["metricSource"]["spec"]
    except (KeyError, TypeError):
        raise SLOSpecError(f"{where}: needs metricSource.spec.query") from None
    query = spec.get("query") or spec.get("promql")
    if not query:
        raise SLOSpecError(f"{where}: needs metricSource.spec.query")
    return str(query)


def load_openslo(docs: list[dict[str, Any]], shown: str) -> list[SLO]:
    slis = {
        str((d.get("metadata") or {}).get("name")): d.get("spec") or {}
        for d in docs
        if d.get("kind") == "SLI"
    }
    out = []
    for i, d in enumerate(x for x in docs if x.get("kind") == "SLO"):
        meta, spec = d.get("metadata") or {}, d.get("spec") or {}
        name = str(meta.get("name", "")).strip()
        where = f"{shown}: SLO {name or i}"
        indicator = spec.get("indicator")
        sli = (
            (indicator or {}).get("spec") if indicator else slis.get(str(spec.get("indicatorRef")))
        )
        if not sli or "ratioMetric" not in sli:
            raise SLOSpecError(f"{where}: only ratioMetric indicators are supported")
        ratio = sli["ratioMetric"]
        objectives = spec.get("objectives") or []
        if not objectives:
            raise SLOSpecError(f"{where}: spec.objectives is empty")
        obj = objectives[0]
        if "targetPercent" in obj:
            objective = objective_ratio(obj["targetPercent"], f"{where}.target", percent=True)
        else:
            objective = objective_ratio(obj.get("target"), f"{where}.target")
        windows = spec.get("timeWindow") or [{}]
        window = window_delta(windows[0].get("duration", "28d"), f"{where}.timeWindow")
        kw = {
            "bad" if "bad" in ratio else "good": _openslo_query(
                ratio.get("bad") or ratio.get("good"), f"{where}.ratioMetric"
            )
        }
        out.append(
            ratio_slo(
                name,
                objective,
                window,
                total=_openslo_query(ratio.get("total"), f"{where}.ratioMetric.total"),
                where=where,
                description=str(spec.get("description", "")),
                source=shown,
                **kw,
            )
        )
    if not out:
        raise SLOSpecError(f"{shown}: no kind: SLO document")
    return out


# --------------------------------------------------------------------------- maths


@dataclass(frozen=True)
class BurnWindow:
    long: timedelta
    short: timedelta
    budget_share: float  # share of the budget this pair detects being spent in `long`
    severity: str  # "page" or "ticket"

    def factor(self, slo_window: timedelta) -> float:
        """The burn-rate factor: spending `budget_share` in `long` (14.4 for 2%/1h of 30d)."""
        return self.budget_share * (slo_window / self.long)


STANDARD_WINDOWS = (
    BurnWindow(timedelta(hours=1), timedelta(minutes=5), 0.02, "page"),
    BurnWindow(timedelta(hours=6), timedelta(minutes=30), 0.05, "page"),
    BurnWindow(timedelta(days=1), timedelta(hours=2), 0.10, "ticket"),
    BurnWindow(timedelta(days=3), timedelta(hours=6), 0.10, "ticket"),
)
BURN_WINDOWS = (timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(days=3))


def standard_windows() -> tuple[BurnWindow, ...]:
    return STANDARD_WINDOWS


def compliance(bad: float, total: float) -> float | None:
    """Share of good events; None when there were no events (no data is never 100%)."""
    if not total or total <= 0 or math.isnan(total) or math.isnan(bad):
        return None
    return max(0.0, min(1.0, 1.0 - bad / total))


def budget_remaining(compliance_ratio: float, objective: float) -> float:
    """Share of the error budget left (1 = untouched, 0 = spent, < 0 = overspent)."""
    return 1.0 - (1.0 - compliance_ratio) / (1.0 - objective)


def burn_rate(error_ratio: float, objective: float) -> float:
    """How many times faster than sustainable the budget is spent (1 = exactly on budget)."""
    return error_ratio / (1.0 - objective)


def time_to_exhaustion(remaining: float, rate: float, window: timedelta) -> timedelta | None:
    """At burn rate ``rate``, when the remaining budget is gone; 0 when already spent,
    None when nothing is burning."""
    if remaining <= 0:
        return timedelta(0)
    if rate <= 0:
        return None
    return window * (remaining / rate)


def chart_step(window: timedelta, max_points: int = 720) -> timedelta:
    """The range-query step giving at most ``max_points`` points over ``window``."""
    return timedelta(seconds=math.ceil(window.total_seconds() / max_points))


def burn_down(bad: list[float], total: list[float], objective: float) -> list[float]:
    """Remaining budget after each step, budget = (1 - objective) x all events of the window."""
    allowed = (1 - objective) * sum(total)
    out, spent = [], 0.0
    for b in bad:
        spent += b
        out.append(1 - spent / allowed if allowed > 0 else math.nan)
    return out


# --------------------------------------------------------------------------- rules


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", name) if p)


def record_name(window: timedelta) -> str:
    return f"slo:sli_error:ratio_rate{format_duration(window)}"


def generate_rules(slo: SLO, pairs: tuple[BurnWindow, ...] | None = None) -> dict[str, Any]:
    """A Prometheus rule file: recording rules of the error ratio per window, and a page
    and a ticket alert, each two multi-window conditions (only ``pairs`` when given)."""
    pairs = STANDARD_WINDOWS if pairs is None else pairs
    windows = sorted({w for p in pairs for w in (p.long, p.short)})
    labels = {"slo": slo.name, **slo.labels}
    sel = ",".join(f'{k}="{_esc(v)}"' for k, v in sorted(labels.items()))
    recording = [
        {
            "record": record_name(w),
            "expr": f"({slo.errors_at(w)})\n/\n({slo.total_at(w)})\n",
            "labels": dict(labels),
        }
        for w in windows
    ]
    alerts = []
    for severity in ("page", "ticket"):
        chosen = [p for p in pairs if p.severity == severity]
        if not chosen:
            continue
        clauses = []
        for p in chosen:
            f = round(p.factor(slo.window), 3)
            clauses.append(
                f"(\n  {record_name(p.long)}{{{sel}}} > ({f:g} * {slo.budget:.6g})\n  and\n"
                f"  {record_name(p.short)}{{{sel}}} > ({f:g} * {slo.budget:.6g})\n)"
            )
        pairs_text = ", ".join(
            f"{format_duration(p.long)}/{format_duration(p.short)} at {p.factor(slo.window):.4g}x"
            for p in chosen
        )
        alerts.append(
            {
                "alert": f"{_camel(slo.name)}BurnRate{'Page' if severity == 'page' else 'Ticket'}",
                "expr": "\nor\n".join(clauses) + "\n",
                "for": "2m" if severity == "page" else "15m",
                "labels": {"severity": severity, **labels},
                "annotations": {
                    "summary": f"{slo.name} is burning its error budget too fast",
                    "description": (
                        f"Objective {slo.objective:.4%} over {format_duration(slo.window)}; "
                        f"burn rate above the threshold in both windows ({pairs_text})."
                    ),
                },
            }
        )
    return {
        "groups": [
            {"name": f"{slo.name}-sli", "rules": recording},
            {"name": f"{slo.name}-alerts", "rules": alerts},
        ]
    }


def rules_yaml(rules: dict[str, Any]) -> str:
    class _Literal(str):
        pass

    def literal(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
        style = "|" if "\n" in data else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    yaml.add_representer(str, literal, Dumper=yaml.SafeDumper)
    try:
        return yaml.safe_dump(rules, sort_keys=False, width=1000)
    finally:
        yaml.SafeDumper.yaml_representers.pop(str, None)
        yaml.SafeDumper.add_representer(str, yaml.SafeDumper.represent_str)


# --------------------------------------------------------------------------- recognition


@dataclass(frozen=True)
class RuleDef:
    kind: str  # "recording" or "alerting"
    name: str
    expr: str
    labels: dict[str, str]
    file: str = ""
    group: str = ""


@dataclass(frozen=True)
class Condition:
    window: timedelta  # the longest range the compared expression reads
    threshold: float  # as an error ratio
    selectors: frozenset[tuple[str, tuple[tuple[str, str, str], ...]]]


@dataclass(frozen=True)
class PairFound:
    alert: str
    file: str
    long: timedelta
    short: timedelta
    factor: float  # threshold / (1 - objective)


@dataclass(frozen=True)
class Coverage:
    slo: SLO
    found: tuple[PairFound, ...]
    covered: tuple[tuple[BurnWindow, PairFound | None], ...]

    @property
    def missing(self) -> tuple[BurnWindow, ...]:
        return tuple(w for w, hit in self.covered if hit is None)


def _key(s: Selector) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    return (s.name, s.matchers)


class RuleIndex:
    """Recording rules by name, to follow a selector to the expression it records."""

    def __init__(self, rules: list[RuleDef]) -> None:
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
    """The alert's clauses (``or``), each a list of ``and``-ed threshold conditions."""
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


def recognise(slo: SLO, rules: list[RuleDef], tolerance: float = 1.5) -> Coverage:
    """Which standard window pairs the alerting rules cover for ``slo``, by structure."""
    index = RuleIndex(rules)
    wanted = {_key(s) for s in slo.selectors()}
    found: list[PairFound] = []
    for r in rules:
        if r.kind != "alerting":
            continue
        try:
            clauses = conditions_of(r.expr, index)
        except promql.PromQLError:
            continue
        for conds in clauses:
            mine = [c for c in conds if wanted <= c.selectors]
            windows = sorted({c.window for c in mine})
            if len(windows) < 2:
                continue
            long_c = max(mine, key=lambda c: c.window)
            short = min(windows)
            found.append(
                PairFound(r.name, r.file, long_c.window, short, long_c.threshold / slo.budget)
            )
    covered = []
    for w in STANDARD_WINDOWS:
        want_f = w.factor(slo.window)
        hit = next(
            (
                p
                for p in found
                if w.long / tolerance <= p.long <= w.long * tolerance
                and p.short <= p.long / 4
                and want_f / tolerance <= p.factor <= want_f * tolerance
            ),
            None,
        )
        covered.append((w, hit))
    return Coverage(slo, tuple(found), tuple(covered))
