"""The notebooks: thin, committed without outputs, one parameters cell, narrative per check."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from conftest import EXAMPLE_PARAMS, NOTEBOOKS

from golive_lib import catalog
from golive_lib.names import CHECKS_MIME

NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_the_foundation_notebooks_exist():
    names = {p.name for p in NOTEBOOK_FILES}
    assert {"00_summary.ipynb", "01_architecture.ipynb", "02_cicd.ipynb"} <= names
    known = {catalog.SUMMARY.notebook} | {s.notebook for s in catalog.SECTIONS}
    assert names <= known, names - known


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_one_parameters_cell_whose_defaults_review_the_example(path):
    nb = nbformat.read(str(path), as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    namespace: dict[str, object] = {}
    exec(tagged[0].source, namespace)  # literal assignments only
    assert (NOTEBOOKS / str(namespace["params_path"])).resolve() == EXAMPLE_PARAMS.resolve()


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_code_cells_are_short_calls_into_the_library(path):
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert len(cell.source.splitlines()) <= 8, cell.source
            assert "def " not in cell.source and "class " not in cell.source


@pytest.mark.parametrize(
    "section",
    [s for s in catalog.SECTIONS if (NOTEBOOKS / s.notebook).exists()],
    ids=lambda s: s.id,
)
def test_every_check_has_its_narrative_and_its_call(section):
    nb = nbformat.read(str(NOTEBOOKS / section.notebook), as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for spec in catalog.checks_of(section.id):
        assert f"`{spec.id}`" in markdown, spec.id
        assert "**Why:**" in markdown and "**Fix:**" in markdown
        function = spec.id.split(".", 1)[1].replace("-", "_")
        assert f".{function}(" in code, spec.id


@pytest.mark.integration  # a Jupyter kernel per notebook
@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_each_notebook_runs_with_plain_papermill_and_its_defaults(tmp_path, path):
    """No golive in the loop: papermill's own CLI, no parameters, as "Run all" would."""
    out = tmp_path / "out.ipynb"
    result = subprocess.run(
        [sys.executable, "-m", "papermill", str(path), str(out), "--cwd", str(NOTEBOOKS)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    nb = json.loads(out.read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    section = next((s for s in catalog.SECTIONS if s.notebook == path.name), None)
    if section is None:  # the summary evaluates the sections live without a results.json
        html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
        assert "ingest-api on" in html and "NO-GO" in html
        assert "cicd.deploy-environments" in html
        return
    emitted = [o["data"][CHECKS_MIME] for o in outputs if CHECKS_MIME in o.get("data", {})]
    ids = {check["id"] for payload in emitted for check in payload["checks"]}
    assert ids == {s.id for s in catalog.checks_of(section.id)}
