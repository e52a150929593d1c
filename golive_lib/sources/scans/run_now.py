"""Scanners golive runs now (``security.run_scanners``), beside the reports a pipeline wrote.

- hadolint on a Dockerfile, ``--format sarif``, read by the SARIF parser (`sources.hadolint`
  runs the binary, bounded by a timeout that kills its process group);
- pip-audit (>= 2.10) on a pinned requirements file against the OSV API at a URL from the
  parameters: ``pip-audit -r FILE --no-deps --disable-pip -s osv --osv-url URL -f json``,
  read by the pip-audit parser, so skipped dependencies stay data (never a clean scan).
  pip-audit has no switch for its whole run, so it runs through `drills.run_command`
  (timeout, process group killed). An OSV endpoint that does not answer is found by one
  probe request before pip-audit starts: pip-audit itself dies with a traceback then.

Every outcome is a `LiveRun`: the parsed report with the time it ran, or the reason it
could not run (scanner not installed, endpoint unreachable, timeout, output that is not
the scanner's format). Nothing here raises.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ... import drills
from ...errors import SourceError
from .. import hadolint
from ..executables import find_executable
from . import ScanFormatError, ScanReport
from . import pip_audit as pip_audit_format
from . import sarif as sarif_format

RUN_NOW = "run now"  # ScanReport.scanned_at_source of a report made now
PIP_AUDIT_INSTALL_HINT = "pip install 'pip-audit>=2.10'"
#: OSV answers an unknown package with ``{}``: a harmless question to see that it answers.
PROBE_PACKAGE = "golive-osv-endpoint-probe"
#: pip-audit's per-request socket timeout, at most (its own default).
SOCKET_TIMEOUT_S = 15


@dataclass(frozen=True)
class LiveRun:
    """One scanner run on one file now: its report, or why there is none."""

    scanner: str  # "hadolint" or "pip-audit"
    target: str  # the scanned file, as the parameters give it (repository-relative)
    started_at: datetime  # UTC
    duration_s: float
    command: str  # what ran, for the evidence
    report: ScanReport | None = None
    error: str | None = None
    endpoint: str | None = None  # the OSV query URL (pip-audit)

    @property
    def ok(self) -> bool:
        return self.report is not None


def _now() -> tuple[datetime, float]:
    return datetime.now(UTC), time.monotonic()


def _loads(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        shown = text.strip()[:120] or "(no output)"
        raise ScanFormatError(
            where,
            "$",
            f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}; got {shown!r}",
        ) from e


def _parse(parser: Any, doc: Any, path: Path, where: str, fmt: str) -> ScanReport:
    try:
        report: ScanReport = parser(doc, path)
    except ScanFormatError as e:  # name the scanner's output, not the scanned file
        prefix = f"{e.path}: at {e.json_path}: "
        inner = e.message[len(prefix) :] if e.message.startswith(prefix) else e.message
        raise ScanFormatError(where, e.json_path, inner) from e
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise ScanFormatError(
            where, "$", f"unexpected {fmt} structure: {type(e).__name__}: {e}"
        ) from e
    return report


# --------------------------------------------------------------------------- hadolint


def run_hadolint(
    repository: Path, dockerfile: str, *, binary: str | None = None, timeout_s: float = 60.0
) -> LiveRun:
    """hadolint on ``dockerfile`` (relative to ``repository``, where it runs, so its
    ``.hadolint.yaml`` applies) now, as a SARIF scan report dated now."""
    started, t0 = _now()
    shown = f"hadolint --format sarif --no-fail --no-color {dockerfile}"
    where = f"hadolint SARIF output on {dockerfile}"

    def done(**kw: Any) -> LiveRun:
        return LiveRun("hadolint", dockerfile, started, time.monotonic() - t0, shown, **kw)

    try:
        out = hadolint.run(
            Path(dockerfile), fmt="sarif", timeout_s=timeout_s, cwd=repository, binary=binary
        )
        report = _parse(
            sarif_format.parse, _loads(out, where), repository / dockerfile, where, "SARIF"
        )
    except SourceError as e:
        return done(error=e.message)
    except (OSError, ValueError) as e:  # e.g. output that is not text
        return done(error=f"hadolint on {dockerfile}: {type(e).__name__}: {e}")
    findings = tuple(
        replace(f, link=f.link or hadolint.rule_link(f.id), title=f.title or f.id)
        for f in report.findings
    )
    return done(
        report=replace(
            report,
            findings=findings,
            scanned_at=started,
            scanned_at_source=RUN_NOW,
            target=dockerfile,
        )
    )


# --------------------------------------------------------------------------- pip-audit


def osv_query_url(osv_url: str) -> str:
    """The query endpoint of an OSV API given by its base URL (or already by it)."""
    url = osv_url.rstrip("/")
    return url if url.endswith("/v1/query") else f"{url}/v1/query"


def find_pip_audit(binary: str | None = None) -> str | None:
    """The pip-audit executable (see `find_executable`)."""
    return find_executable("pip-audit", binary)


def probe_osv(query_url: str, timeout_s: float) -> str | None:
    """None when ``query_url`` answers an OSV query with a JSON object; else what went
    wrong (unreachable, an HTTP error, not the OSV API)."""
    body = {"package": {"name": PROBE_PACKAGE, "ecosystem": "PyPI"}, "version": "0.0.0"}
    timeout = httpx.Timeout(min(timeout_s, float(SOCKET_TIMEOUT_S)), connect=min(timeout_s, 5.0))
    try:
        response = httpx.post(query_url, json=body, timeout=timeout)
    except httpx.TimeoutException:
        return f"no answer within {timeout.read:g} s"
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as e:
        return f"{type(e).__name__}: {e}"
    if response.status_code != 200:
        return f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    try:
        answer = response.json()
    except ValueError:
        return "the answer is not JSON: is this an OSV API?"
    if not isinstance(answer, dict):
        return "the answer is not a JSON object: is this an OSV API?"
    return None


def _reason(tail: str) -> str:
    """The line of pip-audit's output that says why it failed."""
    lines = [ln.strip() for ln in tail.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith(("ERROR:", "pip-audit: error:"))]
    line = (errors or lines or ["(no output)"])[-1]
    if "unrecognized arguments" in line and "--osv-url" in line:
        line += f" (pip-audit >= 2.10 is needed for --osv-url: {PIP_AUDIT_INSTALL_HINT})"
    return line[:300]


