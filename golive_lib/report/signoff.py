"""Sign-off of a report folder: a signed in-toto attestation appended to signoffs.jsonl.

`golive signoff` builds an in-toto Statement v1 whose subjects are every signed file of
the dated report folder (results.json, the HTML pages, the executed notebooks, junit.xml)
with its SHA-256, and whose predicate says who signed (the signer's e-mail), as which
role, which decision, the comment, the report's decision, results.json's digest and the
SHA-256 of signoffs.jsonl before the line (so the order of the log is signed). It is
wrapped in a DSSE envelope signed with the signer's SSH key (`ssh-keygen -Y sign`,
namespace ``golive-signoff``) or a PEM key (securesystemslib), while the log is locked,
and appended as one line to ``signoffs.jsonl`` (in-toto's JSON Lines bundle): one write,
O_APPEND | O_NOFOLLOW, fsync, so concurrent sign-offs are all kept and a full disk
appends nothing.

Signed files are never rewritten after a sign-off: the live sign-off state is kept out
of them. It is shown by ``signoffs.html`` (rewritten after each sign-off), by ``golive
history`` and by the portfolio page ``reports/index.html``; none of these is signed, and
each counts only the sign-offs that verify (`signoff_check`) against the trusted signers.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from .. import intoto, sshsig
from ..errors import ReportError
from ..jsonl import append_line
from ..names import INDEX_HTML, JUNIT_XML, REPORT_HTML, RESULTS_JSON, SIGNOFFS_JSONL
from .html import page as render_page
from .signoff_check import NAMESPACE, Entry, check
from .signoff_check import Trust as Trust
from .signoff_check import trusted_for as trusted_for

SIGNOFFS_HTML = "signoffs.html"
# Files of a report folder that are not signed: the sign-off record and its page.
UNSIGNED = frozenset({SIGNOFFS_JSONL, SIGNOFFS_HTML})
REQUIRED_FILES = (RESULTS_JSON, INDEX_HTML, REPORT_HTML, JUNIT_XML)


class SignDecision(StrEnum):
    GO = "go"
    NO_GO = "no-go"


@dataclass(frozen=True)
class SignoffState:
    """Who signed a report and whether every required role signed go. Only verified
    sign-offs count; the others are counted as unverified and shown, never dropped."""

    required_roles: tuple[str, ...]
    latest_by_role: dict[str, Entry]  # role -> its latest verified sign-off, in log order
    records: int  # every line of signoffs.jsonl
    unverified: int

    @property
    def missing_roles(self) -> list[str]:
        return [r for r in self.required_roles if r not in self.latest_by_role]

    @property
    def no_go_roles(self) -> list[str]:
        return sorted(r for r, rec in self.latest_by_role.items() if rec.decision != "go")

    @property
    def complete(self) -> bool:
        """Every required role (at least one signer when none is required) signed go."""
        if self.no_go_roles or self.missing_roles:
            return False
        return bool(self.latest_by_role)

    @property
    def label(self) -> str:
        return self._verified_label + (f"; {self.unverified} unverified" if self.unverified else "")

    @property
    def _verified_label(self) -> str:
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
    except RecursionError:
        raise ReportError(f"{path} is nested too deep to be a golive results document") from None
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


def state(
    folder: Path,
    doc: dict[str, Any] | None = None,
    trust: Trust | None = None,
    entries: list[Entry] | None = None,
) -> SignoffState:
    """The sign-off state of a folder: the latest verified sign-off of each role in log
    order. ``trust`` defaults to the service's (`signoff_check.trusted_for`)."""
    doc = doc if doc is not None else load_results(folder)
    if entries is None and not (folder / SIGNOFFS_JSONL).exists():
        entries = []  # never signed: nothing to hash, no trust to look up
    if entries is None:
        trust = trust or trusted_for(str(doc["service"]))
        entries = check(folder, doc, trust, hashes(folder))
    latest: dict[str, Entry] = {}
    for entry in entries:
        if entry.verified:
            latest[entry.role] = entry
    unverified = sum(1 for x in entries if not x.verified)
    return SignoffState(required_roles(doc), latest, len(entries), unverified)


