"""The size of the full demo review's report folder, and of report.html without plotly.js.

Starts the demo stack, reviews the example with every section notebook present, and
prints every file of the report folder with the folder's total and its ratio to 12 MB
(target <= 1.0: plotly.js is in the folder twice at most, inlined in report.html and
once in the plotly.min.js the section pages share). Then splits report.html into
plotly.js (inlined once), the figures' scripts, CSS and the rest, and prints its size
without plotly.js and the ratio to 1 MB (target <= 1.0).

    .venv/bin/python bench/report_size.py
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from run_speed import PARAMS

from golive_lib.demo.stack import DemoStack
from golive_lib.report import speed
from golive_lib.report.run import RunOptions, run

MB = 1_000_000


def parts(html: str) -> dict[str, int]:
    scripts = re.findall(r"<script[^>]*>.*?</script>", html, flags=re.S)
    plotly_js = sum(len(s) for s in scripts if "plotly.js v" in s[:300])
    figures = sum(len(s) for s in scripts if "Plotly.newPlot" in s and "plotly.js v" not in s[:300])
    css = sum(len(s) for s in re.findall(r"<style[^>]*>.*?</style>", html, flags=re.S))
    total = len(html.encode("utf-8"))
    return {
        "total": total,
        "plotly.js": plotly_js,
        "figures": figures,
        "css": css,
        "other": total - plotly_js - figures - css,
    }


def main() -> None:
    speed.switch_on()  # as `golive run` does
    with tempfile.TemporaryDirectory() as tmp, DemoStack() as stack:
        os.environ.update(stack.env())
        [o] = run([PARAMS], RunOptions(out=Path(tmp)))
        assert o.ok and o.folder is not None, o.error
        html = (o.folder / "report.html").read_text(encoding="utf-8")
        sections = [
            s["id"] for s in json.loads((o.folder / "results.json").read_text())["sections"]
        ]
        files = {
            str(p.relative_to(o.folder)): p.stat().st_size
            for p in sorted(o.folder.rglob("*"))
            if p.is_file()
        }
    folder = sum(files.values())
    print(f"report folder of the demo review: {len(files)} files")
    for name, size in sorted(files.items(), key=lambda kv: -kv[1]):
        print(f"  {name:32} {size / 1000:9.1f} kB")
    print(f"  total: {folder / MB:.2f} MB = {folder / (12 * MB):.2f}x of 12 MB (target <= 1.0)")
    p = parts(html)
    without = p["total"] - p["plotly.js"]
    print(f"report.html of the demo review, sections: {', '.join(sections)}")
    for k, v in p.items():
        print(f"  {k:10} {v / 1000:9.1f} kB")
    print(
        f"  without plotly.js: {without / 1000:.1f} kB = {without / MB:.2f}x of 1 MB"
        " (target <= 1.0)"
    )


if __name__ == "__main__":
    main()
