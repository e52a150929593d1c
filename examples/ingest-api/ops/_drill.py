"""Shared by the drill scripts: where a drill's scratch database lives, and counting.

Drills never touch production data: each restores or replays into a fresh SQLite file
under a scratch folder (INGEST_DRILL_DIR, else <tmp>/ingest-api-drill-<parent pid>: a
drill's command and its verification are started by the same review process, and two
reviews running at once never count each other's rows), using the service's own schema
(ingest_api.schema.SCHEMA).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest_api.schema import SCHEMA  # noqa: E402


def scratch_dir() -> Path:
    default = Path(tempfile.gettempdir()) / f"ingest-api-drill-{os.getppid()}"
    root = Path(os.environ.get("INGEST_DRILL_DIR") or default)
    root.mkdir(parents=True, exist_ok=True)
    return root


def fresh_db(name: str) -> sqlite3.Connection:
    """A new, empty database with the service's schema (an old one is removed)."""
    path = scratch_dir() / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(SCHEMA)
    return conn


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    rows = conn.execute("SELECT account_id, COUNT(*) FROM events GROUP BY account_id").fetchall()
    return {str(a): int(n) for a, n in rows}
