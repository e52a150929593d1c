"""Prometheus' HTTP API: instant and range queries, rules, runtime flags.

Returns frozen dataclasses; raises the typed errors of `httpapi` (unreachable, timed out,
5xx, refused credentials, not JSON) and `QueryRejected` when Prometheus refuses a PromQL
expression (the expression and Prometheus' own message are kept). An empty result is
data, not an error: the checks decide what "no data" means.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .httpapi import MAX_ANSWER_BYTES, BadResponse, ClientError, Endpoint

MAX_POINTS = 11_000  # Prometheus refuses range queries of more points per series


class QueryRejected(ClientError):
    """Prometheus refused the expression (bad PromQL, or a range too fine)."""

    def __init__(self, source: str, query: str, server_message: str, status: int) -> None:
        super().__init__(
            source,
            f"rejected the query {query!r}: {server_message}",
            status,
            server_message,
        )
        self.query = query


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float
    at: datetime


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    points: tuple[tuple[datetime, float], ...]


@dataclass(frozen=True)
class Rule:
    kind: str  # "recording" or "alerting"
    name: str  # the recorded metric or the alert name
    query: str
    labels: dict[str, str]
    group: str
    file: str
    for_s: float = 0.0
    health: str = ""
    state: str = ""  # alerting rules: inactive, pending, firing
    annotations: dict[str, str] = field(default_factory=dict)  # alerting rules


@dataclass(frozen=True)
class Alert:
    """An active alert as Prometheus sees it (pending or firing)."""

    name: str
    state: str  # pending or firing
    labels: dict[str, str]
    annotations: dict[str, str]
    active_at: datetime | None = None


@dataclass(frozen=True)
class RuleGroup:
    name: str
    file: str
    rules: tuple[Rule, ...]


def _ts(at: datetime) -> str:
    return f"{at.timestamp():.3f}"


def _value(raw: Any) -> float:
    try:
        return float(raw)
    except (TypeError, ValueError):
        return math.nan


class PrometheusClient:
    def __init__(
        self,
        url: str,
        headers: dict[str, str] | None = None,
        timeout_s: float = 10.0,
        connect_timeout_s: float = 2.0,
        max_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self.endpoint = Endpoint(
            "Prometheus",
            url,
            dict(headers or {}),
            timeout_s,
            connect_timeout_s,
            max_bytes=max_bytes,
        )

    @property
    def url(self) -> str:
        return self.endpoint.url

    @property
    def calls(self) -> int:
        return self.endpoint.calls

    @property
    def source(self) -> str:
        return self.endpoint.source

    def _api(self, path: str, params: dict[str, str] | None = None, query: str = "") -> Any:
        try:
            body = self.endpoint.get_json(path, params)
        except ClientError as e:
            if query and e.status in (400, 422):
                raise QueryRejected(self.source, query, e.server_message, e.status) from e
            raise
        if not isinstance(body, dict) or body.get("status") != "success" or "data" not in body:
            raise BadResponse(self.source, f"unexpected answer on {path}: {str(body)[:160]}")
        return body["data"]

    def query(self, expr: str, at: datetime | None = None) -> list[Sample]:
        """An instant query; a scalar result becomes one sample without labels."""
        params = {"query": expr}
        if at is not None:
            params["time"] = _ts(at)
        data = self._api("/api/v1/query", params, expr)
        with self._shape("/api/v1/query"):
            return self._instant(data, expr)

    def _instant(self, data: Any, expr: str) -> list[Sample]:
        kind, result = data.get("resultType"), data.get("result")
        if kind == "vector" and isinstance(result, list):
            return [
                Sample(
                    _labels(r.get("metric", {})),
                    _value(r["value"][1]),
                    datetime.fromtimestamp(float(r["value"][0]), UTC),
                )
                for r in result
            ]
        if kind == "scalar" and isinstance(result, list):
            return [Sample({}, _value(result[1]), datetime.fromtimestamp(float(result[0]), UTC))]
        raise BadResponse(self.source, f"unexpected result type {kind!r} for {expr!r}")

    def query_range(
        self, expr: str, start: datetime, end: datetime, step: timedelta
    ) -> list[Series]:
        params = {
            "query": expr,
            "start": _ts(start),
            "end": _ts(end),
            "step": f"{step.total_seconds():g}",
        }
        data = self._api("/api/v1/query_range", params, expr)
        with self._shape("/api/v1/query_range"):
            if data.get("resultType") != "matrix":
                raise BadResponse(self.source, f"unexpected range result for {expr!r}")
            return [
                Series(
                    _labels(r.get("metric", {})),
                    tuple(
                        (datetime.fromtimestamp(float(t), UTC), _value(v)) for t, v in r["values"]
                    ),
                )
                for r in data["result"]
            ]

    def rules(self) -> list[RuleGroup]:
        data = self._api("/api/v1/rules")
        with self._shape("/api/v1/rules"):
            return self._rules(data)

    def _rules(self, data: Any) -> list[RuleGroup]:
        groups = []
        for g in data.get("groups", []):
            rules = tuple(
                Rule(
                    kind="alerting" if r.get("type") == "alerting" else "recording",
                    name=str(r.get("name", "")),
                    query=str(r.get("query", "")),
                    labels=dict(r.get("labels") or {}),
                    group=str(g.get("name", "")),
                    file=str(g.get("file", "")),
                    for_s=float(r.get("duration") or 0),
                    health=str(r.get("health", "")),
                    state=str(r.get("state", "")),
                    annotations={
                        str(k): str(v) for k, v in dict(r.get("annotations") or {}).items()
                    },
                )
                for r in g.get("rules", [])
            )
            groups.append(RuleGroup(str(g.get("name", "")), str(g.get("file", "")), rules))
        return groups

    def alerts(self) -> list[Alert]:
        """The active alerts (GET /api/v1/alerts): pending and firing, not resolved ones."""
        data = self._api("/api/v1/alerts")
        with self._shape("/api/v1/alerts"):
            return self._alerts(data)

    def _alerts(self, data: Any) -> list[Alert]:
        found = []
        for a in data.get("alerts", []) if isinstance(data, dict) else []:
            labels = {str(k): str(v) for k, v in dict(a.get("labels") or {}).items()}
            active = a.get("activeAt")
            try:
                at = datetime.fromisoformat(str(active).replace("Z", "+00:00")) if active else None
            except ValueError:
                at = None
            found.append(
                Alert(
                    name=labels.get("alertname", ""),
                    state=str(a.get("state", "")),
                    labels=labels,
                    annotations={
                        str(k): str(v) for k, v in dict(a.get("annotations") or {}).items()
                    },
                    active_at=at,
                )
            )
        return found

    def flags(self) -> dict[str, str]:
        data = self._api("/api/v1/status/flags")
        with self._shape("/api/v1/status/flags"):
            return {str(k): str(v) for k, v in dict(data).items()}

    @contextlib.contextmanager
    def _shape(self, path: str) -> Iterator[None]:
        """Data of a shape the API does not give (a list for an object, a missing field, a
        value that is no number) becomes a BadResponse naming the endpoint."""
        try:
            yield
        except (AttributeError, KeyError, IndexError, TypeError, ValueError, OverflowError) as e:
            raise BadResponse(
                self.source,
                f"answered {path} with data of an unexpected shape ({type(e).__name__}: "
                f"{str(e)[:120]})",
            ) from e


def _labels(raw: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(raw or {}).items()}
