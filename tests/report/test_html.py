"""golive_lib.report.html: every fragment golive renders from its Jinja2 template keeps
outside text inert (autoescape), and says so when there is nothing to show."""

from __future__ import annotations

import pytest

from golive_lib import catalog
from golive_lib.model import Check, Evidence, Status
from golive_lib.report import html

PAYLOAD = "<script>alert('x')</script>"
FINDING_FIELDS = (
    *("severity", "id", "link", "aliases", "package", "installed", "fixed"),
    *("verdict", "note", "source", "report"),
)


def _check(status: Status = Status.FAIL) -> Check:
    return catalog.make(
        "observability.slo-compliance",
        status,
        f"summary {PAYLOAD}",
        [Evidence(label=PAYLOAD, value=PAYLOAD, location=PAYLOAD, link=f"https://x/{PAYLOAD}")],
        remediation=f"fix {PAYLOAD}",
    )


@pytest.mark.parametrize(
    "render",
    [
        lambda: html.check_card(_check()),
        lambda: html.checks_table([_check()], with_section=True),
        lambda: html.evidence_list(_check()),
        lambda: html.sections_table(
            [{"title": PAYLOAD, "counts": {"fail": 1}, "html": PAYLOAD, "execution_error": PAYLOAD}]
        ),
        lambda: html.drill_table([(PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD)]),
        lambda: html.run_now_table(
            [
                dict.fromkeys(("scanner", "endpoint", "target", "at", "outcome"), PAYLOAD)
                | {"duration_s": 1.5}
            ]
            + [
                {
                    "scanner": "x",
                    "endpoint": None,
                    "target": "t",
                    "at": "a",
                    "outcome": "o",
                    "duration_s": 0.25,
                }
            ]
        ),
        lambda: html.findings_table([dict.fromkeys(FINDING_FIELDS, PAYLOAD)]),
    ],
    ids=[
        "check card",
        "checks table",
        "evidence list",
        "sections table",
        "drill table",
        "scanners run now",
        "scan findings",
    ],
)
def test_outside_text_in_every_fragment_stays_inert(render) -> None:  # type: ignore[no-untyped-def]
    out = render()
    assert "<script>" not in out and "alert('x')" not in out
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in out


def test_a_card_shows_the_fix_only_when_something_is_to_fix() -> None:
    assert "How to fix:" in html.check_card(_check(Status.FAIL))
    assert "How to fix:" not in html.check_card(_check(Status.PASS))


def test_no_drill_is_a_sentence_and_each_drill_a_row() -> None:
    assert html.drill_table([]) == "<p>No drill ran: the checks rest on attestations.</p>"
    table = html.drill_table([("restore", "a", "ok", "ok", "60 s"), ("replay", "b", "", "", "")])
    assert table.count("<tr>") == 3 and table.count("<td>") == 10
