"""Alertmanager's API v2 status (its loaded configuration) and its routing tree, walked
exactly as Alertmanager does: matchers (`am_matchers`: Alertmanager's grammar, RE2
regexes), legacy `match`/`match_re` (anchored regexes), first matching child wins unless
it has `continue: true`, receivers inherited; and when each matched route is silenced by
its `mute_time_intervals` or `active_time_intervals` (`am_timeintervals`).

The public questions other modules ask: `AlertmanagerConfig.receivers_for(labels)` (which
routes and receivers), `AlertmanagerConfig.deliveries(labels, at)` (each of those with the
times it is silenced over the next week) and `AlertmanagerConfig.notifies(labels, at)`
(does someone get notified at every minute of that week)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from .. import yamlload
from .am_matchers import Matcher, MatcherError, parse_matcher, parse_matchers
from .am_timeintervals import (
    STEP,
    Interval,
    Span,
    TimeIntervalError,
    in_any,
    mask,
    mask_spans,
    parse_named,
)
from .httpapi import BadResponse, Endpoint

__all__ = [
    "INTEGRATION_KEYS",
    "AlertmanagerClient",
    "AlertmanagerConfig",
    "Delivery",
    "Matcher",
    "MatcherError",
    "Receiver",
    "Route",
    "parse_config",
    "parse_matcher",
    "parse_matchers",
    "parse_route",
]

# Integrations: every `*_configs` key of a receiver that Alertmanager knows (config.go's
# Receiver, Alertmanager 0.29).
INTEGRATION_KEYS = (
    "discord_configs",
    "email_configs",
    "incidentio_configs",
    "pagerduty_configs",
    "slack_configs",
    "webhook_configs",
    "opsgenie_configs",
    "wechat_configs",
    "pushover_configs",
    "victorops_configs",
    "sns_configs",
    "telegram_configs",
    "webex_configs",
    "msteams_configs",
    "msteamsv2_configs",
    "jira_configs",
    "rocketchat_configs",
    "mattermost_configs",
)
HORIZON = timedelta(days=7)


@dataclass(frozen=True)
class Route:
    receiver: str
    matchers: tuple[Matcher, ...]
    continue_: bool
    routes: tuple[Route, ...]
    path: str  # "route", "route.routes[1]", ...
    mute_time_intervals: tuple[str, ...] = ()  # not inherited (dispatch/route.go)
    active_time_intervals: tuple[str, ...] = ()

    def match(self, labels: dict[str, str]) -> list[Route]:
        """The routes an alert with these labels ends at (Alertmanager's Route.Match)."""
        if not all(m.matches(labels) for m in self.matchers):
            return []
        found: list[Route] = []
        for child in self.routes:
            hits = child.match(labels)
            found += hits
            if hits and not child.continue_:
                break
        return found or [self]


def _names(raw: Any) -> list[str]:
    return [str(x) for x in raw or []]


def parse_route(raw: dict[str, Any], parent_receiver: str = "", path: str = "route") -> Route:
    receiver = str(raw.get("receiver") or parent_receiver)
    matchers: list[Matcher] = []
    for name, value in (raw.get("match") or {}).items():
        matchers.append(Matcher(str(name), "=", str(value)))
    for name, value in (raw.get("match_re") or {}).items():
        matchers.append(Matcher(str(name), "=~", str(value)))
    for item in raw.get("matchers") or []:
        matchers += parse_matchers(str(item))
    children = tuple(
        parse_route(child, receiver, f"{path}.routes[{i}]")
        for i, child in enumerate(raw.get("routes") or [])
    )
    return Route(
        receiver,
        tuple(matchers),
        bool(raw.get("continue", False)),
        children,
        path,
        tuple(_names(raw.get("mute_time_intervals"))),
        tuple(_names(raw.get("active_time_intervals"))),
    )


@dataclass(frozen=True)
class Receiver:
    name: str
    integrations: tuple[str, ...]  # e.g. ("webhook_configs",)


@dataclass(frozen=True)
class Delivery:
    """One route an alert ends at, its receiver, and when the route is silenced."""

    route: Route
    receiver: Receiver | None
    silenced_now: str | None  # why it is silenced at the instant asked about, else None
    silenced: tuple[Span, ...] = ()  # over the horizon, UTC
    notes: tuple[str, ...] = ()  # what golive assumed reading the route's time intervals

    @property
    def has_integration(self) -> bool:
        return self.receiver is not None and bool(self.receiver.integrations)


@dataclass(frozen=True)
class AlertmanagerConfig:
    route: Route
    receivers: dict[str, Receiver]
    original: str = field(repr=False, default="")
    intervals: dict[str, tuple[Interval, ...]] = field(default_factory=dict)

    def receivers_for(self, labels: dict[str, str]) -> list[tuple[Route, Receiver | None]]:
        return [(r, self.receivers.get(r.receiver)) for r in self.route.match(labels)]

    def silenced_by(self, route: Route, at: datetime) -> str | None:
        """Why ``route`` sends nothing at ``at`` (Alertmanager's TimeMuteStage and
        TimeActiveStage), or None when it sends."""
        muting = [n for n in route.mute_time_intervals if in_any(self.intervals[n], at)]
        if muting:
            return f"within mute_time_intervals {', '.join(muting)}"
        active = route.active_time_intervals
        if active and not any(in_any(self.intervals[n], at) for n in active):
            return f"outside active_time_intervals {', '.join(active)}"
        return None

    def silenced_mask(self, route: Route, at: datetime, horizon: timedelta = HORIZON) -> int:
        """Bit i set: ``route`` is silenced at minute i of ``horizon`` from ``at`` (rounded
        down to the minute)."""
        start, count = _grid(at, horizon)
        full = (1 << count) - 1
        muted = 0
        for name in route.mute_time_intervals:
            muted |= mask(self.intervals[name], start, count)
        if not route.active_time_intervals:
            return muted
        active = 0
        for name in route.active_time_intervals:
            active |= mask(self.intervals[name], start, count)
        return muted | (full & ~active)

    def deliveries(
        self, labels: dict[str, str], at: datetime, horizon: timedelta = HORIZON
    ) -> list[Delivery]:
        """Each route the alert ends at, silenced now or not, and its silenced spans over
        ``horizon`` from ``at`` (minute by minute)."""
        out = []
        start, count = _grid(at, horizon)
        for route, receiver in self.receivers_for(labels):
            spans = mask_spans(self.silenced_mask(route, at, horizon), start, count)
            names = (*route.mute_time_intervals, *route.active_time_intervals)
            notes = sorted({f"{n}: {i.note}" for n in names for i in self.intervals[n] if i.note})
            silenced_now = self.silenced_by(route, at)
            out.append(Delivery(route, receiver, silenced_now, tuple(spans), tuple(notes)))
        return out

    def unnotified(
        self, labels: dict[str, str], at: datetime, horizon: timedelta = HORIZON
    ) -> list[Span]:
        """The spans over ``horizon`` in which no route the alert ends at notifies anyone
        (no receiver with an integration, or every such route silenced)."""
        start, count = _grid(at, horizon)
        nobody = (1 << count) - 1
        for route, receiver in self.receivers_for(labels):
            if receiver is not None and receiver.integrations:
                nobody &= self.silenced_mask(route, at, horizon)
        return mask_spans(nobody, start, count)

    def notifies(self, labels: dict[str, str], at: datetime, horizon: timedelta = HORIZON) -> bool:
        """True when, at every minute of ``horizon`` from ``at``, a route the alert ends at
        has a receiver with an integration and is not silenced."""
        return not self.unnotified(labels, at, horizon)


def _grid(at: datetime, horizon: timedelta) -> tuple[datetime, int]:
    return at.astimezone(UTC).replace(second=0, microsecond=0), int(horizon / STEP)


def parse_config(text: str) -> AlertmanagerConfig:
    data = yamlload.safe_load(text) or {}
    if not isinstance(data, dict) or not isinstance(data.get("route"), dict):
        raise ValueError("the configuration has no route")
    receivers = {}
    for r in data.get("receivers") or []:
        name = str(r.get("name"))
        receivers[name] = Receiver(name, tuple(k for k in INTEGRATION_KEYS if r.get(k)))
    intervals = parse_named(
        [*(data.get("time_intervals") or []), *(data.get("mute_time_intervals") or [])]
    )
    route = parse_route(data["route"])
    _check_interval_names(route, intervals)
    return AlertmanagerConfig(route, receivers, text, intervals)


def _check_interval_names(route: Route, intervals: dict[str, tuple[Interval, ...]]) -> None:
    for name in (*route.mute_time_intervals, *route.active_time_intervals):
        if name not in intervals:
            raise TimeIntervalError(f"{route.path}: time interval {name!r} is not defined")
    for child in route.routes:
        _check_interval_names(child, intervals)


class AlertmanagerClient:
    def __init__(
        self,
        url: str,
        headers: dict[str, str] | None = None,
        timeout_s: float = 10.0,
        connect_timeout_s: float = 2.0,
    ) -> None:
        self.endpoint = Endpoint(
            "Alertmanager", url, dict(headers or {}), timeout_s, connect_timeout_s
        )

    @property
    def source(self) -> str:
        return self.endpoint.source

    def config(self) -> AlertmanagerConfig:
        """The configuration Alertmanager runs (``/api/v2/status``), parsed."""
        body = self.endpoint.get_json("/api/v2/status")
        try:
            text = body["config"]["original"]
            return parse_config(str(text))
        except (KeyError, TypeError, ValueError, yaml.YAMLError) as e:
            raise BadResponse(self.source, f"/api/v2/status: unreadable configuration: {e}") from e
