"""Who signed an envelope: its signatures checked against a trusted-signers file.

An SSHSIG (`ssh-keygen -Y sign`) is checked by `ssh-keygen -Y verify` for the principal;
a raw signature (a PEM key, through securesystemslib) by securesystemslib against each
key the file gives that principal. Either way the answer is the trusted lines of the key
that signed, so callers can read its roles.
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path

from . import intoto, sshsig, sslibsig


def signed_by(
    env: intoto.Envelope, signer: str, ts: sshsig.TrustedSigners, namespace: str
) -> tuple[str, list[sshsig.Signer], str]:
    """(fingerprint of the key, its trusted lines naming ``signer``, why not: "" when one
    signature of the envelope verifies)."""
    found: tuple[str, list[sshsig.Signer], str] = ("", [], "unsigned: no signature")
    for sig in env.signatures:
        if sig.startswith(sshsig.SSHSIG_MAGIC):
            found = _ssh(env, sig, signer, ts, namespace)
        else:
            found = _pem(env, sig, signer, ts, namespace)
        if not found[2]:
            return found
    return found


def _ssh(
    env: intoto.Envelope, sig: bytes, signer: str, ts: sshsig.TrustedSigners, namespace: str
) -> tuple[str, list[sshsig.Signer], str]:
    """An SSHSIG: (fingerprint, the trusted lines of its key for the signer, why not)."""
    try:
        info = sshsig.parse(sig)
    except sshsig.SshSigError as exc:
        return "", [], f"unsigned: {exc}"
    lines = ts.for_key(info.key_b64)
    if not lines:
        return (
            info.fingerprint,
            [],
            (f"untrusted: key {info.fingerprint} is not in the trusted signers ({ts.path})"),
        )
    named = [s for s in lines if s.names(signer) and s.allows(namespace)]
    if not named:
        owners = ", ".join(sorted({p for s in lines for p in s.principals}))
        why = f"untrusted: key {info.fingerprint} is trusted for {owners}, not for {signer}"
        return info.fingerprint, [], why
    if info.namespace != namespace:
        why = f"untrusted: signed in namespace {info.namespace!r}, not {namespace!r}"
        return info.fingerprint, [], why
    try:
        st = ts.path.stat()
        error = _ssh_verify(
            str(ts.path), st.st_mtime_ns, st.st_size, signer, namespace, sig, env.pae
        )
    except (sshsig.SshSigError, OSError) as exc:
        return info.fingerprint, [], f"not verified: {exc}"
    if error:
        return info.fingerprint, [], f"bad signature: ssh-keygen: {error}"
    return info.fingerprint, named, ""


def _pem(
    env: intoto.Envelope, sig: bytes, signer: str, ts: sshsig.TrustedSigners, namespace: str
) -> tuple[str, list[sshsig.Signer], str]:
    """A raw signature (a securesystemslib key): the signer's trusted keys that verify it."""
    candidates = [s for s in ts.signers if s.names(signer) and s.allows(namespace)]
    try:
        good = [
            s for s in candidates if sslibsig.verify(s.key_type, s.key_b64, sig, env.pae)
        ]  # fmt: skip
    except sshsig.SshSigError as exc:
        return "", [], f"not verified: {exc}"
    if not good:
        return (
            "",
            [],
            (
                f"untrusted: no key the trusted signers ({ts.path}) give {signer} verifies "
                "this signature"
            ),
        )
    key = good[0].key_b64
    fingerprint = sshsig.fingerprint(base64.b64decode(key))
    return fingerprint, [s for s in good if s.key_b64 == key], ""


@functools.lru_cache(maxsize=1024)
def _ssh_verify(
    allowed: str, _mtime_ns: int, _size: int, signer: str, namespace: str, sig: bytes, pae: bytes
) -> str | None:
    """`sshsig.verify`, once per process for the same file version and envelope: the
    portfolio, history and signoffs.html check the same lines again and again."""
    return sshsig.verify(Path(allowed), signer, namespace, sig, pae)
