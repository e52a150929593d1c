"""Batch reviews: the progress display, the summary table and the exit code of a run.

The display is rich's (one bar per service, its current section) when stderr is a
terminal, plain `golive: ...` lines otherwise (CI logs). The summary table names every
service, its decision, its counts and its report folder, or why it could not be reviewed.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from .run import ProgressEvent, RunOutcome

EXIT_GO, EXIT_NO_GO, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
STATUS_ORDER = ("pass", "fail", "warn", "error", "pending", "waived", "n/a")


def exit_code(outcomes: Sequence[RunOutcome], no_go: Callable[[RunOutcome], bool]) -> int:
    """The worst outcome: 3 if a service could not be reviewed, else 1 if ``no_go`` holds
    for one, else 0."""
    if any(not o.ok for o in outcomes):
        return EXIT_INTERNAL
    return EXIT_NO_GO if any(no_go(o) for o in outcomes) else EXIT_GO


def counts_text(counts: dict[str, int]) -> str:
    keys = [k for k in STATUS_ORDER if k in counts] + [k for k in counts if k not in STATUS_ORDER]
    return ", ".join(f"{counts[k]} {k}" for k in keys if counts[k])


def summary_rows(outcomes: Sequence[RunOutcome]) -> list[tuple[str, str, str, str]]:
    """(service, decision, counts, report folder or the reason it has none)."""
    rows = []
    for o in outcomes:
        if o.ok and o.decision is not None:
            rows.append((o.service, o.decision.value.upper(), counts_text(o.counts), str(o.folder)))
        else:
            rows.append((o.service, "NOT REVIEWED", "", f"error: {o.error}"))
    return rows


def plain_table(rows: Sequence[tuple[str, ...]]) -> str:
    header = ("service", "decision", "counts", "report")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    return "\n".join(lines)


def print_summary(outcomes: Sequence[RunOutcome], stream: TextIO | None = None) -> None:
    """The summary table on stderr: rich on a terminal, aligned plain text otherwise."""
    stream = stream or sys.stderr
    rows = summary_rows(outcomes)
    if stream.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title="golive run")
        for col in ("service", "decision", "counts", "report"):
            table.add_column(col, overflow="fold")
        style = {"GO": "green", "NO-GO": "red", "NOT REVIEWED": "bold red"}
        for service, decision, counts, report in rows:
            table.add_row(service, f"[{style.get(decision, '')}]{decision}", counts, report)
        Console(file=stream).print(table)
    else:
        stream.write(plain_table(rows) + "\n")
        stream.flush()


class RichProgress:
    """One progress bar per service (steps: its sections, summary, rendering), showing
    the step that ended last. Thread-safe: rich's Progress holds a lock."""

    def __init__(self, services: Sequence[str], stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("{task.fields[service]}", style="bold"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=Console(file=stream),
            transient=False,
        )
        self._tasks = {
            s: self._progress.add_task("queued", total=None, service=s) for s in services
        }
        self._lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        task = self._tasks.get(event.service)
        if task is None:
            return
        with self._lock:
            update: dict[str, Any] = {"description": event.message}
            if event.total:
                update["total"] = event.total
                update["completed"] = event.steps
            if event.stage == "done":
                task_total = self._progress.tasks[task].total or 1
                update["completed"] = task_total
                update["description"] = (
                    f"[green]{event.message}"
                    if event.message == "GO"
                    else (f"[red]{event.message}")
                )
            elif event.stage == "failed":
                update["description"] = f"[bold red]{event.message}"
            self._progress.update(task, **update)

    def start(self) -> None:
        self._progress.start()

    def stop(self) -> None:
        self._progress.stop()


@contextmanager
def progress_display(
    services: Sequence[str], stream: TextIO | None = None
) -> Iterator[tuple[Callable[[str], None], Callable[[ProgressEvent], None] | None]]:
    """(plain line callback, structured event callback) for RunOptions: rich bars on a
    terminal (plain lines off), plain `golive: ...` lines otherwise."""
    stream = stream or sys.stderr

    def plain(message: str) -> None:
        stream.write(f"golive: {message}\n")
        stream.flush()

    if not stream.isatty():
        yield plain, None
        return
    display = RichProgress(services, stream)
    display.start()
    try:
        yield (lambda _msg: None), display
    finally:
        display.stop()
