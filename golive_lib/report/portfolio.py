"""reports/index.html: the portfolio page over every service of a reports folder.

One row per service: its latest run's decision, date, status counts, sign-off state and
a link, sorted so what needs attention comes first. Rebuilt as a run's services end
(`Rewriter`: at most every REWRITE_EVERY_S, and at the run's end) and after every
sign-off; it is not part of any signed report folder.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReportError
from ..model import STATUS_ORDER
from ..names import INDEX_HTML, SIGNOFFS_JSONL
from . import history, signoff
from .html import STATUS_COLOURS, page

PORTFOLIO_HTML = INDEX_HTML


@dataclass(frozen=True)
class Row:
    service: str
    run: history.Run
    signoff: str
    attention: int  # 0 first
    why: str
    verified: int = 0  # sign-offs that verify against the service's trusted signers


def default_trust(service: str) -> signoff.Trust:
    """A service's trusted signers (`signoff.trusted_for`); none, with why, on error."""
    try:
        return signoff.trusted_for(service)
    except ReportError as exc:
        return signoff.Trust(None, str(exc))


TrustFor = Callable[[str], signoff.Trust]


def _row(service: str, latest: history.Run, trust_for: TrustFor) -> Row:
    if latest.results is None:
        return Row(service, latest, "", 0, latest.problem or "unreadable")
    signed = (latest.folder / SIGNOFFS_JSONL).exists()
    st = signoff.state(latest.folder, latest.results, trust_for(service) if signed else None)
    label, n = st.label, st.records - st.unverified
    if st.unverified:
        return Row(service, latest, label, 0, "unverified sign-off: run golive verify", n)
    if latest.decision != "go":
        blocking = latest.results.get("blocking", [])
        return Row(service, latest, label, 1, f"no-go: {len(blocking)} blocking check(s)", n)
    if st.no_go_roles:
        return Row(service, latest, label, 1, "a signer said no-go", n)
    if not st.complete:
        return Row(service, latest, label, 2, "go, sign-off incomplete", n)
    return Row(service, latest, label, 3, "go, signed", n)


def rows(reports: Path, trust_for: TrustFor | None = None) -> list[Row]:
    """Every service's row; ``trust_for(service)``: its trusted signers (by default
    `signoff.trusted_for`: its parameters file here, or $GOLIVE_TRUSTED_SIGNERS)."""
    found = []
    for child in sorted(reports.iterdir()) if reports.is_dir() else []:
        if not child.is_dir() or child.name.startswith("."):
            continue
        latest = history.latest(child)
        if latest is not None:
            found.append(_row(child.name, latest, trust_for or default_trust))
    return sorted(found, key=lambda r: (r.attention, r.run.date, r.service))


def render(reports: Path, trust_for: TrustFor | None = None) -> str:
    table = []
    for r in rows(reports, trust_for):
        decision = r.run.decision
        table.append(
            {
                "link": f"{r.service}/{r.run.name}/index.html",
                "service": r.service,
                "css": f"golive-{decision}" if decision in ("go", "no-go") else "golive-no-go",
                "decision": decision,
                "run": r.run.name,
                "counts": [
                    (s, r.run.counts[s.value]) for s in STATUS_ORDER if r.run.counts.get(s.value)
                ],
                "signoff": r.signoff,
                "verified": r.verified,
                "why": r.why,
            }
        )
    return page("portfolio.html.j2", rows=table, colours=STATUS_COLOURS)


def write(reports: Path, trust_for: TrustFor | None = None) -> Path:
    """(Re)write reports/index.html atomically; returns its path."""
    reports.mkdir(parents=True, exist_ok=True)
    target = reports / PORTFOLIO_HTML
    tmp = reports / f".{PORTFOLIO_HTML}.{uuid.uuid4().hex[:8]}"
    tmp.write_text(render(reports, trust_for), encoding="utf-8")
    os.replace(tmp, target)
    return target


REWRITE_EVERY_S = 5.0  # during a batch, index.html is at most this much behind
# ... or, when a rewrite takes long (thousands of services), this many times its duration:
# rewrites then take at most a fifth of one thread's time
REWRITE_SLOWDOWN = 4


class Rewriter:
    """Keeps a reports folder's index.html current while a batch reviews its services.

    Rebuilding the page reads every service's latest results, so rebuilding it after
    each of N services reads N * N results (a 1,000-service nightly batch: a million).
    `service_ended` rewrites it when the last rewrite is ``every_s`` old, or
    REWRITE_SLOWDOWN times as old as it took if that is longer (the first service's at
    once), and otherwise only notes that it is behind; `finish` rewrites it if a service
    ended since. Thread-safe: services end on several threads. As a context manager it
    finishes on leaving, also when the batch is interrupted (the services that ended are
    listed; a failing last rewrite then does not hide what stopped the batch).
    """

    def __init__(self, reports: Path, every_s: float = REWRITE_EVERY_S) -> None:
        self.reports = reports
        self.every_s = every_s
        self._lock = threading.Lock()
        self._written_at: float | None = None  # time.monotonic() of the last rewrite
        self._took = 0.0  # how long the last rewrite took
        self._behind = False

    def service_ended(self) -> None:
        with self._lock:
            wait = max(self.every_s, REWRITE_SLOWDOWN * self._took)
            if self._written_at is not None and time.monotonic() - self._written_at < wait:
                self._behind = True
                return
            self._write()

    def finish(self) -> None:
        with self._lock:
            if self._behind:
                self._write()

    def __enter__(self) -> Rewriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_exc: object) -> None:
        if exc_type is None:
            self.finish()
        else:
            with contextlib.suppress(Exception):
                self.finish()

    def _write(self) -> None:
        started = time.monotonic()
        write(self.reports)
        self._written_at = time.monotonic()
        self._took = self._written_at - started
        self._behind = False
