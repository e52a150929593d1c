"""SSH signatures through OpenSSH's own `ssh-keygen -Y sign` / `-Y verify`, and the
trusted-signers file in OpenSSH's ``allowed_signers`` format with golive's roles.

A trusted-signers line is an ordinary ``allowed_signers`` line (ssh-keygen(1), "ALLOWED
SIGNERS"): principals, optional options, the key, and a comment. ssh-keygen refuses a line
with an option it does not know, so golive's roles live in the comment, as one
``roles=ROLE[,ROLE...]`` word, which ssh-keygen ignores::

    ann@example.com namespaces="golive-signoff" ssh-ed25519 AAAAC3Nza... roles=sre,service-owner

A principal may sign only the roles its line names; a line without ``roles=`` signs none.
The cryptographic check is ssh-keygen's (`verify`); this module only reads the file to
name the key's principals and roles, and to say why a signature is not trusted.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import process
from .errors import GoliveError

SSHSIG_MAGIC = b"SSHSIG"
ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
ARMOR_END = "-----END SSH SIGNATURE-----"
TIMEOUT_S = 30


class SshSigError(GoliveError):
    """ssh-keygen is missing, or could not sign, or a signature or key file is unusable."""


def _ssh_keygen() -> str:
    exe = shutil.which("ssh-keygen")
    if exe is None:
        raise SshSigError("ssh-keygen is not installed (Debian: apt-get install openssh-client)")
    return exe


def sign(key: Path, namespace: str, data: bytes) -> bytes:
    """The binary SSHSIG signature of ``data`` by ``key`` (a private key, or a public key
    whose private half is in ssh-agent)."""
    if not Path(key).is_file():
        raise SshSigError(f"no such key file: {key}")
    argv = [_ssh_keygen(), "-q", "-Y", "sign", "-f", str(key), "-n", namespace]
    done = process.capture(argv, cwd=None, timeout_s=TIMEOUT_S, input=data)
    if done.timed_out:
        raise SshSigError(f"ssh-keygen did not sign with {key} within {TIMEOUT_S} s")
    if done.error is not None:
        raise SshSigError(f"ssh-keygen could not sign with {key}: {done.error}")
    if done.returncode != 0:
        why = done.stderr_tail.strip().splitlines()
        raise SshSigError(f"ssh-keygen could not sign with {key}: {why[-1] if why else '?'}")
    return dearmor(done.stdout)


def armor(sig: bytes) -> str:
    """The text form ssh-keygen writes and reads: base64 in lines of 70, between markers."""
    b64 = base64.b64encode(sig).decode("ascii")
    body = "\n".join(b64[i : i + 70] for i in range(0, len(b64), 70))
    return f"{ARMOR_BEGIN}\n{body}\n{ARMOR_END}\n"


def dearmor(text: str) -> bytes:
    lines = [ln.strip() for ln in text.strip().splitlines()]
    if len(lines) < 3 or lines[0] != ARMOR_BEGIN or lines[-1] != ARMOR_END:
        raise SshSigError("not an armored SSH signature")
    return base64.b64decode("".join(lines[1:-1]), validate=True)


def _read_string(blob: bytes, at: int) -> tuple[bytes, int]:
    if at + 4 > len(blob):
        raise SshSigError("truncated SSH signature")
    (n,) = struct.unpack(">I", blob[at : at + 4])
    end = at + 4 + n
    if end > len(blob):
        raise SshSigError("truncated SSH signature")
    return blob[at + 4 : end], end


@dataclass(frozen=True)
class SigInfo:
    """What an SSHSIG blob says about itself (PROTOCOL.sshsig); nothing here is verified."""

    public_key: bytes  # the SSH wire form of the signer's public key
    namespace: str

    @property
    def key_b64(self) -> str:
        return base64.b64encode(self.public_key).decode("ascii")

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


def parse(sig: bytes) -> SigInfo:
    if not sig.startswith(SSHSIG_MAGIC) or len(sig) < 10:
        raise SshSigError("not an SSH signature (no SSHSIG header)")
    at = len(SSHSIG_MAGIC) + 4  # magic, uint32 version
    public_key, at = _read_string(sig, at)
    namespace, at = _read_string(sig, at)
    return SigInfo(public_key, namespace.decode("utf-8", "replace"))


def fingerprint(public_key: bytes) -> str:
    """OpenSSH's SHA256 fingerprint of a public key blob (as `ssh-keygen -l` prints it)."""
    digest = base64.b64encode(hashlib.sha256(public_key).digest()).decode("ascii")
    return "SHA256:" + digest.rstrip("=")


