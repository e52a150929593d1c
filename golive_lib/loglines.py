"""Log lines measured: structured (JSON or logfmt) or not, with level, timestamp and a
request id or not, and the personal data (PII) they leak, each match redacted. Pure
functions of the lines; the observability section decides what passes."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ID_KEYS = ("request_id", "correlation_id", "trace_id", "requestId", "req_id", "traceId")
TIME_KEYS = ("ts", "time", "timestamp", "@timestamp", "t")
LEVEL_KEYS = ("level", "lvl", "severity", "levelname")
_LOGFMT_RE = re.compile(r'(\w[\w.@-]*)=("(?:[^"\\]|\\.)*"|\S*)')
PII_PATTERNS = {
    "email": re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
    "card number": re.compile(r"\b(?:\d[ -]?){12,18}\d\b"),
    "IPv4 address": re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),
}


def parse_log_line(line: str) -> dict[str, Any] | None:
    """A JSON object or logfmt line as a dict; None when unstructured."""
    text = line.strip()
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            return None
        return obj if isinstance(obj, dict) else None
    pairs = _LOGFMT_RE.findall(text)
    if len(pairs) >= 2 and sum(len(k) + len(v) + 1 for k, v in pairs) >= 0.8 * len(
        text.replace(" ", "")
    ):
        return {k: v.strip('"') for k, v in pairs}
    return None


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def redact(kind: str, value: str) -> str:
    if kind == "email":
        user, _, domain = value.partition("@")
        return f"{user[:1]}***@{domain}"
    if kind == "card number":
        digits = re.sub(r"\D", "", value)
        return f"****{digits[-4:]}"
    return ".".join(value.split(".")[:2]) + ".x.x"


def find_pii(line: str) -> list[tuple[str, str]]:
    found = []
    for kind, rx in PII_PATTERNS.items():
        for m in rx.finditer(line):
            v = m.group()
            if kind == "card number" and not _luhn(re.sub(r"\D", "", v)):
                continue
            if kind == "IPv4 address":
                try:
                    ip = ipaddress.ip_address(v)
                except ValueError:
                    continue
                if ip.is_loopback or ip.is_unspecified:
                    continue
            found.append((kind, redact(kind, v)))
    return found


@dataclass(frozen=True)
class LogStats:
    """Shares of the lines (0..1) and the PII found as (line number, kind, redacted)."""

    lines: int
    structured: float
    level_and_time: float
    with_id: float
    any_id: bool
    pii: tuple[tuple[int, str, str], ...]


def measure(lines: Sequence[str]) -> LogStats:
    """The measures of a non-empty list of log lines."""
    parsed = [parse_log_line(line) for line in lines]
    structured = [p for p in parsed if p is not None]
    complete = [
        p for p in structured if any(k in p for k in LEVEL_KEYS) and any(k in p for k in TIME_KEYS)
    ]
    with_id = [p for p in structured if any(p.get(k) for k in ID_KEYS)]
    pii: list[tuple[int, str, str]] = []
    for n, line in enumerate(lines, 1):
        pii += [(n, k, v) for k, v in find_pii(line)]
    return LogStats(
        len(lines),
        len(structured) / len(lines),
        len(complete) / len(lines),
        len(with_id) / len(lines),
        bool(with_id),
        tuple(pii),
    )
