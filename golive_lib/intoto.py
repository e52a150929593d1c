"""in-toto Statements (v1) in DSSE envelopes, signed with SSH keys.

- Statement: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md
  (``_type``, ``subject`` with digests, ``predicateType``, ``predicate``);
- DSSE envelope and its Pre-Authentication Encoding (PAE):
  https://github.com/secure-systems-lab/dsse/blob/master/protocol.md. What is signed is
  ``PAE(payloadType, payload)``, never the JSON of the envelope;
- a bundle is a JSON Lines file with one envelope per line (in-toto's bundle convention).

The signature is an SSHSIG (`ssh-keygen -Y sign`) over the PAE; the envelope's ``sig`` is
its binary form in base64, so `ssh-keygen -Y verify` checks it once re-armored (docs/signoff.md).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import sshsig, sslibsig

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
# golive's predicate types: identifiers (in-toto asks for a URI), not pages to fetch
SIGNOFF_PREDICATE = "https://golive.dev/attestation/signoff/v1"
HUMAN_PREDICATE = "https://golive.dev/attestation/human/v1"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 Pre-Authentication Encoding: lengths are byte counts in ASCII decimal."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(t), t, len(payload), payload)


def statement(
    subjects: dict[str, str], predicate_type: str, predicate: dict[str, Any]
) -> dict[str, Any]:
    """An in-toto Statement v1 over ``subjects`` (name -> sha256 hex)."""
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": n, "digest": {"sha256": d}} for n, d in sorted(subjects.items())],
        "predicateType": predicate_type,
        "predicate": predicate,
    }


def sign_envelope(statement_: dict[str, Any], key: Path, namespace: str) -> dict[str, Any]:
    """The DSSE envelope of a Statement, signed by ``key``: an SSH key through ssh-keygen
    (an SSHSIG in namespace ``namespace``), or a PEM key through securesystemslib."""
    payload = json.dumps(statement_, ensure_ascii=False, sort_keys=True).encode("utf-8")
    if sslibsig.is_pem_key(key):  # securesystemslib signs the PAE itself
        sig = sslibsig.sign(key, pae(PAYLOAD_TYPE, payload))
        keyid = sshsig.fingerprint(base64.b64decode(sslibsig.public_openssh(key)[1]))
    else:
        sig = sshsig.sign(key, namespace, pae(PAYLOAD_TYPE, payload))
        keyid = sshsig.parse(sig).fingerprint
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [{"keyid": keyid, "sig": base64.b64encode(sig).decode("ascii")}],
    }


class EnvelopeError(ValueError):
    """The line is not a DSSE envelope of an in-toto Statement v1."""


@dataclass(frozen=True)
class Envelope:
    """A DSSE envelope as read: its payload, the Statement in it, and its signatures."""

    payload_type: str
    payload: bytes
    statement: dict[str, Any]
    signatures: tuple[bytes, ...]

    @property
    def pae(self) -> bytes:
        return pae(self.payload_type, self.payload)

    @property
    def subjects(self) -> dict[str, str]:
        return {
            s["name"]: s["digest"]["sha256"]
            for s in self.statement["subject"]
            if "sha256" in s.get("digest", {})
        }

    @property
    def predicate_type(self) -> str:
        return str(self.statement.get("predicateType", ""))

    @property
    def predicate(self) -> dict[str, Any]:
        p = self.statement.get("predicate")
        return p if isinstance(p, dict) else {}


def read_envelope(doc: dict[str, Any]) -> Envelope:
    """Parse an envelope (a JSON object); EnvelopeError saying what is wrong."""
    if not {"payload", "payloadType", "signatures"} <= doc.keys():
        raise EnvelopeError("not a DSSE envelope (payload, payloadType, signatures)")
    if doc["payloadType"] != PAYLOAD_TYPE:
        raise EnvelopeError(f"payloadType {doc['payloadType']!r} is not {PAYLOAD_TYPE}")
    try:
        payload = base64.b64decode(str(doc["payload"]), validate=True)
        body = json.loads(payload)
        sigs = tuple(
            base64.b64decode(str(s["sig"]), validate=True) for s in list(doc["signatures"])
        )
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise EnvelopeError(f"undecodable envelope: {exc}") from None
    if not isinstance(body, dict) or body.get("_type") != STATEMENT_TYPE:
        raise EnvelopeError(f"the payload is not an in-toto Statement ({STATEMENT_TYPE})")
    subjects = body.get("subject")
    if not isinstance(subjects, list) or not all(
        isinstance(s, dict) and isinstance(s.get("name"), str) and isinstance(s.get("digest"), dict)
        for s in subjects
    ):
        raise EnvelopeError("the Statement's subjects are malformed")
    if not sigs:
        raise EnvelopeError("the envelope carries no signature")
    return Envelope(str(doc["payloadType"]), payload, body, sigs)
