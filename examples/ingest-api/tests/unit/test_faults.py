import time

import pytest

from ingest_api.faults import Faults


def test_defaults_are_off():
    f = Faults.from_env({})
    assert (f.error_rate, f.extra_latency_ms, f.seed, f.active) == (0.0, 0.0, 0, False)
    assert not any(f.should_fail() for _ in range(100))


def test_from_env():
    f = Faults.from_env(
        {"INGEST_ERROR_RATE": "0.25", "INGEST_EXTRA_LATENCY_MS": "40", "INGEST_FAULT_SEED": "7"}
    )
    assert (f.error_rate, f.extra_latency_ms, f.seed, f.active) == (0.25, 40.0, 7, True)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"INGEST_ERROR_RATE": "lots"}, "INGEST_ERROR_RATE must be a number"),
        ({"INGEST_ERROR_RATE": "1.5"}, "between 0 and 1"),
        ({"INGEST_EXTRA_LATENCY_MS": "-5"}, "between 0 and 60000"),
        ({"INGEST_FAULT_SEED": "0.5"}, "INGEST_FAULT_SEED must be a number"),
        ({"INGEST_WRITE_SYNC_MS": "-1"}, "between 0 and 10000"),
    ],
)
def test_bad_env(env, message):
    with pytest.raises(ValueError, match=message):
        Faults.from_env(env)


def test_error_rate_is_deterministic_per_seed():
    fa, fb = Faults(0.3, seed=42), Faults(0.3, seed=42)
    a = [fa.should_fail() for _ in range(1000)]
    b = [fb.should_fail() for _ in range(1000)]
    assert a == b
    assert 250 < sum(a) < 350


def test_error_rate_one_always_fails():
    f = Faults(1.0)
    assert all(f.should_fail() for _ in range(100))


def test_extra_latency_sleeps():
    f = Faults(extra_latency_ms=30)
    start = time.perf_counter()
    f.delay()
    assert time.perf_counter() - start >= 0.03


def test_write_sync_waits_inside_the_storage_write(tmp_path):
    from ingest_api.storage import EventStore, LocalObjectStore
    from ingest_api.validation import Event

    f = Faults.from_env({"INGEST_WRITE_SYNC_MS": "30"})
    store = EventStore(tmp_path / "db", LocalObjectStore(tmp_path / "bucket"), f.write_sync)
    t0 = time.monotonic()
    store.write_batch("acct-1", [Event(type="click", ts=None, payload=None)])
    assert time.monotonic() - t0 >= 0.03
    assert store.count("acct-1") == 1
