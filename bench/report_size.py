"""The size of report.html of the full demo review, without the embedded plotly.js.

Starts the demo stack, reviews the example with every section notebook present, and
splits report.html into plotly.js (inlined once), the figures' scripts, CSS and the rest.
Prints the size without plotly.js and its ratio to 1 MB (target <= 1.0).

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
    with tempfile.TemporaryDirectory() as tmp, DemoStack() as stack:
        os.environ.update(stack.env())
        [o] = run([PARAMS], RunOptions(out=Path(tmp)))
        assert o.ok and o.folder is not None, o.error
        html = (o.folder / "report.html").read_text(encoding="utf-8")
        sections = [
            s["id"] for s in json.loads((o.folder / "results.json").read_text())["sections"]
        ]
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
