"""Render executed notebooks to HTML with nbconvert: inputs hidden, plotly drawn offline.

nbconvert cannot draw plotly's JSON output; `plotly_to_html` turns each figure into
HTML, with a slot before the first figure of a file where plotly.js belongs, so an
executed notebook keeps kilobytes of JSON. A section page loads the library from one
``plotly.min.js`` written beside it (once per report folder); report.html carries it
inline, once, so that one file works offline on its own.
"""

from __future__ import annotations

import copy
import functools
import html
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..names import INJECTED_TAG, PARAMETERS_TAG, PLOTLY_MIME

TEMPLATES = Path(__file__).parent / "templates"
HIDDEN_TAGS = frozenset({PARAMETERS_TAG, INJECTED_TAG, "golive-hidden"})


# Where plotly.js goes in a rendered page: it is put in when the page is written (see
# `write_page`), so nbconvert's templates, `_accessible` and `fragment` never go through
# its 4.8 MB, nor is it encoded again for each page.
PLOTLY_JS_SLOT = "<!-- golive:plotly.js -->"


def strip_hidden_cells(nb: Any) -> Any:
    """The notebook without the parameters cells (transform, idempotent; the input is not
    changed and the cells kept are shared with it)."""
    import nbformat

    out = nbformat.NotebookNode({**nb})
    out.cells = [
        c for c in nb.cells if not HIDDEN_TAGS.intersection(c.get("metadata", {}).get("tags", []))
    ]
    return out


def plotly_to_html(nb: Any) -> Any:
    """The notebook with each plotly JSON output as HTML (the input is not changed).

    The first figure holds ``PLOTLY_JS_SLOT`` where plotly.js belongs (see `write_page`).
    """
    import nbformat
    import plotly.io as pio

    out = nbformat.NotebookNode({**nb})
    out.cells = []
    first = True
    for cell in nb.cells:
        outputs = cell.get("outputs", []) if cell.cell_type == "code" else []
        if not any(PLOTLY_MIME in o.get("data", {}) for o in outputs):
            out.cells.append(cell)
            continue
        cell = copy.copy(cell)
        cell.outputs = []
        for output in outputs:
            fig = output.get("data", {}).get(PLOTLY_MIME)
            if fig is None:
                cell.outputs.append(output)
                continue
            try:
                markup = pio.to_html(
                    dict(fig),
                    include_plotlyjs=False,
                    full_html=False,
                    validate=False,
                    config={"displaylogo": False, "responsive": True},
                )
                if first:
                    markup = PLOTLY_JS_SLOT + markup
                    first = False
            except Exception as e:  # noqa: BLE001 - a bad figure must not lose the report
                markup = f"<pre>figure could not be drawn: {html.escape(str(e))}</pre>"
            output = copy.copy(output)
            output["data"] = {"text/html": markup}
            cell.outputs.append(output)
        out.cells.append(cell)
    return out


# nbconvert's HTMLExporter ends by parsing the whole page with BeautifulSoup and writing
# it out again, only to add these attributes: about half of a page's rendering time (and
# more, the larger its outputs). `_accessible` adds them to the template's own markup.
_FOCUSABLE = re.compile(  # a div whose classes include one of these two
    r'(<div class="(?:jp-Cell-inputWrapper|[^"<>]*?(?<![\w-])jp-OutputArea-output(?![\w-])'
    r'[^"<>]*)"[^<>]*?)(>)'
)
_IMG_WITHOUT_ALT = re.compile(r"(<img\b(?![^<>]*\balt=)[^<>]*?)(\s*/?>)")
_NO_ALT = ' alt="No description has been provided for this image"'


def _accessible(page: str) -> str:
    """What nbconvert's HTMLExporter adds after rendering: cells and outputs reachable
    with the keyboard (tabindex), a text for every image without one."""
    page = _FOCUSABLE.sub(r'\1 tabindex="0"\2', page)
    return _IMG_WITHOUT_ALT.sub(lambda m: m.group(1) + _NO_ALT + m.group(2), page)


