import json
import sqlite3
from datetime import UTC, datetime

import pytest

from ingest_api.storage import (
    EventStore,
    LocalObjectStore,
    StorageError,
    batch_jsonl,
    object_key,
)
from ingest_api.validation import Event


class BrokenObjectStore:
    """An object store whose writes fail, like an S3 outage."""

    def put(self, key: str, data: bytes) -> None:
        raise StorageError("object store write failed: simulated outage")

    def check(self) -> None:
        raise StorageError("object store not reachable: simulated outage")


def test_write_batch_stores_rows_and_one_object(store, bucket, tmp_path):
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    key = store.write_batch("acme", [Event("click", payload={"x": 1}), Event("view")], now=now)
    assert key.startswith("acme/2024-05-01/") and key.endswith(".jsonl")
    assert store.count("acme") == 2
    assert store.count("globex") == 0
    lines = (bucket / key).read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["type"] for r in records] == ["click", "view"]
    assert {r["account_id"] for r in records} == {"acme"}
    assert records[0]["payload"] == {"x": 1}
    assert records[0]["received_at"] == "2024-05-01T12:00:00.000+00:00"
    rows = (
        sqlite3.connect(tmp_path / "events.db")
        .execute(
            "SELECT account_id, event_type, ts, payload, received_at FROM events ORDER BY rowid"
        )
        .fetchall()
    )
    assert rows[0] == ("acme", "click", None, '{"x":1}', "2024-05-01T12:00:00.000+00:00")
    assert rows[1][3] is None


def test_database_uses_wal(store, tmp_path):
    mode = sqlite3.connect(tmp_path / "events.db").execute("PRAGMA journal_mode").fetchone()
    assert mode[0] == "wal"


def test_object_write_failure_rolls_back_rows(tmp_path):
    store = EventStore(tmp_path / "events.db", BrokenObjectStore())
    with pytest.raises(StorageError, match="simulated outage"):
        store.write_batch("acme", [Event("click")])
    assert store.count("acme") == 0
    with pytest.raises(StorageError, match="object store not reachable"):
        store.check()
    store.close()


def test_check_passes_then_fails_when_bucket_disappears(store, bucket):
    store.check()
    bucket.rmdir()
    with pytest.raises(StorageError, match="not writable"):
        store.check()


def test_closed_database_is_a_storage_error(store):
    store.close()
    with pytest.raises(StorageError, match="database"):
        store.count("acme")
    with pytest.raises(StorageError, match="database not reachable"):
        store.check()


def test_unopenable_database_is_a_storage_error(tmp_path, bucket):
    with pytest.raises(StorageError, match="cannot open database"):
        EventStore(tmp_path / "no" / "such" / "dir" / "events.db", LocalObjectStore(bucket))


def test_object_keys_cannot_escape_the_bucket(bucket):
    objects = LocalObjectStore(bucket)
    with pytest.raises(StorageError, match="escapes the bucket"):
        objects.put("../outside.jsonl", b"x")
    with pytest.raises(ValueError, match="bad account id"):
        object_key("../etc", datetime.now(UTC), "b")


def test_put_is_atomic_and_leaves_no_temp_files(bucket):
    objects = LocalObjectStore(bucket)
    objects.put("acme/2024-05-01/b.jsonl", b"one\n")
    objects.put("acme/2024-05-01/b.jsonl", b"two\n")
    files = sorted(p.name for p in (bucket / "acme" / "2024-05-01").iterdir())
    assert files == ["b.jsonl"]
    assert (bucket / "acme/2024-05-01/b.jsonl").read_bytes() == b"two\n"


def test_put_failure_is_a_storage_error(bucket):
    objects = LocalObjectStore(bucket)
    (bucket / "acme").write_text("a file where a directory should be")
    with pytest.raises(StorageError, match="write failed"):
        objects.put("acme/2024-05-01/b.jsonl", b"x")


def test_batch_jsonl_is_one_sorted_json_object_per_line():
    data = batch_jsonl("acme", [Event("a"), Event("b", "2024-01-01", [1])], "now", "batch1")
    lines = data.decode().splitlines()
    assert data.endswith(b"\n") and len(lines) == 2
    assert json.loads(lines[1]) == {
        "account_id": "acme",
        "batch_id": "batch1",
        "payload": [1],
        "received_at": "now",
        "ts": "2024-01-01",
        "type": "b",
    }