def statement(
    folder: Path,
    doc: dict[str, Any],
    signer: str,
    role: str,
    decision: SignDecision,
    comment: str,
    now: datetime,
) -> dict[str, Any]:
    """The in-toto Statement of a sign-off: every signed file, and who decided what."""
    files = hashes(folder)
    return intoto.statement(
        files,
        intoto.SIGNOFF_PREDICATE,
        {
            "signer": signer,
            "role": role,
            "decision": decision.value,
            "comment": comment,
            "time": now.astimezone(UTC).isoformat(timespec="microseconds"),
            "service": doc["service"],
            "report": folder.name,
            "reportDecision": doc["decision"],
            "resultsDigest": {"sha256": files[RESULTS_JSON]},
        },
    )


def sign(
    folder: Path,
    key: Path,
    signer: str,
    role: str,
    decision: SignDecision,
    comment: str = "",
    trust: Trust | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Sign a complete report folder with an SSH key and append the envelope; returns the
    envelope. ReportError when it cannot be signed; OSError when it cannot be written (then
    nothing was appended)."""
    folder = Path(folder)
    if folder.name.startswith("."):
        raise ReportError(f"{folder} is an unfinished run, not a report; it cannot be signed")
    doc = load_results(folder)
    missing = incomplete(folder, doc)
    if missing:
        raise ReportError(
            f"{folder} is incomplete and cannot be signed; missing: {', '.join(missing)}"
        )
    if not signer.strip() or not role.strip():
        raise ReportError("give the signer's --signer and --role")
    if decision is SignDecision.GO and doc["decision"] != "go":
        blocking = ", ".join(doc.get("blocking", [])) or "see the report"
        raise ReportError(
            f"the report's decision is {doc['decision']}; a go sign-off is refused while "
            f"blocking checks stand ({blocking}); fix them or waive them in the parameters"
        )
    st = statement(
        folder, doc, signer.strip(), role.strip(), decision, comment, now or datetime.now(UTC)
    )
    trust = trust or trusted_for(str(doc["service"]))
    signed: list[dict[str, Any]] = []

    def line(before: bytes) -> bytes:
        """Signed under the log's lock: the statement binds every line before it, so
        lines cannot be reordered, dropped from the middle or replayed unnoticed."""
        st["predicate"]["log"] = {"sha256": hashlib.sha256(before).hexdigest()}
        try:
            signed.append(intoto.sign_envelope(st, key, NAMESPACE))
        except sshsig.SshSigError as exc:
            raise ReportError(str(exc)) from None
        return (json.dumps(signed[-1], sort_keys=True) + "\n").encode("utf-8")

    if not Path(key).is_file():
        raise ReportError(f"no such key file: {key}")
    append_line(folder / SIGNOFFS_JSONL, line, lambda: _page_tmp(folder, doc, trust))
    return signed[-1]


@dataclass(frozen=True)
class Verification:
    entries: list[Entry]
    trust: Trust

    @property
    def signed(self) -> bool:
        return bool(self.entries)

    @property
    def ok(self) -> bool:
        """Signed, and every line verified: nothing changed since, all signers trusted."""
        return self.signed and all(x.verified for x in self.entries)


def verify(folder: Path, trust: Trust | None = None, now: datetime | None = None) -> Verification:
    """Check every sign-off line of a folder (ReportError when it is no report folder)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"no such report folder: {folder}")
    doc = load_results(folder)
    trust = trust or trusted_for(str(doc["service"]))
    return Verification(check(folder, doc, trust, hashes(folder), now), trust)


def _page_tmp(folder: Path, doc: dict[str, Any], trust: Trust) -> tuple[Path, Path]:
    """signoffs.html written to a temporary file, and where it goes."""
    tmp = folder / f".{SIGNOFFS_HTML}.{uuid.uuid4().hex[:8]}"
    try:
        tmp.write_text(page(folder, doc, trust), encoding="utf-8")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, folder / SIGNOFFS_HTML


def page(folder: Path, doc: dict[str, Any], trust: Trust) -> str:
    """signoffs.html: every line, verified or with why not, and the state they make."""
    files = hashes(folder)
    entries = check(folder, doc, trust, files)
    st = state(folder, doc, trust, entries)
    written = datetime.now(UTC).isoformat(timespec="seconds")
    return render_page(
        "signoffs.html.j2",
        service=doc["service"],
        date=doc["date"],
        decision=str(doc["decision"]).upper(),
        required_roles=", ".join(st.required_roles),
        state=st.label,
        entries=entries,
        jsonl=SIGNOFFS_JSONL,
        trust_source=trust.source,
        written=written,
    )
