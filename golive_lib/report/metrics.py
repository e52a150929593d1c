"""The living scorecard: the latest review of every service as Prometheus metrics.

`exposition(reports)` is the text exposition format of every service's latest run in a
reports folder; `write_textfile` writes it atomically for node_exporter's textfile
collector, `push` sends it to a Pushgateway. The alerting rules and the Grafana
dashboard shipped in ``golive_lib/scorecard/`` read these metrics:

``golive_review_decision{service}``
    1 when the latest review is go, 0 when no-go.
``golive_review_readable{service}``
    0 when the latest run's results.json cannot be read (the other series are then
    absent for it), else 1.
``golive_review_timestamp_seconds{service}``
    when the latest review was generated.
``golive_check_status{service,section,check,severity,status}``
    1 for each check of the latest review, labelled with its status.
``golive_checks{service,status}``
    how many checks of the latest review have each status (every status, 0 included).
``golive_blocking_checks_open{service}``
    blocking checks that stop a go: fail, error or pending.
``golive_check_regressed{service,section,check,severity,from,to}``
    1 for a check that passed in the review before and is fail, error or pending now.
``golive_signoff_verified{service,role,decision}``
    1 for each role's latest verified sign-off of the latest review (signed by a key its
    trusted signers allow for that role, over the files as they are now).
``golive_signoffs_unverified{service}``
    sign-off lines of the latest review that do not verify (untrusted, tampered, ...).
``golive_signed_go_timestamp_seconds{service}``
    when the newest review that every required role signed go, verified, was generated
    (absent when there is none): a drift alert compares it with the decision.

Sign-offs are verified against each service's trusted signers (`portfolio.default_trust`:
its parameters file here, or $GOLIVE_TRUSTED_SIGNERS), or the ones given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..model import STATUS_ORDER
from ..names import SIGNOFFS_JSONL
from . import history, portfolio, signoff

TrustFor = Callable[[str], signoff.Trust]

OPEN = frozenset({"fail", "error", "pending"})  # what stops a go when blocking


Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Sample:
    name: str
    labels: Labels
    value: float


@dataclass(frozen=True)
class Family:
    name: str
    help: str
    samples: tuple[Sample, ...]


def _timestamp(doc: dict[str, Any]) -> float | None:
    try:
        return datetime.fromisoformat(str(doc.get("generated_at"))).timestamp()
    except ValueError:
        return None


def _signed_go(service_folder: Path, trust: signoff.Trust) -> float | None:
    """When the newest review that every required role signed go (verified) was made.

    Only runs with a sign-off log are read, newest first, so a service reviewed every
    night for a year costs a stat per run and the results of its signed runs."""
    for folder in reversed(history.run_folders(service_folder)):
        if not (folder / SIGNOFFS_JSONL).is_file():
            continue
        run = history.read_run(folder)
        if run.results is None or run.decision != "go":
            continue
        if signoff.state(folder, run.results, trust).complete:
            return _timestamp(run.results)
    return None


def service_samples(
    service: str, service_folder: Path, trust_for: TrustFor = portfolio.default_trust
) -> Iterator[Sample]:
    """Every sample of one service's latest run (none when it has no run)."""
    latest = history.latest(service_folder)
    if latest is None:
        return
    svc: Labels = (("service", service),)
    doc = latest.results
    yield Sample("golive_review_readable", svc, 0.0 if doc is None else 1.0)
    if doc is None:
        return
    yield Sample("golive_review_decision", svc, 1.0 if doc.get("decision") == "go" else 0.0)
    ts = _timestamp(doc)
    if ts is not None:
        yield Sample("golive_review_timestamp_seconds", svc, ts)
    counts: dict[str, int] = {s.value: 0 for s in STATUS_ORDER}
    open_blocking = 0
    for check in doc.get("checks", []):
        status, severity = str(check.get("status")), str(check.get("severity"))
        counts[status] = counts.get(status, 0) + 1
        open_blocking += severity == "blocking" and status in OPEN
        labels: Labels = (
            *svc,
            ("section", str(check.get("section"))),
            ("check", str(check.get("id"))),
            ("severity", severity),
            ("status", status),
        )
        yield Sample("golive_check_status", labels, 1.0)
    for status, n in counts.items():
        yield Sample("golive_checks", (*svc, ("status", status)), float(n))
    yield Sample("golive_blocking_checks_open", svc, float(open_blocking))
    by_id = {str(c.get("id")): c for c in doc.get("checks", [])}
    for change in (doc.get("previous") or {}).get("changes", []):
        if change.get("old") != "pass" or change.get("new") not in OPEN:
            continue
        check = by_id.get(str(change.get("id")), {})
        changed: Labels = (
            *svc,
            ("section", str(check.get("section"))),
            ("check", str(change.get("id"))),
            ("severity", str(check.get("severity"))),
            ("from", "pass"),
            ("to", str(change.get("new"))),
        )
        yield Sample("golive_check_regressed", changed, 1.0)
    trust = trust_for(service)
    state = signoff.state(latest.folder, doc, trust)
    for role, entry in sorted(state.latest_by_role.items()):
        signed: Labels = (*svc, ("role", role), ("decision", entry.decision))
        yield Sample("golive_signoff_verified", signed, 1.0)
    yield Sample("golive_signoffs_unverified", svc, float(state.unverified))
    signed_go = _signed_go(service_folder, trust)
    if signed_go is not None:
        yield Sample("golive_signed_go_timestamp_seconds", svc, signed_go)


