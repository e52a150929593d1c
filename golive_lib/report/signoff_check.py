"""Verification of every line of a report folder's ``signoffs.jsonl``.

A line counts (is *verified*) only when all of these hold:

- it is a DSSE envelope of an in-toto Statement v1 with golive's sign-off predicate;
- its SSH signature (namespace ``golive-signoff``) verifies with `ssh-keygen -Y verify`
  for the principal the predicate names, under the trusted-signers file, and that
  file's line for the key lets the principal sign the role;
- its subjects are exactly the folder's signed files, with the same SHA-256 (so it was
  signed for this folder's files, not replayed from another or signed before a change);
- it names this report (service and folder), its ``reportDecision`` is the decision of the
  signed ``results.json`` and its ``resultsDigest`` is that file's subject digest;
- it does not sign ``go`` on a no-go report;
- the SHA-256 of the log before it is the one it signed (``predicate.log``): lines
  reordered, removed from the middle, edited or copied again fail;
- the time it declares is not in the future nor before the report was generated.

Anything else is named with its reasons, and never counts. The order of sign-offs is the
order of the lines; the time a signer wrote is shown, never used to order.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .. import intoto, signers, sshsig
from ..errors import ParamsError, ReportError
from ..names import RESULTS_JSON, SIGNOFFS_JSONL

NAMESPACE = "golive-signoff"
CLOCK_SKEW = timedelta(minutes=5)
TRUSTED_ENV = "GOLIVE_TRUSTED_SIGNERS"
PREDICATE_FIELDS = ("signer", "role", "decision", "time", "service", "report", "reportDecision")


@dataclass(frozen=True)
class Entry:
    """One line of signoffs.jsonl, checked. ``reasons`` empty: verified."""

    lineno: int
    signer: str
    role: str
    decision: str
    comment: str
    time: str
    reasons: tuple[str, ...]
    keyid: str = ""

    @property
    def verified(self) -> bool:
        return not self.reasons

    def describe(self) -> str:
        who = f"{self.signer or '?'} signed {self.decision or '?'} as {self.role or '?'}"
        when = f" (declared {self.time})" if self.time else ""
        key = f" with key {self.keyid}" if self.keyid else ""
        return f"{who}{when}{key}"


@dataclass(frozen=True)
class Trust:
    """The trusted signers to verify with, and where they came from (or why none)."""

    signers: sshsig.TrustedSigners | None
    source: str
    # the service these signers are trusted for: a sign-off for another service does not
    # count (a report moved under reports/<other>/ by someone trusted for both)
    service: str | None = None


def trusted_for(service: str, explicit: Path | None = None, params: Path | None = None) -> Trust:
    """The trusted signers of ``service``: --trusted-signers, else the parameters file's
    ``signoff.trusted_signers`` (given, else parameters/SERVICE.yaml here), else the file
    named by $GOLIVE_TRUSTED_SIGNERS. Never from the report folder: whoever can write a
    folder must not choose who is trusted to sign it."""
    from ..params import load_params

    if explicit is not None:
        return Trust(_load(explicit), str(explicit), service)
    path = params or Path("parameters") / f"{service}.yaml"
    if path.is_file():
        try:
            configured = load_params(path).signoff.trusted_signers
        except ParamsError as exc:
            problems = "; ".join(exc.problems)
            raise ReportError(f"cannot read the trusted signers of {path}: {problems}") from None
        if configured is not None:
            source = f"{configured} (signoff.trusted_signers of {path})"
            return Trust(_load(configured), source, service)
    env = os.environ.get(TRUSTED_ENV)
    if env:
        return Trust(_load(Path(env)), f"{env} (${TRUSTED_ENV})", service)
    return Trust(
        None,
        f"no trusted signers: give --trusted-signers FILE, or set signoff.trusted_signers "
        f"in {path}",
    )


def _load(path: Path) -> sshsig.TrustedSigners:
    try:
        return sshsig.load_trusted(path)
    except sshsig.SshSigError as exc:
        raise ReportError(str(exc)) from None


def raw_lines(folder: Path) -> list[tuple[int, str, str]]:
    """Every non-blank line: its number, its text, and the SHA-256 of the bytes before it."""
    path = folder / SIGNOFFS_JSONL
    if not path.is_file():
        return []
    running = hashlib.sha256()
    found = []
    for n, raw in enumerate(path.read_bytes().split(b"\n"), 1):
        before = running.hexdigest()
        running.update(raw + b"\n")
        if raw.strip():
            found.append((n, raw.decode("utf-8", "replace"), before))
    return found


def check(
    folder: Path,
    doc: dict[str, Any],
    trust: Trust,
    files: dict[str, str],
    now: datetime | None = None,
) -> list[Entry]:
    """Every line of the folder's signoffs.jsonl, in log order, with why it does not count.
    ``files``: the folder's signed files and their SHA-256 now."""
    now = now or datetime.now(UTC)
    return [
        _check_line(n, line, before, folder, doc, trust, files, now)
        for n, line, before in raw_lines(folder)
    ]


