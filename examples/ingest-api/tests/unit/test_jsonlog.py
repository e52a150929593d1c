import io
import json
import logging

from ingest_api.jsonlog import log, request_id_var, setup_logging


def test_lines_are_json_with_level_time_and_request_id():
    stream = io.StringIO()
    logger = setup_logging("INFO", stream)
    log(logger, logging.INFO, "started", version="1.0", request_id="spoofed")
    token = request_id_var.set("req-1")
    try:
        log(logger, logging.WARNING, "slow", duration_ms=12.5)
        logger.debug("not shown at INFO")
    finally:
        request_id_var.reset(token)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    assert lines[0]["msg"] == "started" and lines[0]["request_id"] is None
    assert lines[0]["version"] == "1.0" and lines[0]["level"] == "info"
    assert lines[0]["ts"].endswith("Z")
    assert lines[1] == lines[1] | {"level": "warning", "request_id": "req-1", "duration_ms": 12.5}


def test_exceptions_are_one_line():
    stream = io.StringIO()
    logger = setup_logging("INFO", stream)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("failed")
    (line,) = stream.getvalue().splitlines()
    assert "RuntimeError: boom" in json.loads(line)["exc"]
