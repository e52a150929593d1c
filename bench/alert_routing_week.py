"""How much the week of time intervals costs alert-routing: deciding whether an alert
notifies someone at every minute of the coming week (`AlertmanagerConfig.notifies`), on a
tree of 40 routes where the matched ones sit under business-hours and weekend intervals in
three time zones, against walking the same tree once (`receivers_for`). Prints the ratio
and the time per alert; run from the repository root: .venv/bin/python bench/alert_routing_week.py
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import yaml

from golive_lib.sources.alertmanager import parse_config
from golive_lib.sources.am_timeintervals import mask

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo"]


def config() -> str:
    routes = [{"matchers": [f'team="t{i}"'], "receiver": "mail"} for i in range(37)] + [
        {
            "matchers": ['severity="page"'],
            "receiver": "pager",
            "active_time_intervals": [f"office-{z}" for z in ZONES],
            "continue": True,
        },
        {
            "matchers": ['severity="page"'],
            "receiver": "pager-night",
            "mute_time_intervals": [f"office-{z}" for z in ZONES],
            "continue": True,
        },
        {
            "matchers": ['severity="page"'],
            "receiver": "weekend",
            "mute_time_intervals": ["weekdays"],
        },
    ]
    intervals = [
        {
            "name": f"office-{z}",
            "time_intervals": [
                {
                    "weekdays": ["monday:friday"],
                    "location": z,
                    "times": [{"start_time": "09:00", "end_time": "17:00"}],
                }
            ],
        }
        for z in ZONES
    ] + [{"name": "weekdays", "time_intervals": [{"weekdays": ["monday:friday"]}]}]
    receivers = [
        {"name": n, "webhook_configs": [{"url": "http://127.0.0.1:1/"}]}
        for n in ("default", "mail", "pager", "pager-night", "weekend")
    ]
    return yaml.safe_dump(
        {
            "route": {"receiver": "default", "routes": routes},
            "time_intervals": intervals,
            "receivers": receivers,
        }
    )


def best(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    cfg = parse_config(config())
    at = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
    labels = {"alertname": "BurnRate", "severity": "page"}
    walk = best(lambda: cfg.receivers_for(labels), 200)

    def cold() -> None:
        mask.cache_clear()
        cfg.notifies(labels, at)

    first = best(cold, 5)
    warm = best(lambda: cfg.notifies(labels, at), 20)
    print(f"routing walk: {walk * 1e6:.0f} us")
    print(
        f"notifies over the week (10,080 minutes), first alert of a review: "
        f"{first * 1e3:.0f} ms = {first / walk:.0f}x the walk; each further alert: "
        f"{warm * 1e6:.0f} us = {warm / walk:.1f}x"
    )
    print(f"notifies: {cfg.notifies(labels, at)} (the three routes cover every minute)")


if __name__ == "__main__":
    main()
