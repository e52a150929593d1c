"""Rollout state: which accounts are routed to the new pipeline, and how far each
account's backfill got.

The SQL runs on the `warehouse.Warehouse` interface (DuckDB, the embedded default, or
Snowflake through snowflake-connector-python, imported only when used): this module
only opens the configured database and turns rows into frozen dataclasses. A failing
query raises `SourceError` that shows the query; a routing file (YAML or JSON) is the
alternative to a routing query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import yamlload
from ..errors import SourceError
from ..params import SqlDatabase
from . import warehouse as wh

SOURCE = "rollout"


@dataclass(frozen=True)
class Routed:
    """An account routed to the new pipeline (phase and time when the query gives them)."""

    account: str
    phase: str = ""
    routed_at: str = ""


@dataclass(frozen=True)
class Backfill:
    """One account's backfill: target and source row counts, and/or a status."""

    account: str
    source_rows: int | None
    target_rows: int | None
    status: str = ""

    @property
    def complete(self) -> bool:
        if self.source_rows is not None and self.target_rows is not None:
            return self.target_rows >= self.source_rows
        return self.status.strip().lower() in ("complete", "completed", "done")

    @property
    def ratio(self) -> float | None:
        if self.source_rows is None or self.target_rows is None:
            return None
        if self.source_rows == 0:
            return 1.0
        return min(self.target_rows / self.source_rows, 1.0)


def open_database(cfg: SqlDatabase, repository: Path) -> wh.Warehouse:
    """The rollout database (see warehouse.open_database)."""
    return wh.open_database(cfg, repository, "rollout.database")


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _count(value: Any, column: str, sql: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as e:
        raise SourceError(
            SOURCE, f"{column} {value!r} is not a row count; query: {' '.join(sql.split())}"
        ) from e


def _need(rows: list[wh.Row], columns: tuple[str, ...], sql: str) -> None:
    if rows and not all(c in rows[0] for c in columns):
        raise SourceError(
            SOURCE,
            f"the query must return the column(s) {', '.join(columns)}; it returned "
            f"{', '.join(rows[0]) or 'none'}; query: {' '.join(sql.split())}",
        )


def routed_accounts(db: wh.Warehouse, sql: str) -> list[Routed]:
    """Accounts routed to the new pipeline, from a query returning ACCOUNT_ID
    (optionally PHASE and ROUTED_AT)."""
    rows = db.query(sql)
    _need(rows, ("ACCOUNT_ID",), sql)
    return [Routed(_s(r["ACCOUNT_ID"]), _s(r.get("PHASE")), _s(r.get("ROUTED_AT"))) for r in rows]


def backfills(db: wh.Warehouse, sql: str) -> list[Backfill]:
    """Per account backfill state, from a query returning ACCOUNT_ID and SOURCE_ROWS +
    TARGET_ROWS, or STATUS."""
    rows = db.query(sql)
    _need(rows, ("ACCOUNT_ID",), sql)
    if rows and not (
        ("SOURCE_ROWS" in rows[0] and "TARGET_ROWS" in rows[0]) or "STATUS" in rows[0]
    ):
        raise SourceError(
            SOURCE,
            "the backfill query must return SOURCE_ROWS and TARGET_ROWS, or STATUS; query: "
            + " ".join(sql.split()),
        )
    return [
        Backfill(
            _s(r["ACCOUNT_ID"]),
            _count(r.get("SOURCE_ROWS"), "SOURCE_ROWS", sql),
            _count(r.get("TARGET_ROWS"), "TARGET_ROWS", sql),
            _s(r.get("STATUS")),
        )
        for r in rows
    ]


def routing_file(path: Path, new_pipeline: str) -> list[Routed]:
    """Routed accounts from a YAML/JSON file: a mapping account -> pipeline (routed when
    it names ``new_pipeline``), a list of accounts, or {accounts: ...} of either."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(SOURCE, f"routing file {path} not found") from None
    except OSError as e:
        raise SourceError(SOURCE, f"routing file {path}: cannot read: {e}") from e
    try:
        data = json.loads(text) if path.suffix == ".json" else yamlload.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        raise SourceError(SOURCE, f"routing file {path} is not valid YAML/JSON: {e}") from e
    if isinstance(data, dict) and "accounts" in data:
        data = data["accounts"]
    if isinstance(data, list) and all(isinstance(a, str | int) for a in data):
        return [Routed(str(a)) for a in data]
    if isinstance(data, dict):
        return [Routed(str(a)) for a, pipe in data.items() if str(pipe) == new_pipeline]
    raise SourceError(
        SOURCE,
        f"routing file {path}: expected a mapping account -> pipeline or a list of accounts",
    )
