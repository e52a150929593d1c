"""Recall and precision of the secret scan's engines on tests/corpus/secrets/.

For each engine (kingfisher with golive's rules, golive's default; detect-secrets with its
default plugins and filters, golive's engine before issue 26 and its fallback now) it scans
the corpus with an empty findings cache and prints: planted secrets found (recall), the
lines reported that hold no secret outside test and example paths (precision), test and
example findings not reported apart, and the scan's time. The truth is a reviewer's
(truth.yaml), never an engine's output.

    .venv/bin/python bench/secrets_corpus.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "corpus"))

from secrets_truth import REPO, score  # noqa: E402

from golive_lib.sources import secret_engines, secrets, tracked  # noqa: E402


def main() -> None:
    os.environ.setdefault("GOLIVE_KINGFISHER_RULE_CACHE", str(secret_engines.rule_cache()))
    for engine in ("kingfisher", "detect-secrets"):
        with tempfile.TemporaryDirectory() as cache:
            os.environ["XDG_CACHE_HOME"] = cache
            tracked.forget()
            start = time.perf_counter()
            scan = secrets.scan(REPO, engine=engine)  # type: ignore[arg-type]
            took = time.perf_counter() - start
        s = score(scan)
        missed = sorted(s.planted - s.found)
        print(
            f"{scan.engine:<22} recall {len(s.found)}/{len(s.planted)} = {s.recall:.0%}, "
            f"precision {s.precision:.0%} ({len(s.false)} false lines), "
            f"{len(s.misplaced)} test/example findings not apart, {took:.2f} s"
        )
        print(f"   missed: {', '.join(f'{p}:{n}' for p, n in missed) or 'none'}")
        false = sorted(s.false)
        print(f"   false: {', '.join(f'{p}:{n}' for p, n in false) or 'none'}")


if __name__ == "__main__":
    main()
