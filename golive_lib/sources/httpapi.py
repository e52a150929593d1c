"""JSON over HTTP for the live sources (Prometheus, Alertmanager, Grafana), with typed errors.

Every failure raises a subclass of `HttpSourceError` whose message names the server and
what went wrong: unreachable (short connect timeout), too slow, a 5xx, refused
credentials, a client error with the server's own message, or an answer that is not JSON.
Credentials travel in headers built in memory from environment variables; they are never
part of a message.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import ssl
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..errors import SourceError


class HttpSourceError(SourceError):
    """A live source could not answer. ``source`` is e.g. "Prometheus at http://..."."""


class Unreachable(HttpSourceError):
    pass


class TimedOut(HttpSourceError):
    pass


class ServerError(HttpSourceError):
    def __init__(self, source: str, message: str, status: int) -> None:
        super().__init__(source, message)
        self.status = status


class AuthRefused(HttpSourceError):
    pass


class ClientError(HttpSourceError):
    """4xx other than auth: for Prometheus, a query it rejected (``server_message``)."""

    def __init__(self, source: str, message: str, status: int, server_message: str) -> None:
        super().__init__(source, message)
        self.status = status
        self.server_message = server_message


class BadResponse(HttpSourceError):
    pass


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verifying TLS context, built once per process: httpx builds a new one for each
    request otherwise, loading the CA bundle each time (~40 ms, most of a loopback call)."""
    return httpx.create_ssl_context()


_clients: dict[int, httpx.Client] = {}


def client() -> httpx.Client:
    """This process's client: its connections to each server are kept and reused (a
    `httpx.get` built a client, its transport and a connection per call: ~15 ms of CPU
    each, 13 calls in the observability section). Keyed by process: a forked child must
    not use its parent's connections (nor close them: the parent's entry stays as is)."""
    pid = os.getpid()
    if pid not in _clients:
        _clients[pid] = httpx.Client(verify=tls_context())
    return _clients[pid]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(username: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@dataclass
class Endpoint:
    """One server's base URL, its auth headers and timeouts; counts the calls made."""

    kind: str  # "Prometheus", "Alertmanager", "Grafana"
    url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    timeout_s: float = 10.0
    connect_timeout_s: float = 2.0
    calls: int = 0

    @property
    def source(self) -> str:
        return f"{self.kind} at {self.url}"

    def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        url = self.url.rstrip("/") + path
        timeout = httpx.Timeout(self.timeout_s, connect=self.connect_timeout_s)
        self.calls += 1
        try:
            r = client().get(url, params=params, headers=self.headers, timeout=timeout)
        except httpx.ConnectTimeout as e:
            raise Unreachable(
                self.source, f"unreachable: no connection within {self.connect_timeout_s:g} s"
            ) from e
        except httpx.TimeoutException as e:
            raise TimedOut(
                self.source, f"timed out: no answer within {self.timeout_s:g} s ({path})"
            ) from e
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as e:
            raise Unreachable(self.source, f"unreachable: {e or type(e).__name__}") from e
        except httpx.HTTPError as e:
            raise Unreachable(self.source, f"request failed: {type(e).__name__}: {e}") from e
        server_message = _error_message(r)
        if r.status_code in (401, 403):
            raise AuthRefused(
                self.source,
                f"refused the credentials (HTTP {r.status_code}); check the auth settings "
                "and the environment variables they name",
            )
        if r.status_code >= 500:
            raise ServerError(
                self.source,
                f"answered HTTP {r.status_code} on {path}" + _detail(server_message),
                r.status_code,
            )
        if r.status_code >= 400:
            raise ClientError(
                self.source,
                f"rejected the request (HTTP {r.status_code})" + _detail(server_message),
                r.status_code,
                server_message,
            )
        try:
            return r.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise BadResponse(
                self.source, f"answered {path} with something that is not JSON: {r.text[:120]!r}"
            ) from e


def _error_message(r: httpx.Response) -> str:
    try:
        body = r.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return r.text.strip()[:300]
    if isinstance(body, dict):
        for key in ("error", "message"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return ""


def _detail(message: str) -> str:
    return f": {message}" if message else ""
