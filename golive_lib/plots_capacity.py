"""The capacity section's charts: the load test over time, throughput and latency against
users with the USL fit and the knee, and the projected peak against capacity.

Plain plotly JSON dicts built with `plots`' helpers, like every chart; pure functions of
data.
"""

from __future__ import annotations

from typing import Any

from .plots import Figure, _empty, _hline, _scatter, _title, _value_axis


def loadtest_timeline(result: Any, knee: Any, percentile: int, threshold_ms: float) -> Figure:
    """Throughput and users, p95/p99 latency against the SLO, and error ratio over time.

    Three rows sharing the time axis (heights 0.4/0.4/0.2, as plotly's make_subplots
    lays them out), users on a second y axis in the first row."""
    title = "Load test over time"
    if result is None or not result.samples:
        return _empty(title, "no time series (no load test, or a summary only)")
    s = result.samples
    t = [x.time for x in s]
    data = [
        _scatter(t, [x.throughput for x in s], "throughput (req/s)"),
        _scatter(
            t, [x.users for x in s], "users", ("x", "y2"), line={"dash": "dot", "color": "#888"}
        ),
        _scatter(t, [x.p95_ms for x in s], "p95 (ms)", ("x2", "y3")),
        _scatter(t, [x.p99_ms for x in s], "p99 (ms)", ("x2", "y3")),
        _scatter(t, [x.error_ratio for x in s], "error ratio", ("x3", "y4"), fill="tozeroy"),
    ]
    slo_line, slo_label = _hline(
        threshold_ms,
        {"dash": "dash", "color": "#c62828"},
        f"SLO p{percentile} {threshold_ms:g} ms",
        ("x2", "y3"),
    )
    shapes, annotations = [slo_line], [slo_label]
    if knee is not None and knee.start is not None and knee.end is not None:
        band, band_label = _knee_band(knee)
        shapes.append(band)
        annotations.append(band_label)
    shared = {"domain": [0.0, 0.94], "matches": "x3", "showticklabels": False}
    return {
        "data": data,
        "layout": {
            "title": _title(title),
            "height": 620,
            "legend": {"orientation": "h", "y": -0.08},
            "xaxis": {"anchor": "y", **shared},
            "xaxis2": {"anchor": "y3", **shared},
            "xaxis3": {"anchor": "y4", "domain": [0.0, 0.94]},
            "yaxis": _value_axis("x", [0.648, 1.0], "req/s"),
            "yaxis2": {
                "anchor": "x",
                "overlaying": "y",
                "side": "right",
                "title": _title("users"),
                "rangemode": "tozero",
                **_users_ticks(max((x.users or 0 for x in s), default=0)),
            },
            "yaxis3": _value_axis("x2", [0.236, 0.588], "ms"),
            "yaxis4": _value_axis("x3", [0.0, 0.176], "errors", tickformat=".1%"),
            "shapes": shapes,
            "annotations": annotations,
        },
    }


