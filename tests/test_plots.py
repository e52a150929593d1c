"""golive_lib.plots: the figures are plain JSON dicts built without plotly; here plotly
itself validates every one (an unknown or misspelt property raises), the subplot layouts
are compared with what plotly's make_subplots computes, and `_plain` makes them JSON."""

from __future__ import annotations

import json
import math
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
import yaml
from plotly.subplots import make_subplots

from golive_lib import plots, plots_capacity
from golive_lib.model import Check, Severity, Status
from golive_lib.params import load_params
from golive_lib.sections import capacity

ROOT = Path(__file__).resolve().parents[1]
SERVICE_DIR = ROOT / "examples" / "ingest-api"


def valid(fig: dict[str, Any]) -> go.Figure:
    """plotly's own validation of the dict; also checks it is strict JSON (no NaN)."""
    plain = plots._plain(fig)
    json.dumps(plain, allow_nan=False)
    return go.Figure(plain)


@pytest.fixture(scope="module")
def capacity_evidence(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    tmp = tmp_path_factory.mktemp("plots")
    shutil.copytree(SERVICE_DIR / "results" / "loadtest", tmp / "repo" / "results" / "loadtest")
    data = {
        "schema_version": 1,
        "service": {"name": "x"},
        "repository": "repo",
        "capacity": {
            "load_test": {"path": "results/loadtest/ingest", "format": "locust"},
            "peak": {"rps": 40},
        },
    }
    (tmp / "params.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    params = load_params(tmp / "params.yaml")
    ev = capacity.collect(params)
    assert ev.result is not None and ev.knee is not None and ev.usl is not None
    return ev, params


def test_load_test_charts_are_valid_and_carry_the_data(capacity_evidence: Any) -> None:
    ev, params = capacity_evidence
    timeline = valid(capacity.timeline_chart(ev, params))
    assert [t.name for t in timeline.data][:2] == ["throughput (req/s)", "users"]
    assert len(timeline.data[0].x) == len(ev.result.samples)
    assert timeline.layout.shapes[1].type == "rect"  # the knee window
    users = valid(capacity.users_chart(ev, params))
    names = [t.name for t in users.data]
    assert any(n.startswith("USL fit") for n in names) and "p95 (ms)" in names
    peak = valid(capacity.peak_chart(ev, params))
    assert list(peak.data[0].y)[0] == 40
    assert any("USL ceiling" in a.text for a in peak.layout.annotations)


def _axes(layout: Any) -> dict[str, tuple[Any, ...]]:
    out = {}
    for name in ("xaxis", "xaxis2", "xaxis3", "yaxis", "yaxis2", "yaxis3", "yaxis4"):
        axis = layout[name]
        domain = tuple(round(v, 6) for v in axis.domain) if axis.domain else None
        out[name] = (axis.anchor, domain, axis.overlaying, axis.matches)
    return out


def test_subplot_layouts_match_plotlys_make_subplots(capacity_evidence: Any) -> None:
    ev, params = capacity_evidence
    ours = valid(capacity.timeline_chart(ev, params)).layout
    theirs = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        row_heights=[0.4, 0.4, 0.2],
        specs=[[{"secondary_y": True}], [{}], [{}]],
    ).layout
    assert _axes(ours) == _axes(theirs)
    ours = valid(capacity.users_chart(ev, params)).layout
    theirs = make_subplots(rows=1, cols=2, subplot_titles=("throughput", "latency")).layout
    for name in ("xaxis", "xaxis2", "yaxis", "yaxis2"):
        assert (ours[name].anchor, ours[name].domain) == (theirs[name].anchor, theirs[name].domain)
    assert [(a.text, a.x) for a in ours.annotations[:2]] == [
        (a.text, a.x) for a in theirs.annotations
    ]


def test_empty_charts_say_why() -> None:
    for fig in (
        plots_capacity.loadtest_timeline(None, None, 95, 250),
        plots_capacity.loadtest_vs_users(None, [], None, None, 95, 250),
        plots_capacity.peak_vs_capacity(None, None, 1.5, None),
        plots.rollout_phases([], [], None),
        plots.rollout_backfill([]),
    ):
        assert ": no " in valid(fig).layout.title.text


def test_status_and_rollout_charts_are_valid() -> None:
    checks = [
        Check(id=f"{s}.{i}", section=s, title=i, status=st, summary="-", severity=Severity.BLOCKING)
        for s, i, st in (("a", "x", Status.PASS), ("a", "y", Status.FAIL), ("b", "z", Status.PASS))
    ]
    fig = valid(plots.status_by_section(checks, {"a": "Alpha", "b": "Beta", "c": "Gamma"}))
    assert {t.name: list(t.x) for t in fig.data} == {"pass": [1, 1], "fail": [1, 0]}
    rows = [
        {"account": "acme", "phase": "p1", "routed": True, "complete": True, "ratio": 1.0,
         "source_rows": 10, "target_rows": 10},
        {"account": "initech", "phase": "p2", "routed": True, "complete": False, "ratio": None,
         "source_rows": None, "target_rows": None},
    ]  # fmt: skip
    phases = valid(plots.rollout_phases(rows, ["p1", "p2"], "p2"))
    assert list(phases.data[1].y) == [1, 1] and phases.data[0].x[1] == "p2 (current)"
    assert list(valid(plots.rollout_backfill(rows)).data[0].x) == [1.0, 0.0]


def test_slo_charts_are_valid_with_gaps() -> None:
    times = [datetime(2026, 11, 1, h, tzinfo=UTC) for h in range(3)]
    sli = valid(plots.slo_sli("availability", times, [0.999, math.nan, 1.0], 0.995, "28d"))
    assert sli.data[0].y[1] is None
    valid(plots.slo_burn_down("availability", times, np.array([1.0, 0.5, -0.1]), "28d"))


def test_plain_makes_json_of_dates_numpy_and_non_finite_numbers() -> None:
    value = {
        "d": date(2026, 11, 27),
        "t": datetime(2026, 11, 27, 8, tzinfo=UTC),
        "a": np.arange(3),
        "f": np.float64(0.5),
        "bad": [math.inf, -math.inf, math.nan],
        "tuple": (1, "x", None, True),
    }
    assert plots._plain(value) == {
        "d": "2026-11-27",
        "t": "2026-11-27T08:00:00+00:00",
        "a": [0, 1, 2],
        "f": 0.5,
        "bad": [None, None, None],
        "tuple": [1, "x", None, True],
    }


def test_show_makes_every_axis_room_for_its_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: shown.append(obj))
    plots.show(
        plots_capacity.loadtest_vs_users(None, [], None, None, 95, 250)
    )  # no axes of its own
    checks = [
        Check(
            id="a.x",
            section="a",
            title="x",
            status=Status.PASS,
            summary="-",
            severity=Severity.BLOCKING,
        )
    ]
    plots.show(plots.status_by_section(checks, {"a": "A section with a long title"}))
    for bundle in shown:
        layout = bundle[plots.PLOTLY_MIME]["layout"]
        axes = [k for k in layout if k.startswith(("xaxis", "yaxis"))]
        assert {"xaxis", "yaxis"} <= set(axes)
        assert all(layout[k]["automargin"] is True for k in axes)
    assert shown[1]["text/plain"] == "<plotly figure: Checks by status and section>"


