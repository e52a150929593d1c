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
from ..model import Status
from ..names import RESULTS_JSON
from . import signoff

RUN_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:-(\d+))?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STATUSES = frozenset(s.value for s in Status)


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


def run_folders(service_folder: Path) -> list[Path]:
    """Every dated run folder of a service, oldest first; none of them is read."""
    if not service_folder.is_dir():
        return []
    dated = []
    for child in service_folder.iterdir():
        key = run_key(child.name)
        if key is not None and child.is_dir():
            dated.append((key, child))
    return [folder for _key, folder in sorted(dated)]


def read_run(folder: Path) -> Run:
    return Run(folder, *read_results(folder))


def runs(service_folder: Path) -> list[Run]:
    """Every dated run of a service, oldest first, each one's results read."""
    return [read_run(folder) for folder in run_folders(service_folder)]


def latest(service_folder: Path) -> Run | None:
    """A service's newest run (only its results are read: a service reviewed every
    night has hundreds of runs); None without one."""
    folders = run_folders(service_folder)
    return read_run(folders[-1]) if folders else None


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
    ``history`` (every earlier readable run's counts) filled in from the service folder.

    Only the newest readable earlier run is read whole. The runs before it come from its
    own ``history`` (a run's results never change once written), so a service reviewed
    every night does not read a year of results for each review; a run folder that
    history does not list is read, and one that is gone is left out.
    """
    folders = run_folders(service_folder)
    last = next((r for r in map(read_run, reversed(folders)) if r.results), None)
    if last is None:
        return doc
    assert last.results is not None
    recorded = _recorded_history(last.results)
    history = []
    for folder in folders[: folders.index(last.folder)]:
        entry = recorded.get(folder.name)
        if entry is None:
            run = read_run(folder)
            if run.results is None:
                continue
            entry = _history_entry(run)
        history.append(entry)
    return {
        **doc,
        "previous": {
            "folder": last.name,
            "date": last.date,
            "decision": last.decision,
            "changes": status_changes(last.results, doc),
        },
        "history": [*history, _history_entry(last)],
    }


def _history_entry(run: Run) -> dict[str, Any]:
    return {"folder": run.name, "date": run.date, "decision": run.decision, "counts": run.counts}


def _recorded_history(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A run's ``history`` by folder name; entries not shaped as golive writes them are
    left out (that run is then read instead)."""
    entries = results.get("history")
    found: dict[str, dict[str, Any]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if (
            isinstance(entry, dict)
            and set(entry) == {"folder", "date", "decision", "counts"}
            and isinstance(entry["folder"], str)
            and isinstance(entry["date"], str)
            and DATE_RE.match(entry["date"]) is not None
            and entry["decision"] in ("go", "no-go")
            and isinstance(entry["counts"], dict)
            and all(k in STATUSES and type(v) is int and v >= 0 for k, v in entry["counts"].items())
        ):
            found[entry["folder"]] = dict(entry)
    return found


def table(service_runs_: list[Run], trust: signoff.Trust | None = None) -> list[dict[str, str]]:
    """Rows of `golive history`: run, date, decision, counts, sign-off state (verified
    sign-offs only; the others counted as unverified)."""
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
        verdict = signoff.state(run.folder, run.results, trust).label
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
