"""The ``observability.slo-alerting`` verdict: burn-rate roles of each SLO covered, wrong
(naming what differs) or missing, from `slo.recognition.recognise`; and what makes an alert page
(severity labels, and Alertmanager's routing when its configuration was read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import catalog
from ..model import Check, Evidence, Status
from ..promql import format_duration
from ..slo import generate_rules, rules_yaml
from ..slo.recognition import Coverage, PagingPolicy, RoleVerdict
from ..sources.alertmanager import AlertmanagerConfig

CID = "observability.slo-alerting"


def paging_policy(
    severities: list[str], receivers: list[str], config: AlertmanagerConfig | None
) -> PagingPolicy:
    """Paging severities from the parameters; with an Alertmanager configuration, a page
    alert must also reach a receiver that notifies someone (one of ``receivers`` when the
    parameters name the paging receivers)."""
    routes: Callable[[str, dict[str, str]], str | None] | None = None
    if config is not None:

        def routes(alert: str, labels: dict[str, str]) -> str | None:
            reached = config.receivers_for({**labels, "alertname": alert})
            names = [r.receiver for r, _ in reached]
            live = [rc.name for _, rc in reached if rc is not None and rc.integrations]
            if receivers and not set(names) & set(receivers):
                return (
                    f"is routed by Alertmanager to {', '.join(names)}, not to a paging "
                    f"receiver ({', '.join(receivers)})"
                )
            if not live:
                return f"is routed by Alertmanager to {', '.join(names)}, which notifies nobody"
            return None

    return PagingPolicy(frozenset(severities), routes)


def _pair(v: RoleVerdict) -> str:
    return f"{format_duration(v.want.long)}/{format_duration(v.want.short)}"


def _line(v: RoleVerdict) -> str:
    if v.status == "disabled":
        return f"not generated: {v.disabled} is true in the spec"
    if v.hit is not None:
        h = v.hit
        return f"covered by {h.alert} ({h.windows} at {h.factor:.4g}x, as {v.table})"
    if v.near is not None:
        return f"{v.near.alert} ({v.near.windows} at {v.near.factor:.4g}x) is wrong: " + "; ".join(
            v.problems
        )
    return "missing"


def _evidence(cov: Coverage) -> list[Evidence]:
    """One line per window pair the SLO needs: its alert, or what is wrong or missing."""
    return [
        Evidence(
            label=f"{cov.slo.name} {v.role} {_pair(v)} {v.want.factor_value:.4g}x",
            value=_line(v),
            location=pair.file if (pair := v.hit or v.near) else "",
        )
        for v in cov.roles
    ]


def _slo_data(cov: Coverage) -> dict[str, Any]:
    return {
        "slo": cov.slo.name,
        "covered": [v.role for v in cov.roles if v.status == "covered"],
        "wrong": {v.role: list(v.problems) for v in cov.wrong},
        "missing": [v.role for v in cov.roles if v.status == "missing"],
        "disabled": {v.role: v.disabled for v in cov.roles if v.disabled},
        "alerts": sorted({p.alert for p in cov.found}),
    }


def _problems(cov: Coverage) -> tuple[list[str], list[str]]:
    """The SLO's wrong and missing pairs: (in a sentence each, the fix of each)."""
    name = cov.slo.name
    short: list[str] = []
    remediation: list[str] = []
    for v in cov.wrong:
        assert v.near is not None
        short.append(f"{name} {v.role} pair {v.near.alert} is wrong: {'; '.join(v.problems)}")
        remediation.append(
            f"# {name}: fix {v.near.alert} ({v.near.file}): " + "; ".join(v.problems)
        )
    missing = [v for v in cov.roles if v.status == "missing"]
    if missing:
        short.append(f"{name} lacks " + ", ".join(f"{_pair(v)} ({v.role})" for v in missing))
        remediation.append(
            f"# {name}: paste into a rule file loaded by Prometheus\n"
            + rules_yaml(generate_rules(cov.slo, tuple(v.want for v in missing)))
        )
    return short, remediation


def verdict(coverages: list[Coverage], slo_count: int, routing: str = "") -> Check:
    """``routing``: why Alertmanager's routes were not read (paging then judged by the
    severity labels alone), shown as evidence."""
    evidence, remediation, short, warn = [], [], [], []
    if routing:
        evidence.append(
            Evidence(label="paging", value=f"judged by severity labels only: {routing}")
        )
    data: list[dict[str, Any]] = []
    for cov in coverages:
        evidence += _evidence(cov)
        data.append(_slo_data(cov))
        cov_short, cov_fix = _problems(cov)
        short += cov_short
        remediation += cov_fix
        if any(v.disabled and v.want.severity == "page" for v in cov.roles):
            warn.append(f"{cov.slo.name}: page alerts disabled in the spec, nobody is paged")
    if short:
        return catalog.make(
            CID,
            Status.FAIL,
            "multi-window burn-rate alerts missing or wrong: " + "; ".join(short),
            evidence,
            "Fix the wrong alerts in place (do not add copies) and add the missing ones "
            "(generate them with `golive rules`, Sloth or Pyrra). A severity that does page "
            "in your Alertmanager belongs in observability.paging_severities.\n\n"
            + "\n".join(remediation),
            slos=data,
        )
    if warn:
        return catalog.make(
            CID,
            Status.WARN,
            "; ".join(warn),
            evidence,
            "Enable the page alert (remove alerting.page_alert.disable) unless another alert "
            "pages for this SLO.",
            slos=data,
        )
    return catalog.make(
        CID,
        Status.PASS,
        f"all burn-rate window pairs alert, paging ones page, for each of {slo_count} SLOs",
        evidence,
        slos=data,
    )
