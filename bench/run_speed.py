"""Time `golive run` on the example service against a floor, in the same process.

The floor runs the same number of notebooks through the same pipeline (same pool,
same worker count, same rendering) but each notebook holds only trivial cells, so
the ratio shows what golive's own work costs on top of papermill + nbconvert.
Target: ratio <= 1.3.

    .venv/bin/python bench/run_speed.py [--repeat 3] [--workers 4]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from golive_lib import catalog
from golive_lib.report.run import DEFAULT_NOTEBOOKS, RunOptions, notebooks_dir_sections, run

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "parameters" / "ingest-api.yaml"


def floor_notebooks(target: Path) -> Path:
    """Trivial notebooks with the same names and parameters cells as the real ones."""
    target.mkdir(parents=True, exist_ok=True)
    specs = [catalog.SUMMARY, *notebooks_dir_sections(DEFAULT_NOTEBOOKS)]
    for spec in specs:
        params = new_code_cell('params_path = ""\nrun_date = None\nresults_path = None')
        params.metadata["tags"] = ["parameters"]
        nb = new_notebook(
            cells=[
                new_markdown_cell(f"# {spec.title}"),
                params,
                new_code_cell("x = 1"),
                new_code_cell("x"),
            ],
            metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            },
        )
        nbformat.write(nb, str(target / spec.notebook))
    return target


def timed(notebooks: Path, out: Path, workers: int) -> float:
    started = time.perf_counter()
    run([PARAMS], RunOptions(out=out, notebooks_dir=notebooks, workers=workers))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        floor_dir = floor_notebooks(Path(tmp) / "floor")
        real, floor = [], []
        timed(floor_dir, Path(tmp) / "warm", args.workers)  # warm caches once
        for i in range(args.repeat):
            floor.append(timed(floor_dir, Path(tmp) / f"f{i}", args.workers))
            real.append(timed(DEFAULT_NOTEBOOKS, Path(tmp) / f"r{i}", args.workers))
    f, r = statistics.median(floor), statistics.median(real)
    print(
        f"notebooks: {len(notebooks_dir_sections(DEFAULT_NOTEBOOKS)) + 1}, workers: {args.workers}"
    )
    print(f"floor  (trivial cells): median {f:.2f}s  runs {[round(x, 2) for x in floor]}")
    print(f"golive (example review): median {r:.2f}s  runs {[round(x, 2) for x in real]}")
    print(f"ratio golive/floor: {r / f:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
