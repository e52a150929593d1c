"""Burn-rate alerts shaped like Sloth's and Pyrra's output (28d and 7d periods), loaded in
a real Prometheus, recognised by `observability.slo-alerting`; each mutation a reviewer
would catch (severity, `for`, factor, windows, SLI) fails with the words naming it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLE_PARAMS

from golive_lib.demo.processes import ManagedProcess, free_port, require_binary, wait_until
from golive_lib.model import Status
from golive_lib.params import load_params
from golive_lib.sections import observability as obs
from golive_lib.slo import ratio_slo
from golive_lib.sources.alertmanager import parse_config
from golive_lib.sources.prometheus import PrometheusClient, Rule

RULES = Path(__file__).parent / "data" / "slo" / "rules"
D = timedelta(days=1)


def _rename(text: str, job: str) -> str:
    """The same rules for another service: its own job and Sloth ids."""
    return text.replace("checkout", job)


def _alerts_part(text: str) -> tuple[str, str]:
    head, tail = text.split("- name: sloth-slo-alerts-", 1)
    return head, "- name: sloth-slo-alerts-" + tail


def _mutate_alerts(text: str, fn) -> str:  # type: ignore[no-untyped-def]
    head, alerts = _alerts_part(text)
    return head + fn(alerts)


SLOTH28 = (RULES / "sloth-28d.rules.yml").read_text()
MUTATIONS = {
    # page alert relabelled to a non-paging severity
    "severity": lambda t: _mutate_alerts(
        t, lambda a: a.replace("severity: critical", "severity: slack", 1)
    ),
    # page alert waits a day before firing
    "for": lambda t: _mutate_alerts(
        t, lambda a: a.replace("    labels:\n", "    for: 1d\n    labels:\n", 1)
    ),
    # a tenfold factor on the quick page pair
    "factor": lambda t: _mutate_alerts(t, lambda a: a.replace("(13.44 *", "(134.4 *")),
    # the short window of the quick page pair compared with 0: it never resets the alert
    "short-factor": lambda t: _mutate_alerts(
        t, lambda a: re.sub(r"(ratio_rate5m\{[^}]*\} > \()13\.44", r"\g<1>0", a, count=1)
    ),
    # the quick page pair reads the 2h ratio instead of the 1h one
    "windows": lambda t: _mutate_alerts(
        t, lambda a: a.replace("ratio_rate1h{", "ratio_rate2h{", 1)
    ),
    # the recorded SLI counts only 5xx, not 5xx and 429
    "sli": lambda t: t.replace('code=~"(5..|429)"', 'code=~"5.."'),
}
FILES = {
    "sloth-28d": SLOTH28,
    "sloth-7d": (RULES / "sloth-7d.rules.yml").read_text(),
    "pyrra-7d": (RULES / "pyrra-7d.rules.yml").read_text(),
    **{f"sloth-28d-{m}": _rename(fn(SLOTH28), f"checkout-{m}") for m, fn in MUTATIONS.items()},
}
FILES["sloth-7d"] = _rename(FILES["sloth-7d"], "checkout-7d")
FILES["pyrra-7d"] = _rename(FILES["pyrra-7d"], "checkout-pyrra")


@pytest.fixture(scope="module")
def loaded_rules(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Rule]]:
    """One real Prometheus holding every rule file of this module (no scraping: the
    rules API is what recognition reads)."""
    work = tmp_path_factory.mktemp("rules-prometheus")
    paths = []
    for name, text in FILES.items():
        (work / f"{name}.yml").write_text(text)
        paths.append(str(work / f"{name}.yml"))
    (work / "prometheus.yml").write_text(yaml.safe_dump({"rule_files": paths}))
    port = free_port()
    proc = ManagedProcess(
        "prometheus",
        [
            require_binary("prometheus"),
            f"--config.file={work / 'prometheus.yml'}",
            f"--storage.tsdb.path={work / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        work / "prometheus.log",
    )
    with proc:
        client = PrometheusClient(f"http://127.0.0.1:{port}")
        wait_until(lambda: len(client.rules()) >= len(FILES), 30, "prometheus", proc.died)
        yield [r for g in client.rules() for r in g.rules]


def _slo(job: str, days: int, name: str = "t"):  # type: ignore[no-untyped-def]
    sel = f'job="{job}"'
    return ratio_slo(
        name,
        0.999,
        days * D,
        bad=f'sum(rate(http_requests_total{{{sel},code=~"(5..|429)"}}[{{{{.window}}}}]))',
        total=f"sum(rate(http_requests_total{{{sel}}}[{{{{.window}}}}]))",
        where=name,
    )


def _review(rules: list[Rule], slo, am: str | None = None):  # type: ignore[no-untyped-def]
    ev = obs.ObservabilityEvidence(slos=[slo], rules=rules)
    if am is not None:
        ev.am_config = parse_config(am)
    return obs.slo_alerting(ev, load_params(EXAMPLE_PARAMS))


@pytest.mark.parametrize(
    ("job", "days", "table"),
    [
        ("checkout", 28, "Sloth google-28d"),
        ("checkout-7d", 7, "Sloth 7d windows"),
        ("checkout-pyrra", 7, "Pyrra"),
    ],
)
def test_sloth_and_pyrra_output_passes_for_its_period(loaded_rules, job, days, table) -> None:  # type: ignore[no-untyped-def]
    c = _review(loaded_rules, _slo(job, days))
    assert c.status is Status.PASS, c.summary
    roles = [e.value for e in c.evidence if e.label != "paging"]
    assert len(roles) == 4 and all(f"as {table})" in v for v in roles), roles
    assert c.evidence[0].value == "judged by severity labels only: Alertmanager not read"


def test_a_7d_slo_is_not_judged_by_the_30d_windows(loaded_rules) -> None:  # type: ignore[no-untyped-def]
    """The same Sloth 28d rules do not fit a 7-day SLO: the factors differ."""
    c = _review(loaded_rules, _slo("checkout", 7))
    assert c.status is Status.FAIL and "factor 5.6 instead of 3.5" in c.summary


@pytest.mark.parametrize(
    ("mutation", "words", "roles"),
    [
        (
            "severity",
            "has severity='slack', which does not page (paging severities: critical, page)",
            ["page quick", "page slow"],
        ),
        (
            "for",
            "for 1d is longer than its 5m short window: the alert is too slow",
            ["page quick", "page slow"],  # `for` holds the whole alert, both pairs
        ),
        ("factor", "factor 134.4 instead of 13.44", ["page quick"]),
        ("windows", "windows 2h/5m instead of 1h/5m", ["page quick"]),
        ("short-factor", "factor 0 on the 5m short window instead of 13.44", ["page quick"]),
        (
            "sli",
            'SLI code=~"5.." instead of code=~"(5..|429)"',
            ["page quick", "page slow", "ticket quick", "ticket slow"],
        ),
    ],
)
def test_each_mutation_is_named_as_wrong_never_as_missing(
    loaded_rules, mutation, words, roles
) -> None:  # type: ignore[no-untyped-def]
    c = _review(loaded_rules, _slo(f"checkout-{mutation}", 28))
    assert c.status is Status.FAIL
    assert words in c.summary, c.summary
    [row] = c.data["slos"]
    assert sorted(row["wrong"]) == sorted(roles) and row["missing"] == []
    # nothing to paste: the fix is in place, not a duplicate alert
    assert "paste" not in c.remediation and "fix CheckoutRequestsAvailability" in c.remediation


def test_a_page_pair_routed_to_a_null_receiver_does_not_page(loaded_rules) -> None:  # type: ignore[no-untyped-def]
    am = (
        "route:\n  receiver: pager\n  routes:\n"
        "    - matchers: ['severity=\"critical\"']\n      receiver: blackhole\n"
        "receivers:\n  - name: pager\n    webhook_configs: [{url: 'http://127.0.0.1:1/'}]\n"
        "  - name: blackhole\n"
    )
    c = _review(loaded_rules, _slo("checkout", 28), am)
    assert c.status is Status.FAIL
    assert "routed by Alertmanager to blackhole, which notifies nobody" in c.summary
    assert re.search(r"\bticket quick pair\b", c.summary) is None  # tickets need not page


def test_the_alerts_of_another_slo_of_the_same_traffic_are_not_its_wrong_pairs(
    loaded_rules,
) -> None:  # type: ignore[no-untyped-def]
    """Two SLOs over the same requests: the 5xx-or-429 one has alerts, the 5xx-only one
    has none. Reviewed together, the second lacks its pairs; it is not told to rewrite
    the first one's alerts."""
    from golive_lib.slo.recognition import RuleDef, recognise

    rules = [
        RuleDef(r.kind, r.name, r.query, r.labels, r.file, r.group, r.for_s) for r in loaded_rules
    ]
    with_429 = _slo("checkout", 28, "with-429")
    only_5xx = ratio_slo(
        "only-5xx",
        0.999,
        28 * D,
        bad='sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))',
        total='sum(rate(http_requests_total{job="checkout"}[{{.window}}]))',
        where="x",
    )
    alone = recognise(only_5xx, rules)
    assert len(alone.wrong) == 4  # on its own, the other SLO's alerts look like a wrong SLI
    together = recognise(only_5xx, rules, others=(with_429,))
    assert len(together.missing) == 4 and not together.wrong
