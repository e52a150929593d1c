"""Agreement of golive's readers with the reports corpus, and its false passes.

Run: ``.venv/bin/python bench/reports_corpus.py``. Reads every file under
tests/corpus/reports/ (scan, coverage, JUnit and load-test reports, each with the truth in
its ``.expected.json``), prints one line per disagreement, then the agreement per format
and overall and the number of false passes. Done when: 0 false passes, >= 98 % agreement.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "corpus" / "reports"))

import conformance  # noqa: E402


def main() -> int:
    started = time.perf_counter()
    tally = conformance.run_all()
    took = time.perf_counter() - started
    by_format: dict[str, list[conformance.Outcome]] = defaultdict(list)
    for o in tally.outcomes:
        by_format[o.case.report.parent.name].append(o)
        if not o.agrees or o.false_passes:
            why = o.error or "; ".join(o.differences)
            fp = f"  FALSE PASS: {'; '.join(o.false_passes)}" if o.false_passes else ""
            print(f"DIFF {o.case.name}: {why}{fp}")
    for fmt, outs in sorted(by_format.items()):
        agree = sum(o.agrees for o in outs)
        false = sum(bool(o.false_passes) for o in outs)
        print(f"{fmt:12} {agree:3}/{len(outs):<3} agree, {false} false passes")
    n = len(tally.outcomes)
    print(
        f"corpus: {n} files, agreement {tally.agreement:.1%}, "
        f"false passes {len(tally.false_passes)}, read in {took:.2f} s"
    )
    return 0 if not tally.false_passes and tally.agreement >= 0.98 else 1


if __name__ == "__main__":
    raise SystemExit(main())
