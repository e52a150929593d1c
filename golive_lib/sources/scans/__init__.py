"""Vulnerability scan reports: one normalised finding model, one parser per format.

The interface of this subsystem: the data types (`Finding`, `Skipped`, `ScanReport`), the
severity scale, the base error (`ScanFormatError`, a `SourceError` that names the file and
the JSON path), `detect_format` and `load`. Each format lives in its own module with a
`parse(doc, path) -> ScanReport` function: sarif, pip_audit, trivy, grype, osv, cyclonedx.

A parser never decides pass/fail. A dependency the scanner skipped is data
(`ScanReport.skipped`, with its reason), because a scan that skipped packages is not a
clean scan even when it lists no finding. Likewise a report that says its tool failed or
ran nothing (a SARIF run whose invocation failed, a run without results, no run at all)
carries the reason in `ScanReport.problems`: such a report is never a clean scan.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import Any

from ...errors import SourceError

SOURCE = "scan report"


class Level(IntEnum):
    """Severity of a finding; ordered, so thresholds compare with ``>=``."""

    UNKNOWN = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()


_NAMES = {
    "critical": Level.CRITICAL,
    "high": Level.HIGH,
    "important": Level.HIGH,
    "medium": Level.MEDIUM,
    "moderate": Level.MEDIUM,
    "low": Level.LOW,
    "negligible": Level.LOW,
    "info": Level.LOW,
    "informational": Level.LOW,
    "none": Level.LOW,
    "unknown": Level.UNKNOWN,
}


def level_from_name(name: object) -> Level:
    """CRITICAL/High/moderate/negligible/... -> Level (anything else is UNKNOWN)."""
    return _NAMES.get(str(name or "").strip().lower(), Level.UNKNOWN)


def level_from_score(score: float) -> Level:
    """CVSS-style score: >= 9 critical, 7-8.9 high, 4-6.9 medium, below low (0 is low)."""
    if score >= 9.0:
        return Level.CRITICAL
    if score >= 7.0:
        return Level.HIGH
    if score >= 4.0:
        return Level.MEDIUM
    return Level.LOW


@dataclass(frozen=True)
class Finding:
    """One vulnerability in one package, whatever scanner reported it."""

    id: str
    package: str
    installed: str
    fixed: str | None  # first fixed version(s); None when no fix is known
    severity: Level
    source: str  # the scanner, e.g. "pip-audit", "Trivy"
    link: str | None = None
    aliases: tuple[str, ...] = ()
    title: str = ""
    target: str = ""  # the file, image layer or lock file the package was found in

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


@dataclass(frozen=True)
class Skipped:
    """A dependency the scanner did not check, and why."""

    package: str
    reason: str
    version: str = ""


@dataclass(frozen=True)
class ScanReport:
    path: Path
    format: str  # "sarif", "pip-audit", "trivy", "grype", "osv-scanner", "cyclonedx"
    tool: str
    findings: tuple[Finding, ...]
    skipped: tuple[Skipped, ...] = ()
    scanned_at: datetime | None = None  # from the report itself; None: it says no date
    scanned_at_source: str = "report"  # "report", or the run-now marker
    target: str = ""  # the scanned image or project, when the report says
    packages_scanned: int | None = None  # when the format tells
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Why the report does not prove a clean scan, whatever it lists: the tool failed,
    #: reported an error, or ran nothing. Empty for a complete scan.
    problems: tuple[str, ...] = ()


class ScanFormatError(SourceError):
    """A scan report is malformed: names the file and the JSON path of the problem."""

    def __init__(self, path: Path | str, json_path: str, message: str) -> None:
        self.path = str(path)
        self.json_path = json_path
        super().__init__(SOURCE, f"{path}: at {json_path}: {message}")


# --------------------------------------------------------------------------- helpers for parsers


def expect(value: Any, kind: type | tuple[type, ...], path: Path, json_path: str) -> Any:
    """``value`` when it is of ``kind``; else a ScanFormatError naming the JSON path."""
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        expected = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
        raise ScanFormatError(path, json_path, f"expected {expected}, got {_json_type(value)}")
    return value


_TYPE_NAMES: dict[type, str] = {dict: "object", list: "array", str: "string", bool: "boolean"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


def items(doc: Any, key: str, path: Path, json_path: str, required: bool = False) -> list[Any]:
    """The array ``doc[key]`` (absent or null is empty unless required)."""
    value = doc.get(key)
    if value is None:
        if required:
            raise ScanFormatError(path, f"{json_path}.{key}", "required array is missing")
        return []
    return list(expect(value, list, path, f"{json_path}.{key}"))


def text(value: Any) -> str:
    return "" if value is None else str(value)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (with Z or an offset, nanoseconds trimmed) in UTC, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip().replace("Z", "+00:00")
    # Go writes up to nine fractional digits; Python takes six.
    m = re.match(r"^(?P<head>[^.]+)\.(?P<frac>\d+)(?P<tail>.*)$", raw)
    if m:
        raw = f"{m['head']}.{m['frac'][:6].ljust(6, '0')}{m['tail']}"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def advisory_link(vuln_id: str) -> str | None:
    """Where a reader can look an advisory up, by its id's namespace."""
    if vuln_id.startswith(("CVE-", "GHSA-", "PYSEC-", "OSV-", "GO-", "RUSTSEC-", "DLA-", "DSA-")):
        return f"https://osv.dev/vulnerability/{vuln_id}"
    return None


