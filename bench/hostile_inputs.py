"""How long golive takes to refuse or bound hostile input, against what a valid input costs.

Measured in this process (imports excluded, best of 5 where it is cheap):

- a YAML alias bomb (9 levels of 9 aliases: ~390 million values once expanded) and a
  parameters file nested 990 deep, refused by `load_params`, against loading the
  example's valid parameters file: target < 1 s each, so a ratio to the valid load;
- a Prometheus that drips one byte every 0.2 s, asked with timeout_s = 1: the time to
  the TimedOut, against that timeout (target <= 1.1x: a total deadline, not per read);
- a Prometheus that sends 800 MB: the time to the BadResponse at the 10 MB cap and the
  growth of this process's peak memory, against reading 10 MB from the same server
  (target: flat memory, ratio ~1x);
- the redactor on an executed notebook of the example (the disaster-recovery one, with
  its drills' output), against reading and parsing that notebook as JSON.

    .venv/bin/python bench/hostile_inputs.py [EXECUTED_NOTEBOOK]
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from golive_lib import redaction  # noqa: E402
from golive_lib.errors import ParamsError  # noqa: E402
from golive_lib.params import load_params  # noqa: E402
from golive_lib.sources.httpapi import BadResponse, Endpoint, TimedOut  # noqa: E402

EXAMPLE = ROOT / "parameters" / "ingest-api.yaml"


def best(fn: Callable[[], object], n: int = 5) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def refused(path: Path) -> Callable[[], None]:
    def go() -> None:
        try:
            load_params(path)
        except ParamsError:
            return
        raise AssertionError(f"{path} was accepted")

    return go


def bomb_text() -> str:
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["repository"] = str((EXAMPLE.parent / doc["repository"]).resolve())
    text = yaml.safe_dump(doc, sort_keys=False) + "x-bomb:\n"
    text += '  l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, 9):
        text += f"  l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]\n"
    return text


class Hostile(BaseHTTPRequestHandler):
    mode = "drip"

    def do_GET(self) -> None:  # noqa: N802
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if self.mode == "drip":
                self.end_headers()
                for byte in b'{"status":"success","data":{}}':
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
                return
            size = 10 * 10**6 - 64 if self.mode == "ten" else 800 * 2**20
            if self.mode != "huge-unannounced":  # else HTTP/1.0: the body ends at close
                self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b" " * 65536
            sent = 0
            while sent < size:
                part = chunk[: size - sent]
                self.wfile.write(part)
                sent += len(part)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


def server(mode: str) -> tuple[str, ThreadingHTTPServer]:
    handler = type("H", (Hostile,), {"mode": mode})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{srv.server_address[1]}", srv


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        valid = best(lambda: load_params(EXAMPLE))
        bomb = work / "bomb.yaml"
        bomb.write_text(bomb_text(), encoding="utf-8")
        deep = work / "deep.yaml"
        deep.write_text("schema_version: 1\nx: " + "[" * 990 + "]" * 990 + "\n", encoding="utf-8")
        t_bomb, t_deep = best(refused(bomb)), best(refused(deep))
        print(f"valid parameters loaded: {valid * 1000:.1f} ms")
        print(f"alias bomb refused:      {t_bomb * 1000:.1f} ms = {t_bomb / valid:.2f}x (< 1 s)")
        print(f"990 deep refused:        {t_deep * 1000:.1f} ms = {t_deep / valid:.2f}x (< 1 s)")

    url, srv = server("drip")
    ep = Endpoint("Prometheus", url, timeout_s=1.0, connect_timeout_s=1.0)
    start = time.perf_counter()
    try:
        ep.get_json("/api/v1/query")
        raise AssertionError("the drip was read whole")
    except TimedOut:
        took = time.perf_counter() - start
    srv.shutdown()
    print(f"dripping server:         TimedOut after {took:.2f} s = {took / 1.0:.2f}x timeout_s")

    url, srv = server("ten")
    ep = Endpoint("Prometheus", url, timeout_s=60)
    before = peak_mib()
    start = time.perf_counter()
    try:
        ep.get_json("/")
    except BadResponse:
        pass  # ten MB of spaces is no JSON: read whole, then refused
    t_ten = time.perf_counter() - start
    after_ten = peak_mib()
    srv.shutdown()
    for mode, what in (("huge", "announced"), ("huge-unannounced", "no Content-Length")):
        url, srv = server(mode)
        ep = Endpoint("Prometheus", url, timeout_s=60)
        start = time.perf_counter()
        try:
            ep.get_json("/")
            raise AssertionError("800 MB accepted")
        except BadResponse as e:
            t_huge = time.perf_counter() - start
            assert "more than" in e.message, e.message
        srv.shutdown()
        print(
            f"800 MB answer ({what}): refused in {t_huge:.2f} s = {t_huge / t_ten:.2f}x "
            f"reading 10 MB; peak RSS {before:.0f} -> {after_ten:.0f} (10 MB) -> "
            f"{peak_mib():.0f} MiB"
        )

    given = [Path(a) for a in sys.argv[1:]]
    notebooks = given or sorted((ROOT / "reports").glob("*/*/03_disaster_recovery.ipynb"))
    if not notebooks:
        print("redactor: no executed notebook (give one, or `golive run` the example first)")
        return
    nb = notebooks[-1]
    red = redaction.for_params(None)
    parse = best(lambda: json.loads(nb.read_text(encoding="utf-8")))
    doc = json.loads(nb.read_text(encoding="utf-8"))
    scrub = best(lambda: red.deep(doc))
    print(
        f"redacting {nb.name} ({nb.stat().st_size // 1024} kB): {scrub * 1000:.1f} ms "
        f"= {scrub / parse:.1f}x parsing it"
    )


if __name__ == "__main__":
    main()
