"""The HTTP API: routing and request handling (`IngestApp`) and the threaded server.

`IngestApp.handle` is independent of sockets, so it is unit-tested with in-memory
bodies; `_Handler` only adapts http.server to it.

Routes:
    POST /v1/accounts/{account}/events        one event object or an array -> 202 {"accepted": n}
    GET  /v1/accounts/{account}/events/count  -> 200 {"account": ..., "count": n}
    GET  /healthz                             liveness: the process serves requests
    GET  /readyz                              readiness: database and object store answer
    GET  /metrics                             Prometheus text format
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any
from urllib.parse import urlsplit

from . import __version__
from .faults import Faults
from .jsonlog import log, request_id_var
from .metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from .metrics import Metrics
from .storage import EventStore, StorageError
from .validation import ValidationError, parse_events, validate_account_id

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# A body declared over the limit is drained (up to this much) so the client reads
# the 413 instead of a reset connection; anything larger just closes the connection.
_DRAIN_LIMIT_BYTES = 8 * 1024 * 1024
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_EVENTS_RE = re.compile(r"^/v1/accounts/([^/]*)/events(/count)?/?$")

H_EVENTS = "/v1/accounts/{account}/events"
H_COUNT = "/v1/accounts/{account}/events/count"
H_UNMATCHED = "unmatched"
_QUIET_HANDLERS = frozenset({"/healthz", "/readyz", "/metrics"})  # access-logged at debug


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    close: bool = False


def json_response(status: int, obj: Any, **headers: str) -> Response:
    return Response(status, json.dumps(obj).encode() + b"\n", headers=dict(headers))


def error(status: int, message: str, **headers: str) -> Response:
    return json_response(status, {"error": message}, **headers)


class IngestApp:
    def __init__(
        self,
        store: EventStore,
        metrics: Metrics | None = None,
        faults: Faults | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        logger: logging.Logger | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics or Metrics()
        self.faults = faults or Faults()
        self.max_body_bytes = max_body_bytes
        self.logger = logger or logging.getLogger("ingest_api")

    # -- entry point -------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: IO[bytes]
    ) -> Response:
        """Answer one request; record its metrics and its access log line."""
        start = time.perf_counter()
        rid = headers.get("X-Request-Id", "")
        rid = rid if _REQUEST_ID_RE.match(rid) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        path = urlsplit(target).path
        handler, account = route_template(path), None
        try:
            handler, account, resp = self._route(method, path, headers, body)
        except Exception:
            self.logger.exception("unhandled error", extra={"fields": {"handler": handler}})
            resp = error(500, "internal error")
        elapsed = time.perf_counter() - start
        try:
            resp.headers["X-Request-Id"] = rid
            self.metrics.observe_request(handler, method, resp.status, elapsed)
            if resp.status >= 500:
                level = logging.ERROR
            elif handler in _QUIET_HANDLERS:
                level = logging.DEBUG
            else:
                level = logging.INFO
            log(
                self.logger,
                level,
                "request",
                method=method,
                handler=handler,
                account=account,
                status=resp.status,
                duration_ms=round(elapsed * 1000, 2),
            )
        finally:
            request_id_var.reset(token)
        return resp

    # -- routing -----------------------------------------------------------------------

    def _route(
        self, method: str, path: str, headers: Mapping[str, str], body: IO[bytes]
    ) -> tuple[str, str | None, Response]:
        if path in ("/healthz", "/readyz", "/metrics"):
            if method not in ("GET", "HEAD"):
                return path, None, error(405, "method not allowed", Allow="GET, HEAD")
            if path == "/healthz":
                return path, None, self._healthz()
            if path == "/readyz":
                return path, None, self._readyz()
            return path, None, self._metrics()
        m = _EVENTS_RE.match(path)
        if not m:
            return H_UNMATCHED, None, error(404, "not found")
        handler = route_template(path)
        want = "GET" if handler == H_COUNT else "POST"
        if method != want:
            return handler, None, error(405, "method not allowed", Allow=want)
        try:
            account = validate_account_id(m.group(1))
        except ValidationError as e:
            return handler, None, error(400, str(e))
        if want == "GET":
            return handler, account, self._api(lambda: self._count(account))
        return handler, account, self._ingest(account, headers, body)

    def _api(self, answer: Any) -> Response:
        """Apply the fault knobs, then answer."""
        self.faults.delay()
        if self.faults.should_fail():
            return error(500, "injected fault (INGEST_ERROR_RATE)")
        try:
            return answer()
        except StorageError as e:
            self.metrics.storage_errors.inc()
            log(self.logger, logging.ERROR, "storage error", error=str(e))
            return error(503, "storage unavailable, retry later", **{"Retry-After": "1"})

    # -- handlers ----------------------------------------------------------------------

    def _ingest(self, account: str, headers: Mapping[str, str], body: IO[bytes]) -> Response:
        raw_length = headers.get("Content-Length")
        if raw_length is None:
            return error(411, "Content-Length required")
        try:
            length = int(raw_length)
            if length < 0:
                raise ValueError
        except ValueError:
            return error(400, "bad Content-Length")
        if length > self.max_body_bytes:
            resp = error(413, f"body larger than {self.max_body_bytes} bytes")
            resp.close = length > _DRAIN_LIMIT_BYTES or not _drain(body, length)
            return resp
        try:
            data = body.read(length)
        except OSError:  # the client stalled past the socket timeout
            resp = error(408, "timed out reading the request body")
            resp.close = True
            return resp
        if len(data) != length:
            return error(400, "body shorter than Content-Length")

        def store() -> Response:
            try:
                events = parse_events(data)
            except ValidationError as e:
                return error(400, str(e))
            key = self.store.write_batch(account, events)
            self.metrics.events.labels(account).inc(len(events))
            log(
                self.logger,
                logging.INFO,
                "events stored",
                account=account,
                events=len(events),
                object_key=key,
            )
            return json_response(202, {"accepted": len(events)})

        return self._api(store)

    def _count(self, account: str) -> Response:
        return json_response(200, {"account": account, "count": self.store.count(account)})

    def _healthz(self) -> Response:
        return json_response(200, {"status": "ok", "version": __version__})

    def _readyz(self) -> Response:
        try:
            self.store.check()
        except StorageError as e:
            self.metrics.storage_errors.inc()
            log(self.logger, logging.WARNING, "not ready", error=str(e))
            # details go to the log only: the probe is unauthenticated
            return json_response(503, {"status": "unavailable"})
        return json_response(200, {"status": "ready"})

    def _metrics(self) -> Response:
        return Response(200, self.metrics.exposition(), content_type=METRICS_CONTENT_TYPE)


def route_template(path: str) -> str:
    """The metrics label of a path: its route template, so cardinality stays bounded."""
    if path in ("/healthz", "/readyz", "/metrics"):
        return path
    m = _EVENTS_RE.match(path)
    if not m:
        return H_UNMATCHED
    return H_COUNT if m.group(2) else H_EVENTS


def _drain(body: IO[bytes], length: int) -> bool:
    """Read and discard `length` bytes; False when the client stopped sending."""
    try:
        while length > 0:
            chunk = body.read(min(length, 64 * 1024))
            if not chunk:
                return False
            length -= len(chunk)
    except OSError:
        return False
    return True


class _Handler(BaseHTTPRequestHandler):
    server: IngestServer
    server_version = f"ingest-api/{__version__}"
    timeout = 30  # seconds a client may stall; bounds how long a graceful stop can wait

    def version_string(self) -> str:
        return self.server_version  # no Python version in the Server header

    def _dispatch(self) -> None:
        resp = self.server.app.handle(self.command, self.path, self.headers, self.rfile)
        try:
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.content_type)
            self.send_header("Content-Length", str(len(resp.body)))
            for name, value in resp.headers.items():
                self.send_header(name, value)
            if resp.close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        """Silence http.server's own access log: IngestApp logs JSON lines."""


class IngestServer(ThreadingHTTPServer):
    daemon_threads = False  # on stop, server_close() waits for requests in flight
    block_on_close = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: IngestApp) -> None:
        self.app = app
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
