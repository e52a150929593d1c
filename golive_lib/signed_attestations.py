"""Human attestations signed with an SSH key, kept in the service's repository.

`golive attest` appends an in-toto Statement (predicate type ``HUMAN_PREDICATE``: check,
item, who, date, outcome, link) in a DSSE envelope signed like a sign-off to
``.golive/attestations.intoto.jsonl`` of the service's repository. Its subject is the
linked evidence: the file's SHA-256 when the link is a file of the repository (so an
edited record no longer verifies), else the link text's.

`read(params)` returns those that verify against the trusted signers of the parameters
(``signoff.trusted_signers``): signed by the key of the principal the statement names
(any role), evidence unchanged. The checks then say "signed by"; attestations written in
the parameters stay "claimed by" (and count only while ``signoff.unsigned_attestations``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import intoto, signers, sshsig
from .jsonl import append_line
from .params import Attestation, Params

BUNDLE = Path(".golive") / "attestations.intoto.jsonl"
NAMESPACE = "golive-signoff"


@dataclass(frozen=True)
class SignedAttestation:
    attestation: Attestation
    lineno: int
    reasons: tuple[str, ...]  # empty: verified

    @property
    def verified(self) -> bool:
        return not self.reasons


def _subject(repo: Path, link: str) -> tuple[str, str]:
    path = (repo / link).resolve()
    if not link.startswith(("http://", "https://")) and path.is_relative_to(repo.resolve()):
        if path.is_file():
            return link, hashlib.sha256(path.read_bytes()).hexdigest()
    return link, hashlib.sha256(link.encode("utf-8")).hexdigest()


def record(
    params: Params,
    key: Path,
    signer: str,
    attestation: Attestation,
) -> dict[str, Any]:
    """Sign ``attestation`` (its ``by`` is the signer) and append it to the repository's
    bundle; returns the envelope. SshSigError / ReportError / OSError as signoff."""
    name, digest = _subject(params.repository, attestation.link)
    predicate = {
        "service": params.service.name,
        "check": attestation.check,
        "item": attestation.item,
        "by": signer,
        "date": attestation.date.isoformat(),
        "link": attestation.link,
        "outcome": attestation.outcome,
        "maxAgeDays": attestation.max_age_days,
    }
    statement = intoto.statement({name: digest}, intoto.HUMAN_PREDICATE, predicate)
    envelope = intoto.sign_envelope(statement, key, NAMESPACE)
    bundle = params.repository / BUNDLE
    bundle.parent.mkdir(parents=True, exist_ok=True)
    append_line(bundle, (json.dumps(envelope, sort_keys=True) + "\n").encode("utf-8"))
    return envelope


def read(params: Params) -> list[SignedAttestation]:
    """Every signed attestation of the repository, each verified or with why not."""
    bundle = params.repository / BUNDLE
    if not bundle.is_file():
        return []
    trusted = params.signoff.trusted_signers
    st = bundle.stat()
    return list(
        _read(bundle, st.st_mtime_ns, st.st_size, trusted, params.repository, params.service.name)
    )


@functools.lru_cache(maxsize=32)
def _read(
    bundle: Path, _mtime: int, _size: int, trusted: Path | None, repo: Path, service: str
) -> tuple[SignedAttestation, ...]:
    trusted_signers = sshsig.load_trusted(trusted) if trusted is not None else None
    found = []
    text = bundle.read_bytes().decode("utf-8", "replace")
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            env = intoto.read_envelope(json.loads(line))
            p = env.predicate
            attestation = Attestation.model_validate(
                {
                    "check": p["check"],
                    "item": p.get("item"),
                    "by": p["by"],
                    "date": date.fromisoformat(str(p["date"])),
                    "link": p["link"],
                    "outcome": p.get("outcome") or "",
                    "max_age_days": p.get("maxAgeDays"),
                }
            )
        except (ValueError, KeyError, TypeError, intoto.EnvelopeError):
            continue  # not a golive attestation: nothing to show it as
        reasons = []
        if env.predicate_type != intoto.HUMAN_PREDICATE or p.get("service") != service:
            reasons.append(f"not an attestation of {service}")
        reasons += _signature_reasons(env, attestation.by, trusted_signers)
        name, digest = _subject(repo, attestation.link)
        if env.subjects.get(name) != digest:
            reasons.append(f"{attestation.link} changed since it was signed")
        found.append(SignedAttestation(attestation, lineno, tuple(reasons)))
    return tuple(found)


def _signature_reasons(
    env: intoto.Envelope, principal: str, trusted: sshsig.TrustedSigners | None
) -> list[str]:
    if trusted is None:
        return ["no trusted signers (signoff.trusted_signers) to verify it with"]
    _keyid, _lines, why = signers.signed_by(env, principal, trusted, NAMESPACE)
    return [why] if why else []
