"""The HTTP sources' bounds: a total deadline however the answer drips (headers or body),
a size cap whether the size is announced or not, JSON too deep; and a request a server
holds delays no other one.

A fake on purpose: a loopback server that misbehaves as no real Prometheus can be made to;
the real-Prometheus tests (tests/sources/test_prometheus.py) cover the API itself."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from golive_lib.sources.httpapi import BadResponse, Endpoint, TimedOut

OK = b'{"status":"success","data":{}}'


class _Handler(BaseHTTPRequestHandler):
    mode = "ok"

    def do_GET(self) -> None:  # noqa: N802
        try:
            if self.mode == "drip-headers":
                for byte in b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.1)
                return
            self.send_response(200)
            if self.mode == "huge":
                self.send_header("Content-Length", str(800 * 2**20))
            self.end_headers()
            if self.mode == "drip-body":
                for byte in OK:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.1)
            elif self.mode in ("huge", "huge-unannounced"):
                for _ in range(800 * 16):
                    self.wfile.write(b" " * 65536)
            elif self.mode == "deep":
                self.wfile.write(b"[" * 100_000 + b"]" * 100_000)
            else:
                self.wfile.write(OK)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def server(mode: str) -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_Handler,), {"mode": mode}))
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("mode", ["drip-headers", "drip-body"])
def test_a_dripping_answer_ends_at_the_total_deadline(mode: str) -> None:
    with server(mode) as url:
        ep = Endpoint("Prometheus", url, timeout_s=1.0, connect_timeout_s=1.0)
        started = time.monotonic()
        with pytest.raises(TimedOut, match="a total deadline"):
            ep.get_json("/api/v1/query")
        assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("mode", ["huge", "huge-unannounced"])
def test_an_answer_past_the_cap_is_refused_unread(mode: str) -> None:
    with server(mode) as url:
        ep = Endpoint("Prometheus", url, timeout_s=30, max_bytes=1_000_000)
        started = time.monotonic()
        with pytest.raises(BadResponse, match="more than 1 MB"):
            ep.get_json("/api/v1/query")
        assert time.monotonic() - started < 5


def test_json_nested_too_deeply_is_a_bad_response() -> None:
    with server("deep") as url, pytest.raises(BadResponse, match="nested too deeply"):
        Endpoint("Prometheus", url, timeout_s=10).get_json("/api/v1/query")


def test_requests_a_server_holds_delay_no_other_request() -> None:
    with server("drip-headers") as slow, server("ok") as fast:
        held = Endpoint("Prometheus", slow, timeout_s=0.3, connect_timeout_s=1.0)
        for _ in range(12):  # more than any pool of threads would hold
            with pytest.raises(TimedOut):
                held.get_json("/")
        started = time.monotonic()
        assert Endpoint("Prometheus", fast, timeout_s=2).get_json("/") == {
            "status": "success",
            "data": {},
        }
        assert time.monotonic() - started < 1
