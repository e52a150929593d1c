"""Time `golive run` on the example service against a floor, in the same process.

The floor runs the same number of notebooks through the same pipeline (same pool,
same worker count, same rendering) but each notebook holds only trivial cells, so
the ratio shows what golive's own work costs on top of papermill + nbconvert.
Both fork their kernels from the run's kernel template, which imports golive_lib for
the section notebooks: that import is counted in both (see bench/README.md).
Target: ratio <= 1.3. Beside it, the same review in plain mode (GOLIVE_PLAIN_KERNELS=1:
stock papermill and stock kernels, no template): what the speed layer saves.

    .venv/bin/python bench/run_speed.py [--repeat 3] [--workers 4] [--no-plain]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from golive_lib import catalog
from golive_lib.report import speed
from golive_lib.report.run import DEFAULT_NOTEBOOKS, RunOptions, notebooks_dir_sections, run

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "parameters" / "ingest-api.yaml"


def floor_notebooks(target: Path, same_cells: bool = True) -> Path:
    """The floor: the same notebook files run through the same pipeline, with golive's
    work taken out. ``same_cells``: every code cell replaced by a trivial one (markdown,
    parameters cell and cell count kept), so what remains is papermill's and nbconvert's
    own cost; otherwise one trivial cell per notebook (the bare kernel round trip)."""
    target.mkdir(parents=True, exist_ok=True)
    for spec in [catalog.SUMMARY, *notebooks_dir_sections(DEFAULT_NOTEBOOKS)]:
        real = nbformat.read(str(DEFAULT_NOTEBOOKS / spec.notebook), as_version=4)
        params = next(c for c in real.cells if "parameters" in c.metadata.get("tags", []))
        if same_cells:
            cells = [
                c if c.cell_type == "markdown" or c is params else new_code_cell("pass")
                for c in real.cells
            ]
        else:
            cells = [new_markdown_cell(f"# {spec.title}"), params, new_code_cell("pass")]
        nb = new_notebook(cells=cells, metadata=real.metadata)
        nbformat.write(nb, str(target / spec.notebook))
    return target


def timed(notebooks: Path, out: Path, workers: int, plain: bool = False) -> float:
    """One run; ``plain``: with GOLIVE_PLAIN_KERNELS=1 (this process keeps what the layer
    imported already: its rfc3987-syntax block and the imports before the pool forks)."""
    if plain:
        os.environ[speed.PLAIN_ENV] = "1"
    started = time.perf_counter()
    try:
        run([PARAMS], RunOptions(out=out, notebooks_dir=notebooks, workers=workers))
    finally:
        os.environ.pop(speed.PLAIN_ENV, None)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--no-plain",
        action="store_true",
        help="skip the plain-mode runs (an A/B against older code, which has no plain mode)",
    )
    args = parser.parse_args()
    if not speed.switch_on():  # as `golive run` does
        raise SystemExit("the speed layer is off (GOLIVE_PLAIN_KERNELS or untested versions)")
    with tempfile.TemporaryDirectory() as tmp:
        floors = {
            "same notebooks, trivial cells": floor_notebooks(Path(tmp) / "floor"),
            "one trivial cell per notebook": floor_notebooks(Path(tmp) / "bare", same_cells=False),
        }
        timed(DEFAULT_NOTEBOOKS, Path(tmp) / "warm", args.workers)  # warm caches once
        times: dict[str, list[float]] = {"golive": [], "plain": [], **{k: [] for k in floors}}
        for i in range(args.repeat):  # interleaved, so drift hits every variant alike
            for name, folder in floors.items():
                times[name].append(
                    timed(folder, Path(tmp) / f"{i}-{len(times[name])}-{name[:4]}", args.workers)
                )
            times["golive"].append(timed(DEFAULT_NOTEBOOKS, Path(tmp) / f"r{i}", args.workers))
            if not args.no_plain:
                times["plain"].append(
                    timed(DEFAULT_NOTEBOOKS, Path(tmp) / f"p{i}", args.workers, plain=True)
                )
    real = statistics.median(times["golive"])
    n = len(notebooks_dir_sections(DEFAULT_NOTEBOOKS)) + 1
    print(f"example review: {n} notebooks, {args.workers} workers, median of {args.repeat}")
    print(
        f"  golive review                    {real:6.2f}s  {[round(x, 2) for x in times['golive']]}"
    )
    for name in floors:
        floor = statistics.median(times[name])
        print(f"  floor: {name:30} {floor:6.2f}s  ratio {real / floor:.2f}x")
    if times["plain"]:
        plain = statistics.median(times["plain"])
        runs = [round(x, 2) for x in times["plain"]]
        ratio = plain / real
        print(f"  plain (GOLIVE_PLAIN_KERNELS=1)   {plain:6.2f}s  {runs}  {ratio:.2f}x golive")
    print("target: ratio <= 1.3x against the first floor")


if __name__ == "__main__":
    main()
