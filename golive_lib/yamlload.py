"""PyYAML's safe loading through libyaml (C) when the wheel has it, else the pure-Python one.

The C parser reads the parameters, rule and pipeline files about ten times faster; both
build the same Python objects and raise the same ``yaml.MarkedYAMLError`` with line and
column marks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

__all__ = ["SafeLoader", "safe_load", "safe_load_all"]

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]


def safe_load(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def safe_load_all(text: str) -> Iterator[Any]:
    return yaml.load_all(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
