"""golive_lib.slo.specs: every document and every SLO of Sloth and OpenSLO files, what
golive cannot honour refused naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive_lib.slo import SLOSpecError, sloth_ids
from golive_lib.slo.specs import load_file

SPECS = Path(__file__).parent / "data" / "slo" / "specs"
D = timedelta(days=1)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_a_multi_document_sloth_file_loads_every_slo_of_every_document() -> None:
    slos = load_file(SPECS / "sloth-multi.yml")
    assert [s.name for s in slos] == [
        "ingest-api-events-availability",
        "ingest-api-events-ratio",
        "ingest-api-smoothed-hourly-availability",
    ]
    first, raw, sub = slos
    assert first.labels == {"owner": "ingest-team", "tier": "1"}
    assert first.service == "ingest-api" and first.short_name == "events-availability"
    assert first.alerting is not None and first.alerting.name == "IngestApiEventsAvailability"
    assert first.alerting.page_labels == {"severity": "critical"}
    assert raw.disabled == {
        "page": "slos[1].alerting.page_alert.disable",
        "ticket": "slos[1].alerting.ticket_alert.disable",
    }
    assert "[1h:5m]" in sub.errors_at(timedelta(hours=1)) and sub.total == "vector(1)"
    assert all(s.window == 30 * D for s in slos)  # Sloth's default period


def test_the_sloth_period_is_given_like_sloths_default_slo_period() -> None:
    slos = load_file(SPECS / "sloth-multi.yml", period=7 * D)
    assert {s.window for s in slos} == {7 * D}


def test_sloths_kubernetes_prometheus_service_level_reads_like_prometheus_v1(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        """
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata: {name: checkout, namespace: monitoring}
spec:
  service: checkout
  labels: {owner: shop}
  slos:
    - name: requests-availability
      objective: 99.9
      sli:
        events:
          errorQuery: sum(rate(http_requests_total{job="checkout",code=~"(5..|429)"}[{{.window}}]))
          totalQuery: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
      alerting:
        name: CheckoutAvailability
        pageAlert: {labels: {severity: page}}
        ticketAlert: {disable: true}
""",
    )
    [s] = load_file(path)
    assert s.name == "checkout-requests-availability" and s.objective == pytest.approx(0.999)
    assert s.labels == {"owner": "shop"} and s.disabled == {
        "ticket": "slos[0].alerting.ticket_alert.disable"
    }
    assert '{job="checkout",code=~"(5..|429)"}' in s.errors


def test_openslo_v1alpha_as_sloth_reads_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
apiVersion: openslo/v1alpha
kind: SLO
metadata: {name: sloth-slo-my-service, displayName: Requests Availability}
spec:
  service: my-service
  budgetingMethod: Occurrences
  objectives:
    - ratioMetrics:
        good:
          source: prometheus
          queryType: promql
          query: sum(rate(http_requests_total{code!~"5.."}[{{.window}}]))
        total:
          source: prometheus
          queryType: promql
          query: sum(rate(http_requests_total[{{.window}}]))
      target: 0.999
  timeWindows:
    - {count: 28, unit: Day}
""",
    )
    [s] = load_file(path)
    assert s.name == "sloth-slo-my-service" and s.window == 28 * D
    assert s.objective == pytest.approx(0.999) and s.errors.startswith("(sum(rate(")
    # the ids Sloth gives an OpenSLO objective: <name>-<index>
    assert sloth_ids(s) == {
        "sloth_id": "my-service-sloth-slo-my-service-0",
        "sloth_service": "my-service",
        "sloth_slo": "sloth-slo-my-service-0",
    }


