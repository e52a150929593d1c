"""Validation of request input: account ids and event batches.

Everything here is pure: it takes bytes or strings and returns values or raises
`ValidationError` with a message that is safe to send back to the client.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ACCOUNT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_TYPE_LEN = 128
MAX_EVENTS_PER_BATCH = 1000
ALLOWED_FIELDS = frozenset({"type", "ts", "payload"})


class ValidationError(ValueError):
    """Bad client input; the message is returned to the client as-is."""


@dataclass(frozen=True)
class Event:
    type: str
    ts: str | None = None
    payload: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "ts": self.ts, "payload": self.payload}


def validate_account_id(account_id: str) -> str:
    if not ACCOUNT_RE.match(account_id):
        raise ValidationError(
            "bad account id: expected 1-64 characters of a-z, 0-9, '_' or '-', "
            "starting with a letter or digit"
        )
    return account_id


def _validate_ts(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{where}.ts: expected an ISO 8601 string")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{where}.ts: not an ISO 8601 timestamp") from None
    return value


def validate_event(obj: Any, where: str = "event") -> Event:
    if not isinstance(obj, dict):
        raise ValidationError(f"{where}: expected a JSON object")
    unknown = sorted(set(obj) - ALLOWED_FIELDS)
    if unknown:
        raise ValidationError(f"{where}: unknown field(s) {', '.join(unknown)}")
    etype = obj.get("type")
    if not isinstance(etype, str) or not etype.strip():
        raise ValidationError(f"{where}.type: required, a non-empty string")
    if len(etype) > MAX_TYPE_LEN:
        raise ValidationError(f"{where}.type: longer than {MAX_TYPE_LEN} characters")
    return Event(type=etype, ts=_validate_ts(obj.get("ts"), where), payload=obj.get("payload"))


def parse_events(body: bytes) -> list[Event]:
    """Parse a request body holding one event object or a JSON array of them."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValidationError(f"body is not valid JSON: {e}") from None
    if isinstance(data, dict):
        return [validate_event(data)]
    if isinstance(data, list):
        if not data:
            raise ValidationError("empty batch: send at least one event")
        if len(data) > MAX_EVENTS_PER_BATCH:
            raise ValidationError(f"too many events: at most {MAX_EVENTS_PER_BATCH} per request")
        return [validate_event(item, f"events[{i}]") for i, item in enumerate(data)]
    raise ValidationError("body must be a JSON object or an array of objects")