@pytest.mark.parametrize(
    ("capacity_rps", "ceiling"),
    [(200.0, 203.0), (79.4, 85.0), (0.0, None), (30.0, 160.0)],
    ids=["passing, lines close", "failing, lines close", "no capacity", "failing, far apart"],
)
def test_capacity_and_ceiling_labels_sit_in_the_margin_apart(capacity_rps, ceiling) -> None:
    from golive_lib import capacity as maths

    p = maths.project_peak(20, 0.4, 2, 2.5)
    fig = valid(plots_capacity.peak_vs_capacity(p, capacity_rps, 1.5, ceiling))
    labels = fig.layout.annotations
    # right of the plot area (never over the bars), in a margin wide enough for them
    assert all(a.xref == "paper" and a.x == 1 and a.xanchor == "left" for a in labels)
    # bar values are under the bar names, not text over the bars the lines cross
    assert fig.data[0].text is None and "req/s" in fig.data[0].x[-1]
    assert fig.layout.margin.r >= 150
    top = fig.layout.yaxis.range[1]
    assert top >= max(capacity_rps, ceiling or 0, p.projected * 1.5)
    if len(labels) == 2:  # at least 18 px apart on a ~300 px plot
        px = [(a.y / top) * 300 + (a.yshift or 0) for a in labels]
        assert abs(px[0] - px[1]) >= 17


def test_users_axes_have_whole_number_ticks(capacity_evidence: Any) -> None:
    ev, params = capacity_evidence
    users = valid(capacity.users_chart(ev, params))
    timeline = valid(capacity.timeline_chart(ev, params))
    for axis in (users.layout.xaxis, users.layout.xaxis2, timeline.layout.yaxis2):
        assert axis.tickformat == ",d" and axis.dtick >= 1 and float(axis.dtick).is_integer()
    assert [plots_capacity._users_ticks(m)["dtick"] for m in (3, 11, 25, 130)] == [1, 2, 5, 20]
