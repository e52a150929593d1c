"""Alertmanager's time intervals (``time_intervals``, and the deprecated top-level
``mute_time_intervals`` of the same shape), parsed and evaluated as Alertmanager's
``timeinterval`` package does.

A named interval is a list of intervals, any of which may contain an instant. An
interval's fields (``times``, ``weekdays``, ``days_of_month``, ``months``, ``years``) must
all contain it; a field left out contains everything. ``times`` are half-open
``[start_time, end_time)`` minutes of the day; the other ranges are inclusive; negative
days of the month count from the month's end (clamped to the month, as Alertmanager does).
The instant is taken in ``location`` (an IANA zone; UTC when absent). ``Local`` means the
Alertmanager host's zone, which golive cannot see: it is read as UTC and `Interval.note`
says so.

A route's ``mute_time_intervals`` silence it while any of them contains the instant; its
``active_time_intervals`` silence it while none does. Neither is inherited by child routes
(dispatch/route.go sets both from the route's own configuration).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = {
    "sunday": 0,
    "monday": 1,
    "tuesday": 2,
    "wednesday": 3,
    "thursday": 4,
    "friday": 5,
    "saturday": 6,
}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
STEP = timedelta(minutes=1)


class TimeIntervalError(ValueError):
    """A time interval Alertmanager would refuse to load."""


Range = tuple[int, int]


def _range(text: Any, names: dict[str, int] | None, what: str) -> Range:
    raw = str(text).strip().lower()
    parts = raw.split(":")
    if len(parts) > 2 or not all(parts):
        raise TimeIntervalError(f"{what}: {text!r} is not a value or a begin:end range")

    def member(p: str) -> int:
        if names is not None and p in names:
            return names[p]
        try:
            return int(p)
        except ValueError:
            raise TimeIntervalError(f"{what}: {p!r} is not valid") from None

    begin = member(parts[0])
    end = member(parts[-1])
    return begin, end


def _minutes(text: Any, what: str) -> int:
    raw = str(text).strip()
    hh, sep, mm = raw.partition(":")
    if not sep or not (hh.isdigit() and mm.isdigit()) or len(hh) != 2 or len(mm) != 2:
        raise TimeIntervalError(f"{what}: {text!r} is not HH:MM")
    h, m = int(hh), int(mm)
    if h > 24 or m > 59 or (h == 24 and m):
        raise TimeIntervalError(f"{what}: {text!r} is out of range")
    return h * 60 + m


@dataclass(frozen=True)
class Interval:
    """One entry of a named time interval. ``None``: the field was left out."""

    times: tuple[Range, ...] | None = None  # minutes of the day, [start, end)
    weekdays: tuple[Range, ...] | None = None  # 0 = Sunday
    days_of_month: tuple[Range, ...] | None = None
    months: tuple[Range, ...] | None = None
    years: tuple[Range, ...] | None = None
    location: str | None = None
    note: str = ""

    def zone(self) -> ZoneInfo:
        if not self.location or self.location in ("UTC", "Local"):
            return ZoneInfo("UTC")
        return ZoneInfo(self.location)

    def contains(self, at: datetime) -> bool:
        t = at.astimezone(self.zone())
        if self.times is not None:
            minute = t.hour * 60 + t.minute
            if not any(start <= minute < end for start, end in self.times):
                return False
        if self.days_of_month is not None:
            days = calendar.monthrange(t.year, t.month)[1]
            hit = False
            for b, e in self.days_of_month:
                begin = days + b + 1 if b < 0 else b
                end = days + e + 1 if e < 0 else e
                if begin > days:
                    continue
                begin = max(-days, min(begin, days))
                end = max(-days, min(end, days))
                if begin <= t.day <= end:
                    hit = True
                    break
            if not hit:
                return False
        if self.months is not None and not any(b <= t.month <= e for b, e in self.months):
            return False
        weekday = (t.weekday() + 1) % 7  # Python: Monday 0; Go: Sunday 0
        if self.weekdays is not None and not any(b <= weekday <= e for b, e in self.weekdays):
            return False
        return not (self.years is not None and not any(b <= t.year <= e for b, e in self.years))


def _ranges(
    raw: Any, names: dict[str, int] | None, what: str, low: int, high: int
) -> tuple[Range, ...] | None:
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        b, e = _range(item, names, what)
        if not (low <= b <= high and low <= e <= high):
            raise TimeIntervalError(f"{what}: {item!r} is out of range")
        if b > e and not (what == "days_of_month" and b > 0 > e):
            raise TimeIntervalError(f"{what}: {item!r} begins after it ends")
        out.append((b, e))
    return tuple(out)


def parse_interval(raw: Any) -> Interval:
    if not isinstance(raw, dict):
        raise TimeIntervalError(f"a time interval is a mapping, not {raw!r}")
    times = None
    if raw.get("times") is not None:
        times = tuple(
            (_minutes(t.get("start_time"), "start_time"), _minutes(t.get("end_time"), "end_time"))
            for t in raw["times"]
        )
        for start, end in times:
            if start >= end:
                raise TimeIntervalError("times: start_time must be before end_time")
    days = _ranges(raw.get("days_of_month"), None, "days_of_month", -31, 31)
    if days and any(0 in r for r in days):
        raise TimeIntervalError("days_of_month: 0 is not a day of the month")
    if days and any(b < 0 < e for b, e in days):
        raise TimeIntervalError("days_of_month: end day must be negative if start day is")
    location = raw.get("location")
    note = ""
    if location is not None:
        location = str(location)
        if location == "Local":
            note = "location Local is the Alertmanager host's zone: read as UTC"
        elif location != "UTC":
            try:
                ZoneInfo(location)
            except (ZoneInfoNotFoundError, ValueError) as e:
                raise TimeIntervalError(f"location {location!r} is not a known time zone") from e
    return Interval(
        times=times,
        weekdays=_ranges(raw.get("weekdays"), WEEKDAYS, "weekdays", 0, 6),
        days_of_month=days,
        months=_ranges(raw.get("months"), MONTHS, "months", 1, 12),
        years=_ranges(raw.get("years"), None, "years", 0, 9999),
        location=location,
        note=note,
    )


def parse_named(sections: Iterable[Any]) -> dict[str, tuple[Interval, ...]]:
    """``time_intervals`` and ``mute_time_intervals`` entries: name -> intervals."""
    out: dict[str, tuple[Interval, ...]] = {}
    for entry in sections:
        if not isinstance(entry, dict) or not entry.get("name"):
            raise TimeIntervalError(f"a named time interval needs a name: {entry!r}")
        name = str(entry["name"])
        if name in out:
            raise TimeIntervalError(f"time interval {name!r} is defined twice")
        out[name] = tuple(parse_interval(i) for i in entry.get("time_intervals") or [])
    return out


def in_any(intervals: Sequence[Interval], at: datetime) -> bool:
    return any(i.contains(at) for i in intervals)


@lru_cache(maxsize=512)
def mask(intervals: tuple[Interval, ...], start: datetime, count: int) -> int:
    """Bit i set: one of ``intervals`` contains minute i from ``start`` (cached: every alert
    of a review asks about the same week)."""
    bits = 0
    for i in range(count):
        if in_any(intervals, start + STEP * i):
            bits |= 1 << i
    return bits


def mask_spans(bits: int, start: datetime, count: int) -> list[Span]:
    """The runs of set bits as spans of minutes from ``start``."""
    out: list[Span] = []
    i = 0
    while bits >> i and i < count:
        if not (bits >> i) & 1:
            i += 1
            continue
        j = i
        while j < count and (bits >> j) & 1:
            j += 1
        out.append(Span(start + STEP * i, start + STEP * j))
        i = j
    return out


@dataclass(frozen=True)
class Span:
    """[start, end) in UTC."""

    start: datetime
    end: datetime

    def __str__(self) -> str:
        fmt = "%a %Y-%m-%d %H:%M"
        return f"{self.start.strftime(fmt)} to {self.end.strftime(fmt)} UTC"
