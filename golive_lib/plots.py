"""Plotly figures: pure functions of data. `show` emits plotly's JSON only, so executed
notebooks stay small and the renderer adds plotly.js once per HTML file."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .htmlfmt import STATUS_COLOURS
from .model import STATUS_ORDER, Check
from .names import PLOTLY_MIME


def status_by_section(checks: Iterable[Check], section_titles: dict[str, str]) -> Any:
    """Stacked horizontal bars: how many checks of each status per section."""
    import plotly.graph_objects as go

    checks = list(checks)
    sections = [s for s in section_titles if any(c.section == s for c in checks)]
    fig = go.Figure()
    for status in STATUS_ORDER:
        counts = [sum(1 for c in checks if c.section == s and c.status is status) for s in sections]
        if any(counts):
            fig.add_trace(
                go.Bar(
                    name=status.value,
                    y=[section_titles[s] for s in sections],
                    x=counts,
                    orientation="h",
                    marker_color=STATUS_COLOURS[status][1],
                    marker_line_color=STATUS_COLOURS[status][0],
                    marker_line_width=1,
                )
            )
    fig.update_layout(
        barmode="stack",
        title="Checks by status and section",
        height=120 + 40 * max(1, len(sections)),
        margin={"l": 10, "r": 10, "t": 50, "b": 30},
        xaxis_title="checks",
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def show(fig: Any) -> None:
    """Display a figure (a plotly Figure or its JSON dict) as plotly JSON only.

    JupyterLab draws it; the report renderer turns it into HTML with plotly.js once
    per file. The executed notebook keeps kilobytes, not the 4.8 MB library.
    """
    import json

    import plotly.utils
    from IPython.display import display

    spec = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else dict(fig)
    payload = json.loads(json.dumps(spec, cls=plotly.utils.PlotlyJSONEncoder))
    title = payload.get("layout", {}).get("title", {})
    text = title.get("text", "") if isinstance(title, dict) else str(title)
    display({PLOTLY_MIME: payload, "text/plain": f"<plotly figure: {text}>"}, raw=True)


# --------------------------------------------------------------------------- capacity


def _empty(title: str, why: str) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(
        title=f"{title}: {why}",
        height=220,
        xaxis={"visible": False},
        yaxis={"visible": False},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return fig


def loadtest_timeline(result: Any, knee: Any, percentile: int, threshold_ms: float) -> Any:
    """Throughput and users, p95/p99 latency against the SLO, and error ratio over time."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    title = "Load test over time"
    if result is None or not result.samples:
        return _empty(title, "no time series (no load test, or a summary only)")
    s = result.samples
    t = [x.time for x in s]
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        row_heights=[0.4, 0.4, 0.2],
        specs=[[{"secondary_y": True}], [{}], [{}]],
    )
    fig.add_trace(go.Scatter(x=t, y=[x.throughput for x in s], name="throughput (req/s)"), 1, 1)
    fig.add_trace(
        go.Scatter(
            x=t, y=[x.users for x in s], name="users", line={"dash": "dot", "color": "#888"}
        ),
        1,
        1,
        secondary_y=True,
    )
    fig.add_trace(go.Scatter(x=t, y=[x.p95_ms for x in s], name="p95 (ms)"), 2, 1)
    fig.add_trace(go.Scatter(x=t, y=[x.p99_ms for x in s], name="p99 (ms)"), 2, 1)
    fig.add_hline(
        y=threshold_ms,
        line={"dash": "dash", "color": "#c62828"},
        annotation_text=f"SLO p{percentile} {threshold_ms:g} ms",
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Scatter(x=t, y=[x.error_ratio for x in s], name="error ratio", fill="tozeroy"), 3, 1
    )
    if knee is not None:
        fig.add_vrect(
            x0=knee.start,
            x1=knee.end,
            fillcolor="#2e7d32",
            opacity=0.15,
            line_width=0,
            annotation_text=f"knee {knee.throughput:,.0f} req/s",
            row=1,
            col=1,
        )
    fig.update_yaxes(title_text="req/s", row=1, col=1, rangemode="tozero")
    fig.update_yaxes(title_text="users", row=1, col=1, secondary_y=True, rangemode="tozero")
    fig.update_yaxes(title_text="ms", row=2, col=1, rangemode="tozero")
    fig.update_yaxes(title_text="errors", row=3, col=1, tickformat=".1%", rangemode="tozero")
    fig.update_layout(title=title, height=620, legend={"orientation": "h", "y": -0.08})
    return fig


