"""HTML/JS injection: payloads in the parameters, in file contents (a Markdown doc, SQL
rows charted per account), in scan findings and in metric labels (a real Prometheus whose
rules carry them), all rendered inert in every HTML file golive writes.

Inert is judged as a browser would parse the page (faultkit.active_payloads): no element
with an event handler or a javascript: URL from a payload, no script element opened by
one, including inside the script elements that hold plotly's figures. Each vector has its
own marker, and each marker must be in the pages: the payload was rendered, as text.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from faultkit import (
    Batch,
    active_payloads,
    assert_report,
    copy_repo,
    example_params,
    html_files,
    js_url,
    payload,
    run_batch,
    small_prometheus,
)

SERVICE = "injected"
SECTIONS = ("architecture", "premortem", "rollout", "security", "testing")
ACCOUNT = payload("golive-xss-sql")  # an account id in the rollout's SQL rows and phases


def _rules() -> dict[str, object]:
    label = payload("golive-xss-label")
    probe = (
        'label_replace(label_replace(vector(1), "job", "blackbox", "", ""), '
        f'"instance", \'{label}\', "", "")'
    )
    return {
        "groups": [
            {
                "name": "injected",
                "rules": [
                    {"record": "probe_success", "expr": probe},
                    {
                        "alert": "IngestApiDown",
                        "expr": "vector(0) > 1",
                        "labels": {"service": "ingest-api", "severity": "page", "team": label},
                        "annotations": {
                            "runbook_url": js_url("golive-xss-label"),
                            "summary": label,
                        },
                    },
                ],
            }
        ]
    }


def _spike_repo(repo: Path) -> None:
    doc = repo / "docs" / "architecture.md"
    doc.write_text(
        doc.read_text(encoding="utf-8")
        + f"\n\n## {payload('golive-xss-file')}\n\n"
        + f"See [the {payload('golive-xss-file')} runbook]({js_url('golive-xss-file')}),\n"
        + 'and [the missing page](docs/<svg/onload=alert("golive-xss-file")>.md).\n',
        encoding="utf-8",
    )
    seed = repo / "rollout" / "seed.sql"
    seed.write_text(seed.read_text(encoding="utf-8").replace("'initech'", f"'{ACCOUNT}'"))
    scan = repo / "results" / "scans" / "trivy-image.json"
    report = json.loads(scan.read_text(encoding="utf-8"))
    vuln = report["Results"][0]["Vulnerabilities"][0]
    vuln.update(
        VulnerabilityID=payload("golive-xss-scan"),
        PkgName=payload("golive-xss-scan"),
        Title=payload("golive-xss-scan"),
        PrimaryURL=js_url("golive-xss-scan"),
        Severity="HIGH",
    )
    scan.write_text(json.dumps(report), encoding="utf-8")


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    work = tmp_path_factory.mktemp("injection")
    repo = copy_repo(work / "repo")
    _spike_repo(repo)
    doc = example_params(SERVICE, repo)
    p = payload("golive-xss-param")
    doc["service"].update(description=p, owner_team=p, escalation=p)
    doc["architecture"]["components"][0]["name"] = p
    doc["premortem"]["scenarios"][0]["name"] = p
    doc["rollout"]["phases"][1]["accounts"] = ["acme", "globex", ACCOUNT]
    doc["waivers"].append(
        {
            "check": "architecture.links-resolve",
            "reason": p,
            "approver": p,
            "expires": "2999-12-31",
        }
    )
    doc["attestations"][0].update(outcome=p, by=p)
    doc["dr"].pop("restore")
    doc["dr"].pop("replay")
    with small_prometheus(work / "prom", _rules()) as url:
        doc["observability"]["prometheus"]["url"] = url
        return run_batch(work, [doc], SECTIONS)


@pytest.fixture(scope="module")
def pages(batch: Batch) -> dict[Path, str]:
    """Every page of the new report, and the portfolio page over all reports."""
    report = assert_report(batch, SERVICE)
    found = html_files(report.folder, batch.out / "index.html")
    assert len(found) == len(SECTIONS) + 4  # sections, summary, report, index, portfolio
    return {p: p.read_text(encoding="utf-8") for p in found}


def test_every_html_file_written_is_free_of_active_payloads(batch: Batch) -> None:
    for path in html_files(batch.out):
        assert active_payloads(path.read_text(encoding="utf-8")) == [], path


def test_the_inertness_check_itself_sees_a_live_payload() -> None:
    live = f'<p>{payload("m")}</p><a href="{js_url("m")}">x</a>'
    assert len(active_payloads(live)) == 3  # the script, the onerror, the javascript: link
    figure = f"<script>Plotly.newPlot('f', {json.dumps({'name': payload('m')})})</script>"
    assert active_payloads(figure)  # json.dumps alone does not protect a script element
    assert active_payloads(f"<p>{html.escape(payload('m'))}</p>") == []


@pytest.mark.parametrize(
    ("marker", "where"),
    [
        ("golive-xss-param", "index.html"),  # description, owner, waiver
        ("golive-xss-file", "01_architecture.html"),  # headings and links of a doc
        ("golive-xss-sql", "06_rollout.html"),  # account ids, in tables and charts
        ("golive-xss-scan", "08_security.html"),  # a finding's id, package, title, link
        ("golive-xss-label", "09_testing.html"),  # a probe's instance label
        ("golive-xss-label", "04_premortem.html"),  # an alert's runbook annotation
    ],
)
def test_each_payload_was_rendered_as_text(pages: dict[Path, str], marker: str, where: str) -> None:
    by_name = {path.name: text for path, text in pages.items() if path.parent.name != "reports"}
    page = by_name[where]
    assert marker in page, f"{marker} never reached {where}: the case would prove nothing"
    assert active_payloads(page) == []
    assert marker in by_name["report.html"]
    assert active_payloads(by_name["report.html"]) == []
