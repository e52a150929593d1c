"""The portfolio page and `golive history` over 200 services x 365 nightly reviews.

Builds such a reports folder synthetically (in a temporary folder): every service has
365 dated runs; the newest holds a results.json shaped like a real review's (every
check of the catalog with a summary, evidence and remediation, and the `history` of the
364 runs before it, as golive records it); the older ones hold a small results.json
each (a real run's is read only when the newest does not list it). Then prints:

- the portfolio page's build time (`portfolio.write`) against reading and parsing the
  200 latest results.json files (target <= 2.0x), and the page's size (target <= 1 MB).
  A review caches its run as the service's newest (`history.remember_latest`); the
  synthetic runs are not written by golive, so the first build lists every service's
  runs and caches them: it is printed apart;
- `golive history` of one service against reading and parsing its newest results.json.

    .venv/bin/python bench/portfolio_scale.py [--services 200] [--runs 365]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from golive_lib import catalog
from golive_lib.report import history, portfolio

MB = 1_000_000
STATUSES = ("pass", "fail", "warn", "error", "pending", "waived", "n/a")


def results(service: str, day: date, n: int, past: list[dict[str, Any]]) -> dict[str, Any]:
    checks = []
    for i, spec in enumerate(catalog.CHECKS.values()):
        status = "fail" if (n + i) % 17 == 0 else "pass"
        checks.append(
            {
                "id": spec.id,
                "section": spec.id.split(".")[0],
                "title": spec.title,
                "status": status,
                "severity": "blocking",
                "summary": f"{spec.title}: what the evidence of run {n} said, in a sentence",
                "evidence": [{"label": "file", "value": "docs/example.md", "location": "line 12"}],
                "remediation": "What to change so that this check passes, in a sentence or two.",
                "data": {},
            }
        )
    counts = {s: sum(c["status"] == s for c in checks) for s in STATUSES}
    return {
        "schema_version": 1,
        "service": service,
        "date": day.isoformat(),
        "decision": "no-go" if counts["fail"] else "go",
        "generated_at": f"{day.isoformat()}T02:00:00+00:00",
        "counts": counts,
        "blocking": [c["id"] for c in checks if c["status"] == "fail"],
        "checks": checks,
        "history": past,
    }


def build(root: Path, services: int, runs: int) -> list[Path]:
    end = date(2026, 11, 30)
    latest = []
    for s in range(services):
        name = f"svc-{s:03d}"
        past: list[dict[str, Any]] = []
        for r in range(runs):
            day = end - timedelta(days=runs - 1 - r)
            folder = root / name / day.isoformat()
            folder.mkdir(parents=True)
            if r < runs - 1:
                small = {"service": name, "date": day.isoformat(), "decision": "go"}
                small |= {"counts": {"pass": 52}, "checks": []}
                (folder / "results.json").write_text(json.dumps(small))
                past.append(
                    {"folder": day.isoformat(), "date": day.isoformat(), "decision": "go"}
                    | {"counts": {"pass": 52}}
                )
            else:
                doc = results(name, day, s, past)
                (folder / "results.json").write_text(json.dumps(doc, indent=1))
                latest.append(folder / "results.json")
    return latest


def best(fn: Any, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=200)
    ap.add_argument("--runs", type=int, default=365)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "reports"
        t0 = time.perf_counter()
        latest = build(root, args.services, args.runs)
        print(
            f"built {args.services} services x {args.runs} runs in "
            f"{time.perf_counter() - t0:.1f} s; newest results.json "
            f"{statistics.mean(p.stat().st_size for p in latest) / 1000:.0f} kB on average"
        )

        def read_latest() -> None:
            for p in latest:
                json.loads(p.read_text(encoding="utf-8"))

        floor = best(read_latest)
        t0 = time.perf_counter()
        portfolio.write(root)  # no run was written by golive: every folder is listed once
        cold = time.perf_counter() - t0
        page = best(lambda: portfolio.write(root))
        size = (root / portfolio.PORTFOLIO_HTML).stat().st_size
        print(f"reading the {len(latest)} latest results.json: {floor * 1000:.0f} ms")
        print(
            f"portfolio page, first build (lists every service's runs, caches the newest):"
            f" {cold * 1000:.0f} ms = {cold / floor:.2f}x"
        )
        print(
            f"portfolio page: {page * 1000:.0f} ms = {page / floor:.2f}x (target <= 2.0); "
            f"{size / 1000:.0f} kB = {size / MB:.2f}x of 1 MB (target <= 1.0)"
        )
        one = latest[0]
        read_one = best(lambda: json.loads(one.read_text(encoding="utf-8")))
        hist = best(
            lambda: history.format_table(
                history.table(history.service_runs(one.parent.parent.name, root))
            )
        )
        print(
            f"golive history {one.parent.parent.name} ({args.runs} runs): {hist * 1000:.0f} ms"
            f" = {hist / read_one:.1f}x reading its newest results.json ({read_one * 1000:.1f} ms)"
        )


if __name__ == "__main__":
    main()
