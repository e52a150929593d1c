"""Burn-rate recording and alert rules for an SLO, as Sloth writes them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import yaml

from ..promql import prometheus_duration
from .model import RAW_TOTAL, SLO, Alerting, _esc
from .windows import PAGE, TICKET, BurnWindow, generation_table


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", name) if p)


def record_name(window: timedelta) -> str:
    return f"slo:sli_error:ratio_rate{prometheus_duration(window)}"


def sloth_ids(slo: SLO) -> dict[str, str]:
    """Sloth's identifying labels (sloth_id, sloth_service, sloth_slo)."""
    sloth_id = f"{slo.service}-{slo.short_name}" if slo.service and slo.short_name else slo.name
    return {
        "sloth_id": sloth_id,
        "sloth_service": slo.service or slo.name,
        "sloth_slo": slo.short_name or slo.name,
    }


def _filter(ids: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{_esc(v)}"' for k, v in ids.items()) + "}"


def go_float(x: float) -> str:
    """A float as Go's fmt prints it (Sloth's templates): shortest round-trip digits,
    ``6`` not ``6.0``."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _clause(p: BurnWindow, ids: dict[str, str], budget: float) -> str:
    sel, threshold = _filter(ids), f"({go_float(p.factor_value)} * {go_float(budget)})"
    return (
        "(\n"
        f"    max({record_name(p.short)}{sel} > {threshold}) without (sloth_window)\n"
        "    and\n"
        f"    max({record_name(p.long)}{sel} > {threshold}) without (sloth_window)\n"
        ")"
    )


def _sli_expr(slo: SLO, w: timedelta) -> str:
    """Sloth's SLI recording: ``(errors)/(total)``; a raw error ratio in parentheses."""
    if slo.total == RAW_TOTAL:
        return f"({slo.errors_at(w)})\n"
    return f"({slo.errors_at(w)})\n/\n({slo.total_at(w)})\n"


def generate_rules(
    slo: SLO, pairs: tuple[BurnWindow, ...] | None = None, *, meta: bool = False
) -> dict[str, Any]:
    """A Prometheus rule file as ``sloth generate`` writes it: SLI recording rules of the
    error ratio per window (labelled sloth_id/sloth_service/sloth_slo/sloth_window and the
    spec's labels) and a page and a ticket alert of two multi-window conditions each, with
    Sloth's windows and factors for the SLO's period (`slo.windows.generation_table`).
    With ``pairs``, only those pairs (what a review found missing); with ``meta``, Sloth's
    period-window and metadata recording rules too."""
    table = generation_table(slo.window, slo.windows)
    pairs = table.pairs if pairs is None else pairs
    ids = sloth_ids(slo)
    windows = sorted({w for p in table.pairs for w in (p.long, p.short)})
    windows = [w for w in windows if any(w in (p.long, p.short) for p in pairs)] or windows
    common = {**slo.labels, **ids}
    recording: list[dict[str, Any]] = [
        {
            "record": record_name(w),
            "expr": _sli_expr(slo, w),
            "labels": {**common, "sloth_window": prometheus_duration(w)},
        }
        for w in windows
    ]
    groups: list[dict[str, Any]] = [
        {"name": f"sloth-slo-sli-recordings-{slo.name}", "rules": recording}
    ]
    if meta:
        recording.append(_period_rule(slo, ids, common))
        groups.append({"name": f"sloth-slo-meta-recordings-{slo.name}", "rules": _meta(slo, ids)})
    alerting = slo.alerting or Alerting()
    alerts = []
    for severity in (PAGE, TICKET):
        chosen = [p for p in pairs if p.severity == severity]
        if not chosen or severity in slo.disabled:
            continue
        quick_first = sorted(chosen, key=lambda p: p.long)
        extra_labels = alerting.page_labels if severity == PAGE else alerting.ticket_labels
        extra_ann = alerting.page_annotations if severity == PAGE else alerting.ticket_annotations
        default = f"{_camel(slo.name)}BurnRate{'Page' if severity == PAGE else 'Ticket'}"
        title = (
            f"({severity}) {{{{$labels.sloth_service}}}} {{{{$labels.sloth_slo}}}} SLO error "
            "budget burn rate is too fast."
        )
        summary = (
            "{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is "
            "over expected."
        )
        alerts.append(
            {
                "alert": alerting.name or default,
                "expr": "\nor\n".join(_clause(p, ids, slo.budget) for p in quick_first) + "\n",
                "labels": {**alerting.labels, **extra_labels, "sloth_severity": severity},
                "annotations": {
                    "title": title,
                    "summary": summary,
                    **alerting.annotations,
                    **extra_ann,
                },
            }
        )
    if alerts:
        groups.append({"name": f"sloth-slo-alerts-{slo.name}", "rules": alerts})
    return {"groups": groups}


def _period_rule(slo: SLO, ids: dict[str, str], common: dict[str, str]) -> dict[str, Any]:
    """Sloth's SLI over the whole period: the mean of the 5m ratio."""
    w = prometheus_duration(slo.window)
    five = f"{record_name(timedelta(minutes=5))}{_filter(ids)}"
    return {
        "record": f"slo:sli_error:ratio_rate{w}",
        "expr": f"sum_over_time({five}[{w}])\n/ ignoring (sloth_window)\n"
        f"count_over_time({five}[{w}])\n",
        "labels": {**common, "sloth_window": w},
    }


def _meta(slo: SLO, ids: dict[str, str]) -> list[dict[str, Any]]:
    sel, w = _filter(ids), prometheus_duration(slo.window)
    labels = {**slo.labels, **ids}
    on = "/ on(sloth_id, sloth_slo, sloth_service) group_left\n"
    rows = [
        ("slo:objective:ratio", f"vector({go_float(slo.objective)})"),
        ("slo:error_budget:ratio", f"vector(1-{go_float(slo.objective)})"),
        ("slo:time_period:days", f"vector({slo.window / timedelta(days=1):g})"),
        (
            "slo:current_burn_rate:ratio",
            f"slo:sli_error:ratio_rate5m{sel}\n{on}slo:error_budget:ratio{sel}\n",
        ),
        (
            "slo:period_burn_rate:ratio",
            f"slo:sli_error:ratio_rate{w}{sel}\n{on}slo:error_budget:ratio{sel}\n",
        ),
        ("slo:period_error_budget_remaining:ratio", f"1 - slo:period_burn_rate:ratio{sel}"),
    ]
    pct = go_float(slo.percent if slo.percent is not None else slo.objective * 100)
    info = {
        **labels,
        "sloth_mode": "cli-gen-prom",
        "sloth_objective": pct,
        "sloth_spec": slo.spec or "golive",
        "sloth_version": "golive",
    }
    return [{"record": r, "expr": e, "labels": dict(labels)} for r, e in rows] + [
        {"record": "sloth_slo_info", "expr": "vector(1)", "labels": info}
    ]


def rules_yaml(rules: dict[str, Any]) -> str:
    class _Literal(str):
        pass

    def literal(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
        style = "|" if "\n" in data else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    yaml.add_representer(str, literal, Dumper=yaml.SafeDumper)
    try:
        return yaml.safe_dump(rules, sort_keys=False, width=1000)
    finally:
        yaml.SafeDumper.yaml_representers.pop(str, None)
        yaml.SafeDumper.add_representer(str, yaml.SafeDumper.represent_str)
