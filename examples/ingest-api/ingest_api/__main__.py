"""Command line: python -m ingest_api --host H --port P --db PATH --bucket-dir DIR

With --port 0 the OS picks a free port. The first line on stdout is always
`listening on http://HOST:PORT`; logs are JSON lines on stderr. SIGTERM or
SIGINT stops the server gracefully: no new connections, requests in flight
finish, the database is closed.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from . import __version__
from .faults import Faults
from .jsonlog import log, setup_logging
from .server import DEFAULT_MAX_BODY_BYTES, IngestApp, IngestServer
from .storage import EventStore, LocalObjectStore, StorageError


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="ingest_api", description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one")
    p.add_argument("--db", default="data/events.db", help="SQLite database file")
    p.add_argument("--bucket-dir", default="data/bucket", help="directory standing in for S3")
    p.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES)
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.add_argument("--version", action="version", version=f"ingest-api {__version__}")
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535:
        p.error("--port must be between 0 and 65535")
    if args.max_body_bytes <= 0:
        p.error("--max-body-bytes must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logger = setup_logging(args.log_level)
    try:
        faults = Faults.from_env()
    except ValueError as e:
        print(f"ingest_api: {e}", file=sys.stderr)
        return 2
    try:
        store = EventStore(args.db, LocalObjectStore(args.bucket_dir), faults.write_sync)
    except (StorageError, OSError) as e:
        print(f"ingest_api: cannot open storage: {e}", file=sys.stderr)
        return 1
    app = IngestApp(store, faults=faults, max_body_bytes=args.max_body_bytes, logger=logger)
    try:
        server = IngestServer((args.host, args.port), app)
    except OSError as e:
        print(f"ingest_api: cannot listen on {args.host}:{args.port}: {e}", file=sys.stderr)
        store.close()
        return 1

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log(logger, logging.INFO, "stopping", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    serving = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    serving.start()
    print(f"listening on {server.url}", flush=True)
    log(
        logger,
        logging.INFO,
        "started",
        version=__version__,
        port=server.server_address[1],
        db=args.db,
        bucket_dir=args.bucket_dir,
        error_rate=faults.error_rate,
        extra_latency_ms=faults.extra_latency_ms,
    )
    if faults.active:
        log(
            logger,
            logging.WARNING,
            "fault injection is on",
            error_rate=faults.error_rate,
            extra_latency_ms=faults.extra_latency_ms,
        )
    while not stop.wait(0.5):
        if not serving.is_alive():  # pragma: no cover - serve_forever died
            break
    server.shutdown()  # stop accepting; serve_forever returns
    server.server_close()  # wait for requests in flight, close the socket
    store.close()
    log(logger, logging.INFO, "stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
