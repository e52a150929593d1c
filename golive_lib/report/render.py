"""Render executed notebooks to HTML with nbconvert: inputs hidden, plotly drawn offline.

nbconvert cannot draw plotly's JSON output; `plotly_to_html` turns each figure into
HTML with plotly.js inlined in the first figure of a file only, so an executed
notebook keeps kilobytes of JSON and a rendered file carries the library once.
"""

from __future__ import annotations

import copy
import html
from pathlib import Path
from typing import Any

from ..names import INJECTED_TAG, PARAMETERS_TAG, PLOTLY_MIME

TEMPLATES = Path(__file__).parent / "templates"
HIDDEN_TAGS = frozenset({PARAMETERS_TAG, INJECTED_TAG, "golive-hidden"})


def strip_hidden_cells(nb: Any) -> Any:
    """A copy of the notebook without the parameters cells (transform, idempotent)."""
    nb = copy.deepcopy(nb)
    nb.cells = [
        c for c in nb.cells if not HIDDEN_TAGS.intersection(c.get("metadata", {}).get("tags", []))
    ]
    return nb


def plotly_to_html(nb: Any) -> Any:
    """A copy where each plotly JSON output is HTML; plotly.js only in the first figure."""
    import plotly.io as pio

    nb = copy.deepcopy(nb)
    first = True
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            fig = data.get(PLOTLY_MIME)
            if fig is None:
                continue
            try:
                markup = pio.to_html(
                    dict(fig),
                    include_plotlyjs=first,
                    full_html=False,
                    validate=False,
                    config={"displaylogo": False, "responsive": True},
                )
                first = False
            except Exception as e:  # noqa: BLE001 - a bad figure must not lose the report
                markup = f"<pre>figure could not be drawn: {html.escape(str(e))}</pre>"
            output["data"] = {"text/html": markup}
    return nb


def to_html(nb: Any, title: str) -> str:
    """The notebook as one standalone HTML page, code inputs and prompts hidden."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="golive",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    nb = plotly_to_html(strip_hidden_cells(nb))
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb)
    return str(body)


def render_notebook(executed: Path, target: Path, title: str) -> None:
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    target.write_text(to_html(nb, title), encoding="utf-8")


def combine(notebooks: list[tuple[str, str, Path]], title: str) -> Any:
    """One notebook holding every section in order, each behind an anchor, with a TOC.

    ``notebooks`` is a list of (anchor id, section title, executed notebook path).
    """
    import nbformat

    combined = nbformat.v4.new_notebook()
    toc = "".join(
        f'<li><a href="#{html.escape(anchor)}">{html.escape(name)}</a></li>'
        for anchor, name, _ in notebooks
    )
    combined.cells.append(
        nbformat.v4.new_markdown_cell(
            f'<nav class="golive-toc"><b>{html.escape(title)}</b><ol>{toc}</ol></nav>'
        )
    )
    for anchor, _name, path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        combined.cells.append(
            nbformat.v4.new_markdown_cell(
                f'<div class="golive-section-break" id="{html.escape(anchor)}"></div>'
            )
        )
        for cell in strip_hidden_cells(nb).cells:
            if "id" in cell:  # ids are unique per notebook only; keep them unique here
                cell["id"] = f"{anchor}-{cell['id']}"[:64]
            combined.cells.append(cell)
    combined.metadata = copy.deepcopy(nb.metadata) if notebooks else combined.metadata
    return combined
