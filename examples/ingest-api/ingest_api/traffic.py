"""Traffic generator for demos and drills: python -m ingest_api.traffic --target URL ...

Sends `rps * duration` requests (mostly event batches, some count reads) spread
evenly over `duration` seconds to accounts chosen from --accounts, then prints a
JSON summary on stdout. It is bounded on purpose (at most MAX_RPS requests a
second, MAX_DURATION_S seconds and MAX_REQUESTS requests; requests still queued
at the end are dropped) and only talks to loopback targets: it is a demo tool,
not a load tester to point at shared systems.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .validation import ACCOUNT_RE

MAX_RPS = 500
MAX_DURATION_S = 3600
MAX_REQUESTS = 100_000
EVENT_TYPES = ("page_view", "click", "signup", "purchase", "logout")


class TargetError(ValueError):
    """The target is not an http URL on a loopback address."""


def check_target(url: str) -> str:
    """Return the target's host:port; raise TargetError unless it is http on loopback."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise TargetError(f"target must be an http:// URL; got {url!r}")
    host = parts.hostname
    if host != "localhost":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False  # a name other than localhost: refuse rather than resolve
        if not loopback:
            raise TargetError(
                f"refusing non-loopback target {host!r}: the traffic generator only "
                "talks to 127.0.0.0/8, ::1 or localhost"
            )
    return parts.netloc


@dataclass
class Summary:
    planned: int
    sent: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, code: str, seconds: float) -> None:
        with self.lock:
            self.sent += 1
            self.codes[code] += 1
            self.latencies.append(seconds)

    def as_dict(self, elapsed: float) -> dict[str, object]:
        lat = sorted(self.latencies)

        def q(p: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else None

        return {
            "planned": self.planned,
            "sent": self.sent,
            "codes": dict(sorted(self.codes.items())),
            "elapsed_s": round(elapsed, 3),
            "latency_ms": {"p50": q(0.5), "p95": q(0.95), "p99": q(0.99)},
        }


def _request(
    netloc: str,
    rng: random.Random,
    accounts: Sequence[str],
    invalid_rate: float,
) -> urllib.request.Request:
    account = rng.choice(accounts)
    if rng.random() < 0.1:
        return urllib.request.Request(f"http://{netloc}/v1/accounts/{account}/events/count")
    if rng.random() < invalid_rate:
        body: object = [{"payload": {"missing": "type"}}]
    else:
        body = [
            {"type": rng.choice(EVENT_TYPES), "payload": {"n": rng.randint(1, 1000)}}
            for _ in range(rng.randint(1, 5))
        ]
    return urllib.request.Request(
        f"http://{netloc}/v1/accounts/{account}/events",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )


# No proxies: a proxy from the environment would carry "loopback" traffic elsewhere.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _send(req: urllib.request.Request, timeout: float, summary: Summary) -> None:
    start = time.perf_counter()
    try:
        # _request built the URL: http:// on the loopback address check_target allowed.
        with _OPENER.open(req, timeout=timeout) as resp:
            resp.read()
            code = str(resp.status)
    except urllib.error.HTTPError as e:
        code = str(e.code)
    except (urllib.error.URLError, OSError):
        code = "connection_error"
    summary.record(code, time.perf_counter() - start)


def run(
    target: str,
    rps: float,
    duration: float,
    accounts: Sequence[str],
    concurrency: int = 8,
    invalid_rate: float = 0.0,
    seed: int = 0,
    timeout: float = 5.0,
) -> dict[str, object]:
    netloc = check_target(target)
    if not 0 < rps <= MAX_RPS:
        raise ValueError(f"--rps must be in (0, {MAX_RPS}]")
    if not 0 < duration <= MAX_DURATION_S:
        raise ValueError(f"--duration must be in (0, {MAX_DURATION_S}]")
    if not accounts or not all(ACCOUNT_RE.match(a) for a in accounts):
        raise ValueError("--accounts must be a comma-separated list of account ids")
    total = min(round(rps * duration), MAX_REQUESTS)
    rng = random.Random(seed)  # noqa: S311 - reproducible traffic, not cryptography
    summary = Summary(planned=total)
    start = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=max(1, min(concurrency, 64)))
    try:
        futures = []
        for i in range(total):
            delay = start + i / rps - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(
                pool.submit(_send, _request(netloc, rng, accounts, invalid_rate), timeout, summary)
            )
        wait(futures, timeout=timeout + 1)
    finally:
        # A slow target leaves requests queued: drop them, so the run ends at most
        # about 2 * timeout after `duration` (requests in flight finish or time out).
        pool.shutdown(wait=True, cancel_futures=True)
    return summary.as_dict(time.monotonic() - start)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="ingest_api.traffic", description=__doc__.split("\n")[0])
    p.add_argument("--target", required=True, help="base URL, e.g. http://127.0.0.1:8080")
    p.add_argument("--rps", type=float, default=10.0, help=f"requests per second (<= {MAX_RPS})")
    p.add_argument("--duration", type=float, default=10.0, help="seconds")
    p.add_argument("--accounts", default="acme,globex,initech", help="comma-separated ids")
    p.add_argument("--concurrency", type=int, default=8, help="requests in flight at most")
    p.add_argument(
        "--invalid-rate",
        type=float,
        default=0.0,
        help="fraction of batches sent invalid on purpose (-> 400)",
    )
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    try:
        summary = run(
            args.target,
            args.rps,
            args.duration,
            [a.strip() for a in args.accounts.split(",") if a.strip()],
            concurrency=args.concurrency,
            invalid_rate=args.invalid_rate,
            seed=args.seed,
        )
    except ValueError as e:
        print(f"ingest_api.traffic: {e}", file=sys.stderr)
        return 2
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