def _knee_band(knee: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The best sustained stretch of the load test, shaded, and its label."""
    band = {
        "type": "rect",
        "xref": "x",
        "x0": knee.start,
        "x1": knee.end,
        "yref": "y domain",
        "y0": 0,
        "y1": 1,
        "fillcolor": "#2e7d32",
        "opacity": 0.15,
        "line": {"width": 0},
    }
    label = {
        "text": f"best sustained {knee.throughput:,.0f} req/s",
        "showarrow": False,
        "xref": "x",
        "x": knee.end,
        "xanchor": "right",
        "yref": "y domain",
        "y": 1,
        "yanchor": "top",
    }
    return band, label


def _usl_traces(points: Any, fit: Any) -> list[dict[str, Any]]:
    """The fitted USL curve and its predicted ceiling."""
    top = max(max(p[0] for p in points), fit.n_peak or 0.0) * 1.3
    n = [1 + (top - 1) * i / 199 for i in range(200)]
    traces = [
        _scatter(
            n,
            [fit.predict(v) for v in n],
            f"USL fit (σ={fit.sigma:.3g}, κ={fit.kappa:.3g})",
            line={"color": "#6a1b9a"},
        )
    ]
    if fit.n_peak is not None and fit.x_peak is not None:
        traces.append(
            _scatter(
                [fit.n_peak],
                [fit.x_peak],
                f"predicted ceiling {fit.x_peak:,.0f} req/s",
                mode="markers",
                marker={"symbol": "x", "size": 12, "color": "#6a1b9a"},
            )
        )
    return traces


def _knee_point(knee: Any) -> dict[str, Any]:
    return _scatter(
        [knee.users],
        [knee.onset_throughput or knee.throughput],
        f"knee: {knee.users:,.0f} users, {knee.onset_throughput or knee.throughput:,.0f} req/s",
        mode="markers",
        marker={"symbol": "star", "size": 16, "color": "#2e7d32"},
    )


def _latency_by_users(all_samples: Any) -> list[dict[str, Any]]:
    """p95 and p99 latency against users, on the second x/y axes."""
    samples = [x for x in all_samples if x.users]
    return [
        _scatter(
            [x.users for x in samples],
            [x.latency(q) for x in samples],
            f"p{q} (ms)",
            ("x2", "y2"),
            mode="markers",
            marker={"size": 5},
        )
        for q in (95, 99)
    ]


def loadtest_vs_users(
    result: Any,
    points: Any,
    fit: Any,
    knee: Any,
    percentile: int,
    threshold_ms: float,
) -> Figure:
    """Throughput against users with the USL curve and the knee; latency against users."""
    title = "Throughput and latency against users"
    if result is None or not points:
        return _empty(title, "no concurrency levels to plot")
    data = [
        _scatter([p[0] for p in points], [p[1] for p in points], "measured", mode="markers"),
    ]
    if fit is not None:
        data.extend(_usl_traces(points, fit))
    if knee is not None and knee.users is not None:
        data.append(_knee_point(knee))
    data.extend(_latency_by_users(result.samples))
    slo_line, slo_label = _hline(
        threshold_ms, {"dash": "dash", "color": "#c62828"}, f"SLO p{percentile}", ("x2", "y2")
    )
    ticks = _users_ticks(max((x.users or 0 for x in result.samples), default=0))
    subtitle = {
        "showarrow": False,
        "font": {"size": 16},
        "xref": "paper",
        "xanchor": "center",
        "yref": "paper",
        "y": 1.0,
        "yanchor": "bottom",
    }
    return {
        "data": data,
        "layout": {
            "title": _title(title),
            "height": 460,
            "legend": {"orientation": "h", "y": -0.2},
            "xaxis": {"anchor": "y", "domain": [0.0, 0.45], "title": _title("users"), **ticks},
            "xaxis2": {"anchor": "y2", "domain": [0.55, 1.0], "title": _title("users"), **ticks},
            "yaxis": _value_axis("x", [0.0, 1.0], "req/s"),
            "yaxis2": _value_axis("x2", [0.0, 1.0], "ms"),
            "shapes": [slo_line],
            "annotations": [
                {**subtitle, "text": "throughput", "x": 0.225},
                {**subtitle, "text": "latency", "x": 0.775},
                slo_label,
            ],
        },
    }


def _users_ticks(most: float) -> dict[str, Any]:
    """Whole-number ticks for a users axis: a step of 1, 2, 5, 10, 20, ... that gives at
    most about 8 ticks up to ``most``."""
    step = 1
    while most / step > 8:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return {"tickmode": "linear", "tick0": 0, "dtick": step, "tickformat": ",d"}


def peak_vs_capacity(
    projection: Any, capacity: float | None, safety_margin: float, ceiling: float | None
) -> Figure:
    """Today's peak, after growth, with the event, x the margin; against the capacity."""
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
    # Each bar's value goes under its name, not over the bar, where the capacity and
    # ceiling lines would cross it.
    bar = {
        "type": "bar",
        "x": [f"{name}<br><b>{v:,.0f} req/s</b>" for name, v in zip(labels, values, strict=True)],
        "y": values,
        "marker": {"color": ["#90caf9", "#64b5f6", "#1e88e5", "#0d47a1"]},
        "hovertemplate": "%{y:,.1f} req/s<extra></extra>",
        "name": "load (req/s)",
    }
    lines: list[tuple[float, str, dict[str, Any]]] = []
    if capacity is not None:
        ok = capacity >= values[-1]
        colour = "#2e7d32" if ok else "#c62828"
        lines.append(
            (capacity, f"<b>capacity {capacity:,.0f} req/s</b>", {"color": colour, "width": 3})
        )
    if ceiling is not None:
        lines.append(
            (ceiling, f"USL ceiling {ceiling:,.0f} req/s", {"color": "#6a1b9a", "dash": "dot"})
        )
    top = max([*values, *(y for y, _, _ in lines)], default=1.0) or 1.0
    shapes, annotations = [], []
    for (y, text, line), shift in zip(
        lines, _label_shifts([y for y, _, _ in lines], top), strict=True
    ):
        shapes.append(
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y}
            | {"line": line}
        )
        annotations.append(_margin_label(y, text, line["color"], shift))
    return {
        "data": [bar],
        "layout": {
            "title": _title(title),
            "height": 420,
            "margin": {"r": 190},
            "yaxis": {"title": _title("req/s"), "range": [0, top * 1.15], "rangemode": "tozero"},
            "shapes": shapes,
            "annotations": annotations,
            "showlegend": False,
        },
    }


def _margin_label(y: float, text: str, colour: str, shift: int) -> dict[str, Any]:
    """Labels sit in the right margin, never on the bars; two close lines push their
    labels apart (``shift``)."""
    return {
        "text": text,
        "showarrow": False,
        "xref": "paper",
        "x": 1,
        "xanchor": "left",
        "xshift": 6,
        "yref": "y",
        "y": y,
        "yanchor": "middle",
        "yshift": shift,
        "font": {"color": colour},
        "align": "left",
    }


def _label_shifts(
    ys: list[float], top: float, height_px: float = 300, gap_px: float = 18
) -> list[int]:
    """Vertical pixel shifts that keep labels at ``ys`` (same axis, 0..``top``) at least
    ``gap_px`` apart on a plot about ``height_px`` tall."""
    if len(ys) < 2:
        return [0] * len(ys)
    px = [y / (top * 1.15) * height_px for y in ys]
    apart = abs(px[0] - px[1])
    if apart >= gap_px:
        return [0, 0]
    push = int((gap_px - apart) / 2) + 1
    return [push, -push] if px[0] >= px[1] else [-push, push]
