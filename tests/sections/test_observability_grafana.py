"""observability.dashboards read from Grafana's HTTP API, and observability.logging from a
command (``log_command``): both run for real (a real HTTP server, real subprocesses)."""

from __future__ import annotations

import copy
import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from conftest import EXAMPLE_PARAMS, EXAMPLE_REPO
from procs import gone_within, hanging_command

from golive_lib.demo.processes import free_port
from golive_lib.model import Status
from golive_lib.params import Params, load_params
from golive_lib.sections import observability as obs

TOKEN = "glsa_s3cr3t-token-for-the-test"  # noqa: S105 - a throwaway value for the fake


class FakeGrafana(ThreadingHTTPServer):
    """A stand-in for Grafana: Grafana itself cannot be installed here (no offline package).

    It answers the two documented endpoints golive reads, with Grafana's shapes:
    ``GET /api/search?type=dash-db`` (a list of ``{uid, title, type, ...}``) and
    ``GET /api/dashboards/uid/<uid>`` (``{"dashboard": {...}, "meta": {...}}``, 404
    ``{"message": "Dashboard not found"}``), and refuses a request without the expected
    bearer token with 401 ``{"message": "Unauthorized"}`` like Grafana does.

    What it leaves untested: the real Grafana's pagination and folder permissions (search
    returns at most ``limit`` hits, 1000 by default, and only what the token may read),
    service-account token scopes, library panels (stored apart from the dashboard, so their
    queries are not in the dashboard JSON) and dashboards provisioned under other types.
    """

    def __init__(self, dashboards: dict[str, dict[str, Any]], token: str | None) -> None:
        self.dashboards = dashboards
        self.token = token
        self.auth_seen: list[str | None] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeGrafana

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - stdlib's name
        auth = self.headers.get("Authorization")
        self.server.auth_seen.append(auth)
        if self.server.token and auth != f"Bearer {self.server.token}":
            self._send(401, {"message": "Unauthorized"})
            return
        url = urlparse(self.path)
        if url.path == "/api/search":
            kind = parse_qs(url.query).get("type", ["dash-db"])[0]
            hits = [
                {
                    "id": n,
                    "uid": uid,
                    "title": d.get("title", uid),
                    "uri": f"db/{uid}",
                    "url": f"/d/{uid}/{uid}",
                    "type": "dash-db",
                    "tags": d.get("tags", []),
                    "isStarred": False,
                }
                for n, (uid, d) in enumerate(self.server.dashboards.items(), 1)
            ]
            self._send(200, hits if kind == "dash-db" else [])
        elif url.path.startswith("/api/dashboards/uid/"):
            uid = url.path.removeprefix("/api/dashboards/uid/")
            if uid not in self.server.dashboards:
                self._send(404, {"message": "Dashboard not found"})
                return
            meta = {"type": "db", "slug": uid, "url": f"/d/{uid}/{uid}", "folderTitle": "General"}
            self._send(200, {"dashboard": self.server.dashboards[uid], "meta": meta})
        else:
            self._send(404, {"message": "Not found"})


def _example_dashboard() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        (EXAMPLE_REPO / "dashboards" / "ingest-api.json").read_text(encoding="utf-8")
    )
    return doc


@pytest.fixture
def grafana() -> Iterator[FakeGrafana]:
    server = FakeGrafana({"ingest-api": _example_dashboard()}, TOKEN)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def params_with(tmp_path: Path, observability: dict[str, Any]) -> Params:
    data = yaml.safe_load(EXAMPLE_PARAMS.read_text())
    data["repository"] = str(EXAMPLE_REPO)
    data["observability"] = {**data["observability"], **observability}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_params(path)


def grafana_params(tmp_path: Path, url: str) -> Params:
    """Dashboards from Grafana only (no committed file), the token from GRAFANA_TOKEN."""
    server = {"url": url, "auth": {"kind": "bearer", "token_env": "GRAFANA_TOKEN"}}
    return params_with(tmp_path, {"grafana": server, "dashboards": [], "prometheus": {"url": None}})