def _pip_audit_argv(
    found: str, requirements: str, query_url: str, tmp: Path, timeout_s: float
) -> list[str]:
    return [
        found,
        "-r",
        requirements,
        "--no-deps",
        "--disable-pip",
        "-s",
        "osv",
        "--osv-url",
        query_url,
        "-f",
        "json",
        "-o",
        str(tmp / "pip-audit.json"),
        "--progress-spinner",
        "off",
        "--timeout",
        str(int(max(1, min(timeout_s, SOCKET_TIMEOUT_S)))),
        "--cache-dir",
        str(tmp / "cache"),
    ]


def _pip_audit_report(
    found: str, repository: Path, requirements: str, query_url: str, timeout_s: float
) -> ScanReport | str:
    """pip-audit's report on ``requirements``, or why there is none."""
    where = f"pip-audit output on {requirements}"
    with tempfile.TemporaryDirectory(prefix="golive-pip-audit-") as tmp:
        output = Path(tmp) / "pip-audit.json"
        argv = _pip_audit_argv(found, requirements, query_url, Path(tmp), timeout_s)
        result = drills.run_command(argv, cwd=repository, timeout_s=timeout_s)
        if result.timed_out:
            return f"pip-audit timed out after {timeout_s:g} s on {requirements}"
        if result.returncode is None:
            return f"cannot run pip-audit: {result.error}"
        # Exit 1 is also "vulnerabilities found": the report file tells the two apart.
        try:
            text = output.read_text(encoding="utf-8") if output.is_file() else ""
        except (OSError, UnicodeDecodeError) as e:
            return f"{where}: cannot read: {e}"
        if not text.strip():
            return f"pip-audit wrote no report (exit {result.returncode}): " + _reason(
                result.output_tail
            )
        try:
            return _parse(
                pip_audit_format.parse,
                _loads(text, where),
                repository / requirements,
                where,
                "pip-audit",
            )
        except SourceError as e:
            return e.message


def run_pip_audit(
    repository: Path,
    requirements: str,
    *,
    osv_url: str,
    binary: str | None = None,
    timeout_s: float = 120.0,
) -> LiveRun:
    """pip-audit on the pinned ``requirements`` file (relative to ``repository``) against
    the OSV API at ``osv_url`` now, as a pip-audit scan report dated now."""
    started, t0 = _now()
    query_url = osv_query_url(osv_url)
    shown = (
        f"pip-audit -r {requirements} --no-deps --disable-pip -s osv --osv-url {query_url} -f json"
    )

    def done(**kw: Any) -> LiveRun:
        return LiveRun(
            "pip-audit",
            requirements,
            started,
            time.monotonic() - t0,
            shown,
            endpoint=query_url,
            **kw,
        )

    found = find_pip_audit(binary)
    if found is None:
        where = f" at {binary}" if binary else ""
        return done(error=f"pip-audit was not found{where}; install it: {PIP_AUDIT_INSTALL_HINT}")
    if not (repository / requirements).is_file():
        return done(error=f"{requirements}: no such file in {repository}")
    problem = probe_osv(query_url, timeout_s)
    if problem is not None:
        return done(error=f"the OSV endpoint {query_url} is unreachable: {problem}")
    report = _pip_audit_report(found, repository, requirements, query_url, timeout_s)
    if isinstance(report, str):
        return done(error=report)
    return done(
        report=replace(
            report,
            scanned_at=started,
            scanned_at_source=RUN_NOW,
            target=requirements,
            notes=(*report.notes, f"OSV endpoint {query_url}"),
        )
    )
