"""SLO spec files into the `slo.SLO` model: Sloth and OpenSLO, every document, every SLO.

Read as their projects define them:

- Sloth ``version: prometheus/v1`` (slok/sloth ``pkg/prometheus/api/v1``), one or many
  YAML documents; the period is not in the file (``sloth generate --default-slo-period``,
  30d by default: golive's ``--period``).
- Sloth ``apiVersion: sloth.slok.dev/v1``, ``kind: PrometheusServiceLevel`` (the
  Kubernetes CRD; camelCase fields).
- OpenSLO ``openslo/v1`` (kinds SLO and SLI; ratioMetric; every objective) and
  ``openslo/v1alpha`` (the version Sloth reads: ``objectives[].ratioMetrics``,
  ``timeWindows`` of count and unit).

What golive cannot honour is refused naming the field (SLI plugins, threshold or raw
metrics, Timeslices budgeting), never read in part. Sloth SLO plugins are kept by id:
they shape the rules Sloth writes, not the SLO.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from .. import yamlload
from .model import (
    _PLACEHOLDERS,
    DEFAULT_SLOTH_WINDOW,
    RAW_TOTAL,
    SLO,
    WINDOW,
    Alerting,
    SLOSpecError,
    _template,
    objective_ratio,
    ratio_slo,
    window_delta,
)
from .windows import WindowsSpecError, WindowTable, sloth_alert_windows

SLOTH_K8S = "sloth.slok.dev/v1"
_CALENDAR_UNITS = {"M": "month", "Q": "quarter", "Y": "year", "w": "week", "d": "day"}
_NOMINAL = {"M": 30, "Q": 90, "Y": 365, "w": 7, "d": 1}  # days, for burn-rate maths
_OPENSLO_UNITS = {"Day": "d", "Week": "w", "Month": "M", "Quarter": "Q", "Year": "Y"}


def load_alert_windows(path: Path, shown: str | None = None) -> WindowTable:
    """A Sloth AlertWindows file (what ``sloth --slo-period-windows-path`` reads)."""
    shown = shown or str(path)
    try:
        doc = yamlload.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise SLOSpecError(f"{shown}: cannot read: {e}") from None
    try:
        return sloth_alert_windows(doc, shown)
    except WindowsSpecError as e:
        raise SLOSpecError(str(e)) from None


def with_windows(slos: list[SLO], tables: tuple[WindowTable, ...]) -> list[SLO]:
    """Each SLO with the custom alert windows given for its period, as Sloth picks them."""
    by_period = {t.period: t for t in tables}
    return [
        _with(s, {"windows": by_period[s.window]}) if s.window in by_period else s for s in slos
    ]


def load_file(path: Path, shown: str | None = None, period: timedelta | None = None) -> list[SLO]:
    """Every SLO of a Sloth or OpenSLO file. ``period``: the SLO period of Sloth specs,
    which do not carry one (Sloth's ``--default-slo-period``; 30d when not given)."""
    shown = shown or str(path)
    try:
        docs = [d for d in yamlload.safe_load_all(path.read_text(encoding="utf-8")) if d]
    except FileNotFoundError:
        raise SLOSpecError(f"{shown}: file not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise SLOSpecError(f"{shown}: cannot read: {e}") from None
    if not docs or not all(isinstance(d, dict) for d in docs):
        raise SLOSpecError(f"{shown}: expected YAML mappings")
    openslo = [str(d.get("apiVersion", "")).startswith("openslo/") for d in docs]
    if any(openslo):
        if not all(openslo):
            i = openslo.index(False)
            raise SLOSpecError(
                f"{shown}: document {i + 1} is not OpenSLO in an OpenSLO file (one spec "
                "format a file)"
            )
        return load_openslo(docs, shown)
    out: list[SLO] = []
    for i, d in enumerate(docs):
        where = shown if len(docs) == 1 else f"{shown}: document {i + 1}"
        if str(d.get("version", "")) == "prometheus/v1":
            out += [_with(x, {"spec": "prometheus/v1"}) for x in load_sloth(d, where, period)]
        elif (
            str(d.get("apiVersion", "")) == SLOTH_K8S and d.get("kind") == "PrometheusServiceLevel"
        ):
            loaded = load_sloth(_k8s(d, where), where, period)
            out += [_with(x, {"spec": SLOTH_K8S}) for x in loaded]
        elif str(d.get("apiVersion", "")) == SLOTH_K8S:
            raise SLOSpecError(
                f"{where}: kind {d.get('kind')!r} is not supported (golive reads "
                "PrometheusServiceLevel; custom AlertWindows are not read)"
            )
        else:
            raise SLOSpecError(
                f"{where}: neither a Sloth file (version: prometheus/v1, or apiVersion: "
                f"{SLOTH_K8S} kind: PrometheusServiceLevel) nor OpenSLO (apiVersion: openslo/v1 "
                "or openslo/v1alpha)"
            )
    _unique(out, shown)
    return out


def _unique(slos: list[SLO], shown: str) -> None:
    seen: set[str] = set()
    for s in slos:
        if s.name in seen:
            raise SLOSpecError(f"{shown}: SLO {s.name!r} is defined twice")
        seen.add(s.name)


def _only(d: Any, allowed: set[str], where: str) -> dict[str, Any]:
    """A mapping with no field golive would ignore: an unknown one is refused, named."""
    if d is None:
        return {}
    if not isinstance(d, dict):
        raise SLOSpecError(f"{where}: expected a mapping")
    extra = sorted(set(map(str, d)) - allowed)
    if extra:
        raise SLOSpecError(
            f"{where}.{extra[0]}: not a field golive reads (it reads {', '.join(sorted(allowed))})"
        )
    return d


def _strs(d: Any, where: str) -> dict[str, str]:
    if d is None:
        return {}
    if not isinstance(d, dict):
        raise SLOSpecError(f"{where}: expected a mapping of strings")
    return {str(k): str(v) for k, v in d.items()}


_K8S_KEYS = {
    "errorQuery": "error_query",
    "totalQuery": "total_query",
    "errorRatioQuery": "error_ratio_query",
    "pageAlert": "page_alert",
    "ticketAlert": "ticket_alert",
    "sloPlugins": "slo_plugins",
}


def _snake(node: Any) -> Any:
    if isinstance(node, dict):
        return {_K8S_KEYS.get(str(k), str(k)): _snake(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_snake(x) for x in node]
    return node


def _k8s(doc: dict[str, Any], where: str) -> dict[str, Any]:
    """A PrometheusServiceLevel's spec in prometheus/v1 field names."""
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        raise SLOSpecError(f"{where}: spec: required")
    return {"version": "prometheus/v1", **_snake(spec)}


_SLOTH_TOP = {"version", "service", "labels", "slos", "slo_plugins"}
_SLOTH_SLO = {"name", "description", "objective", "labels", "sli", "alerting", "plugins"}
_SLOTH_ALERTING = {"name", "labels", "annotations", "page_alert", "ticket_alert"}
_SLOTH_ALERT = {"disable", "labels", "annotations"}


def load_sloth(doc: dict[str, Any], shown: str, window: timedelta | None = None) -> list[SLO]:
    doc = _only(doc, _SLOTH_TOP, shown)
    common_plugins = _plugin_ids(doc.get("slo_plugins"), f"{shown}: slo_plugins")
    service = str(doc.get("service", "")).strip()
    if not service:
        raise SLOSpecError(f"{shown}: service: required")
    common = _strs(doc.get("labels"), f"{shown}: labels")
    out = []
    slos = doc.get("slos") or []
    if not isinstance(slos, list):
        raise SLOSpecError(f"{shown}: slos: expected a list")
    for i, raw in enumerate(slos):
        where = f"{shown}: slos[{i}]"
        s = _only(raw, _SLOTH_SLO, where)
        name = str(s.get("name", "")).strip()
        if not name:
            raise SLOSpecError(f"{where}.name: required")
        plugins = common_plugins + _plugin_ids(s.get("plugins"), f"{where}.plugins")
        pct = s.get("objective")
        objective = objective_ratio(pct, f"{where}.objective", percent=True)
        sli = _only(s.get("sli"), {"events", "raw", "plugin"}, f"{where}.sli")
        desc = str(s.get("description", ""))
        common_kw: dict[str, Any] = {
            "description": desc,
            "labels": {**common, **_strs(s.get("labels"), f"{where}.labels")},
            "service": service,
            "short_name": name,
            "percent": float(pct) if isinstance(pct, int | float) else None,
            "plugins": plugins,
        }
        common_kw.update(_sloth_alerting(s.get("alerting"), f"{where}.alerting"))
        period = window or DEFAULT_SLOTH_WINDOW
        slo_id = f"{service}-{name}"
        if "plugin" in sli:
            raise SLOSpecError(
                f"{where}.sli.plugin: SLI plugins are Go code run by Sloth; golive cannot "
                "read their queries (write the SLI as events or raw)"
            )
        if "events" in sli:
            ev = _only(sli["events"], {"error_query", "total_query"}, f"{where}.sli.events")
            base = ratio_slo(
                slo_id,
                objective,
                period,
                total=str(ev.get("total_query", "")),
                bad=str(ev.get("error_query", "")),
                where=f"{where}.sli.events",
                source=shown,
            )
            out.append(_with(base, common_kw))
        elif "raw" in sli:
            rq = _only(sli["raw"], {"error_ratio_query"}, f"{where}.sli.raw")
            text = str(rq.get("error_ratio_query", ""))
            checked = _template(text, f"{where}.sli.raw")
            kept = _PLACEHOLDERS.sub(WINDOW, text)  # as written (Sloth keeps a block's newline)
            ratio = kept if kept.strip() == checked else checked
            out.append(SLO(slo_id, objective, period, ratio, RAW_TOTAL, source=shown, **common_kw))
        else:
            raise SLOSpecError(f"{where}.sli: needs events (error_query, total_query) or raw")
    if not out:
        raise SLOSpecError(f"{shown}: no slos")
    return out


def _plugin_ids(raw: Any, where: str) -> tuple[str, ...]:
    """The ids of a Sloth SLO plugin chain. They shape the rules Sloth writes (labels,
    intervals, validation), not the SLO: a review reads the SLO and matches rules by
    structure; `golive rules` refuses those it cannot reproduce."""
    if not raw:
        return ()
    chain = _only(raw, {"overridePrevious", "chain"}, where).get("chain") or []
    if not isinstance(chain, list) or not all(isinstance(p, dict) and p.get("id") for p in chain):
        raise SLOSpecError(f"{where}.chain: a list of plugins, each with an id")
    return tuple(str(p["id"]) for p in chain)


def _with(base: SLO, kw: dict[str, Any]) -> SLO:
    from dataclasses import replace

    return replace(base, **kw)


def _sloth_alerting(raw: Any, where: str) -> dict[str, Any]:
    a = _only(raw, _SLOTH_ALERTING, where)
    page = _only(a.get("page_alert"), _SLOTH_ALERT, f"{where}.page_alert")
    ticket = _only(a.get("ticket_alert"), _SLOTH_ALERT, f"{where}.ticket_alert")
    disabled = {}
    if page.get("disable") is True:
        disabled["page"] = f"{where.rsplit(': ', 1)[-1]}.page_alert.disable"
    if ticket.get("disable") is True:
        disabled["ticket"] = f"{where.rsplit(': ', 1)[-1]}.ticket_alert.disable"
    alerting = Alerting(
        name=str(a.get("name", "")),
        labels=_strs(a.get("labels"), f"{where}.labels"),
        annotations=_strs(a.get("annotations"), f"{where}.annotations"),
        page_labels=_strs(page.get("labels"), f"{where}.page_alert.labels"),
        page_annotations=_strs(page.get("annotations"), f"{where}.page_alert.annotations"),
        ticket_labels=_strs(ticket.get("labels"), f"{where}.ticket_alert.labels"),
        ticket_annotations=_strs(ticket.get("annotations"), f"{where}.ticket_alert.annotations"),
    )
    return {"alerting": alerting, "disabled": disabled}


# --------------------------------------------------------------------------- OpenSLO


def openslo_window(duration: Any, rolling: Any, where: str) -> tuple[timedelta, str]:
    """(period, calendar unit or "") of an OpenSLO time window: ``28d`` rolling, ``1M``
    calendar (a month: 30 days for burn-rate maths, the calendar month for compliance)."""
    text = str(duration).strip()
    m = re.fullmatch(r"(\d+)([MQYwd])", text)
    calendar = rolling is False
    if m and (m.group(2) in "MQY" or calendar):
        n, unit = int(m.group(1)), m.group(2)
        if calendar and n != 1:
            raise SLOSpecError(
                f"{where}: calendar window {text!r}: golive computes calendar windows of one "
                "unit (1d, 1w, 1M, 1Q, 1Y)"
            )
        return timedelta(days=_NOMINAL[unit] * n), (_CALENDAR_UNITS[unit] if calendar else "")
    return window_delta(text, where), ""


def _utc(calendar: Any, where: str) -> None:
    tz = str((calendar or {}).get("timeZone", "UTC")) if isinstance(calendar, dict) else "UTC"
    if tz not in ("UTC", "Etc/UTC", "GMT"):
        raise SLOSpecError(f"{where}.timeZone {tz!r}: golive computes calendar windows in UTC only")


def load_openslo(docs: list[dict[str, Any]], shown: str) -> list[SLO]:
    slis = {
        str((d.get("metadata") or {}).get("name")): d.get("spec") or {}
        for d in docs
        if d.get("kind") == "SLI"
    }
    out = []
    for d in (x for x in docs if x.get("kind") == "SLO"):
        version = str(d.get("apiVersion", ""))
        meta, spec = d.get("metadata") or {}, d.get("spec") or {}
        name = str(meta.get("name", "")).strip()
        where = f"{shown}: SLO {name or '?'}"
        if not name:
            raise SLOSpecError(f"{where}: metadata.name: required")
        method = str(spec.get("budgetingMethod", "Occurrences"))
        if method != "Occurrences":
            raise SLOSpecError(
                f"{where}: spec.budgetingMethod {method!r} is not supported: golive computes "
                "Occurrences (good events / all events); Timeslices would need the share of "
                "good time slices, which golive does not compute"
            )
        if version == "openslo/v1alpha":
            out += _v1alpha(name, spec, where, shown)
        elif version == "openslo/v1":
            out += _v1(name, spec, slis, where, shown)
        else:
            raise SLOSpecError(
                f"{where}: apiVersion {version!r}: golive reads openslo/v1 and openslo/v1alpha"
            )
    if not out:
        raise SLOSpecError(f"{shown}: no kind: SLO document")
    _unique(out, shown)
    return out


def _query(metric: Any, where: str) -> str:
    """A Prometheus query of an OpenSLO metric: v1 ``metricSource.spec.query`` or
    v1alpha ``query`` (with ``source: prometheus``)."""
    if not isinstance(metric, dict):
        raise SLOSpecError(f"{where}: expected a metric")
    if "metricSource" in metric:
        src = metric.get("metricSource") or {}
        kind = str(src.get("type", "Prometheus"))
        if kind.lower() != "prometheus":
            raise SLOSpecError(f"{where}.metricSource.type {kind!r}: golive reads Prometheus")
        spec = src.get("spec") or {}
        query = spec.get("query") or spec.get("promql")
    else:
        source = str(metric.get("source", "prometheus"))
        if source.lower() != "prometheus":
            raise SLOSpecError(f"{where}.source {source!r}: golive reads prometheus")
        query = metric.get("query")
    if not query:
        raise SLOSpecError(f"{where}: needs a Prometheus query")
    return str(query)


def _objective_name(name: str, obj: dict[str, Any], i: int, count: int) -> str:
    if count == 1:
        return name
    label = str(obj.get("displayName") or obj.get("name") or i + 1)
    return f"{name}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', label).strip('-').lower()}"


def _target(obj: dict[str, Any], where: str) -> float:
    if "targetPercent" in obj:
        return objective_ratio(obj["targetPercent"], f"{where}.targetPercent", percent=True)
    return objective_ratio(obj.get("target"), f"{where}.target")


def _openslo_slo(
    name: str,
    spec: dict[str, Any],
    obj: dict[str, Any],
    position: tuple[int, int],
    sli: dict[str, str],
    period: timedelta,
    calendar: str,
    where: str,
    shown: str,
    sloth_ids: bool = False,
) -> SLO:
    """One SLO per objective (named ``<name>-<displayName>`` when there are several)."""
    base = ratio_slo(
        _objective_name(name, obj, *position),
        _target(obj, where),
        period,
        where=where,
        description=str(spec.get("description", "")),
        source=shown,
        **sli,
    )
    # Sloth reads v1alpha objectives as SLOs named <name>-<index> (sloth_slo, sloth_id)
    short = f"{name}-{position[0]}" if sloth_ids else base.name
    extra = {
        "calendar": calendar,
        "service": str(spec.get("service", "")),
        "short_name": short,
        "spec": "openslo/v1alpha" if sloth_ids else "openslo/v1",
    }
    return _with(base, extra)


def _v1(name: str, spec: dict[str, Any], slis: dict[str, Any], where: str, shown: str) -> list[SLO]:
    indicator = spec.get("indicator")
    sli = (indicator or {}).get("spec") if indicator else slis.get(str(spec.get("indicatorRef")))
    if not sli:
        raise SLOSpecError(f"{where}: spec.indicator or spec.indicatorRef: no SLI found")
    for unsupported in ("thresholdMetric", "rawMetric"):
        if unsupported in sli:
            raise SLOSpecError(
                f"{where}: indicator {unsupported} is not supported (golive reads ratioMetric)"
            )
    if "ratioMetric" not in sli:
        raise SLOSpecError(f"{where}: indicator: only ratioMetric indicators are supported")
    ratio = sli["ratioMetric"] or {}
    if "rawType" in ratio or "raw" in ratio:
        raise SLOSpecError(f"{where}: ratioMetric.raw is not supported (give good or bad, total)")
    windows = spec.get("timeWindow") or [{"duration": "28d", "isRolling": True}]
    if len(windows) != 1:
        raise SLOSpecError(f"{where}: spec.timeWindow: exactly one window is supported")
    w = windows[0] or {}
    _utc(w.get("calendar"), f"{where}: spec.timeWindow[0].calendar")
    period, calendar = openslo_window(w.get("duration", "28d"), w.get("isRolling", True), where)
    objectives = spec.get("objectives") or []
    if not objectives:
        raise SLOSpecError(f"{where}: spec.objectives is empty")
    bad_or_good = "bad" if "bad" in ratio else "good"
    query = _query(ratio.get(bad_or_good), f"{where}.ratioMetric.{bad_or_good}")
    total = _query(ratio.get("total"), f"{where}.ratioMetric.total")
    out = []
    for i, obj in enumerate(objectives):
        ow = f"{where}: objectives[{i}]"
        if "ratioMetric" in (obj or {}) or "indicator" in (obj or {}):
            raise SLOSpecError(f"{ow}: per-objective indicators are not supported")
        sli = {bad_or_good: query, "total": total}
        out.append(
            _openslo_slo(name, spec, obj, (i, len(objectives)), sli, period, calendar, ow, shown)
        )
    return out


def _v1alpha(name: str, spec: dict[str, Any], where: str, shown: str) -> list[SLO]:
    if spec.get("indicator"):
        raise SLOSpecError(
            f"{where}: spec.indicator (thresholdMetric) is not supported: golive reads "
            "objectives[].ratioMetrics"
        )
    windows = spec.get("timeWindows") or [{"count": 28, "unit": "Day", "isRolling": True}]
    if len(windows) != 1:
        raise SLOSpecError(f"{where}: spec.timeWindows: exactly one window is supported")
    w = windows[0] or {}
    unit = _OPENSLO_UNITS.get(str(w.get("unit", "")))
    if unit is None:
        raise SLOSpecError(
            f"{where}: spec.timeWindows[0].unit {w.get('unit')!r}: one of "
            + ", ".join(_OPENSLO_UNITS)
        )
    _utc(w.get("calendar"), f"{where}: spec.timeWindows[0].calendar")
    rolling = w.get("isRolling", w.get("calendar") is None)
    period, calendar = openslo_window(f"{w.get('count', 1)}{unit}", rolling, where)
    objectives = spec.get("objectives") or []
    if not objectives:
        raise SLOSpecError(f"{where}: spec.objectives is empty")
    out = []
    for i, obj in enumerate(objectives):
        ow = f"{where}: objectives[{i}]"
        ratio = (obj or {}).get("ratioMetrics")
        if not ratio:
            raise SLOSpecError(f"{ow}.ratioMetrics: required (golive reads ratio objectives)")
        if ratio.get("incremental") is True:
            raise SLOSpecError(
                f"{ow}.ratioMetrics.incremental: true is not supported (give rates, "
                "e.g. sum(rate(x[{{.window}}])))"
            )
        bad_or_good = "bad" if "bad" in ratio else "good"
        sli = {
            bad_or_good: _query(ratio.get(bad_or_good), f"{ow}.ratioMetrics.{bad_or_good}"),
            "total": _query(ratio.get("total"), f"{ow}.ratioMetrics.total"),
        }
        out.append(
            _openslo_slo(
                name, spec, obj, (i, len(objectives)), sli, period, calendar, ow, shown, True
            )
        )
    return out