HELP = {
    "golive_review_readable": "1 when the latest review's results.json is readable.",
    "golive_review_decision": "1 when the latest review is go, 0 when no-go.",
    "golive_review_timestamp_seconds": "When the latest review was generated.",
    "golive_check_status": "1 for each check of the latest review, labelled with its status.",
    "golive_checks": "Checks of the latest review per status.",
    "golive_blocking_checks_open": "Blocking checks that are fail, error or pending.",
    "golive_check_regressed": "1 for a check that passed the review before and is not now.",
    "golive_signoff_verified": "1 for each role's latest verified sign-off.",
    "golive_signoffs_unverified": "Sign-off lines of the latest review that do not verify.",
    "golive_signed_go_timestamp_seconds": "When the newest review signed go was generated.",
}


def families(reports: Path, trust_for: TrustFor | None = None) -> list[Family]:
    """Every service's latest run under ``reports`` as metric families (services
    sorted; a family with no sample is still listed, so its HELP is always there)."""
    found: dict[str, list[Sample]] = {name: [] for name in HELP}
    children = sorted(reports.iterdir()) if reports.is_dir() else []
    for child in children:
        if child.is_dir() and not child.name.startswith("."):
            for sample in service_samples(child.name, child, trust_for or portfolio.default_trust):
                found[sample.name].append(sample)
    return [Family(name, HELP[name], tuple(found[name])) for name in HELP]


def _registry(fams: Iterable[Family]) -> Any:
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import GaugeMetricFamily

    class Collector:
        def collect(self) -> Iterator[GaugeMetricFamily]:
            for fam in fams:
                names = [k for k, _ in fam.samples[0].labels] if fam.samples else []
                gauge = GaugeMetricFamily(fam.name, fam.help, labels=names)
                for s in fam.samples:
                    gauge.add_metric([v for _, v in s.labels], s.value)
                yield gauge

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Collector())
    return registry


def exposition(reports: Path, trust_for: TrustFor | None = None) -> str:
    """The text exposition format of `families` (prometheus_client writes it)."""
    from prometheus_client import generate_latest

    return bytes(generate_latest(_registry(families(reports, trust_for)))).decode()


def write_textfile(reports: Path, target: Path, trust_for: TrustFor | None = None) -> Path:
    """Write the metrics to ``target`` atomically (a temporary file, then a rename), so
    node_exporter's textfile collector never reads half a file."""
    from prometheus_client import write_to_textfile

    target.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(target), _registry(families(reports, trust_for)))
    return target


def push(
    reports: Path,
    gateway: str,
    job: str = "golive",
    timeout_s: float = 10.0,
    trust_for: TrustFor | None = None,
) -> None:
    """Replace the metrics of ``job`` on a Pushgateway with the current ones."""
    from prometheus_client import push_to_gateway

    registry = _registry(families(reports, trust_for))
    push_to_gateway(gateway, job=job, registry=registry, timeout=timeout_s)
