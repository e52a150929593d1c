"""Restore drill: load a backup of the events table into a fresh scratch database.

    python ops/restore.py --backup ops/backup/events-backup.sql [--db restore.db]

The backup is an SQL dump of the events table (INSERT statements, as `sqlite3 .dump`
writes them). Verify the result with ops/verify.py.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository

from _drill import counts, fresh_db, scratch_dir  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backup", required=True, help="SQL dump of the events table")
    ap.add_argument("--db", default="restore.db", help="scratch database name")
    args = ap.parse_args()
    t0 = time.monotonic()
    try:
        with open(args.backup, encoding="utf-8") as f:
            dump = f.read()
    except OSError as e:
        print(f"restore: cannot read backup {args.backup}: {e}", file=sys.stderr)
        return 2
    conn = fresh_db(args.db)
    print(f"restore: loading {args.backup} into {scratch_dir() / args.db}", flush=True)
    try:
        conn.executescript(dump)
    except sqlite3.Error as e:
        print(f"restore: backup {args.backup} does not load: {e}", file=sys.stderr)
        return 1
    total = sum(counts(conn).values())
    print(f"restore: {total} rows restored in {time.monotonic() - t0:.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
