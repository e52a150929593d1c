"""SLOs: one internal model, its units, the maths, and burn-rate rules as Sloth writes them.

Spec, model, output (as Sloth): the parameters file, Sloth and OpenSLO files
(`slo_specs`) are loaded into `SLO`. Units are converted once, at the loaders:
objectives are ratios in 0..1, windows are timedeltas. The maths is small pure
functions; the window tables are data (`burnwindows`); recognising alerts is `burnrate`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from . import promql
from .burnwindows import PAGE, TICKET, BurnWindow, WindowTable, generation_table
from .promql import Selector, format_duration, parse_duration, prometheus_duration

WINDOW = "{{.window}}"  # Sloth's placeholder; the canonical one in the model
_PLACEHOLDERS = re.compile(r"\{\{\s*\.window\s*\}\}|\$window\b|\$\{window\}")
DEFAULT_SLOTH_WINDOW = timedelta(days=30)  # Sloth's default period
RAW_TOTAL = "vector(1)"  # the total of an SLI given as an error ratio (Sloth's raw)
# Sloth SLO plugins whose output is Sloth's default generation (or that only validate)
DEFAULT_PLUGINS = frozenset(
    {
        "sloth.dev/core/sli_rules/v1",
        "sloth.dev/core/metadata_rules/v1",
        "sloth.dev/core/alert_rules/v1",
        "sloth.dev/core/validate/v1",
        "sloth.dev/core/debug/v1",
        "sloth.dev/contrib/validate_victoria_metrics/v1",
    }
)


class SLOSpecError(ValueError):
    """An SLO spec that cannot be loaded; the message names the file and the field."""


@dataclass(frozen=True)
class Alerting:
    """Sloth's ``alerting`` block: one alert name for both alerts, common labels and
    annotations, and per-severity ones."""

    name: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    page_labels: dict[str, str] = field(default_factory=dict)
    page_annotations: dict[str, str] = field(default_factory=dict)
    ticket_labels: dict[str, str] = field(default_factory=dict)
    ticket_annotations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SLO:
    name: str  # unique: Sloth's id (service-name), OpenSLO's metadata.name
    objective: float  # ratio in 0..1, e.g. 0.995
    window: timedelta
    errors: str  # PromQL of bad events per second, with {{.window}} for the range
    total: str  # PromQL of all events per second, with {{.window}}
    description: str = ""
    source: str = "parameters"  # where it was defined
    kind: str = "ratio"  # "ratio" or "latency"
    labels: dict[str, str] = field(default_factory=dict)  # the spec's labels, on every rule
    service: str = ""  # Sloth's service
    short_name: str = ""  # Sloth's slos[].name (sloth_slo)
    alerting: Alerting | None = None  # the spec's alerting block, when it has one
    disabled: dict[str, str] = field(default_factory=dict)  # severity -> the spec field
    percent: float | None = None  # the objective as the spec wrote it in percent (Sloth)
    calendar: str = ""  # "", or the calendar unit of the window: day, week, month, ...
    windows: WindowTable | None = None  # Sloth AlertWindows given for this period
    plugins: tuple[str, ...] = ()  # Sloth SLO plugin ids (they shape Sloth's rules)
    spec: str = ""  # the spec version read: prometheus/v1, sloth.slok.dev/v1, openslo/...

    @property
    def budget(self) -> float:
        """The error budget as a ratio of events (1 - objective); from a percentage as
        Sloth computes it, ``(100 - 99.9) / 100``, so generated thresholds print alike."""
        if self.percent is not None:
            return (100 - self.percent) / 100
        return 1.0 - self.objective

    def period_at(self, at: datetime) -> timedelta:
        """The window compliance is computed over at ``at``: the rolling window, or the
        part of the current calendar period (UTC) elapsed so far."""
        if not self.calendar:
            return self.window
        at = at.astimezone(UTC)
        start = at.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.calendar == "week":
            start -= timedelta(days=start.weekday())
        elif self.calendar == "month":
            start = start.replace(day=1)
        elif self.calendar == "quarter":
            start = start.replace(day=1, month=(start.month - 1) // 3 * 3 + 1)
        elif self.calendar == "year":
            start = start.replace(day=1, month=1)
        return max(at - start, timedelta(minutes=5))

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


# --------------------------------------------------------------------------- maths


BURN_WINDOWS = (timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(days=3))


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
    return f"slo:sli_error:ratio_rate{prometheus_duration(window)}"


def sloth_ids(slo: SLO) -> dict[str, str]:
    """Sloth's identifying labels (sloth_id, sloth_service, sloth_slo)."""
    sloth_id = f"{slo.service}-{slo.short_name}" if slo.service and slo.short_name else slo.name
    return {
        "sloth_id": sloth_id,
        "sloth_service": slo.service or slo.name,
        "sloth_slo": slo.short_name or slo.name,
    }


def _filter(ids: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{_esc(v)}"' for k, v in ids.items()) + "}"


def go_float(x: float) -> str:
    """A float as Go's fmt prints it (Sloth's templates): shortest round-trip digits,
    ``6`` not ``6.0``."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _clause(p: BurnWindow, ids: dict[str, str], budget: float) -> str:
    sel, threshold = _filter(ids), f"({go_float(p.factor_value)} * {go_float(budget)})"
    return (
        "(\n"
        f"    max({record_name(p.short)}{sel} > {threshold}) without (sloth_window)\n"
        "    and\n"
        f"    max({record_name(p.long)}{sel} > {threshold}) without (sloth_window)\n"
        ")"
    )


def _sli_expr(slo: SLO, w: timedelta) -> str:
    """Sloth's SLI recording: ``(errors)/(total)``; a raw error ratio in parentheses."""
    if slo.total == RAW_TOTAL:
        return f"({slo.errors_at(w)})\n"
    return f"({slo.errors_at(w)})\n/\n({slo.total_at(w)})\n"


