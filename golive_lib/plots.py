"""Plotly figures as plain JSON dicts: pure functions of data, no plotly import.

Building them through ``plotly.graph_objects`` validated every property on every update
(0.2-0.4 s of a section kernel for three charts); the dicts here are the same figures,
and tests/test_plots.py checks that each one is a valid plotly figure. `show` emits
plotly's JSON only, so executed notebooks stay small and the renderer adds plotly.js
once per HTML file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date
from typing import Any

from .model import STATUS_ORDER, Check
from .names import PLOTLY_MIME
from .report.html import STATUS_COLOURS

Figure = dict[str, Any]


def _title(text: str) -> dict[str, str]:
    return {"text": text}


def _hline(
    y: float,
    line: dict[str, Any],
    text: str,
    axes: tuple[str, str] = ("x", "y"),
    below: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A horizontal line across one subplot with its label at the right (plotly's add_hline)."""
    x, yref = axes
    shape = {"type": "line", "xref": f"{x} domain", "x0": 0, "x1": 1, "yref": yref}
    shape.update(y0=y, y1=y, line=line)
    label = {"text": text, "showarrow": False, "xref": f"{x} domain", "x": 1, "xanchor": "right"}
    label.update(yref=yref, y=y, yanchor="top" if below else "bottom")
    return shape, label


def _value_axis(anchor: str, domain: list[float], title: str, **more: Any) -> dict[str, Any]:
    """A y axis of one subplot, starting at zero."""
    return {
        "anchor": anchor,
        "domain": domain,
        "title": _title(title),
        "rangemode": "tozero",
        **more,
    }


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, numpy values as Python ones, NaN and infinities as
    null (plotly.js draws a gap; JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, date):  # also datetime
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _plain(value.tolist())
    return str(value)


def status_by_section(checks: Iterable[Check], section_titles: dict[str, str]) -> Figure:
    """Stacked horizontal bars: how many checks of each status per section."""
    checks = list(checks)
    sections = [s for s in section_titles if any(c.section == s for c in checks)]
    data = []
    for status in STATUS_ORDER:
        counts = [sum(1 for c in checks if c.section == s and c.status is status) for s in sections]
        if any(counts):
            edge, fill = STATUS_COLOURS[status][0], STATUS_COLOURS[status][1]
            data.append(
                {
                    "type": "bar",
                    "name": status.value,
                    "y": [section_titles[s] for s in sections],
                    "x": counts,
                    "orientation": "h",
                    "marker": {"color": fill, "line": {"color": edge, "width": 1}},
                }
            )
    return {
        "data": data,
        "layout": {
            "barmode": "stack",
            "title": _title("Checks by status and section"),
            "height": 120 + 40 * max(1, len(sections)),
            "margin": {"l": 10, "r": 10, "t": 50, "b": 30},
            "xaxis": {"title": _title("checks")},
            "yaxis": {"autorange": "reversed"},
            # read as the table's columns: error first (stacked bars reverse it otherwise)
            "legend": {"orientation": "h", "y": -0.2, "traceorder": "normal"},
        },
    }


def styled(fig: Figure) -> Figure:
    """golive's house style, applied by `show`: every axis makes room for its tick labels
    and title (plotly's default template did this; plotly.js alone cuts long labels)."""
    layout = fig.setdefault("layout", {})
    for key in ("xaxis", "yaxis"):
        layout.setdefault(key, {})
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            axis.setdefault("automargin", True)
    return fig


def show(fig: Any) -> None:
    """Display a figure (a plotly JSON dict, or a plotly Figure) as plotly JSON only.

    JupyterLab draws it; the report renderer turns it into HTML with plotly.js once
    per file. The executed notebook keeps kilobytes, not the 4.8 MB library.
    """
    from IPython.display import display

    spec = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else dict(fig)
    payload = styled(_plain(spec))
    title = payload.get("layout", {}).get("title", {})
    text = title.get("text", "") if isinstance(title, dict) else str(title)
    display({PLOTLY_MIME: payload, "text/plain": f"<plotly figure: {text}>"}, raw=True)


# --------------------------------------------------------------------------- capacity


def _empty(title: str, why: str) -> Figure:
    return {
        "data": [],
        "layout": {
            "title": _title(f"{title}: {why}"),
            "height": 220,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
        },
    }


def _scatter(
    x: Any, y: Any, name: str, axes: tuple[str, str] = ("x", "y"), **more: Any
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": list(x),
        "y": list(y),
        "name": name,
        "xaxis": axes[0],
        "yaxis": axes[1],
        **more,
    }


def _chart_times(times: Any) -> list[str]:
    """Times of a long series as plotly reads them: in UTC without the offset (plotly.js
    draws the wall time written, whatever the offset), to the second (a chart step is
    minutes to hours, and the same list is written in three files of a report)."""
    return [
        (t.astimezone(UTC) if t.tzinfo else t).replace(tzinfo=None, microsecond=0).isoformat()
        for t in times
    ]


