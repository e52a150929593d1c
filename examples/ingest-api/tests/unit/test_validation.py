import json

import pytest

from ingest_api.validation import (
    MAX_EVENTS_PER_BATCH,
    Event,
    ValidationError,
    parse_events,
    validate_account_id,
)


@pytest.mark.parametrize("account", ["acme", "a", "0day", "acme_eu-1", "a" * 64])
def test_good_account_ids(account):
    assert validate_account_id(account) == account


@pytest.mark.parametrize(
    "account", ["", "Acme", "-acme", "_acme", "a" * 65, "acme corp", "acme%2F", "ac/me", "é"]
)
def test_bad_account_ids(account):
    with pytest.raises(ValidationError, match="bad account id"):
        validate_account_id(account)


def test_single_event_object():
    assert parse_events(b'{"type": "click"}') == [Event("click")]


def test_array_of_events_with_optional_fields():
    body = json.dumps(
        [
            {"type": "click", "ts": "2024-05-01T12:00:00Z", "payload": {"x": 1}},
            {"type": "view", "payload": [1, 2]},
        ]
    ).encode()
    assert parse_events(body) == [
        Event("click", "2024-05-01T12:00:00Z", {"x": 1}),
        Event("view", None, [1, 2]),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'"click"', "JSON object or an array"),
        (b"[]", "empty batch"),
        (b"{}", "type: required"),
        (b'{"type": ""}', "type: required"),
        (b'{"type": 3}', "type: required"),
        (b'[{"type": "a"}, 5]', r"events\[1\]: expected a JSON object"),
        (b'[{"type": "a"}, {"payload": {}}]', r"events\[1\].type: required"),
        (b'{"type": "a", "user": "x"}', "unknown field"),
        (b'{"type": "a", "ts": "yesterday"}', "not an ISO 8601"),
        (b'{"type": "a", "ts": 1700000000}', "expected an ISO 8601 string"),
    ],
)
def test_bad_bodies(body, message):
    with pytest.raises(ValidationError, match=message):
        parse_events(body)


def test_type_length_limit():
    with pytest.raises(ValidationError, match="longer than"):
        parse_events(json.dumps({"type": "x" * 129}).encode())


def test_batch_size_limit():
    batch = [{"type": "a"}] * (MAX_EVENTS_PER_BATCH + 1)
    with pytest.raises(ValidationError, match="too many events"):
        parse_events(json.dumps(batch).encode())
    assert len(parse_events(json.dumps(batch[:-1]).encode())) == MAX_EVENTS_PER_BATCH
