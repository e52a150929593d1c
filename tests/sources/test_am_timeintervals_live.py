"""The real Alertmanager referees golive's time-interval verdicts: routes muted or inactive
*now* (intervals built around the current minute, in several time zones) must send nothing,
and the others must deliver, exactly as `AlertmanagerConfig.silenced_by` predicts.

amtool cannot referee this (it routes without silencing), so the test starts Debian's
Alertmanager on loopback with a webhook receiver (a small HTTP server in this process) and
posts one alert per route. It covers the instant of the test run only; golive's answers over
the coming week are covered by the table tests in test_alertmanager.py."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from golive_lib.demo.processes import ManagedProcess, free_port, wait_until
from golive_lib.demo.stack import _alertmanager_binary
from golive_lib.sources.alertmanager import parse_config

pytestmark = pytest.mark.integration


class _Hooks(BaseHTTPRequestHandler):
    received: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        for alert in body.get("alerts", []):
            self.received.append(alert["labels"]["alertname"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[str]]]:
    received: list[str] = []
    handler = type("Hooks", (_Hooks,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def _around_now(zone: str, now: datetime, shift_h: int = 0) -> dict[str, object]:
    """The clock hour holding the current minute (shifted by ``shift_h`` hours) in ``zone``,
    on that day's weekday there."""
    local = now.astimezone(ZoneInfo(zone)) + timedelta(hours=shift_h)
    end = "24:00" if local.hour == 23 else f"{local.hour + 1:02d}:00"
    return {
        "weekdays": [local.strftime("%A").lower()],
        "times": [{"start_time": f"{local.hour:02d}:00", "end_time": end}],
        "location": zone,
    }


def _config(url: str, now: datetime) -> str:
    zones = {
        "tokyo-now": _around_now("Asia/Tokyo", now),
        "tokyo-later": _around_now("Asia/Tokyo", now, shift_h=5),
        "ny-now": _around_now("America/New_York", now),
        "always": {"times": [{"start_time": "00:00", "end_time": "24:00"}]},
        "never": {"years": ["2001"]},
    }
    routes = [
        ("MutedTokyoNow", "mute_time_intervals", "tokyo-now"),
        ("MutedTokyoLater", "mute_time_intervals", "tokyo-later"),
        ("ActiveNewYorkNow", "active_time_intervals", "ny-now"),
        ("ActiveTokyoLater", "active_time_intervals", "tokyo-later"),
        ("MutedAlways", "mute_time_intervals", "always"),
        ("ActiveNever", "active_time_intervals", "never"),
    ]
    config = {
        "route": {
            "receiver": "hook",
            "group_by": ["alertname"],
            "group_wait": "0s",
            "group_interval": "1s",
            "routes": [
                {"matchers": [f'alertname="{name}"'], "receiver": "hook", key: [interval]}
                for name, key, interval in routes
            ],
        },
        "time_intervals": [{"name": n, "time_intervals": [i]} for n, i in zones.items()],
        "receivers": [{"name": "hook", "webhook_configs": [{"url": url, "send_resolved": False}]}],
    }
    return yaml.safe_dump(config)


def test_alertmanager_sends_exactly_what_golive_says_is_not_silenced(
    tmp_path: Path, webhook: tuple[str, list[str]]
) -> None:
    url, received = webhook
    now = datetime.now(UTC)
    if now.minute == 59 and now.second > 40:  # an hour's edge is near: step past it
        time.sleep(61 - now.second)
        now = datetime.now(UTC)
    text = _config(url, now)
    (tmp_path / "am.yml").write_text(text)
    config = parse_config(text)
    names = ["Live"] + [r.matchers[0].value for r in config.route.routes]
    predicted = {
        n: config.silenced_by(config.route.match({"alertname": n})[0], now) is None for n in names
    }
    assert predicted["MutedAlways"] is False and predicted["Live"] is True  # the table works
    port = free_port()
    am = ManagedProcess(
        "alertmanager",
        [
            _alertmanager_binary(),
            f"--config.file={tmp_path / 'am.yml'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            f"--storage.path={tmp_path / 'data'}",
        ],
        tmp_path / "am.log",
    )
    with am:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(f"{base}/-/ready").status_code == 200, 20, "am", am.died)
        alerts = [{"labels": {"alertname": n}} for n in names]
        httpx.post(f"{base}/api/v2/alerts", json=alerts, timeout=5).raise_for_status()
        wait_until(lambda: "Live" in received, 20, "the Live alert's delivery", am.died)
        time.sleep(3)  # the other groups flush within the same second
    assert {n: n in received for n in names} == predicted, am.tail(30)
