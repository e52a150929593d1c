"""The one root exception and its typed children. Only the CLI turns them into exit codes."""

from __future__ import annotations


class GoliveError(Exception):
    """Root of every error golive raises on purpose."""


class ParamsError(GoliveError):
    """A parameters file is missing or invalid. Nothing has been written."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: invalid parameters\n{lines}")


class SourceError(GoliveError):
    """A source (file, repository, server) could not deliver its data.

    Sections turn it into a check with status ``error``; it never escapes a report.
    """

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


class ReportError(GoliveError):
    """A report could not be produced or read (e.g. a missing report folder)."""
