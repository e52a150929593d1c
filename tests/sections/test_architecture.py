"""golive_lib.sections.architecture: every architecture.* check of the catalog."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive_lib import catalog
from golive_lib.model import Check, Severity, Status
from golive_lib.params import Params, load_params
from golive_lib.sections import architecture as arch

DATA = Path(__file__).resolve().parents[1] / "data" / "architecture"

OWNED = {"owner_team": "ingest", "escalation": "#ingest-oncall", "tier": 1}


def make_params(
    tmp_path: Path,
    repo: Path,
    architecture: dict[str, Any] | None = None,
    **service: Any,
) -> Params:
    data: dict[str, Any] = {
        "schema_version": 1,
        "service": {"name": "x", **(service or OWNED)},
        "repository": str(repo),
    }
    if architecture is not None:
        data["architecture"] = architecture
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_params(path)


def make_repo(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    for rel, content in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return repo


def by_id(checks: list[Check]) -> dict[str, Check]:
    return {c.id.removeprefix("architecture."): c for c in checks}


def run(
    tmp_path: Path,
    files: dict[str, str | bytes],
    architecture: dict[str, Any] | None = None,
    **service: Any,
) -> dict[str, Check]:
    repo = make_repo(tmp_path, files)
    return by_id(arch.evaluate(make_params(tmp_path, repo, architecture, **service)))


# --------------------------------------------------------------------------- whole section


def test_a_complete_repository_passes_every_check_in_checklist_order(tmp_path: Path) -> None:
    repo = tmp_path / "complete"
    shutil.copytree(DATA / "complete", repo)
    params = make_params(
        tmp_path,
        repo,
        {
            "components": [
                {"name": "HTTP API", "link": "README.md"},
                {"name": "worker", "link": "./services/worker/../worker/README.md#queue"},
                {"name": "event store"},
                {"name": "dashboards", "link": "https://Grafana.example.com/d/ingest"},
            ]
        },
    )
    checks = arch.evaluate(params)
    assert [c.id for c in checks] == [s.id for s in catalog.checks_of("architecture")]
    assert {c.id: c.status for c in checks} == dict.fromkeys((c.id for c in checks), Status.PASS)
    results = by_id(checks)
    assert results["doc-present"].summary == "architecture overview found at docs/architecture.md"
    assert results["links-resolve"].summary == (
        "docs/architecture.md: all 6 relative links resolve; "
        "1 external links not checked (architecture.check_external_links is off)"
    )
    assert results["diagram"].summary == "image diagram at docs/architecture.md:15 (and 1 more)"
    locations = [e.location for e in results["components-linked"].evidence]
    assert locations == [
        "docs/architecture.md:8",
        "docs/architecture.md:9",
        "docs/architecture.md:10",
        "docs/architecture.md:11",
    ]


# --------------------------------------------------------------------------- doc-present


def test_without_an_overview_the_doc_checks_fail_and_ownership_still_runs(tmp_path: Path) -> None:
    results = run(tmp_path, {"README.md": "# x\n"}, {"components": [{"name": "worker"}]})
    doc = results["doc-present"]
    assert doc.status is Status.FAIL and doc.severity is Severity.BLOCKING
    assert "docs/architecture.md, ARCHITECTURE.md" in doc.summary
    assert "docs/architecture.md" in doc.remediation
    for name in ("components-linked", "links-resolve", "diagram"):
        assert results[name].status is Status.FAIL
        assert results[name].summary.startswith("no architecture overview found")
    assert results["ownership"].status is Status.PASS


def test_the_first_existing_candidate_is_the_overview(tmp_path: Path) -> None:
    results = run(
        tmp_path,
        {"ARCHITECTURE.md": "# Arch\n\nText.\n", "design/overview.md": "# Design\n\nText.\n"},
        {"docs": ["docs/architecture.md", "design/overview.md", "ARCHITECTURE.md"]},
    )
    assert results["doc-present"].summary == "architecture overview found at design/overview.md"


def test_a_candidate_outside_the_repository_is_not_used(tmp_path: Path) -> None:
    (tmp_path / "outside.md").write_text("# Outside\n\nText.\n")
    results = run(tmp_path, {}, {"docs": ["../outside.md"]})
    assert results["doc-present"].status is Status.FAIL


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("", "is empty"),
        ("# Architecture\n\n## Components\n<!-- TODO -->\n", "holds nothing but headings"),
    ],
)
def test_an_overview_without_content_fails(tmp_path: Path, text: str, what: str) -> None:
    check = run(tmp_path, {"docs/architecture.md": text})["doc-present"]
    assert (check.status, check.summary) == (Status.FAIL, f"docs/architecture.md {what}")


def test_a_non_utf8_overview_makes_the_doc_checks_errors(tmp_path: Path) -> None:
    results = run(
        tmp_path,
        {"docs/architecture.md": "# Caf\xe9\n\nCaf\xe9 text\n".encode("latin-1")},
        {"components": [{"name": "worker"}]},
    )
    for name in ("doc-present", "components-linked", "links-resolve", "diagram"):
        assert results[name].status is Status.ERROR, name
        assert "docs/architecture.md" in results[name].summary
        assert "not UTF-8" in results[name].summary
    assert results["ownership"].status is Status.PASS


# --------------------------------------------------------------------------- components-linked

OVERVIEW = """# Architecture

