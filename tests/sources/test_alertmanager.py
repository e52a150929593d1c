"""golive_lib.sources.alertmanager: the real Alertmanager's configuration, and its routing
tree walked as Alertmanager walks it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from golive_lib.demo.processes import free_port
from golive_lib.sources.alertmanager import (
    AlertmanagerClient,
    Matcher,
    MatcherError,
    parse_config,
    parse_matcher,
    parse_matchers,
)
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


# --------------------------------------------------------------------------- grammar


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the UTF-8 parser (Alertmanager >= 0.27): quoted label names, Go string escapes
        ('"service.name"="ingest"', [("service.name", "=", "ingest")]),
        ('"🙂 team"!="a"', [("🙂 team", "!=", "a")]),
        ('{foo="bar", baz=~"x|y",}', [("foo", "=", "bar"), ("baz", "=~", "x|y")]),
        ('msg="line1\\nline2"', [("msg", "=", "line1\nline2")]),
        ('x=~"\\\\d+"', [("x", "=~", "\\d+")]),
        # both parsers accept, and disagree: Alertmanager's fallback keeps the classic one
        ('x="\\u00e9"', [("x", "=", "\\u00e9")]),
        # only the classic parser accepts (a space in an unquoted value)
        ("summary=disk full", [("summary", "=", "disk full")]),
        ("severity=", [("severity", "=", "")]),
    ],
)
def test_matchers_parse_as_alertmanagers_fallback_parser(text, expected) -> None:  # type: ignore[no-untyped-def]
    assert [(m.name, m.op, m.value) for m in parse_matchers(text)] == expected


@pytest.mark.parametrize("text", ['x="a', "=b", 'x=~"(?<=a)b"', 'x="a"b"'])
def test_what_alertmanager_refuses_is_refused(text) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MatcherError):
        parse_matchers(text)


# Go's regexp (RE2) answers, from Go's documented syntax (pkg.go.dev/regexp/syntax);
# Python's `re` gives the opposite answer (or raises) on every row marked "re differs".
RE2_TABLE = [
    ("\\d", "٣", False),  # re differs: \d is ASCII-only in Go
    ("\\w+", "héllo", False),  # re differs
    ("\\s", "\u00a0", False),  # re differs: \s is [\t\n\f\r ]
    ("[[:alpha:]]+", "abc", True),  # re differs: a POSIX class
    ("[[:alpha:]]+", "a:", False),
    ("a{,2}", "a{,2}", True),  # re differs: a literal in Go, a repetition in re
    ("a{,2}", "aa", False),  # re differs
    ("\\pL+", "héllo", True),  # re raises
    ("\\Qa.b\\E", "a.b", True),  # re raises
    ("\\Qa.b\\E", "axb", False),
    ("page\\z", "page", True),  # re raises
    (".", "\n", False),
    ("page", "page\n", False),  # anchored with $: no trailing newline allowance
    ("(?i)PAGE|critical", "page", True),
    ("x*", "", True),
]


@pytest.mark.parametrize(("pattern", "value", "go"), RE2_TABLE)
def test_regexes_are_re2_as_in_go(pattern, value, go) -> None:  # type: ignore[no-untyped-def]
    assert Matcher("l", "=~", pattern).matches({"l": value}) is go
    assert Matcher("l", "!~", pattern).matches({"l": value}) is not go


def test_every_receiver_type_of_current_alertmanager_is_an_integration() -> None:
    kinds = ["mattermost", "rocketchat", "jira", "msteamsv2", "incidentio", "webex", "discord"]
    text = "route: {receiver: r0}\nreceivers:\n" + "".join(
        f"  - name: r{i}\n    {k}_configs: [{{}}]\n" for i, k in enumerate(kinds)
    )
    config = parse_config(text)
    assert [config.receivers[f"r{i}"].integrations for i in range(len(kinds))] == [
        (f"{k}_configs",) for k in kinds
    ]


# --------------------------------------------------------------------------- time intervals

TIMED = """
route:
  receiver: tickets
  routes:
    - receiver: watchdog
      matchers: [alertname="Watchdog"]
      mute_time_intervals: [always]
    - receiver: pager
      matchers: [severity="page"]
      active_time_intervals: [office-berlin]
      continue: true
    - receiver: pager-247
      matchers: [severity="page", team="ingest"]
    - receiver: old
      matchers: [severity="old"]
      active_time_intervals: [past]
    - receiver: parent
      matchers: [team="db"]
      mute_time_intervals: [always]
      routes:
        - receiver: child
          matchers: [severity="warn"]
    - receiver: month-end
      matchers: [job="billing"]
      mute_time_intervals: [last-day]
time_intervals:
  - name: always
    time_intervals: [{times: [{start_time: "00:00", end_time: "24:00"}]}]
  - name: office-berlin
    time_intervals:
      - weekdays: ["monday:friday"]
        times: [{start_time: "09:00", end_time: "17:00"}]
        location: Europe/Berlin
  - name: past
    time_intervals: [{years: ["2020:2021"]}]
mute_time_intervals:
  - name: last-day
    time_intervals: [{days_of_month: ["-1"], months: [february]}]
