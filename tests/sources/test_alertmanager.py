"""golive_lib.sources.alertmanager: the real Alertmanager's configuration, and its routing
tree walked as Alertmanager walks it."""

from __future__ import annotations

import pytest

from golive_lib.demo.processes import free_port
from golive_lib.sources.alertmanager import AlertmanagerClient, parse_config, parse_matcher
from golive_lib.sources.httpapi import Unreachable

TREE = """
route:
  receiver: default
  routes:
    - receiver: pager
      matchers: ['severity=~"page|critical"']
      continue: true
    - receiver: audit
      match: {team: ingest}
    - receiver: legacy
      match_re: {service: "ingest.*"}
    - receiver: db
      matchers: [service="db"]
      routes:
        - receiver: db-night
          matchers: ['window!="day"']
receivers:
  - name: default
    email_configs: [{to: a@example.com}]
  - name: pager
    pagerduty_configs: [{routing_key: x}]
  - name: audit
    webhook_configs: [{url: "http://127.0.0.1:1/x"}]
  - name: legacy
  - name: db
    webhook_configs: [{url: "http://127.0.0.1:1/x"}]
  - name: db-night
    webhook_configs: [{url: "http://127.0.0.1:1/x"}]
"""


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        ({"alertname": "X"}, ["default"]),
        ({"severity": "page"}, ["pager"]),  # continue, but nothing else matches
        ({"severity": "page", "team": "ingest"}, ["pager", "audit"]),  # continue goes on
        ({"team": "ingest", "service": "ingest-api"}, ["audit"]),  # first match stops
        ({"service": "ingest-api"}, ["legacy"]),  # match_re is anchored, and matches
        ({"service": "my-ingest"}, ["default"]),  # anchored: no partial match
        ({"service": "db", "window": "night"}, ["db-night"]),
        ({"service": "db", "window": "day"}, ["db"]),  # no child matches: the parent
        ({"severitypage": "x", "severity": "pages"}, ["default"]),  # regex anchored
    ],
)
def test_routes_are_walked_like_alertmanager(labels, receivers) -> None:  # type: ignore[no-untyped-def]
    config = parse_config(TREE)
    assert [r.receiver for r in config.route.match(labels)] == receivers


def test_a_receiver_without_integrations_is_visible() -> None:
    config = parse_config(TREE)
    [(route, receiver)] = config.receivers_for({"service": "ingest-api"})
    assert receiver is not None and receiver.integrations == ()
    assert route.path == "route.routes[2]"


@pytest.mark.parametrize(
    ("text", "name", "op", "value"),
    [
        ('alertname="Watchdog"', "alertname", "=", "Watchdog"),
        ("severity!=info", "severity", "!=", "info"),
        ('env=~"prod|staging"', "env", "=~", "prod|staging"),
        ('x!~"a\\"b"', "x", "!~", 'a"b'),
    ],
)
def test_matchers_parse(text, name, op, value) -> None:  # type: ignore[no-untyped-def]
    m = parse_matcher(text)
    assert (m.name, m.op, m.value) == (name, op, value)


def test_the_running_configuration_is_read_from_the_real_alertmanager(demo_stack) -> None:  # type: ignore[no-untyped-def]
    config = AlertmanagerClient(demo_stack.alertmanager_url).config()
    [(route, receiver)] = config.receivers_for({"alertname": "X", "severity": "page"})
    assert receiver is not None and receiver.name == "team-ingest-pager"
    assert receiver.integrations == ("webhook_configs",)
    [(_, null)] = config.receivers_for({"alertname": "X", "severity": "info"})
    assert null is not None and null.name == "null" and null.integrations == ()


def test_alertmanager_down_is_unreachable() -> None:
    with pytest.raises(Unreachable):
        AlertmanagerClient(f"http://127.0.0.1:{free_port()}").config()
