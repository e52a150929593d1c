"""The HTML of a check's evidence: short locations shown, long queries folded, all escaped."""

from __future__ import annotations

from golive_lib import catalog, htmlfmt
from golive_lib.model import Evidence, Status


def _html(location: str) -> str:
    check = catalog.make(
        "observability.slo-compliance",
        Status.FAIL,
        "missed",
        [Evidence(label="slo", value="99.8%", location=location)],
    )
    return htmlfmt.evidence_list(check)


def test_a_short_location_is_shown_as_it_is():
    html = _html('http_requests_total{job="api"}')
    assert "<code>http_requests_total{job=&#34;api&#34;}</code>" in html
    assert "<details" not in html


def test_a_long_query_is_folded_and_kept_whole_behind_one_click():
    query = " or ".join(
        f'label_replace(sum(rate(x{{job="api"}}[{w}])), "p", "{w}", "", "")' for w in range(9)
    )
    html = _html(query)
    assert "<details" in html and f"({len(query):,} characters)" in html
    assert f"<code>{htmlfmt.e(query)}</code>" in html  # the whole query, escaped


def test_a_long_location_with_markup_stays_inert():
    payload = "<script>alert(1)</script>" * 10
    html = _html(payload)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
