"""A response double of Snowflake's REST API for snowflake-connector-python: a loopback
HTTP server answering the requests the real connector sends, in the JSON shapes it parses.

- ``POST /session/v1/login-request``: a session (tokens, role) for any user and password;
- ``POST /queries/v1/query-request``: the ``sqlText`` is run on golive's DuckDB stand-in
  of ACCOUNT_USAGE (seeded like the demo) and answered with ``queryResultFormat: json``
  (``rowtype`` names and types, ``rowset`` of strings; VARCHAR as ``text``, integers as
  ``fixed``, BOOLEAN as ``boolean`` "1"/"0"); a DuckDB error is answered as Snowflake's
  error shape (``success: false``, code 002003);
- ``/telemetry/send`` and ``/session?delete=true``: accepted.

What it leaves untested: that Snowflake's own SQL engine accepts golive's SQL and that the
ACCOUNT_USAGE views hold the columns and values golive assumes (the DuckDB tables are
golive's reading of the docs); authentication (passwords, key pairs, SSO, MFA); TLS and
OCSP (the double speaks plain HTTP on loopback); Arrow result batches and chunked
downloads (real accounts answer large results that way); query timeouts, retries and
session renewal. Every SQL text received is kept in ``queries``.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb

from golive_lib.sources.warehouse import ACCOUNT_USAGE_DDL

_LOGIN = {
    "token": "session-token",
    "masterToken": "master-token",
    "validityInSeconds": 3600,
    "masterValidityInSeconds": 14400,
    "displayUserName": "GOLIVE",
    "serverVersion": "9.0.0",
    "firstLogin": False,
    "remMeToken": None,
    "remMeValidityInSeconds": 0,
    "healthCheckInterval": 45,
    "newClientForUpgrade": None,
    "sessionId": 1,
    "parameters": [],
    "sessionInfo": {
        "databaseName": None,
        "schemaName": None,
        "warehouseName": None,
        "roleName": "GOLIVE_AUDITOR",
    },
    "idToken": None,
    "idTokenValidityInSeconds": 0,
    "responseData": None,
    "mfaToken": None,
    "mfaTokenValidityInSeconds": 0,
}


def _column(name: str, duck_type: str) -> dict[str, Any]:
    kind = duck_type.upper()
    base: dict[str, Any] = {
        "name": name,
        "database": "",
        "schema": "",
        "table": "",
        "nullable": True,
        "collation": None,
    }
    if kind == "BOOLEAN":
        return {
            **base,
            "type": "boolean",
            "byteLength": None,
            "length": None,
            "precision": None,
            "scale": None,
        }
    if kind in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"):
        return {
            **base,
            "type": "fixed",
            "byteLength": None,
            "length": None,
            "precision": 38,
            "scale": 0,
        }
    return {
        **base,
        "type": "text",
        "byteLength": 16777216,
        "length": 16777216,
        "precision": None,
        "scale": None,
    }


def _cell(value: Any, duck_type: str) -> str | None:
    if value is None:
        return None
    if duck_type.upper() == "BOOLEAN":
        return "1" if value else "0"
    return str(value)


class SnowflakeDouble:
    def __init__(self, seeds: list[Path]) -> None:
        self.queries: list[str] = []
        self._db = duckdb.connect(":memory:")
        self._db.execute("ATTACH ':memory:' AS SNOWFLAKE")
        self._db.execute(ACCOUNT_USAGE_DDL)
        for seed in seeds:
            self._db.execute(seed.read_text(encoding="utf-8"))
        self._lock = threading.Lock()

    def answer(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path.startswith("/session/v1/login-request"):
            return {"data": _LOGIN, "code": None, "message": None, "success": True}
        if path.startswith("/queries/v1/query-request"):
            sql = str(body["sqlText"])
            self.queries.append(sql)
            with self._lock:
                try:
                    cur = self._db.execute(sql)
                    rows = cur.fetchall()
                    desc = cur.description or []
                except duckdb.Error as e:
                    return {
                        "data": {"queryId": "01-double", "sqlState": "42000"},
                        "code": "002003",
                        "message": str(e),
                        "success": False,
                    }
            types = [str(d[1]) for d in desc]
            return {
                "data": {
                    "parameters": [],
                    "rowtype": [_column(d[0], t) for d, t in zip(desc, types, strict=True)],
                    "rowset": [[_cell(v, t) for v, t in zip(r, types, strict=True)] for r in rows],
                    "total": len(rows),
                    "returned": len(rows),
                    "queryId": f"01-double-{len(self.queries)}",
                    "finalRoleName": "GOLIVE_AUDITOR",
                    "numberOfBinds": 0,
                    "arrayBindSupported": False,
                    "statementTypeId": 4096,
                    "version": 1,
                    "sendResultTime": 1,
                    "queryResultFormat": "json",
                },
                "code": None,
                "message": None,
                "success": True,
            }
        return {"data": None, "code": None, "message": None, "success": True}


@contextmanager
def snowflake_double(seeds: list[Path]) -> Iterator[tuple[SnowflakeDouble, int]]:
    """The double listening on 127.0.0.1; yields it and its port."""
    double = SnowflakeDouble(seeds)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Encoding") == "gzip":
                raw = gzip.decompress(raw)
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {}
            out = json.dumps(double.answer(self.path, body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double, int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