def _chart_values(values: Any) -> list[float | None]:
    """Values of a long series to six significant digits (a chart draws a few hundred
    pixels; a double's 17 digits tripled the figure)."""
    return [None if v is None or not math.isfinite(v) else float(f"{v:.6g}") for v in values]


def slo_sli(name: str, times: Any, sli: Any, objective: float, window_label: str) -> dict[str, Any]:
    """The SLI over the SLO window (one point per chart step) against its objective."""
    xs = _chart_times(times)
    return {
        "data": [
            {"type": "scatter", "mode": "lines", "name": "SLI", "x": xs, "y": _chart_values(sli)},
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"objective {objective:.3%}",
                "x": [xs[0], xs[-1]] if xs else [],
                "y": [objective, objective],
                "line": {"dash": "dash", "color": "#c62828"},
            },
        ],
        "layout": {
            "title": {"text": f"{name}: SLI over {window_label} (UTC)"},
            "yaxis": {"tickformat": ".2%", "title": "good events"},
            "height": 320,
            "margin": {"l": 60, "r": 10, "t": 50, "b": 40},
            "legend": {"orientation": "h", "y": -0.2},
        },
    }


def slo_burn_down(name: str, times: Any, remaining: Any, window_label: str) -> dict[str, Any]:
    """Error budget remaining through the window (1 = untouched, 0 = spent)."""
    xs = _chart_times(times)
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "budget remaining",
                "x": xs,
                "y": _chart_values(remaining),
                "fill": "tozeroy",
            }
        ],
        "layout": {
            "title": {"text": f"{name}: error budget burn-down over {window_label} (UTC)"},
            "yaxis": {"tickformat": ".0%", "title": "budget remaining"},
            "height": 320,
            "margin": {"l": 60, "r": 10, "t": 50, "b": 40},
            "shapes": [
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": 0,
                    "y1": 0,
                    "line": {"color": "#c62828", "dash": "dot"},
                }
            ],
        },
    }


# --------------------------------------------------------------------------- rollout


def rollout_phases(
    rows: list[dict[str, Any]], phases: list[str], current_phase: str | None
) -> Figure:
    """Per phase: accounts planned, routed to the new pipeline, and fully backfilled."""
    if not phases:
        return _empty("Rollout progress per phase", "no phases in the parameters")
    labels = [f"{p} (current)" if p == current_phase else p for p in phases]

    def count(phase: str, key: str | None) -> int:
        return sum(1 for r in rows if r["phase"] == phase and (key is None or r[key]))

    data = [
        {
            "type": "bar",
            "name": name,
            "x": labels,
            "y": [count(p, key) for p in phases],
            "marker": {"color": colour},
        }
        for name, key, colour in (
            ("planned", None, "#b0bec5"),
            ("routed", "routed", "#42a5f5"),
            ("backfilled", "complete", "#2e7d32"),
        )
    ]
    return {
        "data": data,
        "layout": {
            "barmode": "group",
            "title": _title("Rollout progress per phase (accounts)"),
            "height": 320,
            "yaxis": {"title": _title("accounts")},
            "margin": {"l": 50, "r": 10, "t": 50, "b": 40},
            "legend": {"orientation": "h", "y": -0.2},
        },
    }


def rollout_backfill(rows: list[dict[str, Any]]) -> Figure:
    """Per account: the share of its history loaded into the new pipeline."""
    if not rows:
        return _empty("Backfill per account", "no accounts in the phases")
    accounts = [f"{r['account']} ({r['phase']})" for r in rows]
    ratios = [
        r["ratio"] if r["ratio"] is not None else (1.0 if r["complete"] else 0.0) for r in rows
    ]
    colours = [
        "#2e7d32" if r["complete"] else "#ef6c00" if r["routed"] else "#b0bec5" for r in rows
    ]
    text = [
        f"{r['target_rows']:,} / {r['source_rows']:,}"
        if r["source_rows"] is not None and r["target_rows"] is not None
        else ("routed" if r["routed"] else "not routed")
        for r in rows
    ]
    bar = {
        "type": "bar",
        "x": ratios,
        "y": accounts,
        "orientation": "h",
        "marker": {"color": colours},
        "text": text,
        "textposition": "auto",
        "name": "backfilled",
    }
    return {
        "data": [bar],
        "layout": {
            "title": _title("Backfill per account (target rows / source rows)"),
            "height": 120 + 32 * len(rows),
            "xaxis": {"tickformat": ".0%", "range": [0, 1.05], "title": _title("loaded")},
            "yaxis": {"autorange": "reversed"},
            "margin": {"l": 10, "r": 10, "t": 50, "b": 40},
        },
    }