def verify(
    allowed_signers: Path, principal: str, namespace: str, sig: bytes, data: bytes
) -> str | None:
    """None when ssh-keygen accepts the signature of ``data`` by ``principal`` under the
    allowed-signers file; else ssh-keygen's reason."""
    with tempfile.NamedTemporaryFile("w", suffix=".sig", encoding="ascii") as fh:
        fh.write(armor(sig))
        fh.flush()
        argv = [_ssh_keygen(), "-Y", "verify", "-f", str(allowed_signers), "-I", principal]
        argv += ["-n", namespace, "-s", fh.name]
        done = process.capture(argv, cwd=None, timeout_s=TIMEOUT_S, input=data)
    if done.timed_out:
        return f"ssh-keygen did not answer within {TIMEOUT_S} s"
    if done.error is not None:
        return f"ssh-keygen {done.error}"
    if done.returncode == 0:
        return None
    out = (done.stderr_tail + done.stdout).strip().splitlines()
    return out[-1] if out else f"ssh-keygen exited {done.returncode}"


@dataclass(frozen=True)
class Signer:
    """One line of a trusted-signers file."""

    lineno: int
    principals: tuple[str, ...]
    options: str
    key_type: str
    key_b64: str
    roles: tuple[str, ...]

    def allows(self, namespace: str) -> bool:
        """The line's ``namespaces="..."`` option (if any) lists ``namespace``."""
        for option in _split_options(self.options):
            if option.startswith("namespaces="):
                patterns = option[len("namespaces=") :].strip('"').split(",")
                return any(fnmatch.fnmatchcase(namespace, p) for p in patterns)
        return True

    def names(self, principal: str) -> bool:
        """The line's principal patterns (ssh's `*`, `?` and `!negation`) match."""
        matched = False
        for pattern in self.principals:
            if pattern.startswith("!"):
                if fnmatch.fnmatchcase(principal, pattern[1:]):
                    return False
            elif fnmatch.fnmatchcase(principal, pattern):
                matched = True
        return matched


def _words(line: str) -> list[str]:
    """Split on blanks, keeping double-quoted runs (options' values) inside one word."""
    words, word, quoted = [], "", False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch.isspace() and not quoted:
            if word:
                words.append(word)
            word = ""
        else:
            word += ch
    if word:
        words.append(word)
    return words


def _split_options(options: str) -> list[str]:
    """``a,b="x,y",c`` -> ``["a", 'b="x,y"', "c"]``: commas inside quotes stay."""
    found, current, quoted = [], "", False
    for ch in options:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            found.append(current)
            current = ""
        else:
            current += ch
    return [*found, current] if current else found


def _is_key_type(word: str) -> bool:
    return word.startswith(("ssh-", "ecdsa-", "sk-")) or word.endswith("@openssh.com")


@dataclass(frozen=True)
class TrustedSigners:
    path: Path
    signers: tuple[Signer, ...]
    problems: tuple[str, ...]  # lines golive could not read (ssh-keygen may refuse them too)

    def for_key(self, key_b64: str) -> list[Signer]:
        return [s for s in self.signers if s.key_b64 == key_b64]


def load_trusted(path: Path) -> TrustedSigners:
    """Read a trusted-signers file; SshSigError when it cannot be read at all."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SshSigError(f"trusted signers file {path} is unreadable: {exc}") from exc
    signers, problems = [], []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = _words(line)
        at = next((i for i, w in enumerate(words) if _is_key_type(w)), None)
        if at is None or at == 0 or at + 1 >= len(words) or at > 2:
            problems.append(f"{path} line {lineno}: not an allowed_signers line")
            continue
        principals = tuple(p for p in words[0].strip('"').split(",") if p)
        roles: tuple[str, ...] = ()
        for word in words[at + 2 :]:
            if word.startswith("roles="):
                roles += tuple(r for r in word[len("roles=") :].split(",") if r)
        signers.append(
            Signer(
                lineno,
                principals,
                words[1] if at == 2 else "",
                words[at],
                words[at + 1],
                roles,
            )
        )
    return TrustedSigners(Path(path), tuple(signers), tuple(problems))
