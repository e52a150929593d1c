"""Alertmanager's API v2 status (its loaded configuration) and its routing tree, walked
exactly as Alertmanager does: matchers, legacy `match`/`match_re` (anchored regexes),
first matching child wins unless it has `continue: true`, receivers inherited."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .. import yamlload
from .httpapi import BadResponse, Endpoint

_MATCHER_RE = re.compile(
    r'^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^,"}]*?))\s*$'
)
# Integrations: every `*_configs` key of a receiver that Alertmanager knows.
INTEGRATION_KEYS = (
    "email_configs",
    "pagerduty_configs",
    "slack_configs",
    "webhook_configs",
    "opsgenie_configs",
    "victorops_configs",
    "pushover_configs",
    "wechat_configs",
    "sns_configs",
    "telegram_configs",
    "discord_configs",
    "webex_configs",
    "msteams_configs",
)


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str  # =, !=, =~, !~
    value: str

    def matches(self, labels: dict[str, str]) -> bool:
        got = labels.get(self.name, "")
        if self.op == "=":
            return got == self.value
        if self.op == "!=":
            return got != self.value
        hit = re.fullmatch(self.value, got) is not None
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


def parse_matcher(text: str) -> Matcher:
    m = _MATCHER_RE.match(text)
    if not m:
        raise ValueError(f"not a matcher: {text!r}")
    value = m.group(3) if m.group(3) is not None else (m.group(4) or "")
    value = value.replace('\\"', '"').replace("\\\\", "\\")
    return Matcher(m.group(1), m.group(2), value)


def parse_matchers(items: list[str]) -> list[Matcher]:
    out = []
    for item in items:
        body = item.strip()
        if body.startswith("{") and body.endswith("}"):
            body = body[1:-1]
        for part in _split_commas(body):
            if part.strip():
                out.append(parse_matcher(part))
    return out


def _split_commas(text: str) -> list[str]:
    parts, buf, quoted = [], "", False
    for i, ch in enumerate(text):
        if ch == '"' and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(buf)
            buf = ""
        else:
            buf += ch
    parts.append(buf)
    return parts


@dataclass(frozen=True)
class Route:
    receiver: str
    matchers: tuple[Matcher, ...]
    continue_: bool
    routes: tuple[Route, ...]
    path: str  # "route", "route.routes[1]", ...

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


def parse_route(raw: dict[str, Any], parent_receiver: str = "", path: str = "route") -> Route:
    receiver = str(raw.get("receiver") or parent_receiver)
    matchers = parse_matchers([str(m) for m in raw.get("matchers") or []])
    for name, value in (raw.get("match") or {}).items():
        matchers.append(Matcher(str(name), "=", str(value)))
    for name, value in (raw.get("match_re") or {}).items():
        matchers.append(Matcher(str(name), "=~", str(value)))
    children = tuple(
        parse_route(child, receiver, f"{path}.routes[{i}]")
        for i, child in enumerate(raw.get("routes") or [])
    )
    return Route(receiver, tuple(matchers), bool(raw.get("continue", False)), children, path)


@dataclass(frozen=True)
class Receiver:
    name: str
    integrations: tuple[str, ...]  # e.g. ("webhook_configs",)


@dataclass(frozen=True)
class AlertmanagerConfig:
    route: Route
    receivers: dict[str, Receiver]
    original: str = field(repr=False, default="")

    def receivers_for(self, labels: dict[str, str]) -> list[tuple[Route, Receiver | None]]:
        return [(r, self.receivers.get(r.receiver)) for r in self.route.match(labels)]


def parse_config(text: str) -> AlertmanagerConfig:
    data = yamlload.safe_load(text) or {}
    if not isinstance(data, dict) or not isinstance(data.get("route"), dict):
        raise ValueError("the configuration has no route")
    receivers = {}
    for r in data.get("receivers") or []:
        name = str(r.get("name"))
        receivers[name] = Receiver(name, tuple(k for k in INTEGRATION_KEYS if r.get(k)))
    return AlertmanagerConfig(parse_route(data["route"]), receivers, text)


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
