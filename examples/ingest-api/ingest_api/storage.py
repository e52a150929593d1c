"""Storage: the SQL events table and the object store (the pipeline's landing bucket).

Each accepted batch is written to both inside one SQL transaction: rows are
inserted, the batch is written as one JSON-lines object, and only then is the
transaction committed. If the object write fails the rows are rolled back, so
the table never holds events the bucket lacks.

`ObjectStore` is a protocol: `LocalObjectStore` writes to a local directory
standing in for an S3 bucket; an S3 implementation (boto3 `put_object` with
server-side encryption) can be added behind the same two methods.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from .schema import SCHEMA
from .validation import ACCOUNT_RE, Event


class StorageError(RuntimeError):
    """A storage backend failed or is unreachable."""


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, atomically: readers see all of it or nothing."""

    def check(self) -> None:
        """Raise StorageError when the store cannot be written to."""


class LocalObjectStore:
    """A local directory standing in for an S3 bucket; keys are relative paths."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise StorageError(f"object key escapes the bucket: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:
            raise StorageError(f"object store write failed: {e.strerror or e}") from e

    def check(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError(f"object store not writable: {self.root}")


def object_key(account_id: str, received_at: datetime, batch_id: str) -> str:
    if not ACCOUNT_RE.match(account_id):
        raise ValueError(f"bad account id {account_id!r}")
    return f"{account_id}/{received_at:%Y-%m-%d}/{batch_id}.jsonl"


def batch_jsonl(account_id: str, events: Sequence[Event], received_at: str, batch_id: str) -> bytes:
    lines = [
        json.dumps(
            {"account_id": account_id, "batch_id": batch_id, "received_at": received_at}
            | e.to_json(),
            separators=(",", ":"),
            sort_keys=True,
        )
        for e in events
    ]
    return ("\n".join(lines) + "\n").encode()


class EventStore:
    """The SQL table and the object store behind one lock (SQLite has one writer)."""

    def __init__(
        self,
        db_path: str | Path,
        objects: ObjectStore,
        on_write: Callable[[], None] | None = None,
    ) -> None:
        self.db_path = str(db_path)
        self.objects = objects
        self.on_write = on_write  # inside the write lock, once per batch (Faults.write_sync)
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(
                self.db_path, check_same_thread=False, isolation_level=None, timeout=5.0
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives a process crash without an fsync per batch;
            # only a power loss can drop the last commits, which the bucket still holds.
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)
        except sqlite3.Error as e:
            raise StorageError(f"cannot open database {self.db_path}: {e}") from e

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def write_batch(
        self, account_id: str, events: Sequence[Event], now: datetime | None = None
    ) -> str:
        """Store one batch; return its object key. Raise StorageError on failure."""
        now = now or datetime.now(UTC)
        received_at = now.isoformat(timespec="milliseconds")
        batch_id = uuid.uuid4().hex
        key = object_key(account_id, now, batch_id)
        rows = [
            (
                account_id,
                e.type,
                e.ts,
                None if e.payload is None else json.dumps(e.payload, separators=(",", ":")),
                received_at,
            )
            for e in events
        ]
        try:
            with self._transaction() as cur:
                cur.executemany(
                    "INSERT INTO events (account_id, event_type, ts, payload, received_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
                self.objects.put(key, batch_jsonl(account_id, events, received_at, batch_id))
                if self.on_write is not None:
                    self.on_write()
        except sqlite3.Error as e:
            raise StorageError(f"database write failed: {e}") from e
        return key

    def count(self, account_id: str) -> int:
        try:
            with self._lock:
                row = self._conn.execute(
                    "SELECT COUNT(*) FROM events WHERE account_id = ?", (account_id,)
                ).fetchone()
        except sqlite3.Error as e:
            raise StorageError(f"database read failed: {e}") from e
        return int(row[0])

    def check(self) -> None:
        """Raise StorageError unless both the database and the object store answer."""
        try:
            with self._lock:
                self._conn.execute("SELECT 1 FROM events LIMIT 1").fetchall()
        except sqlite3.Error as e:
            raise StorageError(f"database not reachable: {e}") from e
        self.objects.check()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