def dashboards_check(params: Params) -> tuple[obs.ObservabilityEvidence, Any]:
    ev = obs.ObservabilityEvidence()
    ev.slos, ev.spec_errors = obs.load_slos(params)
    obs.collect_grafana(params, ev)
    return ev, obs.dashboards(ev, params)


def test_a_grafana_dashboard_with_a_panel_per_slo_passes_and_sends_the_token(
    tmp_path: Path, grafana: FakeGrafana, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAFANA_TOKEN", TOKEN)
    params = grafana_params(tmp_path, grafana.url)
    ev, c = dashboards_check(params)
    assert c.status is Status.PASS, c.summary
    assert len(ev.slos) == 3 and f"each of {len(ev.slos)} SLOs" in c.summary
    assert {e.label for e in c.evidence} == {s.name for s in ev.slos}
    assert all(e.location == "grafana:ingest-api" for e in c.evidence)
    # one search and one dashboard read, each with the bearer token from the variable
    assert grafana.auth_seen == [f"Bearer {TOKEN}"] * 2
    assert TOKEN not in c.model_dump_json()


def test_a_grafana_dashboard_missing_an_slo_panel_fails_naming_it(
    tmp_path: Path, grafana: FakeGrafana, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAFANA_TOKEN", TOKEN)
    doc = copy.deepcopy(_example_dashboard())
    params = grafana_params(tmp_path, grafana.url)
    latency = next(s for s in obs.load_slos(params)[0] if s.name.endswith("latency"))
    metrics = {sel.name for sel in latency.selectors()}
    assert metrics == {
        "http_request_duration_seconds_bucket",
        "http_request_duration_seconds_count",
    }

    def strip(node: Any) -> Any:  # drop every panel querying the latency SLO's metrics
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items()}
        if isinstance(node, list):
            return [
                strip(v)
                for v in node
                if not (isinstance(v, dict) and any(m in json.dumps(v) for m in metrics))
            ]
        return node

    grafana.dashboards = {"ingest-api": strip(doc), "ops": {"title": "ops", "panels": []}}
    ev, c = dashboards_check(params)
    assert c.status is Status.FAIL
    assert c.data["missing"] == [latency.name] and latency.name in c.summary
    assert set(ev.dashboards) == {"grafana:ingest-api", "grafana:ops"}


def test_grafana_refusing_the_token_or_down_is_an_error_naming_it(
    tmp_path: Path, grafana: FakeGrafana, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAFANA_TOKEN", "not-the-token")
    ev, c = dashboards_check(grafana_params(tmp_path, grafana.url))
    assert c.status is Status.ERROR
    assert "Grafana at " + grafana.url in c.summary and "credentials" in c.summary
    assert "not-the-token" not in c.model_dump_json()

    monkeypatch.delenv("GRAFANA_TOKEN")
    _, c = dashboards_check(grafana_params(tmp_path, grafana.url))
    assert c.status is Status.ERROR and "GRAFANA_TOKEN is not set" in c.summary

    monkeypatch.setenv("GRAFANA_TOKEN", TOKEN)
    down = f"http://127.0.0.1:{free_port()}"
    params = grafana_params(tmp_path, down)
    started = time.monotonic()
    ev, c = dashboards_check(params)
    assert time.monotonic() - started < 10
    assert c.status is Status.ERROR and f"Grafana at {down}" in c.summary
    assert "unreachable" in c.summary and TOKEN not in c.model_dump_json()


def test_grafana_down_is_an_error_even_with_committed_dashboards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reviewer asked for the deployed dashboards: the committed files do not stand in."""
    down = f"http://127.0.0.1:{free_port()}"
    params = params_with(tmp_path, {"grafana": {"url": down}, "prometheus": {"url": None}})
    ev = obs.collect(params)
    assert "dashboards/ingest-api.json" in ev.dashboards  # the files were read
    c = obs.dashboards(ev, params)
    assert c.status is Status.ERROR and down in c.summary


# --------------------------------------------------------------------------- log_command

_PRINT_LOGS = r"""
import json, sys
for i in range(19):
    print(json.dumps({"ts": "2026-11-27T04:00:00Z", "level": "info", "request_id": f"r{i}",
                      "msg": "ingested"}))
print('ts=2026-11-27T04:00:01Z level=warn request_id=r19 msg="slow write" ms=312')
print("noise on stderr", file=sys.stderr)
"""


def log_params(tmp_path: Path, command: list[str], **extra: Any) -> Params:
    return params_with(tmp_path, {"log_command": command, "log_sample": None, **extra})


def logging_check(params: Params) -> tuple[obs.ObservabilityEvidence, Any]:
    ev = obs.ObservabilityEvidence()
    obs.collect_logs(params, ev)
    return ev, obs.logging(ev, params)


def test_logs_from_a_command_json_and_logfmt_pass(tmp_path: Path) -> None:
    command = [sys.executable, "-c", _PRINT_LOGS]
    ev, c = logging_check(log_params(tmp_path, command))
    assert ev.log_lines is not None and len(ev.log_lines) == 20  # stdout only
    assert c.status is Status.PASS, c.summary
    assert c.data["lines"] == 20 and c.data["structured"] == 1.0 and c.data["with_id"] == 1.0
    assert c.evidence[0].location == " ".join(command)


def test_logs_from_a_command_with_pii_fail(tmp_path: Path) -> None:
    script = _PRINT_LOGS + "print(json.dumps({'ts': 't', 'level': 'info', 'to': 'a.b' + '@x.org'}))"
    _, c = logging_check(log_params(tmp_path, [sys.executable, "-c", script]))
    assert c.status is Status.FAIL and "email" in c.summary
    assert "a.b@x.org" not in c.model_dump_json()


def test_a_failing_log_command_is_an_error_with_its_stderr(tmp_path: Path) -> None:
    script = "import sys; print('{}'); sys.exit('kubectl: context prod not found')"
    _, c = logging_check(log_params(tmp_path, [sys.executable, "-c", script]))
    assert c.status is Status.ERROR
    assert "exited 1" in c.summary and "context prod not found" in c.summary

    _, c = logging_check(log_params(tmp_path, ["/nonexistent/logcli", "query"]))
    assert c.status is Status.ERROR and "could not start" in c.summary


def test_a_hanging_log_command_is_stopped_at_its_timeout(tmp_path: Path) -> None:
    script = 'import time; print(\'{"level": "info"}\', flush=True); time.sleep(60)'
    params = log_params(tmp_path, [sys.executable, "-c", script], log_command_timeout_s=1)
    started = time.monotonic()
    _, c = logging_check(params)
    assert time.monotonic() - started < 10
    assert c.status is Status.ERROR
    assert "did not finish within 1 s" in c.summary and "log_command_timeout_s" in c.summary


def test_a_stopped_log_command_leaves_no_child_running(tmp_path: Path) -> None:
    """A log command that starts a child which ignores SIGTERM (a port-forward, a pager):
    once golive says the command was stopped, nothing of its process group runs."""
    pidfile = tmp_path / "child.pid"
    command = hanging_command(pidfile, first_line='{"level": "info"}')
    params = log_params(tmp_path, command, log_command_timeout_s=1)
    _, c = logging_check(params)
    assert c.status is Status.ERROR and "it was stopped" in c.summary
    assert pidfile.exists(), "the log command never started its child"
    assert gone_within(int(pidfile.read_text()), 5), "a child of the stopped command survived"


def test_committed_dashboards_are_read_from_the_repositorys_one_listing(tmp_path: Path) -> None:
    """In a git work tree the dashboard globs match what git lists: a committed dashboard
    is read, one in a .gitignored folder (build output) is not, and `./` prefixes work."""
    import subprocess

    from golive_lib.sources import grafana

    panel = {"panels": [{"targets": [{"expr": "sum(rate(x[5m]))"}]}]}
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "api.json").write_text(json.dumps(panel))
    (tmp_path / "build" / "dashboards").mkdir(parents=True)
    (tmp_path / "build" / "dashboards" / "old.json").write_text(json.dumps(panel))
    (tmp_path / ".gitignore").write_text("build/\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    found, errors = grafana.read_files(tmp_path, ["./dashboards/*.json", "**/dashboards/*.json"])
    assert errors == []
    assert found == {"dashboards/api.json": ["sum(rate(x[5m]))"]}