def _check_line(
    lineno: int,
    line: str,
    before: str,
    folder: Path,
    doc: dict[str, Any],
    trust: Trust,
    files: dict[str, str],
    now: datetime,
) -> Entry:
    def bare(reason: str, rec: dict[str, Any] | None = None) -> Entry:
        r = rec or {}
        return Entry(
            lineno,
            str(r.get("signer") or r.get("name") or ""),
            str(r.get("role", "")),
            str(r.get("decision", "")),
            str(r.get("comment", "")),
            str(r.get("time", "")),
            (reason,),
        )

    try:
        doc_line = json.loads(line)
    except json.JSONDecodeError as exc:
        return bare(f"malformed: not JSON ({exc.msg})")
    except RecursionError:
        return bare("malformed: nested too deep")
    if not isinstance(doc_line, dict):
        return bare("malformed: not a JSON object")
    if "payload" not in doc_line and "files" in doc_line:
        return bare("unsigned: a plain JSON record that anyone could write", doc_line)
    try:
        env = intoto.read_envelope(doc_line)
    except intoto.EnvelopeError as exc:
        return bare(f"not a signed sign-off: {exc}")
    p = env.predicate
    if env.predicate_type != intoto.SIGNOFF_PREDICATE:
        return bare(f"not a sign-off: predicateType {env.predicate_type!r}", p)
    missing = [f for f in PREDICATE_FIELDS if not isinstance(p.get(f), str) or not p.get(f)]
    if missing:
        return bare(f"not a sign-off: its predicate lacks {', '.join(missing)}", p)
    signer, role = str(p["signer"]), str(p["role"])
    keyid, trust_reasons = _trust_reasons(env, signer, role, trust)
    reasons = list(trust_reasons)
    if _sha256_of(p.get("log")) != before:
        reasons.append(
            "out of place: the lines before it are not those it was signed after "
            "(reordered, removed, edited, or a replayed copy)"
        )
    reasons += _content_reasons(env, folder, doc, files, trust)
    reasons += _time_reasons(str(p["time"]), doc, now)
    return Entry(
        lineno,
        signer,
        role,
        str(p["decision"]),
        str(p.get("comment", "")),
        str(p["time"]),
        tuple(reasons),
        keyid,
    )


def _trust_reasons(
    env: intoto.Envelope, signer: str, role: str, trust: Trust
) -> tuple[str, list[str]]:
    """(the signing key's fingerprint, why the signature does not count: none if it does)."""
    if trust.signers is None:
        return "", [f"not verified: {trust.source}"]
    keyid, named, why = signers.signed_by(env, signer, trust.signers, NAMESPACE)
    if why:
        return keyid, [why]
    roles = sorted({r for s in named for r in s.roles})
    if role not in roles:
        may = ", ".join(roles) or "no role (its line has no roles=)"
        return keyid, [f"role not allowed: {signer} may sign {may}, not {role}"]
    return keyid, []


def _content_reasons(
    env: intoto.Envelope, folder: Path, doc: dict[str, Any], files: dict[str, str], trust: Trust
) -> list[str]:
    p = env.predicate
    reasons = []
    here = f"{doc.get('service')}/{folder.name}"
    signed_for = f"{p['service']}/{p['report']}"
    if signed_for != here:
        reasons.append(f"replayed: signed for report {signed_for}, not {here}")
    if trust.service is not None and p["service"] != trust.service:
        reasons.append(
            f"misplaced: signed for service {p['service']}, checked as a report of "
            f"{trust.service} (with its trusted signers)"
        )
    subjects = env.subjects
    changed = sorted(n for n in subjects if n in files and files[n] != subjects[n])
    gone = sorted(n for n in subjects if n not in files)
    added = sorted(n for n in files if n not in subjects)
    if changed or gone or added:
        parts = [
            f"{label}: {', '.join(names)}"
            for label, names in (("changed", changed), ("missing", gone), ("added", added))
            if names
        ]
        reasons.append("files differ from what was signed: " + "; ".join(parts))
    if _sha256_of(p.get("resultsDigest")) != subjects.get(RESULTS_JSON):
        reasons.append("inconsistent: its resultsDigest is not the digest of its results.json")
    if p["reportDecision"] != doc.get("decision"):
        reasons.append(
            f"the report decision it signed ({p['reportDecision']}) is not the report's "
            f"({doc.get('decision')})"
        )
    if p["decision"] not in ("go", "no-go"):
        reasons.append(f"unknown decision {p['decision']!r}")
    elif p["decision"] == "go" and "no-go" in (p["reportDecision"], doc.get("decision")):
        reasons.append("go signed on a no-go report")
    return reasons


def _sha256_of(digest: object) -> object:
    """The ``sha256`` of an in-toto digest set, None when it is not one."""
    return digest.get("sha256") if isinstance(digest, dict) else None


def _parse_time(text: str) -> datetime | None:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _time_reasons(declared: str, doc: dict[str, Any], now: datetime) -> list[str]:
    t = _parse_time(declared)
    if t is None:
        return [f"unreadable time {declared!r}"]
    if t - now > CLOCK_SKEW:
        return [f"dated in the future ({declared}; now {now.isoformat(timespec='seconds')})"]
    generated = _parse_time(str(doc.get("generated_at", "")))
    if generated is not None and generated - t > CLOCK_SKEW:  # differences never overflow
        return [f"dated before the report was generated ({declared} < {doc['generated_at']})"]
    return []