@functools.cache
def _exporter() -> Any:
    """One HTML exporter per process, its templates compiled once (preload() builds it
    before the worker processes fork, so they inherit it)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class Exporter(HTMLExporter):
        """HTMLExporter.from_notebook_node without its BeautifulSoup pass (see
        `_accessible`; tests/report/test_render.py compares the two)."""

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            this: Any = self  # nbconvert's methods are not typed
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name"))
            highlight = Highlight2HTML(pygments_lexer=lexer, parent=self)
            this.register_filter("highlight_code", self.filters.get("highlight_code", highlight))
            resources = this._init_resources(resources)
            this.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources
                ),
            )
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _accessible(page), resources

    make: Any = Exporter  # nor is their constructor
    exporter = make(
        template_name="golive",
        extra_template_basedirs=[str(TEMPLATES)],
        extra_template_paths=[str(TEMPLATES / "html")],  # page.css: one stylesheet for all
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        # validate the notebook once, after the preprocessors, not after each of them
        optimistic_validation=True,
    )
    exporter.template  # noqa: B018 - compiles the template chain now
    return exporter


@functools.cache
def _plotly_js() -> bytes:
    """plotly.js as a page carries it, encoded once per process."""
    from plotly.offline import get_plotlyjs

    # what plotly.io.to_html(include_plotlyjs=True) puts before the first figure
    config = "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
    return f"{config}<script>{get_plotlyjs()}</script>".encode()


def page_with_slot(nb: Any, title: str) -> str:
    """The notebook as one HTML page, code inputs and prompts hidden, ``PLOTLY_JS_SLOT``
    where plotly.js belongs if it holds a figure (`write_page` fills it)."""
    nb = plotly_to_html(strip_hidden_cells(nb))
    nb.metadata = {**nb.metadata, "title": title}
    body, _ = _exporter().from_notebook_node(nb)
    return str(body)


# The file a section page loads plotly.js from, beside it in the report folder.
PLOTLY_JS_FILE = "plotly.min.js"
# The stylesheet section pages share, cut from between these markers of a page.
CSS_FILE = "golive.css"
CSS_START, CSS_END = "<!-- golive:css -->", "<!-- /golive:css -->"
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)


@functools.cache
def _plotly_js_file() -> bytes:
    """plotly.js as `PLOTLY_JS_FILE` holds it (the library only, no markup)."""
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs()).encode()


def _plotly_js_link() -> bytes:
    """What a section page holds in its slot: the same configuration as inline, then the
    library from the file beside the page."""
    config = "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
    return f'{config}<script src="{PLOTLY_JS_FILE}" charset="utf-8"></script>'.encode()


def _write_once(target: Path, content: bytes) -> None:
    """Write a file shared by the pages of a folder unless it is there: atomically, so
    that pages rendered at the same time by several processes never see half a file."""
    if target.exists():
        return
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, target)


def write_plotly_js(folder: Path) -> None:
    """Write `PLOTLY_JS_FILE` into ``folder`` unless it is there."""
    _write_once(folder / PLOTLY_JS_FILE, _plotly_js_file())


def _shared_css(page: str, folder: Path | None) -> str:
    """The page with JupyterLab's stylesheet (between the template's markers) left
    inline, or, given the page's ``folder``, moved into `CSS_FILE` there and linked."""
    start, end = page.find(CSS_START), page.find(CSS_END)
    if start < 0 or end < start:
        return page
    css = page[start + len(CSS_START) : end]
    if folder is None:
        return page[:start] + css + page[end + len(CSS_END) :]
    _write_once(folder / CSS_FILE, "\n".join(_STYLE.findall(css)).encode())
    link = f'<link rel="stylesheet" href="{CSS_FILE}">'
    return page[:start] + link + page[end + len(CSS_END) :]


def write_page(target: Path, page: str, *, shared_js: bool = False) -> None:
    """Write a page from `page_with_slot` or `report_page`, plotly.js in its slot and
    JupyterLab's stylesheet inline (plotly.js encoded once per process, not once per
    page), or with ``shared_js`` as links to `PLOTLY_JS_FILE` and `CSS_FILE` beside the
    page, which are then written if they are not there yet."""
    # the markers and the slot come from the template and a figure's markup only;
    # untrusted text is escaped by then
    page = _shared_css(page, target.parent if shared_js else None)
    before, slot, after = page.partition(PLOTLY_JS_SLOT)
    if slot and shared_js:
        write_plotly_js(target.parent)
    with target.open("wb") as f:
        f.write(before.encode())
        if slot:
            f.write(_plotly_js_link() if shared_js else _plotly_js())
        f.write(after.encode())