def test_every_openslo_objective_is_an_slo_and_a_calendar_month_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
apiVersion: openslo/v1
kind: SLO
metadata: {name: api-latency}
spec:
  service: api
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar: {startTime: "2024-01-01 00:00:00", timeZone: UTC}
  indicator:
    metadata: {name: api-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{code!~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total'}}}
  objectives:
    - {displayName: Good, target: 0.99}
    - {displayName: Great, target: 0.999}
""",
    )
    good, great = load_file(path)
    assert (good.name, great.name) == ("api-latency-good", "api-latency-great")
    assert (good.objective, great.objective) == (0.99, 0.999)
    assert good.calendar == "month" and good.window == 30 * D
    at = datetime(2026, 12, 3, 12, tzinfo=UTC)
    assert good.period_at(at) == timedelta(days=2, hours=12)  # December so far


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n"
            "  budgetingMethod: Timeslices\n  objectives: [{target: 0.99, timeSliceTarget: 0.9}]\n",
            "spec.budgetingMethod 'Timeslices' is not supported",
        ),
        (
            "apiVersion: openslo/v2\nkind: SLO\nmetadata: {name: x}\nspec: {}\n",
            "golive reads openslo/v1 and openslo/v1alpha",
        ),
        (
            "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: x}\n---\n"
            "version: prometheus/v1\nservice: a\nslos: []\n",
            "document 2 is not OpenSLO in an OpenSLO file",
        ),
        (
            "version: prometheus/v1\nservice: a\nslos: [{name: x, objective: 99, sli: {plugin: "
            "{id: sloth-common/availability}}}]\n",
            "slos[0].sli.plugin",
        ),
        (
            "version: prometheus/v1\nservice: a\nslos: [{name: x, objective: 99, windows: 7d, sli: "
            "{events: {error_query: 'sum(rate(a[{{.window}}]))', total_query: "
            "'sum(rate(b[{{.window}}]))'}}}]\n",
            "slos[0].windows: not a field golive reads",
        ),
        (
            "version: prometheus/v1\nservice: a\nslos: [{name: x, objective: 99, sli: {events: "
            "{error_query: 'sum(rate(a[{{.window}}]))', total_query: 'sum(rate(b[{{.window}}]))'}},"
            " alerting: {page_alert: {disabled: true}}}]\n",
            "slos[0].alerting.page_alert.disabled: not a field",
        ),
        (
            "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  indicator:\n"
            "    spec: {thresholdMetric: {metricSource: {spec: {query: up}}}}\n"
            "  objectives: [{target: 0.99}]\n",
            "thresholdMetric is not supported",
        ),
        (
            "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n"
            "  timeWindow: [{duration: 1M, isRolling: false, calendar: {timeZone: Europe/Paris}}]\n"
            "  indicator: {spec: {ratioMetric: {good: {metricSource: {spec: {query: a}}}, "
            "total: {metricSource: {spec: {query: b}}}}}}\n  objectives: [{target: 0.99}]\n",
            "timeZone 'Europe/Paris'",
        ),
        (
            "version: prometheus/v1\nservice: a\nslos: [{name: x, objective: 99, sli: {events: "
            "{error_query: 'rate(x[5m])[1h:5m', total_query: 'b'}}}]\n",
            "cannot parse",
        ),
    ],
)
def test_what_golive_cannot_honour_is_refused_naming_the_field(
    tmp_path: Path, text: str, field: str
) -> None:
    with pytest.raises(SLOSpecError) as info:
        load_file(write(tmp_path, text), "slo/x.yaml")
    assert field in str(info.value) and "slo/x.yaml" in str(info.value)


def test_sloth_slo_plugins_are_kept_by_id_not_refused(tmp_path: Path) -> None:
    """SLO plugins shape the rules Sloth writes (labels, intervals, validation), not the
    SLO: a review reads it; `golive rules` refuses those it cannot reproduce."""
    from typer.testing import CliRunner

    from golive_lib.cli import app

    path = write(
        tmp_path,
        """
version: prometheus/v1
service: svc
slo_plugins:
  chain: [{id: sloth.dev/core/sli_rules/v1}, {id: sloth.dev/core/alert_rules/v1}]
slos:
  - name: a
    objective: 99
    plugins:
      chain: [{id: sloth.dev/contrib/info_labels/v1, config: {labels: {k: v}}}]
    sli:
      events:
        error_query: sum(rate(x{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(x[{{.window}}]))
""",
    )
    [s] = load_file(path)
    assert s.plugins == (
        "sloth.dev/core/sli_rules/v1",
        "sloth.dev/core/alert_rules/v1",
        "sloth.dev/contrib/info_labels/v1",
    )
    result = CliRunner().invoke(app, ["rules", str(path)])
    assert result.exit_code == 2 and "sloth.dev/contrib/info_labels/v1" in result.output
