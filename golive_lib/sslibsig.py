"""Signatures by keys handled with securesystemslib, for teams without SSH keys.

A PEM private key (PKCS#8 or traditional, unencrypted: Ed25519, ECDSA P-256/P-384, RSA)
signs the DSSE pre-authentication encoding directly (securesystemslib's ``CryptoSigner``,
its default scheme for the key type). Its public half is trusted the same way as an SSH
key: as an ``allowed_signers`` line holding the key in OpenSSH form, with ``roles=``
(`public_line` writes it). Verification is securesystemslib's ``SSlibKey``.

securesystemslib is optional (``pip install 'golive[sslib]'``): without it only these
keys fail, naming the install command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .sshsig import SshSigError

PEM_MARKERS = (
    b"-----BEGIN PRIVATE KEY-----",
    b"-----BEGIN EC PRIVATE KEY-----",
    b"-----BEGIN RSA PRIVATE KEY-----",
)
INSTALL = "pip install 'golive[sslib]'"


def is_pem_key(key: Path) -> bool:
    """A PEM private key (not an OpenSSH one, which ssh-keygen signs with)."""
    try:
        head = Path(key).read_bytes()[:64]
    except OSError:
        return False
    return head.lstrip().startswith(PEM_MARKERS) or b"ENCRYPTED PRIVATE KEY" in head


def _modules() -> tuple[Any, Any, Any]:
    try:
        from cryptography.hazmat.primitives import serialization

        # securesystemslib re-exports these without __all__: mypy sees them as private
        from securesystemslib.signer import CryptoSigner, SSlibKey  # type: ignore[attr-defined]
    except ImportError:
        raise SshSigError(f"PEM keys need securesystemslib: {INSTALL}") from None
    return serialization, CryptoSigner, SSlibKey


def _private_key(key: Path) -> Any:
    serialization, _signer, _key = _modules()
    try:
        return serialization.load_pem_private_key(Path(key).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SshSigError(f"cannot read the PEM private key {key}: {exc}") from None


def sign(key: Path, data: bytes) -> bytes:
    """The raw signature of ``data`` by the PEM private key ``key``."""
    _ser, crypto_signer, _key = _modules()
    try:
        signature = crypto_signer(_private_key(key)).sign(data)
    except ValueError as exc:  # a key type securesystemslib does not sign with
        raise SshSigError(f"securesystemslib cannot sign with {key}: {exc}") from None
    return bytes.fromhex(signature.signature)


def public_openssh(key: Path) -> tuple[str, str]:
    """(key type, base64) of the PEM key's public half, as an allowed_signers line holds it."""
    serialization, _signer, _key = _modules()
    text = (
        _private_key(key)
        .public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode("ascii")
    )
    key_type, b64 = text.split()[:2]
    return key_type, b64


def verify(key_type: str, key_b64: str, sig: bytes, data: bytes) -> bool:
    """True when ``sig`` is the signature of ``data`` by that (OpenSSH-form) public key."""
    serialization, _signer, sslib_key = _modules()
    from securesystemslib.exceptions import UnverifiedSignatureError
    from securesystemslib.signer import Signature  # type: ignore[attr-defined]

    try:
        public = serialization.load_ssh_public_key(f"{key_type} {key_b64}".encode("ascii"))
        key = sslib_key.from_crypto(public)
    except (ValueError, TypeError, UnicodeEncodeError):
        return False  # a key type securesystemslib does not handle
    try:
        key.verify_signature(Signature(key.keyid, sig.hex()), data)
    except UnverifiedSignatureError:
        return False
    return True
