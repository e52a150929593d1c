"""A disruptive section (catalog.DISRUPTIVE: the pre-mortem's fault drill) starts only
after every other section of the review has ended, even with free workers."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import nbformat
from minirun import PARAMS
from nbformat.v4 import new_code_cell, new_notebook

from golive_lib import catalog
from golive_lib.report.run import RunOptions, run


def _sleeper(path: Path, seconds: float) -> None:
    params = new_code_cell('params_path = "unused.yaml"\nrun_date = None')
    params.metadata["tags"] = ["parameters"]
    cells = [params, new_code_cell(f"import time\ntime.sleep({seconds})")]
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, str(path))


def _times(nb: Path) -> tuple[datetime, datetime]:
    meta = json.loads(nb.read_text())["metadata"]["papermill"]
    return datetime.fromisoformat(meta["start_time"]), datetime.fromisoformat(meta["end_time"])


def test_the_premortem_notebook_starts_after_the_other_sections_ended(tmp_path: Path) -> None:
    assert "premortem" in catalog.DISRUPTIVE
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    _sleeper(nbdir / "04_premortem.ipynb", 0)
    _sleeper(nbdir / "05_observability.ipynb", 2)  # slow: a parallel start would overlap
    _sleeper(nbdir / "09_testing.ipynb", 1)
    (tmp_path / "repo").mkdir()
    params = tmp_path / "svc.yaml"
    params.write_text(PARAMS.format(name="svc"))
    options = RunOptions(
        out=tmp_path / "reports", notebooks_dir=nbdir, workers=3, run_date=date(2026, 11, 27)
    )
    [outcome] = run([params], options)
    assert outcome.folder is not None, outcome.error
    start, _ = _times(outcome.folder / "04_premortem.ipynb")
    ended = [_times(outcome.folder / n)[1] for n in ("05_observability.ipynb", "09_testing.ipynb")]
    assert start >= max(ended)
    # the report keeps checklist order whatever the execution order
    doc = json.loads((outcome.folder / "results.json").read_text())
    assert [s["id"] for s in doc["sections"]] == ["premortem", "observability", "testing"]
