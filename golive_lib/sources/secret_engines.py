"""The two secret scanners golive can run over a list of repository files.

- **kingfisher** (MongoDB's Rust scanner, PyPI `kingfisher-bin`): the default. Run offline
  (`--no-validate`, `--no-update-check`), on every core, over the files given, with
  golive's two keyword rules beside its ~490 built-in ones (a credential-named variable
  assigned a literal: the kind of secret detect-secrets' keyword plugin finds and
  kingfisher's provider rules do not).
- **detect-secrets** (Yelp's): the fallback when kingfisher cannot run, one process per
  core.

Both return `Hit`s: type, place, likelihood and the secret's length. A secret's value is
held only in memory, long enough to compare its SHA-1 with `.secrets.baseline` (what
detect-secrets' own baseline stores), and never returned, logged or written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import cachedir, process
from ..errors import SourceError

SOURCE = "secrets"
Confidence = str  # "high", "medium" or "low"
RANK = {"high": 0, "medium": 1, "low": 2}

# A credential-named variable given a literal (detect-secrets' keyword plugin's idea) and
# an AWS key ID on its own (kingfisher's AWS rule wants the key's secret beside it), as
# kingfisher rules. Values holding $, {, <, % are references or templates.
GOLIVE_RULES = r"""
rules:
  - name: Secret keyword
    id: golive.keyword-assignment
    pattern: |
      (?xi)
      (?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|
         private[_-]?key|client[_-]?secret|credentials?)
      [a-z0-9_.-]{0,24}
      ["']?\s{0,4}(?:=|:=|:|=>)\s{0,4}
      ["']
      ([^"'\s$<>{}]{8,128})
      ["']
    min_entropy: 3.0
    confidence: medium
    examples:
      - 'db_password = "Vq7#pLz9!mK2xR4t"'  # pragma: allowlist secret
  - name: Secret keyword
    id: golive.env-assignment
    pattern: |
      (?x)
      (?m:^)\s{0,8}(?:export\s+|ENV\s+|ARG\s+)?
      [A-Z0-9_]{0,32}(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY)
      [A-Z0-9_]{0,32}
      =
      ([^\s"'$<>{}%\#]{8,128})
    min_entropy: 3.0
    confidence: medium
    examples:
      - 'DB_PASSWORD=Vq7pLz9mK2xR4tWs'  # pragma: allowlist secret
  - name: Credentials in a URL
    id: golive.url-credentials
    pattern: |
      (?xi)
      \b(?:https?|ftp|ssh|git|amqps?|redis|mongodb(?:\+srv)?|postgres(?:ql)?|mysql)://
      [^\s:/@"'$]{1,64}:([^\s:/@"'$<>{}]{6,128})@[a-z0-9][a-z0-9.-]{1,253}
    min_entropy: 2.5
    confidence: medium
    examples:
      - '"https://deploy:2mZp0zVZomHF4Lq9Wx@npm.acme.io/ui.tgz"'  # pragma: allowlist secret
  - name: AWS access key ID
    id: golive.aws-access-key-id
    pattern: |
      (?x)
      \b((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16})\b
    min_entropy: 3.0
    confidence: high
    examples:
      - 'AWS_ACCESS_KEY_ID=AKIA4HQWZ7RZM2K6PXLB'  # pragma: allowlist secret
"""
# Words that mark a keyword rule's value as a placeholder, never a credential.
PLACEHOLDERS = (
    "example",
    "xxxxxx",
    "changeme",
    "change_me",
    "placeholder",
    "dummy",
    "your_",
    "your-",
)
_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
WORDS_ONLY_PLACEHOLDERS = frozenset({"password", "passwd", "secret", "token"})
ACRONYMS = {"aws", "gcp", "pat", "api", "uri", "url", "npm", "jwt", "ssh", "pypi", "id", "sas"}
BRANDS = {"github": "GitHub", "gitlab": "GitLab", "openai": "OpenAI", "sendgrid": "SendGrid"}
KEYWORD = "Secret keyword"  # golive's keyword rules' findings
URL_CREDENTIALS = "Credentials in a URL"
GOLIVE_TYPES = {
    "golive.keyword-assignment": KEYWORD,
    "golive.env-assignment": KEYWORD,
    "golive.url-credentials": URL_CREDENTIALS,
    "golive.aws-access-key-id": "AWS access key ID",
}
_KEY_BODY = re.compile(r"[A-Za-z0-9+/=]{40,}")  # a key's base64 body (Ed25519 PKCS#8: 64)
CHUNK_CHARS = 100_000  # of file names per kingfisher run (well under ARG_MAX)
REPORT_BYTES = 256_000_000  # of kingfisher's JSON report (a finding is ~1 kB of it)


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    type: str
    confidence: Confidence
    length: int  # of the secret: all that is shown of it
    accepted: bool = False  # listed in .secrets.baseline (and not audited as a real secret)


Baseline = dict[str, frozenset[str]]  # file -> SHA-1s of the secrets accepted in it


def read_baseline(repo: Path) -> tuple[Baseline, str]:
    """`.secrets.baseline` (detect-secrets' format): the accepted secrets' SHA-1 per file,
    and a digest of the file (it scopes the findings cache). Entries audited as real
    secrets (`is_secret: true`) are not accepted. No file: nothing accepted."""
    path = repo / ".secrets.baseline"
    try:
        raw = path.read_bytes()
    except OSError:
        return {}, ""
    try:
        results = json.loads(raw).get("results", {})
        accepted = {
            str(name): frozenset(
                str(s["hashed_secret"])
                for s in entries
                if isinstance(s, dict) and "hashed_secret" in s and s.get("is_secret") is not True
            )
            for name, entries in results.items()
        }
    except (ValueError, AttributeError, TypeError) as e:
        raise SourceError(SOURCE, f".secrets.baseline is not detect-secrets' JSON: {e}") from e
    return accepted, hashlib.sha256(raw).hexdigest()[:16]


def _sha1(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()  # noqa: S324 - detect-secrets' form


def type_label(name: str) -> str:
    """A rule name as a reader says it: aws-access-token -> AWS access token."""
    if name in GOLIVE_TYPES:
        return GOLIVE_TYPES[name]
    words = name.replace("_", "-").split("-")
    out = [
        w.upper() if w.lower() in ACRONYMS else BRANDS.get(w.lower(), w.lower()) for w in words if w
    ]
    text = " ".join(out)
    return text[:1].upper() + text[1:] if text else "Secret"


# --------------------------------------------------------------------------- kingfisher


def kingfisher_binary() -> str | None:
    """The bundled binary of kingfisher-bin (its console script is a Python wrapper that
    costs a second interpreter), else `kingfisher` on PATH."""
    try:
        import kingfisher  # type: ignore[import-not-found,unused-ignore]

        found: str = kingfisher.get_binary_path()
        return found
    except (ImportError, OSError):
        from .executables import find_executable

        return find_executable("kingfisher")


def kingfisher_version(binary: str) -> str:
    """The version of kingfisher-bin's own binary from its metadata (a process start costs
    more than a cached review), else what the binary says."""
    from importlib import metadata

    if "site-packages" in binary or "dist-packages" in binary:
        try:
            return metadata.version("kingfisher-bin")
        except metadata.PackageNotFoundError:
            pass
    done = process.capture([binary, "--version"], cwd=None, timeout_s=30)
    if done.error is not None:
        raise SourceError(SOURCE, f"kingfisher cannot run: {done.error}")
    if done.returncode != 0:
        raise SourceError(SOURCE, f"kingfisher --version exited {done.returncode}")
    return done.stdout.strip().rsplit(" ", 1)[-1]


def rule_cache() -> Path:
    """Where kingfisher keeps its compiled rules (compiling them takes seconds, once per
    version and rule set): $GOLIVE_KINGFISHER_RULE_CACHE, else under golive's cache."""
    override = os.environ.get("GOLIVE_KINGFISHER_RULE_CACHE")
    return Path(override) if override else cachedir.cache_root("kingfisher", "rule-cache")


def _chunks(names: Sequence[str]) -> Iterable[list[str]]:
    chunk: list[str] = []
    size = 0
    for name in names:
        if chunk and size + len(name) > CHUNK_CHARS:
            yield chunk
            chunk, size = [], 0
        chunk.append(name)
        size += len(name) + 1
    if chunk:
        yield chunk


def cover(wanted: Sequence[str], scannable: Sequence[str]) -> list[str]:
    """What to give kingfisher so that it reads ``wanted`` (and little else): a top-level
    folder whole when every scannable file in it is wanted, else the files one by one
    (kingfisher spends ~8 ms on each input it is given, next to nothing a file of a folder)."""
    want = set(wanted)
    tops: dict[str, list[str]] = {}
    for rel in scannable:
        tops.setdefault(rel.split("/", 1)[0] if "/" in rel else "", []).append(rel)
    out: list[str] = []
    for top, rels in sorted(tops.items()):
        if top and len(rels) > 1 and all(r in want for r in rels):
            out.append(top)
        else:
            out.extend(r for r in rels if r in want)
    return out


def run_kingfisher(
    binary: str,
    repo: Path,
    names: Sequence[str],
    baseline: Baseline,
    jobs: int,
    *,
    inputs: Sequence[str] | None = None,
    skip: Sequence[str] = (),
    max_bytes: int | None = None,
) -> list[Hit]:
    """kingfisher over ``names`` (paths relative to ``repo``), given as ``inputs`` (files
    and folders covering them; default: the names); ``skip``: globs it need not read;
    ``max_bytes``: it need not read a larger file (it reads every file up to the next
    whole MiB). Only the findings in ``names`` are kept."""
    keep = set(names)
    skip_args = [arg for glob in skip for arg in ("--exclude", glob)]
    if max_bytes is not None:
        skip_args += ["--max-file-size", str(-(-max_bytes // 2**20))]  # its "MB" is a MiB
    with tempfile.TemporaryDirectory(prefix="golive-kingfisher-") as rules:
        Path(rules, "golive.yml").write_text(GOLIVE_RULES, encoding="utf-8")
        found = _run_kingfisher(binary, repo, inputs or names, baseline, jobs, rules, skip_args)
    return _without_shadowed([h for h in found if h.path in keep])


def _run_kingfisher(
    binary: str,
    repo: Path,
    names: Sequence[str],
    baseline: Baseline,
    jobs: int,
    rules: str,
    skip_args: Sequence[str],
) -> list[Hit]:
    base = [
        binary,
        "scan",
        "--no-update-check",
        "--no-validate",
        "--git-history",
        "none",
        "--no-dedup",
        "--no-extract-archives",
        "--quiet",
        "--jobs",
        str(jobs),
        "--rules-path",
        rules,
        "--rule-cache-dir",
        str(rule_cache()),
        # its inline ignores also silence the line after the comment: golive applies
        # detect-secrets' pragma itself, to its own line (sources.secrets)
        "--no-ignore",
        "--format",
        "json",
        *skip_args,
    ]
    hits: list[Hit] = []
    for chunk in _chunks(names):
        # kingfisher reads tens of MB/s a core: ten minutes is far beyond any repository
        done = process.capture(
            [*base, "--", *chunk],
            cwd=repo,
            timeout_s=600,
            max_bytes=REPORT_BYTES,
            env={"NO_COLOR": "1"},
        )
        if done.timed_out:
            raise SourceError(SOURCE, f"kingfisher did not finish in 600 s ({len(chunk)} inputs)")
        if done.error is not None:
            raise SourceError(SOURCE, f"kingfisher cannot run: {done.error}")
        if done.truncated:
            raise SourceError(
                SOURCE, f"kingfisher's report passed {REPORT_BYTES // 1_000_000} MB (findings)"
            )
        # exit 200/205: findings; 0: none. Its stderr may quote a file's text: never shown.
        if done.returncode not in (0, 200, 205):
            raise SourceError(SOURCE, f"kingfisher exited {done.returncode} on {len(chunk)} inputs")
        hits.extend(_kingfisher_hits(done.stdout, baseline))
    return hits


def _kingfisher_hits(stdout: str, baseline: Baseline) -> list[Hit]:
    try:
        report = json.loads(stdout or "{}")
        rows = report.get("findings", []) if isinstance(report, dict) else []
    except ValueError:
        raise SourceError(SOURCE, "kingfisher's JSON report is unreadable") from None
    hits: list[Hit] = []
    for row in rows:
        rule, found = row.get("rule", {}), row.get("finding", {})
        value = str(found.get("snippet", ""))
        rule_id = str(rule.get("id", ""))
        if "private-key" in rule_id and not _KEY_BODY.search(value):
            continue  # PEM headers alone (constants naming the format) are not a key
        if rule_id.startswith("golive.") and not plausible(value):
            continue
        path = str(found.get("path", "")).removeprefix("./")
        hits.append(
            Hit(
                path=path,
                line=int(found.get("line") or 0),
                type=type_label(
                    rule_id if rule_id.startswith("golive.") else str(rule.get("name"))
                ),
                confidence=str(found.get("confidence", "medium")).lower(),
                length=len(value),
                accepted=_sha1(value) in baseline.get(path, frozenset()),
            )
        )
    return hits


def plausible(value: str) -> bool:
    """Whether a value golive's generic rules matched can be a credential: not a
    placeholder (`changeme`, `<your-password>`, AWS's `...EXAMPLE`), a format string, or
    a name made of words (`X-Auth-Token`, `STRIPE_SECRET_KEY`: letters and separators
    only), a variable's name, a file path or a URN. A real password of words alone is
    missed: provider rules still find tokens."""
    low = value.lower()
    if any(w in low for w in PLACEHOLDERS) or low in WORDS_ONLY_PLACEHOLDERS:
        return False
    if value.startswith(("%", "$", "/", "~/", "./", "../", "urn:")):
        return False  # a format string, a reference, a file path, a URN
    if _NAME.fullmatch(value):
        return False  # the name of a variable (AWS_S3_SECRET_KEY), not its value
    return not (value.replace("-", "").replace("_", "").replace(".", "").isalpha())


def _without_shadowed(hits: list[Hit]) -> list[Hit]:
    """A hit of golive's generic rules (keyword, URL) on a line a specific rule also
    matched says nothing more: dropped."""
    generic = {KEYWORD, URL_CREDENTIALS}
    named = {(h.path, h.line) for h in hits if h.type not in generic}
    return [h for h in hits if h.type not in generic or (h.path, h.line) not in named]


# --------------------------------------------------------------------------- detect-secrets


def detect_secrets_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("detect-secrets")
    except metadata.PackageNotFoundError:
        raise SourceError(
            SOURCE, "detect-secrets is not installed; install it: pip install detect-secrets"
        ) from None


def _ds_confidence(kind: str) -> Confidence:
    if "High Entropy" in kind:
        return "low"
    return "medium" if kind == "Secret Keyword" else "high"


def _ds_scan(repo: str, names: list[str], baseline: Baseline) -> tuple[list[Hit], list[str]]:
    """detect-secrets' default plugins and filters on some files (one worker's share)."""
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings

    hits: list[Hit] = []
    errors: list[str] = []
    with default_settings():
        for rel in names:
            collection = SecretsCollection(root=repo)
            try:
                collection.scan_file(rel)
            except (OSError, UnicodeDecodeError) as e:
                errors.append(f"{rel}: {type(e).__name__}")
                continue
            for _filename, secret in collection:
                value = secret.secret_value or ""
                hits.append(
                    Hit(
                        path=rel,
                        line=secret.line_number or 0,
                        type=secret.type,
                        confidence=_ds_confidence(secret.type),
                        length=len(value),
                        accepted=secret.secret_hash in baseline.get(rel, frozenset()),
                    )
                )
    return hits, errors


def run_detect_secrets(
    repo: Path, names: Sequence[str], baseline: Baseline, jobs: int
) -> tuple[list[Hit], list[str]]:
    """detect-secrets over ``names``: in this process for a few files, else ``jobs``
    processes (its ~0.4 ms a line is the cost of a first review)."""
    if jobs <= 1 or len(names) < 64:
        return _ds_scan(str(repo), list(names), baseline)
    from concurrent.futures import ProcessPoolExecutor

    shares = [list(names[i::jobs]) for i in range(jobs)]
    hits: list[Hit] = []
    errors: list[str] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for found, failed in pool.map(_ds_scan, [str(repo)] * jobs, shares, [baseline] * jobs):
            hits.extend(found)
            errors.extend(failed)
    return hits, errors
