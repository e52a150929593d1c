"""The SLO model: one internal `SLO`, its units converted once, at the loaders.

Objectives are ratios in 0..1, windows are timedeltas; an SLI's queries hold Sloth's
``{{.window}}`` placeholder. The parameters file (`ratio_slo`, `latency_slo`) and the
Sloth and OpenSLO files (`specs`) build it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import promql
from ..promql import Selector, format_duration, parse_duration
from .windows import WindowTable

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
