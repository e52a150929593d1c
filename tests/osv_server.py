"""A loopback OSV API for the tests: a FAKE of https://api.osv.dev.

The real OSV server (google/osv.dev) cannot run on this machine: it is a Google Cloud
application (Datastore, Cloud Storage, Pub/Sub workers) with no installable package, and
there is no internet here to reach api.osv.dev. So this small HTTP server speaks the
documented OSV API (https://google.github.io/osv.dev/api/) on 127.0.0.1 and serves real
advisory records from tests/data/security/osv/ (GitHub Advisory Database, OSV schema):

- ``POST /v1/query``: ``{"package": {"name", "ecosystem"} | {"purl"}, "version"}`` ->
  ``{"vulns": [full records]}``, or ``{}`` when nothing affects that version;
- ``POST /v1/querybatch``: ``{"queries": [...]}`` -> ``{"results": [{"vulns": [{"id",
  "modified"}]} | {}]}`` in the order asked (ids and ``modified`` only, as osv.dev does);
- ``GET /v1/vulns/{id}``: one record, 404 when unknown;
- a bad query (no package, version and purl version together) is HTTP 400 with the
  gRPC-gateway error body osv.dev sends (``{"code": 3, "message": ...}``).

Versions are matched as osv.dev does for PyPI: names PEP 503-normalised, ECOSYSTEM ranges
(introduced/fixed/last_affected events) compared as PEP 440 versions, plus ``versions``
lists. What it leaves untested: osv.dev's real data and its fuzzy version matching for
other ecosystems, pagination (``next_page_token``; never needed for a few records),
commit queries, rate limits, TLS, and osv.dev's answers to malformed JSON.

`served` records every request (path and body) so a test can see what pip-audit asked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import integration_fixture
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

RECORDS = Path(__file__).resolve().parent / "data" / "security" / "osv"


def load_records(folder: Path = RECORDS) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def _in_range(version: Version, events: list[dict[str, str]]) -> bool:
    """OSV's ECOSYSTEM range semantics: sorted events; introduced opens, fixed closes
    (exclusive), last_affected closes (inclusive)."""

    def key(e: dict[str, str]) -> Version:
        value = next(iter(e.values()))
        return Version("0") if value == "0" else Version(value)

    affected = False
    for event in sorted(events, key=key):
        kind, value = next(iter(event.items()))
        at = Version("0") if value == "0" else Version(value)
        if kind == "introduced" and version >= at:
            affected = True
        elif kind == "fixed" and version >= at:
            affected = False
        elif kind == "last_affected" and version > at:
            affected = False
    return affected


def affects(record: dict[str, Any], ecosystem: str, name: str, version: str) -> bool:
    try:
        v = Version(version)
    except InvalidVersion:
        return False
    for aff in record.get("affected", []):
        pkg = aff.get("package", {})
        if pkg.get("ecosystem") != ecosystem:
            continue
        if canonicalize_name(pkg.get("name", "")) != canonicalize_name(name):
            continue
        if version in aff.get("versions", []):
            return True
        for r in aff.get("ranges", []):
            if r.get("type") == "ECOSYSTEM" and _in_range(v, r.get("events", [])):
                return True
    return False


class BadQuery(ValueError):
    pass


def _package(query: dict[str, Any]) -> tuple[str, str, str]:
    pkg = query.get("package")
    version = query.get("version")
    if not isinstance(pkg, dict):
        raise BadQuery("Invalid query.")
    purl = pkg.get("purl")
    if purl:
        if version:
            raise BadQuery("version specified in params and PURL query param")
        # pkg:pypi/name@version
        body = str(purl).split(":", 1)[-1]
        eco_name, _, purl_version = body.partition("@")
        eco, _, name = eco_name.partition("/")
        return {"pypi": "PyPI"}.get(eco, eco), name, purl_version
    if not pkg.get("name") or not pkg.get("ecosystem") or not version:
        raise BadQuery("Invalid query.")
    return str(pkg["ecosystem"]), str(pkg["name"]), str(version)


@dataclass
class FakeOsv:
    url: str
    records: list[dict[str, Any]]
    served: list[tuple[str, Any]] = field(default_factory=list)

    def query(self, q: dict[str, Any]) -> list[dict[str, Any]]:
        ecosystem, name, version = _package(q)
        return [r for r in self.records if affects(r, ecosystem, name, version)]


def _handler(osv: FakeOsv) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass

        def _send(self, status: int, doc: Any) -> None:
            data = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            osv.served.append((self.path, None))
            prefix = "/v1/vulns/"
            if self.path.startswith(prefix):
                wanted = self.path[len(prefix) :]
                for r in osv.records:
                    if r["id"] == wanted:
                        return self._send(200, r)
                return self._send(404, {"code": 5, "message": "Bug not found.", "details": []})
            return self._send(404, {"code": 5, "message": "Not Found", "details": []})

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                return self._send(400, {"code": 3, "message": "Invalid JSON", "details": []})
            osv.served.append((self.path, body))
            try:
                if self.path == "/v1/query":
                    found = osv.query(body)
                    return self._send(200, {"vulns": found} if found else {})
                if self.path == "/v1/querybatch":
                    results = []
                    for q in body.get("queries", []):
                        found = osv.query(q)
                        results.append(
                            {"vulns": [{"id": r["id"], "modified": r["modified"]} for r in found]}
                            if found
                            else {}
                        )
                    return self._send(200, {"results": results})
            except BadQuery as e:
                return self._send(400, {"code": 3, "message": str(e), "details": []})
            return self._send(404, {"code": 5, "message": "Not Found", "details": []})

    return Handler


@contextmanager
def running_osv(records: list[dict[str, Any]] | None = None) -> Iterator[FakeOsv]:
    """Serve the OSV API on a free loopback port; always stop it."""
    osv = FakeOsv(url="", records=load_records() if records is None else records)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(osv))
    osv.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-osv", daemon=True
    )
    thread.start()
    try:
        yield osv
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
@integration_fixture  # pip-audit runs against it
def osv_api() -> Iterator[FakeOsv]:
    with running_osv() as osv:
        yield osv
