"""Multi-window multi-burn-rate tables: which (long, short, factor) pairs alert for an SLO
period, as the tools that generate them do.

Each table holds the four roles of the SRE workbook's scheme: two page pairs (quick,
slow) and two ticket pairs (quick, slow). The tables:

- **Sloth** (slok/sloth ``internal/alert/windows/google-30d.yaml`` and ``google-28d.yaml``):
  fixed windows 1h/5m, 6h/30m, 1d/2h, 3d/6h consuming 2 %, 5 %, 10 %, 10 % of the budget;
  the factor is ``share x period / long`` (14.4, 6, 3, 1 for 30d; 13.44, 5.6, 2.8, 0.933
  for 28d). These are also the SRE workbook's recommended parameters (table 5-8).
- **Sloth 7d**: the custom windows Sloth ships for 7-day periods (``examples/windows/7d.yaml``,
  used by its own integration tests): same windows, 8 %, 12.5 %, 20 %, 42 % of the budget
  (factors 13.44, 3.5, 1.4, 0.98).
- **Pyrra** (pyrra-dev/pyrra ``slo/rules.go`` ``Windows``): windows scale with the period
  (1h/5m, 6h/30m, 1d/2h, 4d/6h for 28d; a quarter of that for 7d), rounded to the minute,
  fixed factors 14, 7, 2, 1, and a ``for`` of half the short window.

Sloth refuses periods it has no table for; for those golive generates Pyrra's scaled
windows (a burn rate below 1 never alerts usefully, which scaling the factors would give).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..promql import parse_duration

PAGE, TICKET = "page", "ticket"
ROLES = ("page quick", "page slow", "ticket quick", "ticket slow")
_H = timedelta(hours=1)
_M = timedelta(minutes=1)
_FIXED = ((_H, 5 * _M), (6 * _H, 30 * _M), (24 * _H, 2 * _H), (72 * _H, 6 * _H))
_GOOGLE_PERCENTS = (2.0, 5.0, 10.0, 10.0)
_SLOTH_7D_PERCENTS = (8.0, 12.5, 20.0, 42.0)
D7, D28, D30 = timedelta(days=7), timedelta(days=28), timedelta(days=30)


@dataclass(frozen=True)
class BurnWindow:
    long: timedelta
    short: timedelta
    factor_value: float  # the burn-rate factor for the table's period
    role: str  # one of ROLES
    for_: timedelta | None = None  # the `for` the generator writes, when it writes one

    @property
    def severity(self) -> str:
        return PAGE if self.role.startswith(PAGE) else TICKET

    def factor(self, _period: timedelta | None = None) -> float:
        return self.factor_value

    def budget_share(self, period: timedelta) -> float:
        """Share of the period's budget spent in `long` at this factor."""
        return self.factor_value * (self.long / period)


@dataclass(frozen=True)
class WindowTable:
    name: str  # who generates it, shown in evidence
    period: timedelta
    pairs: tuple[BurnWindow, ...]

    def for_role(self, role: str) -> BurnWindow:
        return next(p for p in self.pairs if p.role == role)


def _speed(percent: float, period: timedelta, long: timedelta) -> float:
    """Sloth's getBurnRateFactor, in the same float order so factors print as Sloth's do
    (``20 * 168 / 100 / 24`` = 1.4000000000000001)."""
    hours = percent * (period.total_seconds() / 3600) / 100
    return hours / (long.total_seconds() / 3600)


def _fixed(name: str, period: timedelta, percents: tuple[float, ...]) -> WindowTable:
    pairs = tuple(
        BurnWindow(long, short, _speed(pct, period, long), role)
        for (long, short), pct, role in zip(_FIXED, percents, ROLES, strict=True)
    )
    return WindowTable(name, period, pairs)


def _round_minute(d: timedelta) -> timedelta:
    """Go's Duration.Round(time.Minute): halves away from zero."""
    m = d.total_seconds() / 60
    return timedelta(minutes=int(m + 0.5))


