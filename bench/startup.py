"""Start-up time: `golive --help` and `import golive_lib`, each in a fresh process.

Heavy modules (papermill, nbconvert, pandas, plotly, dask, ...) are imported lazily,
inside the commands that need them. Prints the median of fresh processes and its ratio
to the 0.5 s target.

    .venv/bin/python bench/startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.5
CASES = {
    "golive --help": [sys.executable, "-m", "golive_lib", "--help"],
    "import golive_lib": [sys.executable, "-c", "import golive_lib"],
    "import golive_lib.cli": [sys.executable, "-c", "import golive_lib.cli"],
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
}


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    for cmd in CASES.values():
        timed(cmd)  # warm the file cache once
    print(f"fresh processes, median of {args.repeat}; target <= {TARGET_S} s")
    for name, cmd in CASES.items():
        t = statistics.median(timed(cmd) for _ in range(args.repeat))
        print(f"  {name:24} {t:6.3f}s  ratio to {TARGET_S} s: {t / TARGET_S:.2f}x")


if __name__ == "__main__":
    main()
