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
