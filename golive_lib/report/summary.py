"""The summary notebook's library: load a report's results (or evaluate live) and show them.

It belongs to the report layer: it builds the results document as a run does
(`results`) and shows the summary page's parts (`index`)."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .. import catalog, htmlfmt
from ..model import STATUS_ORDER, Check, SectionResult, count_statuses
from ..params import load_params, params_sha256
from ..policy import apply
from .index import attestations_html, banner_html, waivers_html
from .index import changes_html as render_changes
from .index import signoff_html as render_signoff
from .results import build_results

# Section id -> module with `evaluate(params) -> list[Check]`, for a live summary.
LIVE_SECTIONS = {
    "architecture": "golive_lib.sections.architecture",
    "cicd": "golive_lib.sections.cicd",
    "premortem": "golive_lib.sections.premortem",
    "rollout": "golive_lib.sections.rollout",
    "observability": "golive_lib.sections.observability",
    "security": "golive_lib.sections.security",
    "capacity": "golive_lib.sections.capacity",
    "disaster_recovery": "golive_lib.sections.disaster_recovery",
    "testing": "golive_lib.sections.testing",
}


def load(
    results_path: str | None, params_path: str | Path, run_date: str | None = None
) -> dict[str, Any]:
    """The results document: read from a run's results.json, or built now by evaluating
    every section live (what "Run all" in JupyterLab does)."""
    if results_path:
        return dict(json.loads(Path(results_path).read_text(encoding="utf-8")))
    path = Path(params_path)
    params = load_params(path)
    today = date.fromisoformat(run_date) if run_date else date.today()
    sections = []
    for spec in catalog.SECTIONS:
        module_name = LIVE_SECTIONS.get(spec.id)
        if module_name is None:
            continue
        module = importlib.import_module(module_name)
        checks: list[Check] = [apply(c, params, today) for c in module.evaluate(params)]
        sections.append(
            SectionResult(
                section=spec.id, title=spec.title, notebook=spec.notebook, checks=tuple(checks)
            )
        )
    return build_results(
        service=params.service.name,
        run_date=today,
        generated_at=datetime.now(UTC),
        params_file=path.name,
        params_sha256=params_sha256(path),
        sections=sections,
        rendered={},
        params=params,
    )


def checks(doc: dict[str, Any]) -> list[Check]:
    return [Check.model_validate(c) for c in doc["checks"]]


def banner(doc: dict[str, Any]) -> str:
    return banner_html(doc)


def sections_table(doc: dict[str, Any]) -> str:
    return htmlfmt.sections_table(doc["sections"], link=False)


def all_checks_table(doc: dict[str, Any]) -> str:
    return htmlfmt.checks_table(checks(doc), with_section=True)


def blocking_table(doc: dict[str, Any]) -> str:
    blocking = [c for c in checks(doc) if c.blocks]
    if not blocking:
        return "<p>Nothing blocks the go-live.</p>"
    return htmlfmt.checks_table(blocking, with_section=True)


def section_titles(doc: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["title"] for s in doc["sections"]}


def recount(doc: dict[str, Any]) -> dict[str, int]:
    return count_statuses(checks(doc))


def signoff_html(doc: dict[str, Any]) -> str:
    """Who must sign, and how; the live state is outside the signed report."""
    return render_signoff(doc)


def waivers_and_attestations(doc: dict[str, Any]) -> str:
    """Every waiver (with what it waived, or that it expired) and every attestation."""
    html = waivers_html(doc) + attestations_html(doc)
    return html or "<p>No waiver and no attestation in the parameters.</p>"


def changes_html(doc: dict[str, Any]) -> str:
    """The checks whose status changed since the service's previous dated run."""
    return render_changes(doc).replace("<h2>Changed since the last review</h2>", "", 1)


def status_timeline(doc: dict[str, Any]) -> dict[str, Any]:
    """A plotly figure (as a dict): checks of each status over the service's dated runs."""
    runs = [*doc.get("history", []), {"folder": doc["date"], "counts": doc["counts"]}]
    names = [r["folder"] for r in runs]
    data = [
        {
            "type": "bar",
            "name": s.value,
            "x": names,
            "y": [r["counts"].get(s.value, 0) for r in runs],
            "marker": {"color": htmlfmt.STATUS_COLOURS[s][1]},
        }
        for s in STATUS_ORDER
        if any(r["counts"].get(s.value) for r in runs)
    ]
    layout = {
        "barmode": "stack",
        "title": {"text": "Checks by status over the dated runs"},
        "xaxis": {"type": "category", "title": {"text": "run"}},
        "yaxis": {"title": {"text": "checks"}},
        "height": 360,
    }
    return {"data": data, "layout": layout}
