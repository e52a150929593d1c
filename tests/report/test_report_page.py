"""report.html put together from the section pages already rendered: one table of
contents, every page's cells behind its anchor and in order, cell ids made unique,
plotly.js once (before the first figure), the title and escaping kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbformat import v4

from golive_lib.names import PLOTLY_MIME
from golive_lib.report import render


def page(folder: Path, name: str, text: str, figure: bool) -> Path:
    nb = v4.new_notebook()
    outputs = [v4.new_output("display_data", data={"text/html": f"<b>{name} table</b>"})]
    if figure:
        fig = {"data": [{"type": "bar", "x": [1], "y": [2]}], "layout": {"title": {"text": name}}}
        outputs.append(v4.new_output("display_data", data={PLOTLY_MIME: fig}))
    nb.cells = [v4.new_markdown_cell(text), v4.new_code_cell("x = 1", outputs=outputs)]
    for cell in nb.cells:  # the same ids in every notebook, as the section notebooks have
        cell["id"] = "cell-0" + str(nb.cells.index(cell))
    path = folder / f"{name}.html"
    path.write_text(render.to_html(nb, name), encoding="utf-8")
    return path


def test_pages_are_combined_in_order_with_unique_ids_and_plotly_once(tmp_path: Path) -> None:
    parts = [
        ("summary", "Summary", page(tmp_path, "summary", "# Summary", figure=False)),
        ("capacity", "Capacity", page(tmp_path, "capacity", "# Capacity", figure=True)),
        ("rollout", "Rollout <&>", page(tmp_path, "rollout", "# Rollout", figure=True)),
    ]
    report = render.report_page(parts, "svc go-live review 2026-11-27")
    assert "<title>svc go-live review 2026-11-27</title>" in report
    assert report.count("plotly.js v") == 1 and report.count("Plotly.newPlot") == 2
    assert report.index("plotly.js v") < report.index("Plotly.newPlot")
    toc = report[report.index('<nav class="golive-toc">') :]
    assert '<a href="#rollout">Rollout &lt;&amp;&gt;</a>' in toc
    anchors = [report.index(f'id="{a}"') for a, _n, _p in parts]
    tables = [report.index(f"<b>{a} table</b>") for a, _n, _p in parts]
    assert anchors == sorted(anchors) and all(a < t for a, t in zip(anchors, tables, strict=True))
    for anchor, _name, _path in parts:
        assert f'id="cell-id={anchor}-cell-00"' in report
    assert 'id="cell-id=cell-00"' not in report
    assert report.count("<main>") == 1 and report.rstrip().endswith("</html>")


def test_a_page_that_is_not_a_rendered_page_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.html").write_text("<html><body>no main</body></html>")
    with pytest.raises(ValueError, match=r"x\.html: not a page rendered by golive"):
        render.report_page([("x", "X", tmp_path / "x.html")], "t")
