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

FAILING = "cicd.deploy-environments"


def notebooks(folder: Path) -> Path:
    """00_summary (the real one) and a 02_cicd that passes every check but one."""
    folder.mkdir(exist_ok=True)
    shutil.copy(NOTEBOOKS / "00_summary.ipynb", folder)
    params = new_code_cell('params_path = "unused.yaml"\nrun_date = None')
    params.metadata["tags"] = ["parameters"]
    cells = [
        params,
        new_code_cell(
            "from golive_lib import catalog\nfrom golive_lib.model import Status\n"
            "from golive_lib.notebook import Review\n"
            "review = Review.start('cicd', params_path, run_date)"
        ),
    ]
    for spec in catalog.checks_of("cicd"):
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
    nbformat.write(nb, str(folder / "02_cicd.ipynb"))
    return folder


def review(params: Path, out: Path, nbdir: Path, day: date) -> RunOutcome:
    options = RunOptions(out=out, notebooks_dir=nbdir, workers=2, run_date=day)
    [outcome] = run([params], options)
    return outcome
