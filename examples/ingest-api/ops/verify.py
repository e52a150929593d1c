"""Verify a drill: the scratch database holds the expected rows, account by account.

    python ops/verify.py --db restore.db --expect ops/backup/manifest.json
    python ops/verify.py --db replay.db --bucket ops/fixtures/bucket

Expected counts come from the backup's manifest (taken with the backup) or from the
bucket itself (one line per event). Exits 0 when every account matches, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository

from _drill import counts, scratch_dir  # noqa: E402


def bucket_counts(bucket: Path) -> dict[str, int]:
    found: Counter[str] = Counter()
    for obj in bucket.rglob("*.jsonl"):
        for line in obj.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found[json.loads(line)["account_id"]] += 1
    return dict(found)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="scratch database name")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--expect", help="manifest JSON: {'by_account': {account: rows}}")
    src.add_argument("--bucket", help="count the rows the bucket holds")
    args = ap.parse_args()
    path = scratch_dir() / args.db
    if not path.is_file():
        print(f"verify: no database {path}: run the drill first", file=sys.stderr)
        return 2
    if args.expect:
        expected = {str(k): int(v) for k, v in json.loads(Path(args.expect).read_text())["by_account"].items()}
    else:
        expected = bucket_counts(Path(args.bucket))
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        got = counts(conn)
    except sqlite3.Error as e:
        print(f"verify: cannot read {path}: {e}", file=sys.stderr)
        return 1
    bad = {a: (expected.get(a, 0), got.get(a, 0)) for a in sorted(set(expected) | set(got))
           if expected.get(a, 0) != got.get(a, 0)}
    print(f"verify: integrity_check {ok}; {sum(got.values())} rows, {len(got)} accounts", flush=True)
    for account, (want, have) in bad.items():
        print(f"verify: {account}: expected {want} rows, found {have}", flush=True)
    if ok != "ok" or bad or not expected:
        print("verify: FAILED", flush=True)
        return 1
    print(f"verify: OK, counts match for {len(expected)} accounts", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