def warm_up() -> None:
    """Render a small notebook holding every kind of output, once: what nbconvert and
    plotly build lazily on a first render (sub-templates, the CSS selectors and regular
    expressions of the image embedding, the markdown parser, plotly.js read from disk
    and encoded; ~0.3-0.6 s) is then built in the process that calls this. preload()
    calls it before the pool forks, so no worker builds it again."""
    from nbformat import v4

    nb = v4.new_notebook()
    outputs = [
        v4.new_output("stream", name="stdout", text="text\n"),
        v4.new_output("display_data", data={"text/html": "<table><tr><td>x</td></tr></table>"}),
        v4.new_output("display_data", data={PLOTLY_MIME: {"data": [], "layout": {}}}),
        v4.new_output("error", ename="Error", evalue="value", traceback=["traceback"]),
    ]
    nb.cells = [
        v4.new_markdown_cell("# Title\n\n*a* `b` [c](#c)\n\n| d |\n|---|\n| e |"),
        v4.new_code_cell("pass", outputs=outputs),
    ]
    page_with_slot(nb, "warm-up")
    _plotly_js()
    _plotly_js_file()


def read_notebook(path: Path) -> Any:
    """An executed notebook as papermill wrote it (nbformat 4; not validated again)."""
    from nbformat import v4

    return v4.reads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Fragment:
    """A rendered page's cells as report.html takes them: behind the page's anchor, its
    cell ids prefixed with that anchor (they are unique within one notebook only), and
    without plotly.js (``plotly``: the page carried it; report.html carries it once)."""

    anchor: str
    name: str
    cells: str
    plotly: bool


def render_notebook(
    executed: Path, target: Path, title: str, anchor: str = "", name: str = ""
) -> Fragment:
    """Write the notebook's page (``title``: the page's); its fragment for report.html,
    behind ``anchor`` and listed as ``name`` in its table of contents."""
    page = page_with_slot(read_notebook(executed), title)
    write_page(target, page, shared_js=True)
    return fragment(page, anchor or target.stem, name or title, target.name)


_CELL_ID = re.compile(r'id="cell-id=([^"]*)"')


def fragment(page: str, anchor: str, name: str, source: str = "page") -> Fragment:
    """The fragment of a page rendered by `page_with_slot` (ValueError for anything
    else)."""
    # untrusted text is escaped, so these tags come from the template only
    start, end = page.find("<main>"), page.rfind("</main>")
    if start < 0 or end < start:
        raise ValueError(f"{source}: not a page rendered by golive (no <main>)")
    cells = page[start + len("<main>") : end]
    cut = cells.find(PLOTLY_JS_SLOT)  # report.html carries plotly.js once, itself
    if cut >= 0:
        cells = cells[:cut] + cells[cut + len(PLOTLY_JS_SLOT) :]
    cells = _CELL_ID.sub(lambda m: f'id="cell-id={anchor}-{m.group(1)}"', cells)
    return Fragment(anchor, name, cells, plotly=cut >= 0)


def report_page(parts: list[Fragment], title: str) -> str:
    """report.html from the pages already rendered: a table of contents, then each
    page's cells behind its anchor; plotly.js once, before the first page with figures
    (its slot: write it with `write_page`).

    The cells are not rendered a second time (nbconvert over every cell of the review
    again was the longest job at the end of a review), nor read back from the pages:
    each page's fragment was cut when it was rendered, while later sections ran.
    """
    from nbformat import v4

    toc = "".join(
        f'<li><a href="#{html.escape(p.anchor)}">{html.escape(p.name)}</a></li>' for p in parts
    )
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_markdown_cell(
            f'<nav class="golive-toc"><b>{html.escape(title)}</b><ol>{toc}</ol></nav>'
        )
    ]
    page = page_with_slot(nb, title)
    pieces = []
    has_library = False
    for part in parts:
        pieces.append(
            '<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell">'
            f'<div class="golive-section-break" id="{html.escape(part.anchor)}"></div></div>'
        )
        if part.plotly and not has_library:
            pieces.append(PLOTLY_JS_SLOT)
            has_library = True
        pieces.append(part.cells)
    end = page.rfind("</main>")
    return page[:end] + "".join(pieces) + page[end:]