- [Ingest worker](.././services/ingest-worker/README.md#intro)
- the [queue](https://mq.example.com/queues/events/)
- see [storage](docs/storage.md)
"""


@pytest.mark.parametrize(
    "component",
    [
        {"name": "worker", "link": "services/ingest-worker/README.md"},
        {"name": "worker", "link": "services/x/../ingest-worker/README.md#other"},
        {"name": "queue", "link": "https://MQ.example.com/queues/events#top"},
        {"name": "INGEST WORKER"},
        {"name": "ingest_worker"},
        {"name": "Storage"},
    ],
)
def test_a_component_is_linked_by_target_or_by_name(
    tmp_path: Path, component: dict[str, str]
) -> None:
    check = run(tmp_path, {"docs/architecture.md": OVERVIEW}, {"components": [component]})[
        "components-linked"
    ]
    assert check.status is Status.PASS, check.summary
    assert check.evidence[0].label == component["name"]


def test_unlinked_components_fail_with_evidence_per_component(tmp_path: Path) -> None:
    check = run(
        tmp_path,
        {"docs/architecture.md": OVERVIEW},
        {
            "components": [
                {"name": "worker", "link": "services/ingest-worker/README.md"},
                {"name": "billing"},
                {"name": "queue", "link": "https://mq.example.com/queues/dead-letter"},
            ]
        },
    )["components-linked"]
    assert check.status is Status.FAIL
    assert check.summary == (
        "2 of 3 components not linked from docs/architecture.md: billing, queue"
    )
    assert [(e.label, e.value.split(":")[0], e.location) for e in check.evidence] == [
        ("worker", "linked at docs/architecture.md", "docs/architecture.md:3"),
        ("billing", "missing", "docs/architecture.md"),
        ("queue", "missing", "docs/architecture.md"),
    ]
    assert "broken" in check.evidence[0].value  # the worker's README does not exist
    assert check.data["missing"] == ["billing", "queue"]


def test_no_components_in_the_parameters_is_not_applicable(tmp_path: Path) -> None:
    check = run(tmp_path, {"docs/architecture.md": OVERVIEW})["components-linked"]
    assert check.status is Status.NA
    assert "name no components" in check.summary
    assert "architecture.components" in check.summary


# --------------------------------------------------------------------------- links-resolve


def test_broken_relative_links_fail_with_their_location(tmp_path: Path) -> None:
    results = run(
        tmp_path,
        {
            "docs/architecture.md": "# A\n\n[ok](../README.md)\n\n[gone](runbook.md)\n"
            "![pic](img/missing.png)\n[out](../../etc/passwd)\n[web](https://example.com)\n"
            "<https://example.org>\n",
            "README.md": "# r\n",
        },
    )
    check = results["links-resolve"]
    assert check.status is Status.FAIL
    assert check.severity is Severity.ADVISORY and not check.blocks
    assert check.summary == (
        "docs/architecture.md: 3 of 4 relative links broken; "
        "2 external links not checked (architecture.check_external_links is off)"
    )
    assert [(e.label, e.value, e.location) for e in check.evidence] == [
        ("runbook.md", "no such file: docs/runbook.md", "docs/architecture.md:5"),
        ("img/missing.png", "no such file: docs/img/missing.png", "docs/architecture.md:6"),
        ("../../etc/passwd", "points outside the repository", "docs/architecture.md:7"),
    ]


def test_an_overview_without_links_passes_links_resolve(tmp_path: Path) -> None:
    check = run(tmp_path, {"docs/architecture.md": "# A\n\nPlain text.\n"})["links-resolve"]
    assert (check.status, check.summary) == (
        Status.PASS,
        "docs/architecture.md: no relative links",
    )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_HEAD(self) -> None:
        if self.path == "/slow":
            self.server.stop.wait(3)
        self.send_response(200 if self.path in ("/ok", "/slow") else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stop = threading.Event()


@pytest.fixture
def base_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = srv.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        srv.stop.set()
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def test_external_links_are_checked_when_enabled(tmp_path: Path, base_url: str) -> None:
    overview = f"# A\n\n[ok]({base_url}/ok)\n[gone]({base_url}/gone)\n[slow]({base_url}/slow)\n"
    check = run(
        tmp_path,
        {"docs/architecture.md": overview},
        {"check_external_links": True, "link_timeout_s": 0.5},
    )["links-resolve"]
    assert check.status is Status.FAIL
    assert check.summary == (
        "docs/architecture.md: no relative links; 2 of 3 external links do not answer"
    )
    assert [(e.link, e.value[:9], e.location) for e in check.evidence] == [
        (f"{base_url}/gone", "HTTP 404 ", "docs/architecture.md:4"),
        (f"{base_url}/slow", "timed out", "docs/architecture.md:5"),
    ]


def test_external_links_that_answer_pass(tmp_path: Path, base_url: str) -> None:
    check = run(
        tmp_path,
        {"docs/architecture.md": f"# A\n\nSee <{base_url}/ok>.\n"},
        {"check_external_links": True},
    )["links-resolve"]
    assert (check.status, check.summary) == (
        Status.PASS,
        "docs/architecture.md: no relative links; all 1 external links answer",
    )


# --------------------------------------------------------------------------- diagram


@pytest.mark.parametrize(
    ("body", "kind", "line"),
    [
        ("```mermaid\nflowchart LR\n  a --> b\n```\n", "Mermaid", 3),
        ('```mermaid\nC4Context\n  Person(u, "User")\n```\n', "C4 (Mermaid)", 3),
        ("```puml\nA -> B\n```\n", "PlantUML", 3),
        ("```\n@startuml\nA -> B\n@enduml\n```\n", "PlantUML", 3),
        (
            '```plantuml\n@startuml\n!include <C4/C4_Container>\nContainer(a, "A")\n@enduml\n```\n',
            "C4 (PlantUML)",
            3,
        ),
        ("```\nworkspace {\n  model { }\n}\n```\n", "C4 (Structurizr)", 3),
        ("![context](img/context.drawio.svg)\n", "image", 3),
        ('<img src="img/context.drawio.svg" width="600">\n', "image", 3),
    ],
)
def test_a_diagram_is_found_with_its_kind_and_line(
    tmp_path: Path, body: str, kind: str, line: int
) -> None:
    check = run(
        tmp_path,
        {"docs/architecture.md": "# A\n\n" + body, "docs/img/context.drawio.svg": "<svg/>"},
    )["diagram"]
    assert (check.status, check.summary) == (
        Status.PASS,
        f"{kind} diagram at docs/architecture.md:{line}",
    )


def test_no_diagram_fails_with_a_mermaid_example(tmp_path: Path) -> None:
    check = run(
        tmp_path,
        {
            "docs/architecture.md": "# A\n\n```python\nprint()\n```\n![gone](img/x.png)\n"
            "![badge](https://ci.example.com/badge.svg)\n"
        },
    )["diagram"]
    assert check.status is Status.FAIL
    assert check.severity is Severity.ADVISORY
    assert check.summary == (
        "docs/architecture.md holds no diagram (1 image links do not resolve; "
        "1 external images not counted (keep diagrams in the repository))"
    )
    assert "```mermaid\nflowchart LR" in check.remediation
    assert [e.location for e in check.evidence] == ["docs/architecture.md:6"]


# --------------------------------------------------------------------------- ownership


def test_ownership_lists_each_missing_field(tmp_path: Path) -> None:
    check = run(tmp_path, {}, owner_team="ingest", escalation="  ")["ownership"]
    assert check.status is Status.FAIL and check.severity is Severity.BLOCKING
    assert check.summary == "not recorded in the parameters: service.escalation, service.tier"
    assert check.data["missing"] == ["service.escalation", "service.tier"]
    assert "service.escalation, service.tier" in check.remediation


def test_ownership_passes_with_tier_zero(tmp_path: Path) -> None:
    check = run(tmp_path, {}, owner_team="ingest", escalation="pager:ingest", tier=0)["ownership"]
    assert (check.status, check.summary) == (
        Status.PASS,
        "owned by ingest, escalation via pager:ingest, tier 0",
    )


def test_evaluate_turns_a_failure_to_collect_into_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(params: Params) -> arch.ArchitectureEvidence:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(arch, "collect", broken)
    params = make_params(tmp_path, make_repo(tmp_path, {}))
    statuses = [c.status for c in arch.evaluate(params)]
    assert statuses == [Status.ERROR] * 4 + [Status.PASS]


def test_the_overview_file_name_is_matched_case_insensitively(tmp_path: Path) -> None:
    from golive_lib.sections.architecture import find_overview

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "Architecture.md").write_text("# A\n\ntext\n")
    found = find_overview(tmp_path, ("docs/architecture.md", "ARCHITECTURE.md"))
    assert found == tmp_path / "docs" / "Architecture.md"
