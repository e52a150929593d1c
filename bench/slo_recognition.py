"""Burn-rate recognition at scale: N SLOs, each with Sloth-shaped rules (`golive rules`),
all reviewed against every rule, as `observability.slo-alerting` does.

Prints the time of recognising every SLO against the time of parsing every rule once
with promql-parser (what any reader must pay), so the ratio holds on any machine.

    .venv/bin/python bench/slo_recognition.py [N]
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta

from golive_lib import promql
from golive_lib.slo import generate_rules, ratio_slo
from golive_lib.slo.recognition import RuleDef, RuleIndex, recognise


def main(n: int) -> None:
    slos = [
        ratio_slo(
            f"svc{i}-availability",
            0.999,
            timedelta(days=28),
            bad=f'sum(rate(http_requests_total{{job="svc{i}",code=~"5.."}}[{{{{.window}}}}]))',
            total=f'sum(rate(http_requests_total{{job="svc{i}"}}[{{{{.window}}}}]))',
            where="bench",
        )
        for i in range(n)
    ]
    rules = [
        RuleDef(
            "alerting" if "alert" in r else "recording",
            r.get("alert") or r["record"],
            r["expr"],
            {str(k): str(v) for k, v in r.get("labels", {}).items()},
        )
        for s in slos
        for g in generate_rules(s, meta=True)["groups"]
        for r in g["rules"]
    ]
    promql.parse.cache_clear()
    start = time.perf_counter()
    for r in rules:
        promql.parse(r.expr)
    parse_s = time.perf_counter() - start
    promql.parse.cache_clear()
    start = time.perf_counter()
    covered = 0
    index = RuleIndex(rules)  # one per review, as observability.slo_coverage does
    for s in slos:
        cov = recognise(s, index, others=tuple(o for o in slos if o is not s))
        covered += all(v.hit for v in cov.roles)
    review_s = time.perf_counter() - start
    print(f"{n} SLOs, {len(rules)} rules: {covered} of {n} SLOs covered")
    print(f"parse every rule once: {parse_s * 1000:.0f} ms")
    print(f"recognise every SLO against every rule: {review_s * 1000:.0f} ms")
    per = review_s / n * 1000
    print(f"  = {review_s / parse_s:.1f}x parsing the rules once; {per:.1f} ms per SLO")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