receivers:
  - {name: tickets, webhook_configs: [{url: "http://127.0.0.1:1/t"}]}
  - {name: watchdog, webhook_configs: [{url: "http://127.0.0.1:1/w"}]}
  - {name: pager, pagerduty_configs: [{routing_key: x}]}
  - {name: pager-247, opsgenie_configs: [{api_key: x}]}
  - {name: old, slack_configs: [{channel: "#x"}]}
  - {name: parent, webhook_configs: [{url: "http://127.0.0.1:1/p"}]}
  - {name: child, webhook_configs: [{url: "http://127.0.0.1:1/c"}]}
  - {name: month-end, webhook_configs: [{url: "http://127.0.0.1:1/m"}]}
"""
THURSDAY = datetime(2026, 12, 3, 13, 31, tzinfo=UTC)  # 14:31 in Berlin (UTC+1)


def test_a_route_muted_all_week_notifies_nobody() -> None:
    config = parse_config(TIMED)
    [d] = config.deliveries({"alertname": "Watchdog"}, THURSDAY)
    assert d.receiver is not None and d.receiver.name == "watchdog"
    assert d.silenced_now == "within mute_time_intervals always"
    assert [str(s) for s in d.silenced] == ["Thu 2026-12-03 13:31 to Thu 2026-12-10 13:31 UTC"]
    assert not config.notifies({"alertname": "Watchdog"}, THURSDAY)


def test_office_hours_in_berlin_silence_the_route_outside_them() -> None:
    config = parse_config(TIMED)
    [d] = config.deliveries({"severity": "page"}, THURSDAY)
    assert d.silenced_now is None  # 14:31 in Berlin on a Thursday
    first, second = d.silenced[0], d.silenced[1]
    assert (first.start, first.end) == (
        datetime(2026, 12, 3, 16, 0, tzinfo=UTC),  # 17:00 in Berlin
        datetime(2026, 12, 4, 8, 0, tzinfo=UTC),  # 09:00 in Berlin
    )
    assert (second.start, second.end) == (  # the weekend
        datetime(2026, 12, 4, 16, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 8, 0, tzinfo=UTC),
    )
    assert [str(s.start) for s in config.unnotified({"severity": "page"}, THURSDAY)][:1] == [
        "2026-12-03 16:00:00+00:00"
    ]


def test_a_continue_route_that_always_notifies_covers_the_silenced_one() -> None:
    config = parse_config(TIMED)
    labels = {"severity": "page", "team": "ingest"}
    assert [d.receiver.name for d in config.deliveries(labels, THURSDAY) if d.receiver] == [
        "pager",
        "pager-247",
    ]
    assert config.notifies(labels, THURSDAY)


def test_an_active_interval_in_the_past_never_occurs() -> None:
    config = parse_config(TIMED)
    [d] = config.deliveries({"severity": "old"}, THURSDAY)
    assert d.silenced_now == "outside active_time_intervals past"
    assert not config.notifies({"severity": "old"}, THURSDAY)


def test_time_intervals_are_not_inherited_by_child_routes() -> None:
    config = parse_config(TIMED)
    [d] = config.deliveries({"team": "db", "severity": "warn"}, THURSDAY)
    assert d.route.receiver == "child" and d.silenced_now is None and d.silenced == ()
    assert not config.notifies({"team": "db"}, THURSDAY)  # the parent itself is muted


def test_negative_days_of_month_count_from_the_months_end() -> None:
    config = parse_config(TIMED)
    feb_end = datetime(2027, 2, 27, 0, 0, tzinfo=UTC)
    [d] = config.deliveries({"job": "billing"}, feb_end, timedelta(days=3))
    assert [(s.start, s.end) for s in d.silenced] == [
        (datetime(2027, 2, 28, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC))
    ]


@pytest.mark.parametrize(
    "intervals",
    [
        "[{name: x, time_intervals: [{weekdays: [funday]}]}]",
        "[{name: x, time_intervals: [{times: [{start_time: '10:00', end_time: '09:00'}]}]}]",
        "[{name: x, time_intervals: [{location: Mars/Olympus}]}]",
        "[{name: y, time_intervals: []}]",  # the route names x, which is not defined
    ],
)
def test_time_intervals_alertmanager_refuses_are_unreadable(intervals) -> None:  # type: ignore[no-untyped-def]
    text = (
        "route: {receiver: a, routes: [{receiver: a, mute_time_intervals: [x]}]}\n"
        f"receivers: [{{name: a}}]\ntime_intervals: {intervals}\n"
    )
    with pytest.raises(ValueError, match="time|weekday|location|valid"):
        parse_config(text)


def test_a_local_time_zone_is_read_as_utc_and_says_so() -> None:
    config = parse_config(
        "route: {receiver: a, routes: [{receiver: a, matchers: [x=y], "
        "mute_time_intervals: [night]}]}\nreceivers: [{name: a, email_configs: [{to: a@b}]}]\n"
        "time_intervals: [{name: night, time_intervals: [{times: [{start_time: '00:00', "
        "end_time: '06:00'}], location: Local}]}]\n"
    )
    [d] = config.deliveries({"x": "y"}, THURSDAY)
    assert d.notes == ("night: location Local is the Alertmanager host's zone: read as UTC",)
    assert str(d.silenced[0]) == "Fri 2026-12-04 00:00 to Fri 2026-12-04 06:00 UTC"
