"""What every model of the parameters file shares: strictness, slugs, variable names,
durations."""

from __future__ import annotations

import datetime
import re
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
)

from ..promql import parse_duration

SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")  # always fullmatch
ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # always fullmatch


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def to_timedelta(v: Any) -> Any:
    """A duration given as PromQL-style text (``1h``, ``90s``) or seconds; else as is."""
    if isinstance(v, str):
        return parse_duration(v)
    if isinstance(v, int | float) and not isinstance(v, bool):
        return datetime.timedelta(seconds=v)
    return v


def walk(data: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str, Any]]:
    """Every (path, key, value) of a JSON-like document, depth first."""
    found: list[tuple[tuple[str, ...], str, Any]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            found.append(((*path, str(k)), str(k), v))
            found.extend(walk(v, (*path, str(k))))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found.extend(walk(v, (*path, str(i))))
    return found
