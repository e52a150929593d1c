import random
import socket
import time

import pytest

from ingest_api import traffic
from ingest_api.traffic import TargetError, check_target


@pytest.mark.parametrize(
    ("url", "netloc"),
    [
        ("http://127.0.0.1:8080", "127.0.0.1:8080"),
        ("http://127.1.2.3:9/", "127.1.2.3:9"),
        ("http://localhost:8080/", "localhost:8080"),
        ("http://[::1]:8080", "[::1]:8080"),
    ],
)
def test_loopback_targets_are_accepted(url, netloc):
    assert check_target(url) == netloc


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1:8080",
        "http://192.168.1.10",
        "http://example.com",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "https://127.0.0.1:8443",
        "file:///etc/passwd",
        "127.0.0.1:8080",
    ],
)
def test_other_targets_are_refused(url):
    with pytest.raises(TargetError):
        check_target(url)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rps": 0}, "--rps"),
        ({"rps": 10_000}, "--rps"),
        ({"duration": 0}, "--duration"),
        ({"duration": 10**6}, "--duration"),
        ({"accounts": []}, "--accounts"),
        ({"accounts": ["Bad Account"]}, "--accounts"),
    ],
)
def test_run_bounds(kwargs, message):
    args = {"target": "http://127.0.0.1:9", "rps": 1, "duration": 1, "accounts": ["a"]} | kwargs
    with pytest.raises(ValueError, match=message):
        traffic.run(**args)


def test_main_refuses_non_loopback(capsys):
    assert traffic.main(["--target", "http://203.0.113.5:80", "--duration", "1"]) == 2
    assert "refusing non-loopback target" in capsys.readouterr().err


def test_requests_are_reproducible_and_valid():
    def urls(seed):
        rng = random.Random(seed)
        return [traffic._request("127.0.0.1:1", rng, ["a", "b"], 0.0).full_url for _ in range(50)]

    assert urls(1) == urls(1)
    assert all(u.startswith("http://127.0.0.1:1/v1/accounts/") for u in urls(1))


def test_unreachable_target_is_counted_not_raised():
    with socket.socket() as s:  # a port that was free a moment ago: nobody listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    summary = traffic.run(f"http://127.0.0.1:{port}", rps=20, duration=0.1, accounts=["a"])
    assert summary["sent"] == 2
    assert summary["codes"] == {"connection_error": 2}


def test_a_stalled_target_does_not_stretch_the_run():
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        port = listener.getsockname()[1]
        start = time.monotonic()
        summary = traffic.run(
            f"http://127.0.0.1:{port}",
            rps=50,
            duration=0.2,
            accounts=["a"],
            concurrency=2,
            timeout=0.5,
        )
        assert time.monotonic() - start < 0.2 + 2 * 0.5 + 1.0
    assert summary["planned"] == 10
    assert summary["sent"] < 10  # queued requests were dropped, not waited for
    assert set(summary["codes"]) == {"connection_error"}
