"""Sign-off of a report folder and its verification.

`golive signoff` appends one JSON line to ``signoffs.jsonl`` in the dated report folder:
who (name, role), the decision (go / no-go), a comment, the UTC time, and the SHA-256 of
every signed file: results.json and every rendered file (HTML pages, executed notebooks,
junit.xml). The file is locked (fcntl.flock) while a line is appended, so two sign-offs
at the same moment are both kept.

Signed files are never rewritten after a sign-off: the live sign-off state is kept out
of them. It is shown by ``signoffs.html`` (rewritten from signoffs.jsonl after each
sign-off), by ``golive history`` and by the portfolio page ``reports/index.html``; none
of these is signed. `golive verify` recomputes the hashes and names every file changed,
missing or added since the last sign-off.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..errors import ReportError
from ..htmlfmt import e
from ..names import INDEX_HTML, JUNIT_XML, REPORT_HTML, RESULTS_JSON, SIGNOFFS_JSONL

SIGNOFFS_HTML = "signoffs.html"
# Files of a report folder that are not signed: the sign-off record and its page.
UNSIGNED = frozenset({SIGNOFFS_JSONL, SIGNOFFS_HTML})
REQUIRED_FILES = (RESULTS_JSON, INDEX_HTML, REPORT_HTML, JUNIT_XML)


class SignDecision(StrEnum):
    GO = "go"
    NO_GO = "no-go"


@dataclass(frozen=True)
class SignoffState:
    """Who signed a report and whether every required role signed go."""

    required_roles: tuple[str, ...]
    latest_by_role: dict[str, dict[str, Any]]  # role -> its latest sign-off record
    records: int

    @property
    def missing_roles(self) -> list[str]:
        return [r for r in self.required_roles if r not in self.latest_by_role]

    @property
    def no_go_roles(self) -> list[str]:
        return sorted(r for r, rec in self.latest_by_role.items() if rec["decision"] != "go")

    @property
    def complete(self) -> bool:
        """Every required role (at least one signer when none is required) signed go."""
        if self.no_go_roles or self.missing_roles:
            return False
        return bool(self.latest_by_role)

    @property
    def label(self) -> str:
        if self.no_go_roles:
            return "signed no-go by " + ", ".join(self.no_go_roles)
        if self.complete:
            return "signed go by " + ", ".join(sorted(self.latest_by_role))
        if not self.latest_by_role:
            needed = ", ".join(self.required_roles) or "anyone"
            return f"not signed yet (needs {needed})"
        return "awaiting " + ", ".join(self.missing_roles)


def signed_files(folder: Path) -> list[str]:
    """Every file of the folder that a sign-off covers, as sorted relative paths."""
    names = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if not path.is_file() or any(p.startswith(".") for p in rel.parts):
            continue
        if rel.as_posix() in UNSIGNED:
            continue
        names.append(rel.as_posix())
    return sorted(names)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hashes(folder: Path) -> dict[str, str]:
    return {name: sha256_file(folder / name) for name in signed_files(folder)}


def load_results(folder: Path) -> dict[str, Any]:
    """The folder's results.json, or ReportError saying why the folder is no report."""
    if not folder.is_dir():
        raise ReportError(f"no such report folder: {folder}")
    path = folder / RESULTS_JSON
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{folder} is not a report folder: {RESULTS_JSON} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path} is unreadable: {exc}") from exc
    if not isinstance(doc, dict) or not {"service", "date", "decision"} <= doc.keys():
        raise ReportError(f"{path} is not a golive results document")
    return doc


def incomplete(folder: Path, doc: dict[str, Any]) -> list[str]:
    """What a finished report folder should hold and this one does not."""
    expected = list(REQUIRED_FILES)
    for section in doc.get("sections", []):
        expected += [section.get("notebook"), section.get("html")]
    return [n for n in expected if isinstance(n, str) and not (folder / n).is_file()]


def required_roles(doc: dict[str, Any]) -> tuple[str, ...]:
    return tuple((doc.get("signoff") or {}).get("required_roles", []))


