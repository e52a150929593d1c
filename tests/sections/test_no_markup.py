"""Sections give data; the markup is the report layer's (golive_lib/report/html.py and its
templates, autoescaped). A tag written in a section module would be HTML built outside
the templates, where escaping is up to whoever writes it."""

from __future__ import annotations

import re

from conftest import ROOT

TAG = re.compile(r"<(?:table|tr|td|th|div|span|p|ul|li|a|br|code|b|i|h[1-6]|small|details)[\s>/]")


def test_no_section_module_writes_html() -> None:
    sections = ROOT / "golive_lib" / "sections"
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted(sections.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TAG.search(line)
    ]
    assert found == [], "HTML built in a section module:\n" + "\n".join(found)
