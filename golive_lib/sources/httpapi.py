"""JSON over HTTP for the live sources (Prometheus, Alertmanager, Grafana), with typed errors.

Every failure raises a subclass of `HttpSourceError` whose message names the server and
what went wrong: unreachable (short connect timeout), too slow (``timeout_s`` bounds the
whole request, however slowly the answer drips), a 5xx, refused credentials, a client
error with the server's own message, an answer larger than ``max_bytes`` (streamed, never
held whole) or one that is not JSON.
Credentials travel in headers built in memory from environment variables; they are never
part of a message.
"""

from __future__ import annotations

import base64
import concurrent.futures
import functools
import json
import os
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..errors import SourceError

#: Default cap on one answer's body (configurable per server: ``max_answer_mb``).
MAX_ANSWER_BYTES = 10_000_000


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
    max_bytes: int = MAX_ANSWER_BYTES

    @property
    def source(self) -> str:
        return f"{self.kind} at {self.url}"

    def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        """GET ``path``: its JSON, within ``timeout_s`` for the WHOLE request (connect,
        headers and every byte of the body, however slowly they drip) and at most
        ``max_bytes`` of body (streamed: a larger answer is never held)."""
        url = self.url.rstrip("/") + path
        self.calls += 1
        cancel = threading.Event()
        future: concurrent.futures.Future[tuple[int, bytes]] = concurrent.futures.Future()

        def fetch() -> None:
            try:
                future.set_result(self._fetch(url, path, params, cancel))
            except BaseException as e:  # noqa: BLE001 - handed to the caller
                future.set_exception(e)

        # a thread of its own: one a server holds (headers dripping) delays no other request
        threading.Thread(target=fetch, name="golive-http", daemon=True).start()
        try:
            status, body = future.result(timeout=self.timeout_s)
        except concurrent.futures.TimeoutError:
            cancel.set()  # the fetch stops at its next chunk; its thread is not waited for
            raise TimedOut(
                self.source,
                f"timed out: no answer within {self.timeout_s:g} s ({path}; a total deadline)",
            ) from None
        server_message = _error_message(body)
        if status in (401, 403):
            raise AuthRefused(
                self.source,
                f"refused the credentials (HTTP {status}); check the auth settings "
                "and the environment variables they name",
            )
        if status >= 500:
            raise ServerError(
                self.source, f"answered HTTP {status} on {path}" + _detail(server_message), status
            )
        if status >= 400:
            raise ClientError(
                self.source,
                f"rejected the request (HTTP {status})" + _detail(server_message),
                status,
                server_message,
            )
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise BadResponse(
                self.source, f"answered {path} with something that is not JSON: {_text(body)!r}"
            ) from e
        except RecursionError:
            raise BadResponse(self.source, f"answered {path} with JSON nested too deeply") from None

    def _fetch(
        self, url: str, path: str, params: dict[str, str] | None, cancel: threading.Event
    ) -> tuple[int, bytes]:
        timeout = httpx.Timeout(self.timeout_s, connect=self.connect_timeout_s)
        try:
            with client().stream(
                "GET", url, params=params, headers=self.headers, timeout=timeout
            ) as r:
                size = int(r.headers.get("content-length") or 0)
                if size > self.max_bytes:
                    raise BadResponse(self.source, self._too_large(path))
                chunks: list[bytes] = []
                total = 0
                for chunk in r.iter_bytes():
                    if cancel.is_set():
                        return 0, b""  # the caller gave up at the deadline
                    total += len(chunk)
                    if total > self.max_bytes:
                        raise BadResponse(self.source, self._too_large(path))
                    chunks.append(chunk)
                return r.status_code, b"".join(chunks)
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

    def _too_large(self, path: str) -> str:
        return (
            f"answered {path} with more than {self.max_bytes / 1e6:g} MB; not read "
            "(raise max_answer_mb of this server in the parameters if that is expected)"
        )


def _text(body: bytes) -> str:
    return body[:120].decode("utf-8", errors="replace")


def _error_message(raw: bytes) -> str:
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return raw[:300].decode("utf-8", errors="replace").strip()
    if isinstance(body, dict):
        for key in ("error", "message"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return ""


def _detail(message: str) -> str:
    return f": {message}" if message else ""
