"""Agreement of golive with a careful reviewer on the CI/CD corpus (tests/corpus/ci).

For every case and every architecture.* and cicd.* check, compares golive's status with
the expected one and prints: the agreement (share of equal verdicts), the false passes
(golive says pass where the reviewer does not: the worst defect), the errors on valid
pipelines (golive says error where the reviewer does not), and each disagreement.
Targets: 0 false passes, agreement >= 95 %, no valid pipeline ending in error.

    .venv/bin/python bench/ci_corpus.py [--verbose]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "tests" / "sources" / "test_ci_corpus.py"


def _runner():  # type: ignore[no-untyped-def]
    """The corpus test module: it knows how to read a case and review it."""
    spec = importlib.util.spec_from_file_location("ci_corpus_runner", RUNNER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every verdict")
    args = parser.parse_args()
    runner = _runner()
    total = agree = false_pass = error_on_valid = 0
    disagreements: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for case in runner.CASES:
            expected = runner.load_case(case)["expected"]
            got = runner.statuses(case, Path(folder))
            for check_id, want in expected.items():
                have = got[check_id]
                total += 1
                agree += have == want
                if have != want:
                    false_pass += have == "pass"
                    error_on_valid += have == "error"
                    disagreements.append(f"  {case}: {check_id}: reviewer {want}, golive {have}")
                elif args.verbose:
                    print(f"  {case}: {check_id}: {have}")
    elapsed = time.perf_counter() - started
    systems = sorted({runner.load_case(c)["system"] for c in runner.CASES})
    print(f"cases: {len(runner.CASES)} ({', '.join(systems)}); verdicts: {total}")
    print(f"agreement: {agree}/{total} = {agree / total:.1%} (target >= 95 %)")
    print(f"false passes: {false_pass} (target 0)")
    print(f"errors where the reviewer has a verdict: {error_on_valid} (target 0)")
    print(f"time: {elapsed:.1f} s ({elapsed / len(runner.CASES):.2f} s a case, hadolint included)")
    if disagreements:
        print("disagreements:")
        print("\n".join(disagreements))
    return 0 if false_pass == 0 and agree / total >= 0.95 and error_on_valid == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
