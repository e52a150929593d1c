"""The living history of a service: every dated run under reports/<service>/.

A run folder is named by its date, ``YYYY-MM-DD``, or ``YYYY-MM-DD-N`` for the N-th run
of one day; hidden ``.tmp-*`` folders are unfinished runs and never count.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ReportError
from ..names import RESULTS_JSON
from . import signoff

RUN_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:-(\d+))?$")


def run_key(name: str) -> tuple[str, int] | None:
    m = RUN_RE.match(name)
    return (m.group(1), int(m.group(2) or 1)) if m else None


@dataclass(frozen=True)
class Run:
    folder: Path
    results: dict[str, Any] | None  # None when results.json is missing or unreadable
    problem: str | None = None

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def date(self) -> str:
        key = run_key(self.name)
        return key[0] if key else self.name

    @property
    def decision(self) -> str:
        return str(self.results["decision"]) if self.results else "unreadable"

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.results.get("counts", {})) if self.results else {}


def read_results(folder: Path) -> tuple[dict[str, Any] | None, str | None]:
    try:
        doc = json.loads((folder / RESULTS_JSON).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"{RESULTS_JSON} missing"
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"{RESULTS_JSON} unreadable: {exc}"
    if not isinstance(doc, dict) or "checks" not in doc or "decision" not in doc:
        return None, f"{RESULTS_JSON} is not a golive results document"
    return doc, None


def runs(service_folder: Path) -> list[Run]:
    """Every dated run of a service, oldest first."""
    if not service_folder.is_dir():
        return []
    dated = []
    for child in service_folder.iterdir():
        key = run_key(child.name)
        if key is not None and child.is_dir():
            dated.append((key, child))
    found = []
    for _key, folder in sorted(dated):
        doc, problem = read_results(folder)
        found.append(Run(folder, doc, problem))
    return found


def service_runs(service: str, reports: Path) -> list[Run]:
    folder = reports / service
    if not folder.is_dir():
        raise ReportError(f"no reports of service {service!r} under {reports} ({folder} missing)")
    found = runs(folder)
    if not found:
        raise ReportError(f"{folder} holds no dated run")
    return found


def status_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Checks whose status differs between two results documents (added/removed: None)."""
    before = {c["id"]: c for c in old.get("checks", [])}
    after = {c["id"]: c for c in new.get("checks", [])}
    changes = []
    for check_id in [*after, *(i for i in before if i not in after)]:
        a, b = before.get(check_id), after.get(check_id)
        old_status = a["status"] if a else None
        new_status = b["status"] if b else None
        if old_status != new_status:
            changes.append(
                {
                    "id": check_id,
                    "title": (b or a or {}).get("title", ""),
                    "old": old_status,
                    "new": new_status,
                }
            )
    return changes


def with_previous(doc: dict[str, Any], service_folder: Path) -> dict[str, Any]:
    """``doc`` with ``previous`` (status changes since the newest earlier run) and
    ``history`` (every earlier run's counts) filled in from the service folder."""
    earlier = [r for r in runs(service_folder) if r.results]
    if not earlier:
        return doc
    last = earlier[-1]
    assert last.results is not None
    return {
        **doc,
        "previous": {
            "folder": last.name,
            "date": last.date,
            "decision": last.decision,
            "changes": status_changes(last.results, doc),
        },
        "history": [
            {"folder": r.name, "date": r.date, "decision": r.decision, "counts": r.counts}
            for r in earlier
        ],
    }


def table(service_runs_: list[Run]) -> list[dict[str, str]]:
    """Rows of `golive history`: run, date, decision, counts, sign-off state."""
    rows = []
    for run in service_runs_:
        if run.results is None:
            rows.append(
                {
                    "run": run.name,
                    "date": run.date,
                    "decision": "unreadable",
                    "counts": run.problem or "",
                    "signoff": "",
                }
            )
            continue
        counts = " ".join(f"{n} {s}" for s, n in run.counts.items() if n)
        st = signoff.state(run.folder, run.results)
        verdict = st.label
        if st.records:
            v = signoff.verify(run.folder)
            if not v.ok:
                verdict += " (CHANGED since sign-off)"
        rows.append(
            {
                "run": run.name,
                "date": run.date,
                "decision": run.decision,
                "counts": counts,
                "signoff": verdict,
            }
        )
    return rows


def format_table(rows: list[dict[str, str]]) -> str:
    headers = {"run": "run", "decision": "decision", "counts": "counts", "signoff": "sign-off"}
    widths = {k: max(len(h), *(len(r[k]) for r in rows)) for k, h in headers.items()}
    lines = ["  ".join(h.ljust(widths[k]) for k, h in headers.items()).rstrip()]
    for r in rows:
        lines.append("  ".join(r[k].ljust(widths[k]) for k in headers).rstrip())
    return "\n".join(lines)
