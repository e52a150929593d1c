"""The warehouse interface: `Warehouse` (``query(sql) -> rows``, dicts with upper-case keys,
and a ``name``), its row type and the source name in errors."""

from __future__ import annotations

import re
from typing import Any, Protocol

SOURCE = "warehouse"
IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")

Row = dict[str, Any]


class Warehouse(Protocol):
    """Where the ACCOUNT_USAGE views are read from."""

    name: str

    def query(self, sql: str) -> list[Row]: ...

    def close(self) -> None: ...


def _one_line(sql: str) -> str:
    return " ".join(sql.split())
