"""index.html: the one-page summary of a report folder. Pure: render(results) -> str,
from the templates ``index.html.j2`` and ``review_parts.html.j2``."""

from __future__ import annotations

from typing import Any

from ..model import STATUS_ORDER, Status
from .html import STATUS_COLOURS, macros, page
from .results import load_checks

TIMELINE_RUNS = 30  # the latest runs in the table; `golive history` lists every one


def render(results: dict[str, Any]) -> str:
    checks = load_checks(results)
    counts = results["counts"]
    return page(
        "index.html.j2",
        r=results,
        counts=[(s, counts.get(s.value, 0)) for s in STATUS_ORDER if counts.get(s.value)],
        blocking=[c for c in checks if c.blocks],
        roles=_roles(results),
        previous=_previous(results),
        timeline=_timeline(results),
        sections=[
            (section, [c for c in checks if c.section == section["id"]])
            for section in results["sections"]
        ],
        colours=STATUS_COLOURS,
        statuses=STATUS_ORDER,
    )


def _parts() -> Any:
    return macros("review_parts.html.j2")


def _roles(results: dict[str, Any]) -> list[str]:
    return list((results.get("signoff") or {}).get("required_roles", []))


def banner_html(results: dict[str, Any]) -> str:
    """The decision, the counts by status and what blocks (the summary notebook's top)."""
    counts = results["counts"]
    shown = [(s, counts.get(s.value, 0)) for s in STATUS_ORDER if counts.get(s.value)]
    return str(_parts().banner(results, shown, STATUS_COLOURS))


def signoff_html(results: dict[str, Any]) -> str:
    """What a sign-off needs. The live state is in signoffs.html: this page is signed
    itself and never rewritten after the run."""
    return str(_parts().signoff(_roles(results)))


def signoff_live_html() -> str:
    """The live sign-off state on the (signed, never rewritten) index page: signoffs.html
    embedded, or, before the first sign-off, the text in its place."""
    return str(_parts().signoff_live())


def _previous(results: dict[str, Any]) -> dict[str, Any] | None:
    previous = results.get("previous")
    if not previous:
        return None
    changes = [
        {
            **c,
            "old": Status(c["old"]) if c["old"] else None,
            "new": Status(c["new"]) if c["new"] else None,
        }
        for c in previous.get("changes", [])
    ]
    return {**previous, "changes": changes}


def changes_html(results: dict[str, Any]) -> str:
    return str(_parts().changes(_previous(results), STATUS_COLOURS))


def _timeline(results: dict[str, Any]) -> dict[str, Any] | None:
    """The latest dated runs (TIMELINE_RUNS) as rows of stacked bars; None under two runs
    (a service reviewed nightly has hundreds)."""
    runs = [
        *results.get("history", []),
        {
            "folder": results["date"] + " (this run)",
            "decision": results["decision"],
            "counts": results["counts"],
        },
    ]
    if len(runs) < 2:
        return None
    rows = []
    for run in runs[-TIMELINE_RUNS:]:
        total = sum(run["counts"].values()) or 1
        bars = [
            (s, run["counts"][s.value], 400 * run["counts"][s.value] / total)
            for s in STATUS_ORDER
            if run["counts"].get(s.value)
        ]
        text = " ".join(f"{k} {v}" for k, v in run["counts"].items() if v)
        rows.append(
            {"folder": run["folder"], "decision": run["decision"], "bars": bars, "counts": text}
        )
    return {"rows": rows, "shown": TIMELINE_RUNS, "total": len(runs), "service": results["service"]}


def timeline_html(results: dict[str, Any]) -> str:
    """Statuses over the latest dated runs (TIMELINE_RUNS): one stacked bar per run
    (plain HTML, no script)."""
    timeline = _timeline(results)
    if timeline is None:
        return ""
    return str(_parts().timeline(timeline, STATUS_COLOURS, STATUS_ORDER))


def waivers_html(results: dict[str, Any]) -> str:
    waivers = results.get("waivers", [])
    return str(_parts().waivers(waivers)) if waivers else ""


def attestations_html(results: dict[str, Any]) -> str:
    attested = results.get("attestations", [])
    return str(_parts().attestations(attested)) if attested else ""