# --------------------------------------------------------------------------- loading

Parser = Callable[[Any, Path], ScanReport]


def _parsers() -> dict[str, Parser]:
    from . import cyclonedx, grype, osv, pip_audit, sarif, trivy

    return {
        "sarif": sarif.parse,
        "pip-audit": pip_audit.parse,
        "trivy": trivy.parse,
        "grype": grype.parse,
        "osv-scanner": osv.parse,
        "cyclonedx": cyclonedx.parse,
    }


FORMATS = ("sarif", "pip-audit", "trivy", "grype", "osv-scanner", "cyclonedx")


def detect_format(doc: Any) -> str | None:
    """Which format a parsed JSON document is in, from its shape; None when unknown."""
    if isinstance(doc, list):
        # pip-audit before 2.0 wrote a bare list of dependencies
        if all(isinstance(d, dict) and "name" in d and "vulns" in d for d in doc) and doc:
            return "pip-audit"
        # Trivy before 0.20 wrote its Results array alone
        if doc and all(isinstance(d, dict) and "Target" in d for d in doc):
            return "trivy"
        return None
    if not isinstance(doc, dict):
        return None
    if "runs" in doc and ("$schema" in doc or "version" in doc):
        return "sarif"
    if doc.get("bomFormat") == "CycloneDX" or ("specVersion" in doc and "vulnerabilities" in doc):
        return "cyclonedx"
    if "dependencies" in doc and isinstance(doc["dependencies"], list):
        return "pip-audit"
    if "SchemaVersion" in doc and ("Results" in doc or "ArtifactName" in doc):
        return "trivy"
    if "matches" in doc and ("descriptor" in doc or "source" in doc):
        return "grype"
    if "results" in doc and isinstance(doc["results"], list):
        first = doc["results"][0] if doc["results"] else {}
        if not doc["results"] or (isinstance(first, dict) and "packages" in first):
            return "osv-scanner"
    return None


def load(path: Path, fmt: str = "auto") -> ScanReport:
    """Read and parse one report; raise ScanFormatError/SourceError naming the file."""
    try:
        raw = path.read_text(encoding="utf-8-sig")  # a BOM (PowerShell, .NET) is not JSON
    except FileNotFoundError:
        raise SourceError(SOURCE, f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(SOURCE, f"{path}: cannot read: {e}") from e
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ScanFormatError(
            path, "$", f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}"
        ) from e
    if fmt == "auto":
        found = detect_format(doc)
        if found is None:
            raise ScanFormatError(
                path,
                "$",
                "unknown scan report format; expected one of "
                + ", ".join(FORMATS)
                + " (JSON), or name the format in the parameters",
            )
        fmt = found
    parsers = _parsers()
    if fmt not in parsers:
        raise SourceError(SOURCE, f"{path}: unknown format {fmt!r}; expected one of {FORMATS}")
    try:
        report = parsers[fmt](doc, path)
    except ScanFormatError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise ScanFormatError(
            path, "$", f"unexpected {fmt} structure: {type(e).__name__}: {e}"
        ) from e
    # A report that holds no date (pip-audit, OSV-Scanner, Trivy before 0.48, SARIF
    # without invocation times) keeps none: its file time is the checkout's, not the
    # scan's, and would make any old report look fresh.
    return report
