"""golive's HTML exporter against nbconvert's own: the same page, less work.

golive's exporter skips HTMLExporter's last pass (BeautifulSoup over the whole page, to add
tabindex and image alt text) and adds those attributes itself. These tests render the
same notebook with both and compare the documents, so an nbconvert upgrade that changes
what HTMLExporter does shows up here.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbformat import v4

from golive_lib.report import render

# a 1x1 PNG
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


def notebook() -> Any:
    nb = v4.new_notebook()
    untrusted = html.escape('<div class="jp-OutputArea-output"><img src="x"></div> & more')
    nb.cells = [
        v4.new_markdown_cell(
            "# Title &amp; more\n\n*a* `b` [c](#c)\n\n| d |\n|---|\n| e |\n\n"
            f'<img src="data:image/png;base64,{PNG}">\n\n'
            f'<img alt="a pixel" src="data:image/png;base64,{PNG}"/>'
        ),
        v4.new_code_cell(
            "pass",
            outputs=[
                v4.new_output("stream", name="stdout", text="out <b>not bold</b>\n"),
                v4.new_output("stream", name="stderr", text="err\n"),
                v4.new_output(
                    "display_data",
                    data={"text/html": f"<table><tr><td>{untrusted}</td></tr></table>"},
                ),
                v4.new_output("display_data", data={"text/markdown": "**bold** &nbsp;"}),
                v4.new_output("display_data", data={"image/png": PNG}),
                v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=1),
                v4.new_output("error", ename="Error", evalue="value", traceback=["tb"]),
            ],
        ),
        v4.new_markdown_cell("end"),
    ]
    nb.metadata["title"] = "t"
    return nb


def stock() -> Any:
    """nbconvert's HTMLExporter, configured as golive's."""
    return HTMLExporter(
        template_name="golive",
        extra_template_basedirs=[str(render.TEMPLATES)],
        extra_template_paths=[str(render.TEMPLATES / "html")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )


def test_the_page_is_the_one_nbconvert_renders() -> None:
    nb = notebook()
    ours, _ = render._exporter().from_notebook_node(nb)
    theirs, _ = stock().from_notebook_node(nb)
    parsed = BeautifulSoup(ours, "html.parser")
    assert str(parsed) == str(BeautifulSoup(theirs, "html.parser"))
    # and what the comparison covers is there
    focusable = parsed.select('[tabindex="0"]')
    assert len(parsed.select("div.jp-OutputArea-output")) == 7
    assert len(focusable) == 7 + 2  # the outputs, the two markdown cells
    alts = [img.get("alt") for img in parsed.select("img")]
    assert alts == [
        "No description has been provided for this image",
        "a pixel",
        "No description has been provided for this image",
    ]


def test_escaped_text_is_left_as_it_is() -> None:
    ours, _ = render._exporter().from_notebook_node(notebook())
    assert '&lt;div class="jp-OutputArea-output"&gt;&lt;img src="x"&gt;' in ours.replace(
        "&quot;", '"'
    )


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        (
            '<img src="a.png">',
            '<img src="a.png" alt="No description has been provided for this image">',
        ),
        (
            '<img src="a.png" />',
            '<img src="a.png" alt="No description has been provided for this image" />',
        ),
        ('<img alt="" src="a.png">', '<img alt="" src="a.png">'),
        ('<div class="jp-Cell-inputWrapper">', '<div class="jp-Cell-inputWrapper" tabindex="0">'),
        (
            '<div class="jp-RenderedText jp-OutputArea-output" data-mime-type="text/plain">',
            '<div class="jp-RenderedText jp-OutputArea-output" data-mime-type="text/plain"'
            ' tabindex="0">',
        ),
        ('<div class="jp-OutputArea-output-x">', '<div class="jp-OutputArea-output-x">'),
        ('<div class="jp-OutputArea">', '<div class="jp-OutputArea">'),
    ],
)
def test_accessible_attributes(markup: str, expected: str) -> None:
    assert render._accessible(markup) == expected
