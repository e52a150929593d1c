"""Real small runs for the sign-off and history tests: the real summary notebook and a
short CI/CD notebook written here (real papermill, real kernels, real rendering)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import nbformat
from conftest import NOTEBOOKS
from nbformat.v4 import new_code_cell, new_notebook

from golive_lib import catalog
from golive_lib.report.run import RunOptions, RunOutcome, run

PARAMS = """\
schema_version: 1
service: {{name: {name}, owner_team: t, escalation: e, tier: 1}}
repository: repo
signoff: {{required_roles: [service-owner, sre]}}
"""

FAILING = FAILING_DEFAULT = "cicd.deploy-environments"


def notebooks(folder: Path, sections: tuple[str, ...] = ("cicd",), pause_s: float = 0) -> Path:
    """00_summary (the real one) and a notebook per section (02_cicd alone by default)
    that passes every check but FAILING; with ``pause_s``, each first sleeps that long."""
    folder.mkdir(exist_ok=True)
    shutil.copy(NOTEBOOKS / "00_summary.ipynb", folder)
    for section in sections:
        params = new_code_cell('params_path = "unused.yaml"\nrun_date = None')
        params.metadata["tags"] = ["parameters"]
        cells = [
            params,
            new_code_cell(
                "import time\nfrom golive_lib import catalog\nfrom golive_lib.model import Status\n"
                "from golive_lib.notebook import Review\n"
                f"review = Review.start({section!r}, params_path, run_date)\n"
                f"time.sleep({pause_s})"
            ),
        ]
        for spec in catalog.checks_of(section):
            status = "FAIL" if spec.id == FAILING else "PASS"
            cells.append(
                new_code_cell(f"review.show(catalog.make({spec.id!r}, Status.{status}, 'found'))")
            )
        nb = new_notebook(
            cells=cells,
            metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            },
        )
        nbformat.write(nb, str(folder / catalog.SECTIONS_BY_ID[section].notebook))
    return folder


def review(params: Path, out: Path, nbdir: Path, day: date) -> RunOutcome:
    options = RunOptions(out=out, notebooks_dir=nbdir, workers=2, run_date=day)
    [outcome] = run([params], options)
    return outcome
