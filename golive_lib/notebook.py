"""What the section notebooks call: load the review's parameters, show and emit checks.

Every check shown is also emitted under CHECKS_MIME, so the executed notebook is the
evidence and the report builder reads the checks back from it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import catalog, htmlfmt, redaction
from .model import Check, Status
from .names import CHECKS_MIME, LAB_PARAMS_ENV
from .params import Params, load_params
from .policy import apply


def _display(bundle: dict[str, Any]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


def resolve_params_path(params_path: str | os.PathLike[str]) -> Path:
    """The parameters file to review: `golive lab` preselects one through the environment."""
    chosen = os.environ.get(LAB_PARAMS_ENV) or params_path
    return Path(chosen).expanduser()


@dataclass
class Review:
    """One section's review in a notebook: its parameters and the checks shown so far."""

    section: str
    params: Params
    params_path: Path
    today: date
    checks: list[Check] = field(default_factory=list)

    @classmethod
    def start(
        cls, section: str, params_path: str | os.PathLike[str], run_date: str | None = None
    ) -> Review:
        if section not in catalog.SECTION_PREFIX and section != catalog.SUMMARY.id:
            raise KeyError(f"unknown section {section!r}")
        path = resolve_params_path(params_path)
        params = load_params(path)
        redaction.use(params)  # the children it runs, and what they print
        today = date.fromisoformat(run_date) if run_date else date.today()
        return cls(section=section, params=params, params_path=path, today=today)

    @property
    def repo(self) -> Path:
        return self.params.repository

    def finalize(self, check: Check) -> Check:
        return apply(check, self.params, self.today)

    def show(self, check: Check) -> None:
        """Record a check, display it, and emit it for the report builder."""
        check = self.finalize(check)
        self.checks = [c for c in self.checks if c.id != check.id] + [check]
        _display(
            {
                CHECKS_MIME: {"checks": [check.model_dump(mode="json")]},
                "text/html": htmlfmt.check_card(check),
                "text/plain": f"[{check.status.value}] {check.id}: {check.summary}",
            }
        )

    def table(self) -> None:
        """A readable table of every check of this section shown so far."""
        order = (
            [c.id for c in catalog.checks_of(self.section)]
            if self.section in catalog.SECTION_PREFIX
            else []
        )
        ranked = sorted(
            self.checks, key=lambda c: order.index(c.id) if c.id in order else len(order)
        )
        plain = "\n".join(f"{c.status.value:8} {c.id}  {c.summary}" for c in ranked)
        _display({"text/html": htmlfmt.checks_table(ranked), "text/plain": plain})

    def missing(self) -> list[str]:
        """Catalog checks of this section not shown yet."""
        shown = {c.id for c in self.checks}
        return [s.id for s in catalog.checks_of(self.section) if s.id not in shown]

    def counts(self) -> dict[Status, int]:
        return {s: sum(1 for c in self.checks if c.status is s) for s in Status}
