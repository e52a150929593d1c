"""`golive run` gives each section notebook an ``artifacts_dir`` inside the report folder:
what a notebook keeps there (a live Locust run's CSVs) ends up in the final report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import minirun
import nbformat
from nbformat.v4 import new_code_cell


def test_files_kept_in_artifacts_dir_land_in_the_report_folder(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    params = tmp_path / "svc.yaml"
    params.write_text(minirun.PARAMS.format(name="svc"))
    nbdir = minirun.notebooks(tmp_path / "nb")
    path = nbdir / "02_cicd.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    tagged = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    tagged.source += "\nartifacts_dir = None"  # declared: golive injects only declared names
    nb.cells.insert(
        2,
        new_code_cell(
            "from pathlib import Path\n"
            "kept = Path(artifacts_dir)\n"
            "kept.mkdir(parents=True)\n"
            "(kept / 'locust_stats.csv').write_text('Type,Name\\n')"
        ),
    )
    nbformat.write(nb, str(path))
    outcome = minirun.review(params, tmp_path / "reports", nbdir, date(2026, 5, 1))
    assert outcome.folder is not None
    assert (outcome.folder / "artifacts" / "cicd" / "locust_stats.csv").read_text() == "Type,Name\n"
    # only the sections get one; nothing else is created there
    assert [p.name for p in (outcome.folder / "artifacts").iterdir()] == ["cicd"]