def loadtest_vs_users(
    result: Any,
    points: Any,
    fit: Any,
    knee: Any,
    percentile: int,
    threshold_ms: float,
) -> Any:
    """Throughput against users with the USL curve and the knee; latency against users."""
    import numpy as np
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    title = "Throughput and latency against users"
    if result is None or not points:
        return _empty(title, "no concurrency levels to plot")
    fig = make_subplots(rows=1, cols=2, subplot_titles=("throughput", "latency"))
    fig.add_trace(
        go.Scatter(
            x=[p[0] for p in points], y=[p[1] for p in points], mode="markers", name="measured"
        ),
        1,
        1,
    )
    if fit is not None:
        top = max(max(p[0] for p in points), fit.n_peak or 0.0) * 1.3
        n = np.linspace(1, top, 200)
        fig.add_trace(
            go.Scatter(
                x=n,
                y=[fit.predict(float(v)) for v in n],
                name=f"USL fit (σ={fit.sigma:.3g}, κ={fit.kappa:.3g})",
                line={"color": "#6a1b9a"},
            ),
            1,
            1,
        )
        if fit.n_peak is not None and fit.x_peak is not None:
            fig.add_trace(
                go.Scatter(
                    x=[fit.n_peak],
                    y=[fit.x_peak],
                    mode="markers",
                    marker={"symbol": "x", "size": 12, "color": "#6a1b9a"},
                    name=f"predicted ceiling {fit.x_peak:,.0f} req/s",
                ),
                1,
                1,
            )
    if knee is not None and knee.users is not None:
        fig.add_trace(
            go.Scatter(
                x=[knee.users],
                y=[knee.throughput],
                mode="markers",
                marker={"symbol": "star", "size": 16, "color": "#2e7d32"},
                name=f"knee {knee.throughput:,.0f} req/s",
            ),
            1,
            1,
        )
    samples = [x for x in result.samples if x.users]
    for q in (95, 99):
        fig.add_trace(
            go.Scatter(
                x=[x.users for x in samples],
                y=[x.latency(q) for x in samples],
                mode="markers",
                marker={"size": 5},
                name=f"p{q} (ms)",
            ),
            1,
            2,
        )
    fig.add_hline(
        y=threshold_ms,
        line={"dash": "dash", "color": "#c62828"},
        annotation_text=f"SLO p{percentile}",
        row=1,
        col=2,
    )
    fig.update_xaxes(title_text="users")
    fig.update_yaxes(title_text="req/s", row=1, col=1, rangemode="tozero")
    fig.update_yaxes(title_text="ms", row=1, col=2, rangemode="tozero")
    fig.update_layout(title=title, height=460, legend={"orientation": "h", "y": -0.2})
    return fig


def peak_vs_capacity(
    projection: Any, capacity: float | None, safety_margin: float, ceiling: float | None
) -> Any:
    """Today's peak, after growth, with the event, x the margin; against the capacity."""
    import plotly.graph_objects as go

    title = "Projected peak against capacity"
    if projection is None:
        return _empty(title, "no peak to project")
    p = projection
    labels = ["today's peak", "after growth", "with the event", "required (x margin)"]
    values = [
        p.today_peak,
        p.today_peak * p.growth_factor,
        p.projected,
        p.projected * safety_margin,
    ]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=values,
            marker_color=["#90caf9", "#64b5f6", "#1e88e5", "#0d47a1"],
            text=[f"{v:,.0f}" for v in values],
            textposition="outside",
            name="load (req/s)",
        )
    )
    if capacity is not None:
        ok = capacity >= values[-1]
        fig.add_hline(
            y=capacity,
            line={"color": "#2e7d32" if ok else "#c62828", "width": 3},
            annotation_text=f"sustained capacity {capacity:,.0f} req/s",
        )
    if ceiling is not None:
        fig.add_hline(
            y=ceiling,
            line={"color": "#6a1b9a", "dash": "dot"},
            annotation_text=f"USL ceiling {ceiling:,.0f} req/s",
            annotation_position="bottom right",
        )
    fig.update_layout(title=title, height=420, yaxis_title="req/s")
    return fig


def slo_sli(name: str, times: Any, sli: Any, objective: float, window_label: str) -> dict[str, Any]:
    """The SLI over the SLO window (one point per chart step) against its objective."""
    xs = [t.isoformat() for t in times]
    return {
        "data": [
            {"type": "scatter", "mode": "lines", "name": "SLI", "x": xs, "y": list(sli)},
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
            "title": {"text": f"{name}: SLI over {window_label}"},
            "yaxis": {"tickformat": ".2%", "title": "good events"},
            "height": 320,
            "margin": {"l": 60, "r": 10, "t": 50, "b": 40},
            "legend": {"orientation": "h", "y": -0.2},
        },
    }


def slo_burn_down(name: str, times: Any, remaining: Any, window_label: str) -> dict[str, Any]:
    """Error budget remaining through the window (1 = untouched, 0 = spent)."""
    xs = [t.isoformat() for t in times]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "budget remaining",
                "x": xs,
                "y": list(remaining),
                "fill": "tozeroy",
            }
        ],
        "layout": {
            "title": {"text": f"{name}: error budget burn-down over {window_label}"},
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


def rollout_phases(rows: list[dict[str, Any]], phases: list[str], current_phase: str | None) -> Any:
    """Per phase: accounts planned, routed to the new pipeline, and fully backfilled."""
    import plotly.graph_objects as go

    if not phases:
        return _empty("Rollout progress per phase", "no phases in the parameters")
    labels = [f"{p} (current)" if p == current_phase else p for p in phases]

    def count(phase: str, key: str | None) -> int:
        return sum(1 for r in rows if r["phase"] == phase and (key is None or r[key]))

    fig = go.Figure()
    for name, key, colour in (
        ("planned", None, "#b0bec5"),
        ("routed", "routed", "#42a5f5"),
        ("backfilled", "complete", "#2e7d32"),
    ):
        fig.add_trace(
            go.Bar(name=name, x=labels, y=[count(p, key) for p in phases], marker_color=colour)
        )
    fig.update_layout(
        barmode="group",
        title="Rollout progress per phase (accounts)",
        height=320,
        yaxis_title="accounts",
        margin={"l": 50, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def rollout_backfill(rows: list[dict[str, Any]]) -> Any:
    """Per account: the share of its history loaded into the new pipeline."""
    import plotly.graph_objects as go

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
    fig = go.Figure(
        go.Bar(
            x=ratios,
            y=accounts,
            orientation="h",
            marker_color=colours,
            text=text,
            textposition="auto",
            name="backfilled",
        )
    )
    fig.update_layout(
        title="Backfill per account (target rows / source rows)",
        height=120 + 32 * len(rows),
        xaxis={"tickformat": ".0%", "range": [0, 1.05], "title": "loaded"},
        yaxis={"autorange": "reversed"},
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
    )
    return fig
