"""The living history of a service: every dated run under reports/<service>/.

A run folder is named by its date, ``YYYY-MM-DD``, or ``YYYY-MM-DD-N`` for the N-th run
of one day; hidden ``.tmp-*`` folders are unfinished runs and never count.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ReportError
from ..model import Status
from ..names import RESULTS_JSON
from . import signoff

RUN_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:-(\d+))?\Z")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
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
    """A run's results document, or (None, why) when it is missing or not one golive
    wrote (malformed JSON, or a shape a reader here would trip on); such a run is
    skipped, with one warning on stderr naming the file."""
    path = folder / RESULTS_JSON
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"{RESULTS_JSON} missing"
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        problem = f"{RESULTS_JSON} unreadable: {type(exc).__name__}: {str(exc)[:200]}"
        _warn_skipped(path, problem)
        return None, problem
    why = malformed(doc)
    if why is not None:
        problem = f"{RESULTS_JSON} is not a golive results document: {why}"
        _warn_skipped(path, problem)
        return None, problem
    return doc, None


def malformed(doc: Any) -> str | None:
    """What makes ``doc`` unusable by history, diff, the portfolio and sign-off state
    (None: nothing). Only the fields they read are checked, so a results document of an
    earlier schema version still reads."""
    if not isinstance(doc, dict):
        return f"a JSON {type(doc).__name__}, not an object"
    for key in ("service", "date"):
        if not isinstance(doc.get(key), str):
            return f"{key} is not a string"
    if doc.get("decision") not in ("go", "no-go"):
        return "decision is neither go nor no-go"
    checks = doc.get("checks")
    if not isinstance(checks, list):
        return "checks is not a list"
    for i, check in enumerate(checks):
        if not (
            isinstance(check, dict)
            and isinstance(check.get("id"), str)
            and check.get("status") in STATUSES
            and isinstance(check.get("title", ""), str)
        ):
            return f"checks[{i}] has no id, title or known status"
    counts = doc.get("counts", {})
    if not (isinstance(counts, dict) and all(type(v) is int for v in counts.values())):
        return "counts is not a mapping of status to number"
    if not _strings(doc.get("blocking", [])):
        return "blocking is not a list of check ids"
    sections = doc.get("sections", [])
    if not (isinstance(sections, list) and all(isinstance(x, dict) for x in sections)):
        return "sections is not a list of objects"
    policy = doc.get("signoff") or {}
    if not (isinstance(policy, dict) and _strings(policy.get("required_roles", []))):
        return "signoff.required_roles is not a list of roles"
    return None


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


_warned: set[Path] = set()


def _warn_skipped(path: Path, problem: str) -> None:
    """Once per file and process: a run with 200 services reads each latest run often."""
    if path in _warned:
        return
    _warned.add(path)
    print(f"golive: warning: skipped {path}: {problem}", file=sys.stderr)


def load(folder: Path) -> dict[str, Any]:
    """The results document of a report folder given on the command line (`diff`);
    ReportError when there is none or it is not one golive wrote."""
    if not folder.is_dir():
        raise ReportError(f"no such report folder: {folder}")
    doc, problem = read_results(folder)
    if doc is None:
        raise ReportError(f"{folder / RESULTS_JSON}: {problem}")
    return doc


def _dated(service_folder: Path) -> list[tuple[tuple[str, int], str]]:
    """(run key, folder name) of every dated run folder; nothing is read or stat'ed (the
    directory entry says whether it is a folder: a service reviewed nightly for a year
    has 365 of them, and the portfolio lists every service)."""
    try:
        entries = os.scandir(service_folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    dated = []
    with entries:
        for entry in entries:
            key = run_key(entry.name)
            if key is not None and entry.is_dir():
                dated.append((key, entry.name))
    return dated


def run_folders(service_folder: Path) -> list[Path]:
    """Every dated run folder of a service, oldest first; none of them is read."""
    return [service_folder / name for _key, name in sorted(_dated(service_folder))]


def read_run(folder: Path) -> Run:
    return Run(folder, *read_results(folder))


def runs(service_folder: Path) -> list[Run]:
    """Every dated run of a service, oldest first, each one's results read."""
    return [read_run(folder) for folder in run_folders(service_folder)]


def latest(service_folder: Path) -> Run | None:
    """A service's newest run (only its results are read: a service reviewed every
    night has hundreds of runs); None without one."""
    name = _cached_latest(service_folder) or remember_latest(service_folder)
    return read_run(service_folder / name) if name else None


# The newest run's folder name, cached beside the services: the portfolio reads every
# service's newest run, and listing 365 run folders of each costs more than reading the
# results. A cache entry is trusted only while the service folder has not changed since
# it was written (the entry's mtime is stamped with the folder's), so a run added, moved
# or removed by anyone makes the next reader list the folder again and rewrite it.
LATEST_CACHE = Path(".cache") / "latest"  # under the reports folder, one file per service


def _cache_file(service_folder: Path) -> Path:
    return service_folder.parent / LATEST_CACHE / service_folder.name


def _cached_latest(service_folder: Path) -> str | None:
    cache = _cache_file(service_folder)
    try:
        if os.stat(cache).st_mtime_ns != os.stat(service_folder).st_mtime_ns:
            return None
        name = cache.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if run_key(name) is not None else None


def remember_latest(service_folder: Path) -> str | None:
    """List the service's runs, cache the newest one's name (best effort: where the
    cache cannot be written the folder is simply listed each time), and return it; None
    without a run."""
    dated = _dated(service_folder)
    if not dated:
        return None
    name = max(dated)[1]
    cache = _cache_file(service_folder)
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(name + "\n", encoding="utf-8")
        folder = os.stat(service_folder)
        os.utime(tmp, ns=(folder.st_atime_ns, folder.st_mtime_ns))
        os.replace(tmp, cache)
        if max(_dated(service_folder))[1] != name:  # a run landed meanwhile
            cache.unlink()
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            tmp.unlink()
    return name


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
