"""report.html put together from the section pages already rendered: one table of
contents, every page's cells behind its anchor and in order, cell ids made unique,
plotly.js once (before the first figure), the title and escaping kept; the fragment of
each page is cut as it is rendered."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from nbformat import v4

from golive_lib.names import PLOTLY_MIME
from golive_lib.report import render


def page(folder: Path, name: str, text: str, figure: bool) -> render.Fragment:
    nb = v4.new_notebook()
    outputs = [v4.new_output("display_data", data={"text/html": f"<b>{name} table</b>"})]
    if figure:
        fig = {"data": [{"type": "bar", "x": [1], "y": [2]}], "layout": {"title": {"text": name}}}
        outputs.append(v4.new_output("display_data", data={PLOTLY_MIME: fig}))
    nb.cells = [v4.new_markdown_cell(text), v4.new_code_cell("x = 1", outputs=outputs)]
    for cell in nb.cells:  # the same ids in every notebook, as the section notebooks have
        cell["id"] = "cell-0" + str(nb.cells.index(cell))
    executed = folder / f"{name}.ipynb"
    executed.write_text(json.dumps(nb), encoding="utf-8")
    anchor = name.lower()
    fragment = render.render_notebook(executed, folder / f"{name}.html", name, anchor, name.title())
    written = (folder / f"{name}.html").read_text(encoding="utf-8")
    assert written.count("<main>") == 1
    # a page loads plotly.js from the one file beside it, never inlines it
    assert "plotly.js v" not in written and render.PLOTLY_JS_SLOT not in written
    link = f'<script src="{render.PLOTLY_JS_FILE}" charset="utf-8"></script>'
    assert written.count(link) == int(figure)
    # and JupyterLab's stylesheet from one file too, at the place it had in the page
    assert written.count(f'<link rel="stylesheet" href="{render.CSS_FILE}">') == 1
    assert "--jp-cell-padding" not in written and render.CSS_START not in written
    return fragment


def test_pages_are_combined_in_order_with_unique_ids_and_plotly_once(tmp_path: Path) -> None:
    parts = [page(tmp_path, "summary", "# Summary", figure=False)]
    assert not list(tmp_path.glob("*.js"))  # a page without figures needs no library
    parts += [
        page(tmp_path, "capacity", "# Capacity", figure=True),
        replace(page(tmp_path, "rollout", "# Rollout", figure=True), name="Rollout <&>"),
    ]
    assert [p.plotly for p in parts] == [False, True, True]
    assert all("plotly.js v" not in p.cells for p in parts)
    # two pages with figures, one copy of the library beside them
    [library] = tmp_path.glob("*.js")
    assert library.name == render.PLOTLY_JS_FILE
    assert library.read_text(encoding="utf-8").count("plotly.js v") == 1
    css = (tmp_path / render.CSS_FILE).read_text(encoding="utf-8")
    assert "--jp-cell-padding" in css and "<style" not in css
    render.write_page(
        tmp_path / "report.html", render.report_page(parts, "svc go-live review 2026-11-27")
    )
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<title>svc go-live review 2026-11-27</title>" in report
    assert report.count("plotly.js v") == 1 and report.count("Plotly.newPlot") == 2
    # report.html stands alone: the stylesheet inline, no file linked
    assert "--jp-cell-padding" in report and render.CSS_FILE not in report
    assert report.index("plotly.js v") < report.index("Plotly.newPlot")
    toc = report[report.index('<nav class="golive-toc">') :]
    assert '<a href="#rollout">Rollout &lt;&amp;&gt;</a>' in toc
    anchors = [report.index(f'id="{p.anchor}"') for p in parts]
    tables = [report.index(f"<b>{p.anchor} table</b>") for p in parts]
    assert anchors == sorted(anchors) and all(a < t for a, t in zip(anchors, tables, strict=True))
    for part in parts:
        assert f'id="cell-id={part.anchor}-cell-00"' in report
    assert 'id="cell-id=cell-00"' not in report
    assert report.count("<main>") == 1 and report.rstrip().endswith("</html>")


def test_a_page_that_is_not_a_rendered_page_is_refused() -> None:
    with pytest.raises(ValueError, match=r"x\.html: not a page rendered by golive"):
        render.fragment("<html><body>no main</body></html>", "x", "X", "x.html")
