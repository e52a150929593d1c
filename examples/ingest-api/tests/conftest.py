from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from ingest_api.faults import Faults
from ingest_api.metrics import Metrics
from ingest_api.server import IngestApp, Response
from ingest_api.storage import EventStore, LocalObjectStore


@pytest.fixture(autouse=True)
def _reset_logger():
    """setup_logging() reconfigures the `ingest_api` logger; undo it after each test."""
    yield
    logger = logging.getLogger("ingest_api")
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)
    logger.propagate = True


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    return tmp_path / "bucket"


@pytest.fixture
def store(tmp_path: Path, bucket: Path):
    s = EventStore(tmp_path / "events.db", LocalObjectStore(bucket))
    yield s
    s.close()


@pytest.fixture
def app(store: EventStore) -> IngestApp:
    return IngestApp(store, Metrics(), Faults(), max_body_bytes=4096)


class Client:
    """Sends requests straight through IngestApp.handle, without sockets."""

    def __init__(self, app: IngestApp) -> None:
        self.app = app

    def __call__(self, method: str, path: str, body: object = None, **headers: str) -> Response:
        """`body` is JSON-encoded unless it is bytes; POST gets a Content-Length."""
        if isinstance(body, bytes):
            raw = body
        else:
            raw = b"" if body is None else json.dumps(body).encode()
        if method == "POST" and "Content-Length" not in headers:
            headers["Content-Length"] = str(len(raw))
        return self.app.handle(method, path, headers, io.BytesIO(raw))


@pytest.fixture
def client(app: IngestApp) -> Client:
    return Client(app)
