"""Replay drill: rebuild the events table from the landing bucket's batch objects.

    python ops/replay.py --bucket ops/fixtures/bucket [--db replay.db]

Every object (<account>/<date>/<batch>.jsonl) holds one line per event, exactly as the
service wrote it; each line becomes one row again. The bucket here is a local folder
standing in for S3, like the service's LocalObjectStore. Verify with ops/verify.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository

from _drill import counts, fresh_db, scratch_dir  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bucket", required=True, help="folder standing in for the bucket")
    ap.add_argument("--db", default="replay.db", help="scratch database name")
    args = ap.parse_args()
    bucket = Path(args.bucket)
    if not bucket.is_dir():
        print(f"replay: no bucket folder {bucket}", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    conn = fresh_db(args.db)
    objects = sorted(p for p in bucket.rglob("*.jsonl") if not p.name.startswith("."))
    print(f"replay: {len(objects)} objects from {bucket} into {scratch_dir() / args.db}", flush=True)
    conn.execute("BEGIN")
    for i, obj in enumerate(objects, 1):
        for n, line in enumerate(obj.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                e = json.loads(line)
                row = (
                    e["account_id"],
                    e["type"],
                    e.get("ts"),
                    None if e.get("payload") is None else json.dumps(e["payload"], separators=(",", ":")),
                    e["received_at"],
                )
            except (ValueError, KeyError) as err:
                conn.execute("ROLLBACK")
                print(f"replay: {obj}:{n}: not an event line: {err}", file=sys.stderr)
                return 1
            conn.execute(
                "INSERT INTO events (account_id, event_type, ts, payload, received_at) "
                "VALUES (?, ?, ?, ?, ?)",
                row,
            )
        if i % 10 == 0:
            print(f"replay: {i}/{len(objects)} objects", flush=True)
    conn.execute("COMMIT")
    total = sum(counts(conn).values())
    print(f"replay: {total} rows replayed in {time.monotonic() - t0:.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
