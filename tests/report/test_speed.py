"""golive_lib.report.speed: the speed layer is on only when an entry point switched it on,
off (stock papermill and kernels) with GOLIVE_PLAIN_KERNELS=1 or an untested version,
and a review works either way."""

from __future__ import annotations

import ast
import json
import os
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbformat.v4 import new_code_cell, new_notebook

from golive_lib.report import execute, speed


def _versions(**given: str):  # type: ignore[no-untyped-def]
    def version_of(name: str) -> str:
        if name not in given:
            raise metadata.PackageNotFoundError(name)
        return given[name]

    return version_of


def test_versions_outside_the_tested_ranges_are_named_with_the_range() -> None:
    found = speed.untested(_versions(papermill="3.0.1", nbclient="0.11.0"))
    low, high = speed.TESTED["papermill"]
    assert found == [
        f"papermill 3.0.1 (tested: {low[0]}.{low[1]} to below {high[0]}.{high[1]})",
        f"jupyter_client not installed (tested: {speed.TESTED['jupyter_client'][0][0]}."
        f"{speed.TESTED['jupyter_client'][0][1]} to below "
        f"{speed.TESTED['jupyter_client'][1][0]}.{speed.TESTED['jupyter_client'][1][1]})",
    ]
    lowest = {name: f"{low[0]}.{low[1]}.0rc1" for name, (low, _high) in speed.TESTED.items()}
    assert speed.untested(_versions(**lowest)) == []
    below = {name: f"{high[0]}.{high[1] - 1}.99" for name, (_low, high) in speed.TESTED.items()}
    assert speed.untested(_versions(**below)) == []
    at_high = {name: f"{high[0]}.{high[1]}.0" for name, (_low, high) in speed.TESTED.items()}
    assert len(speed.untested(_versions(**at_high))) == len(speed.TESTED)
    assert len(speed.untested(_versions(papermill="dev", nbclient="", jupyter_client="9"))) == 3


def test_the_installed_papermill_nbclient_and_jupyter_client_are_tested_ones() -> None:
    # A dependency upgrade outside TESTED turns the layer off (slower reviews): widen the
    # range in speed.TESTED once this suite passed with the new version.
    assert speed.untested() == []


def test_an_untested_version_turns_the_layer_off_with_one_warning(monkeypatch, capsys) -> None:
    monkeypatch.setattr(speed, "_on", False)
    monkeypatch.setattr(speed, "_warned", False)
    monkeypatch.setattr(speed, "TESTED", {**speed.TESTED, "papermill": ((9, 0), (9, 1))})
    monkeypatch.delenv(speed.PLAIN_ENV, raising=False)
    assert speed.switch_on() is False
    assert speed.switch_on() is False
    err = capsys.readouterr().err
    assert err.count("speed layer is off") == 1
    assert f"untested papermill {metadata.version('papermill')}" in err
    assert not speed.active()
    assert speed.execute_options() == {}
    with speed.template() as t:
        assert t is None


def test_plain_mode_asks_for_stock_papermill_and_kernels(monkeypatch) -> None:
    monkeypatch.setattr(speed, "_on", False)
    monkeypatch.delenv(speed.PLAIN_ENV, raising=False)
    assert speed.switch_on() is True  # the tested versions are installed
    options = speed.execute_options()
    assert options["engine_name"] == speed.ENGINE
    assert options["kernel_manager_class"].__name__ == "TemplateKernelManager"
    monkeypatch.setenv(speed.PLAIN_ENV, "1")
    assert not speed.active()
    assert speed.execute_options() == {}
    with speed.template() as t:
        assert t is None
    monkeypatch.setattr(speed, "_on", False)
    assert speed.switch_on() is False  # asked for plain: not switched on at all


def test_a_library_caller_that_switches_nothing_on_gets_stock_papermill(monkeypatch) -> None:
    monkeypatch.setattr(speed, "_on", False)
    monkeypatch.delenv(speed.PLAIN_ENV, raising=False)
    assert not speed.active()
    assert speed.execute_options() == {}


PROBE = """\
import json, os, sys
json.dumps({"ppid": os.getppid(), "preloaded": "golive_lib.params" in sys.modules})
"""


@pytest.mark.integration  # a Jupyter kernel
def test_a_notebook_runs_on_a_stock_kernel_in_plain_mode(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(speed.PLAIN_ENV, "1")
    source = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(PROBE)]), str(source))
    with speed.template() as t:
        assert t is None
        run = execute.execute(source, tmp_path / "out.ipynb", {}, 60)
    assert run.error is None, run.error
    out = nbformat.read(str(run.notebook), as_version=4)
    seen = json.loads(ast.literal_eval(out.cells[0].outputs[0]["data"]["text/plain"]))
    # started by jupyter_client from this process, not forked from a template
    assert seen == {"ppid": os.getpid(), "preloaded": False}


FENCED = ("jupyter_client", "nbclient", "papermill.engines", "papermill.iorw")
INSIDE = {"report/speed.py", "report/kernels.py"}


def _imports(path: Path) -> set[str]:
    """Absolute names of the modules a file of golive_lib imports (relative ones resolved)."""
    package = ["golive_lib", *path.relative_to(ROOT / "golive_lib").parent.parts]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{a.name}" for a in node.names)
    return names


def test_only_the_speed_layer_reaches_into_papermill_nbclient_and_jupyter_client() -> None:
    outside = {}
    for path in sorted((ROOT / "golive_lib").rglob("*.py")):
        where = path.relative_to(ROOT / "golive_lib").as_posix()
        if where in INSIDE:
            continue
        fenced = {
            name
            for name in _imports(path)
            if name == "golive_lib.report.kernels"
            or any(name == f or name.startswith(f + ".") for f in FENCED)
        }
        if fenced:
            outside[where] = sorted(fenced)
    assert outside == {}, "import these through golive_lib.report.speed"