def pyrra(period: timedelta) -> WindowTable:
    """Pyrra's windows for any period (28d: 1h/5m 14x, 6h/30m 7x, 1d/2h 2x, 4d/6h 1x)."""

    def part(divisor: float) -> timedelta:
        return _round_minute(period / divisor)

    pairs = (
        BurnWindow(part(28 * 24), part(28 * 24 * 12), 14, ROLES[0], part(28 * 24 * 30)),
        BurnWindow(part(28 * 4), part(28 * 24 * 2), 7, ROLES[1], part(28 * 24 * 4)),
        BurnWindow(part(28), part(28 * 12), 2, ROLES[2], part(28 * 24)),
        BurnWindow(part(7), part(28 * 4), 1, ROLES[3], part(28 * 8)),
    )
    return WindowTable("Pyrra", period, pairs)


def sloth(period: timedelta) -> WindowTable | None:
    """Sloth's table for the period (30d, 28d built in; 7d its shipped custom windows)."""
    if period in (D30, D28):
        return _fixed(f"Sloth google-{period.days}d", period, _GOOGLE_PERCENTS)
    if period == D7:
        return _fixed("Sloth 7d windows", period, _SLOTH_7D_PERCENTS)
    return None


def generation_table(period: timedelta, custom: WindowTable | None = None) -> WindowTable:
    """What `golive rules` writes: the custom Sloth AlertWindows given for the period,
    else Sloth's table where Sloth has one, else Pyrra's."""
    return custom or sloth(period) or pyrra(period)


def accepted_tables(
    period: timedelta, custom: WindowTable | None = None
) -> tuple[WindowTable, ...]:
    """Every table whose pairs golive accepts for an SLO of this period: the custom Sloth
    AlertWindows given for it first. Besides the exact periods, Sloth's Google table is
    the SRE workbook's, accepted for periods from 28 to 31 days (a calendar month)."""
    out = [t for t in (custom, sloth(period)) if t is not None]
    if sloth(period) is None and D28 <= period <= timedelta(days=31):
        out.append(_fixed("SRE workbook", period, _GOOGLE_PERCENTS))
    out.append(pyrra(period))
    return tuple(out)


class WindowsSpecError(ValueError):
    """A Sloth AlertWindows spec that cannot be read; the message names the field."""


def sloth_alert_windows(doc: object, where: str) -> WindowTable:
    """A Sloth ``AlertWindows`` spec (``apiVersion: sloth.slok.dev/v1``; what Sloth's
    ``--slo-period-windows-path`` loads): its period and the four pairs, factors computed
    as Sloth computes them from each pair's ``errorBudgetPercent``."""
    if not isinstance(doc, dict) or doc.get("kind") != "AlertWindows":
        raise WindowsSpecError(f"{where}: kind: expected AlertWindows")
    if doc.get("apiVersion") != "sloth.slok.dev/v1":
        raise WindowsSpecError(f"{where}: apiVersion: expected sloth.slok.dev/v1")
    spec = doc.get("spec") or {}

    def duration(value: object, field: str) -> timedelta:
        try:
            return parse_duration(str(value))
        except ValueError as e:
            raise WindowsSpecError(f"{where}: {field}: {e}") from None

    period = duration(spec.get("sloPeriod"), "spec.sloPeriod")
    pairs = []
    for role in ROLES:
        severity, speed = role.split()
        field = f"spec.{severity}.{speed}"
        w = (spec.get(severity) or {}).get(speed)
        if not isinstance(w, dict):
            raise WindowsSpecError(f"{where}: {field}: required")
        pct = w.get("errorBudgetPercent")
        if not isinstance(pct, int | float) or isinstance(pct, bool) or not 0 < pct <= 100:
            raise WindowsSpecError(f"{where}: {field}.errorBudgetPercent: a number in (0, 100]")
        long = duration(w.get("longWindow"), f"{field}.longWindow")
        short = duration(w.get("shortWindow"), f"{field}.shortWindow")
        pairs.append(BurnWindow(long, short, _speed(float(pct), period, long), role))
    return WindowTable(f"Sloth AlertWindows {where}", period, tuple(pairs))