def read_records(folder: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every sign-off record of the folder, oldest first, and the malformed lines."""
    path = folder / SIGNOFFS_JSONL
    if not path.is_file():
        return [], []
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{SIGNOFFS_JSONL} line {lineno} is malformed: {exc.msg}")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("files"), dict):
            problems.append(f"{SIGNOFFS_JSONL} line {lineno} is not a sign-off record")
            continue
        records.append(record)
    return records, problems


def state(folder: Path, doc: dict[str, Any] | None = None) -> SignoffState:
    doc = doc if doc is not None else load_results(folder)
    records, _ = read_records(folder)
    latest: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: str(r.get("time", ""))):
        latest[str(record.get("role", ""))] = record
    return SignoffState(required_roles(doc), latest, len(records))


def sign(
    folder: Path,
    name: str,
    role: str,
    decision: SignDecision,
    comment: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Append a sign-off of a complete report folder; ReportError when it cannot be signed."""
    folder = Path(folder)
    if folder.name.startswith("."):
        raise ReportError(f"{folder} is an unfinished run, not a report; it cannot be signed")
    doc = load_results(folder)
    missing = incomplete(folder, doc)
    if missing:
        raise ReportError(
            f"{folder} is incomplete and cannot be signed; missing: {', '.join(missing)}"
        )
    if not name.strip() or not role.strip():
        raise ReportError("give the signer's --name and --role")
    if decision is SignDecision.GO and doc["decision"] != "go":
        blocking = ", ".join(doc.get("blocking", [])) or "see the report"
        raise ReportError(
            f"the report's decision is {doc['decision']}; a go sign-off is refused while "
            f"blocking checks stand ({blocking}); fix them or waive them in the parameters"
        )
    record = {
        "name": name.strip(),
        "role": role.strip(),
        "decision": decision.value,
        "comment": comment,
        "time": (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds"),
        "service": doc["service"],
        "report": folder.name,
        "report_decision": doc["decision"],
        "files": hashes(folder),
    }
    line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    with (folder / SIGNOFFS_JSONL).open("a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
            _write_page(folder, doc)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return record


@dataclass(frozen=True)
class Verification:
    signed: bool
    changed: list[str]
    missing: list[str]
    added: list[str]
    problems: list[str]
    last: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return self.signed and not (self.changed or self.missing or self.added or self.problems)


def verify(folder: Path) -> Verification:
    """Compare the folder with the hashes of its last sign-off."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"no such report folder: {folder}")
    records, problems = read_records(folder)
    if not records:
        return Verification(False, [], [], [], problems, None)
    last = max(records, key=lambda r: str(r.get("time", "")))
    recorded: dict[str, str] = last["files"]
    now = hashes(folder)
    changed = sorted(n for n in recorded if n in now and now[n] != recorded[n])
    missing = sorted(n for n in recorded if n not in now)
    added = sorted(n for n in now if n not in recorded)
    return Verification(True, changed, missing, added, problems, last)


def _write_page(folder: Path, doc: dict[str, Any]) -> None:
    """signoffs.html: the live sign-off state (not signed itself; rewritten atomically)."""
    st = state(folder, doc)
    records, _ = read_records(folder)
    rows = "".join(
        f"<tr><td>{e(r.get('time', ''))}</td><td>{e(r.get('name', ''))}</td>"
        f"<td>{e(r.get('role', ''))}</td><td><b>{e(r.get('decision', ''))}</b></td>"
        f"<td>{e(r.get('comment', ''))}</td></tr>"
        for r in records
    )
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-offs: {e(doc["service"])} \
{e(doc["date"])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1000px;margin:0 auto;padding:16px}}
table{{border-collapse:collapse}} th,td{{border-bottom:1px solid #ddd;padding:4px 8px;
text-align:left}} th{{background:#f3f3f3}}</style></head><body>
<h1>Sign-offs: {e(doc["service"])} {e(doc["date"])}</h1>
<p>Report decision: <b>{e(str(doc["decision"]).upper())}</b> &middot;
required roles: {e(", ".join(st.required_roles) or "none")} &middot;
state: <b>{e(st.label)}</b></p>
<table><tr><th>time (UTC)</th><th>name</th><th>role</th><th>decision</th><th>comment</th></tr>
{rows}</table>
<p>Every sign-off records the SHA-256 of every file of this folder except
<code>{SIGNOFFS_JSONL}</code> and this page; <code>golive verify</code> checks them.
<a href="index.html">Back to the report</a>.</p>
</body></html>
"""
    tmp = folder / f".{SIGNOFFS_HTML}.{uuid.uuid4().hex[:8]}"
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, folder / SIGNOFFS_HTML)