def generate_rules(
    slo: SLO, pairs: tuple[BurnWindow, ...] | None = None, *, meta: bool = False
) -> dict[str, Any]:
    """A Prometheus rule file as ``sloth generate`` writes it: SLI recording rules of the
    error ratio per window (labelled sloth_id/sloth_service/sloth_slo/sloth_window and the
    spec's labels) and a page and a ticket alert of two multi-window conditions each, with
    Sloth's windows and factors for the SLO's period (`burnwindows.generation_table`).
    With ``pairs``, only those pairs (what a review found missing); with ``meta``, Sloth's
    period-window and metadata recording rules too."""
    table = generation_table(slo.window, slo.windows)
    pairs = table.pairs if pairs is None else pairs
    ids = sloth_ids(slo)
    windows = sorted({w for p in table.pairs for w in (p.long, p.short)})
    windows = [w for w in windows if any(w in (p.long, p.short) for p in pairs)] or windows
    common = {**slo.labels, **ids}
    recording: list[dict[str, Any]] = [
        {
            "record": record_name(w),
            "expr": _sli_expr(slo, w),
            "labels": {**common, "sloth_window": prometheus_duration(w)},
        }
        for w in windows
    ]
    groups: list[dict[str, Any]] = [
        {"name": f"sloth-slo-sli-recordings-{slo.name}", "rules": recording}
    ]
    if meta:
        recording.append(_period_rule(slo, ids, common))
        groups.append({"name": f"sloth-slo-meta-recordings-{slo.name}", "rules": _meta(slo, ids)})
    alerting = slo.alerting or Alerting()
    alerts = []
    for severity in (PAGE, TICKET):
        chosen = [p for p in pairs if p.severity == severity]
        if not chosen or severity in slo.disabled:
            continue
        quick_first = sorted(chosen, key=lambda p: p.long)
        extra_labels = alerting.page_labels if severity == PAGE else alerting.ticket_labels
        extra_ann = alerting.page_annotations if severity == PAGE else alerting.ticket_annotations
        default = f"{_camel(slo.name)}BurnRate{'Page' if severity == PAGE else 'Ticket'}"
        title = (
            f"({severity}) {{{{$labels.sloth_service}}}} {{{{$labels.sloth_slo}}}} SLO error "
            "budget burn rate is too fast."
        )
        summary = (
            "{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is "
            "over expected."
        )
        alerts.append(
            {
                "alert": alerting.name or default,
                "expr": "\nor\n".join(_clause(p, ids, slo.budget) for p in quick_first) + "\n",
                "labels": {**alerting.labels, **extra_labels, "sloth_severity": severity},
                "annotations": {
                    "title": title,
                    "summary": summary,
                    **alerting.annotations,
                    **extra_ann,
                },
            }
        )
    if alerts:
        groups.append({"name": f"sloth-slo-alerts-{slo.name}", "rules": alerts})
    return {"groups": groups}


def _period_rule(slo: SLO, ids: dict[str, str], common: dict[str, str]) -> dict[str, Any]:
    """Sloth's SLI over the whole period: the mean of the 5m ratio."""
    w = prometheus_duration(slo.window)
    five = f"{record_name(timedelta(minutes=5))}{_filter(ids)}"
    return {
        "record": f"slo:sli_error:ratio_rate{w}",
        "expr": f"sum_over_time({five}[{w}])\n/ ignoring (sloth_window)\n"
        f"count_over_time({five}[{w}])\n",
        "labels": {**common, "sloth_window": w},
    }


def _meta(slo: SLO, ids: dict[str, str]) -> list[dict[str, Any]]:
    sel, w = _filter(ids), prometheus_duration(slo.window)
    labels = {**slo.labels, **ids}
    on = "/ on(sloth_id, sloth_slo, sloth_service) group_left\n"
    rows = [
        ("slo:objective:ratio", f"vector({go_float(slo.objective)})"),
        ("slo:error_budget:ratio", f"vector(1-{go_float(slo.objective)})"),
        ("slo:time_period:days", f"vector({slo.window / timedelta(days=1):g})"),
        (
            "slo:current_burn_rate:ratio",
            f"slo:sli_error:ratio_rate5m{sel}\n{on}slo:error_budget:ratio{sel}\n",
        ),
        (
            "slo:period_burn_rate:ratio",
            f"slo:sli_error:ratio_rate{w}{sel}\n{on}slo:error_budget:ratio{sel}\n",
        ),
        ("slo:period_error_budget_remaining:ratio", f"1 - slo:period_burn_rate:ratio{sel}"),
    ]
    pct = go_float(slo.percent if slo.percent is not None else slo.objective * 100)
    info = {
        **labels,
        "sloth_mode": "cli-gen-prom",
        "sloth_objective": pct,
        "sloth_spec": slo.spec or "golive",
        "sloth_version": "golive",
    }
    return [{"record": r, "expr": e, "labels": dict(labels)} for r, e in rows] + [
        {"record": "sloth_slo_info", "expr": "vector(1)", "labels": info}
    ]


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
