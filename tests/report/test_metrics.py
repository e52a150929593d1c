"""`golive metrics`: the latest review of every service as Prometheus metrics, the drift
rules that read them (promtool test rules), and both fed into a real Prometheus through
a real node_exporter textfile collector, where the drift alerts fire and every panel of
the shipped Grafana dashboard returns data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import minirun
import pytest
import sshkeys
import yaml
from conftest import ROOT
from prometheus_client.parser import text_string_to_metric_families

from golive_lib.demo.processes import ManagedProcess, free_port, wait_until
from golive_lib.report import metrics
from golive_lib.report import signoff as so
from golive_lib.scorecard import DASHBOARD, RULES


def results(service: str, decision: str, checks: list[tuple[str, str, str]], **extra) -> dict:
    return {
        "schema_version": 1,
        "service": service,
        "date": "2026-11-30",
        "decision": decision,
        "generated_at": "2026-11-30T06:00:00+00:00",
        "checks": [
            {"id": i, "section": i.split(".")[0], "status": st, "severity": sev}
            for i, st, sev in checks
        ],
        **extra,
    }


def write_run(reports: Path, service: str, run: str, doc: dict | str) -> None:
    folder = reports / service / run
    folder.mkdir(parents=True)
    text = doc if isinstance(doc, str) else json.dumps(doc)
    (folder / "results.json").write_text(text, encoding="utf-8")


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            found.setdefault(s.name, []).append((s.labels, s.value))
    return found


def test_each_services_latest_review_is_its_decision_checks_and_regressions(tmp_path):
    reports = tmp_path / "reports"
    checks = [("cicd.docker-build", "pass", "blocking"), ("cicd.code-lint", "pass", "blocking")]
    write_run(reports, "api", "2026-11-29", results("api", "go", checks))
    changes = [{"id": "cicd.code-lint", "old": "pass", "new": "fail"}]
    later = results(
        "api",
        "no-go",
        [checks[0], ("cicd.code-lint", "fail", "blocking"), ("dr.gameday", "warn", "advisory")],
        previous={"folder": "2026-11-29", "changes": changes},
    )
    write_run(reports, "api", "2026-11-30", later)
    write_run(reports, "web", "2026-11-30", results("web", "go", checks))
    write_run(reports, "broken", "2026-11-30", "{not json")
    found = samples(metrics.exposition(reports))

    decisions = {d["service"]: v for d, v in found["golive_review_decision"]}
    assert decisions == {"api": 0.0, "web": 1.0}  # the latest run of api, not the first
    readable = {d["service"]: v for d, v in found["golive_review_readable"]}
    assert readable == {"api": 1.0, "web": 1.0, "broken": 0.0}
    status = {(d["service"], d["check"]): d["status"] for d, _ in found["golive_check_status"]}
    assert (
        status[("api", "cicd.code-lint")] == "fail" and status[("web", "cicd.code-lint")] == "pass"
    )
    counts = {(d["service"], d["status"]): v for d, v in found["golive_checks"]}
    assert counts[("api", "fail")] == 1 and counts[("api", "pass")] == 1
    assert counts[("api", "error")] == 0  # every status is a series, 0 included
    assert {d["service"]: v for d, v in found["golive_blocking_checks_open"]} == {
        "api": 1.0,
        "web": 0.0,
    }
    [(regressed, _)] = found["golive_check_regressed"]
    assert regressed == {
        "service": "api",
        "section": "cicd",
        "check": "cicd.code-lint",
        "severity": "blocking",
        "from": "pass",
        "to": "fail",
    }
    ts = {d["service"]: v for d, v in found["golive_review_timestamp_seconds"]}
    assert ts["api"] == datetime(2026, 11, 30, 6, tzinfo=UTC).timestamp()
    assert "golive_signed_go_timestamp_seconds" not in found  # nobody signed anything


def test_the_textfile_is_replaced_whole_and_labels_are_escaped(tmp_path):
    reports = tmp_path / "reports"
    odd = 'cicd.x"}\nfake_metric 1'
    write_run(reports, "api", "2026-11-30", results("api", "go", [(odd, "pass", "blocking")]))
    target = tmp_path / "textfile" / "golive.prom"
    target.parent.mkdir()
    target.write_text("old content\n")
    metrics.write_textfile(reports, target)
    text = target.read_text()
    assert "old content" not in text and list(target.parent.iterdir()) == [target]
    found = samples(text)
    assert "fake_metric" not in found
    [(labels, _)] = found["golive_check_status"]
    assert labels["check"] == odd


def promtool_test(tmp_path: Path, tests: list[dict]) -> subprocess.CompletedProcess[str]:
    """`promtool test rules` over the shipped rules without their annotations (promtool
    compares annotations too; what fires is the expression and the labels, and
    `promtool check rules` below checks that the annotations' templates parse)."""
    rules = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    spec = {"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": tests}
    (tmp_path / "test.yml").write_text(yaml.safe_dump(spec))
    return subprocess.run(
        ["promtool", "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True
    )


def test_the_shipped_rules_and_their_templates_are_valid():
    done = subprocess.run(
        ["promtool", "check", "rules", str(RULES)], capture_output=True, text=True
    )
    assert done.returncode == 0 and "4 rules found" in done.stdout, done.stdout + done.stderr


def test_the_drift_rules_fire_on_drift_and_stay_quiet_otherwise(tmp_path):
    day = 86400
    series = [
        # api: signed go at t=0, the latest review no-go; web: go and signed; old: 8 days
        {"series": 'golive_review_decision{service="api"}', "values": "0x10"},
        {"series": 'golive_signed_go_timestamp_seconds{service="api"}', "values": "0x10"},
        {"series": 'golive_review_decision{service="web"}', "values": "1x10"},
        {"series": 'golive_signed_go_timestamp_seconds{service="web"}', "values": "0x10"},
        {"series": 'golive_review_decision{service="new"}', "values": "0x10"},
        {"series": 'golive_review_timestamp_seconds{service="api"}', "values": "0x10"},
        {"series": 'golive_review_timestamp_seconds{service="old"}', "values": f"{-8 * day}x10"},
        {
            "series": 'golive_check_regressed{service="api",section="cicd",check="cicd.code-lint",'
            'severity="blocking",from="pass",to="fail"}',
            "values": "1x10",
        },
        {
            "series": 'golive_check_regressed{service="api",section="dr",check="dr.gameday",'
            'severity="advisory",from="pass",to="fail"}',
            "values": "1x10",
        },
        {"series": 'golive_review_readable{service="broken"}', "values": "0x10"},
    ]
    expect = [
        {
            "eval_time": "5m",
            "alertname": "GoliveSignedOffServiceNowNoGo",
            # not "new": it was never signed off; not "web": it is still go
            "exp_alerts": [{"exp_labels": {"severity": "ticket", "service": "api"}}],
        },
        {
            "eval_time": "5m",
            "alertname": "GoliveBlockingCheckRegressed",
            "exp_alerts": [
                {
                    "exp_labels": {
                        "severity": "ticket",
                        "service": "api",
                        "section": "cicd",
                        "check": "cicd.code-lint",
                        "from": "pass",
                        "to": "fail",
                    }
                }
            ],
        },
        {
            "eval_time": "5m",
            "alertname": "GoliveReviewStale",
            "exp_alerts": [{"exp_labels": {"severity": "ticket", "service": "old"}}],
        },
        {
            "eval_time": "5m",
            "alertname": "GoliveReviewUnreadable",
            "exp_alerts": [{"exp_labels": {"severity": "ticket", "service": "broken"}}],
        },
    ]
    done = promtool_test(
        tmp_path, [{"interval": "1m", "input_series": series, "alert_rule_test": expect}]
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # the test can fail: the same series with api still go fires nothing for api
    series[0]["values"] = "1x10"
    done = promtool_test(
        tmp_path, [{"interval": "1m", "input_series": series, "alert_rule_test": expect[:1]}]
    )
    assert done.returncode != 0 and "GoliveSignedOffServiceNowNoGo" in done.stdout + done.stderr


@pytest.fixture
def scraped(tmp_path):
    """A real node_exporter (textfile collector only) and a real Prometheus scraping it
    every second with the shipped drift rules; yields (textfile folder, Prometheus URL)."""
    textfiles = tmp_path / "textfile"
    textfiles.mkdir()
    exporter_port, prom_port = free_port(), free_port()
    exporter = ManagedProcess(
        "node-exporter",
        [
            "prometheus-node-exporter",
            "--collector.disable-defaults",
            "--collector.textfile",
            f"--collector.textfile.directory={textfiles}",
            f"--web.listen-address=127.0.0.1:{exporter_port}",
        ],
        tmp_path / "logs" / "node-exporter.log",
    )
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {"job_name": "golive", "static_configs": [{"targets": [f"127.0.0.1:{exporter_port}"]}]}
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    prometheus = ManagedProcess(
        "prometheus",
        [
            "prometheus",
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        tmp_path / "logs" / "prometheus.log",
    )
    url = f"http://127.0.0.1:{prom_port}"
    with exporter, prometheus:
        wait_until(
            lambda: httpx.get(f"{url}/-/ready", timeout=1).status_code == 200,
            30,
            "prometheus",
            prometheus.died,
        )
        yield textfiles, url


def query(url: str, expr: str) -> list[dict]:
    answer = httpx.get(f"{url}/api/v1/query", params={"query": expr}, timeout=5).json()
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def firing(url: str) -> dict[str, set[str]]:
    alerts = httpx.get(f"{url}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    found: dict[str, set[str]] = {}
    for a in alerts:
        if a["state"] == "firing":
            found.setdefault(a["labels"]["alertname"], set()).add(a["labels"]["service"])
    return found


@pytest.mark.integration
def test_a_signed_go_service_that_breaks_fires_the_drift_alert_and_fills_the_dashboard(
    tmp_path, scraped, monkeypatch
):
    textfiles, url = scraped
    reports = tmp_path / "reports"
    (tmp_path / "repo").mkdir()
    params = tmp_path / "svc.yaml"
    params.write_text(minirun.PARAMS.format(name="svc"))
    # review 1: every check passes, go; both required roles sign go
    monkeypatch.setattr(minirun, "FAILING", "none")
    first = minirun.review(params, reports, minirun.notebooks(tmp_path / "nb1"), date(2026, 11, 2))
    assert first.decision.value == "go"
    # both required roles sign go with their SSH keys, trusted for those roles
    keys = {role: sshkeys.make_key(tmp_path / "keys", role) for role in ("service-owner", "sre")}
    allowed = tmp_path / "allowed_signers"
    trust = sshkeys.trusted(
        allowed, *(sshkeys.allowed_line(f"{r}@example.com", k, r) for r, k in keys.items())
    )
    for role, key in keys.items():
        so.sign(first.folder, key, f"{role}@example.com", role, so.SignDecision.GO, trust=trust)
    # golive metrics now: go, signed, nothing fires
    cli = [sys.executable, "-m", "golive_lib", "metrics", "--reports", str(reports)]
    cli += ["--trusted-signers", str(allowed)]
    done = subprocess.run(
        [*cli, "--textfile", str(textfiles / "golive.prom")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    wait_until(lambda: bool(query(url, "golive_signed_go_timestamp_seconds")), 20, "scrape")
    assert "GoliveSignedOffServiceNowNoGo" not in firing(url)
    # review 2: something broke (a blocking check that passed now fails): no-go
    monkeypatch.setattr(minirun, "FAILING", minirun.FAILING_DEFAULT)
    second = minirun.review(params, reports, minirun.notebooks(tmp_path / "nb2"), date(2026, 11, 3))
    assert second.decision.value == "no-go"
    so.sign(
        second.folder, keys["sre"], "sre@example.com", "sre", so.SignDecision.NO_GO, trust=trust
    )
    done = subprocess.run(
        [*cli, "--textfile", str(textfiles / "golive.prom")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr

    def drift_fires() -> bool:
        now = firing(url)
        return "svc" in now.get("GoliveSignedOffServiceNowNoGo", set()) and "svc" in now.get(
            "GoliveBlockingCheckRegressed", set()
        )

    wait_until(drift_fires, 30, "the drift alerts")
    # every panel of the dashboard returns data from this Prometheus
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) == len(dashboard["panels"]) >= 8
    empty = [e for e in exprs if not query(url, e)]
    assert not empty, f"panels without data: {empty}"
    # and the stdout form says the same as the file
    shown = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT)
    assert shown.returncode == 0 and 'golive_review_decision{service="svc"} 0.0' in shown.stdout
    [signed] = query(url, "golive_signoff_verified")
    assert signed["metric"]["role"] == "sre" and signed["metric"]["decision"] == "no-go"
    assert signed["value"][1] == "1"
    # without the trusted signers nothing verifies: the signed go is not counted
    untrusted = subprocess.run(cli[:-2], capture_output=True, text=True, cwd=tmp_path)
    assert untrusted.returncode == 0, untrusted.stderr
    assert "golive_signed_go_timestamp_seconds{" not in untrusted.stdout
    assert 'golive_signoffs_unverified{service="svc"} 1.0' in untrusted.stdout


@pytest.mark.integration
def test_metrics_pushed_to_a_real_pushgateway_replace_the_jobs_metrics(tmp_path):
    reports = tmp_path / "reports"
    checks = [("cicd.docker-build", "pass", "blocking")]
    write_run(reports, "api", "2026-11-30", results("api", "go", checks))
    port = free_port()
    gateway = ManagedProcess(
        "pushgateway",
        ["prometheus-pushgateway", f"--web.listen-address=127.0.0.1:{port}"],
        tmp_path / "pushgateway.log",
    )
    url = f"http://127.0.0.1:{port}"
    cli = [sys.executable, "-m", "golive_lib", "metrics", "--reports", str(reports)]
    with gateway:
        wait_until(lambda: httpx.get(f"{url}/-/ready", timeout=1).is_success, 20, "pushgateway")
        done = subprocess.run([*cli, "--pushgateway", url], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        found = samples(httpx.get(f"{url}/metrics", timeout=5).text)
        [(labels, value)] = found["golive_review_decision"]
        assert labels["service"] == "api" and labels["job"] == "golive" and value == 1.0
        # the next push replaces the job's metrics: a service gone is gone
        shutil.rmtree(reports / "api")
        write_run(reports, "web", "2026-11-30", results("web", "no-go", checks))
        done = subprocess.run([*cli, "--pushgateway", url], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        found = samples(httpx.get(f"{url}/metrics", timeout=5).text)
        assert [lb["service"] for lb, _ in found["golive_review_decision"]] == ["web"]
    # a gateway that is down is a one-line error, exit 3
    done = subprocess.run([*cli, "--pushgateway", url], capture_output=True, text=True)
    assert done.returncode == 3 and "cannot push the metrics" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.integration
def test_run_writes_the_metrics_file_at_the_end_of_the_batch(tmp_path):
    (tmp_path / "repo").mkdir()
    params = tmp_path / "svc.yaml"
    params.write_text(minirun.PARAMS.format(name="svc"))
    nb = minirun.notebooks(tmp_path / "nb")
    target = tmp_path / "textfile" / "golive.prom"
    done = subprocess.run(
        [sys.executable, "-m", "golive_lib", "run", str(params), "--out", str(tmp_path / "r")]
        + ["--notebooks", str(nb), "--sections", "cicd", "--metrics-file", str(target)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr  # no-go: minirun fails one blocking check
    found = samples(target.read_text())
    assert [(lb["service"], v) for lb, v in found["golive_review_decision"]] == [("svc", 0.0)]
