"""Read the checks back out of executed notebooks (the notebook is the evidence)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import catalog
from ..model import Check, SectionResult
from ..names import CHECKS_MIME
from ..params import Params
from ..policy import apply


def checks_in_notebook(nb: Any) -> tuple[list[Check], list[str]]:
    """Every check emitted under CHECKS_MIME, last emission of an id wins; plus problems."""
    found: dict[str, Check] = {}
    problems: list[str] = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            payload = output.get("data", {}).get(CHECKS_MIME)
            if payload is None:
                continue
            for raw in payload.get("checks", []) if isinstance(payload, dict) else []:
                try:
                    check = Check.model_validate(raw)
                except ValidationError as e:
                    problems.append(f"cell {index}: malformed check output: {e.errors()[0]['msg']}")
                    continue
                found[check.id] = check
    return list(found.values()), problems


def section_result(
    section: str,
    executed: Path,
    params: Params,
    duration_s: float,
    execution_error: str | None,
    today: date,
) -> SectionResult:
    """The section's checks in catalog order; every catalog check not emitted is `error`."""
    import nbformat

    spec = catalog.SECTIONS_BY_ID[section]
    problems: list[str] = []
    emitted: list[Check] = []
    try:
        nb = nbformat.read(str(executed), as_version=4)
        emitted, problems = checks_in_notebook(nb)
    except Exception as e:  # noqa: BLE001 - an unreadable notebook is a result
        problems.append(f"executed notebook unreadable: {type(e).__name__}: {e}")
    by_id = {c.id: c for c in emitted}
    reason = execution_error or "; ".join(problems) or "the notebook did not evaluate it"
    checks: list[Check] = []
    for cs in catalog.checks_of(section):
        check = by_id.pop(cs.id, None)
        if check is None:
            check = catalog.error(
                cs.id,
                f"not evaluated: {spec.notebook} {reason}".replace(" cell ", " failed at cell ", 1)
                if execution_error
                else f"not evaluated: {spec.notebook}: {reason}",
                remediation="Open the executed notebook in the report folder to see the error.",
            )
        checks.append(apply(check, params, today))
    checks.extend(by_id.values())  # checks outside the catalog are kept, after it
    return SectionResult(
        section=section,
        title=spec.title,
        notebook=spec.notebook,
        checks=tuple(checks),
        execution_error=execution_error,
        duration_s=round(duration_s, 3),
    )
