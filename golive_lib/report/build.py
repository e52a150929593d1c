"""The build of one service's report in its temporary folder: execute the section
notebooks (disruptive ones last), read their checks into results.json, run the
summary, render every page and report.html, write index.html and the JUnit file."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .. import catalog, paramsfile
from ..catalog import SectionSpec
from ..model import Decision, SectionResult, count_statuses, decide
from ..names import INDEX_HTML, JUNIT_XML, REPORT_HTML, RESULTS_JSON
from ..params import Params, params_sha256
from . import collect, execute, history, index, render, results
from .options import RunOptions, _checkpoint, _result, emit


class _Tracking:
    """Submits to a pool and remembers the futures, so an aborted review can wait for
    its own jobs before removing their folder."""

    def __init__(self, pool: Executor, submitted: list[Future[Any]]) -> None:
        self._pool = pool
        self._submitted = submitted

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        future = self._pool.submit(fn, *args)
        self._submitted.append(future)
        return future


@dataclass(frozen=True)
class _Service:
    """What every step of one service's build shares."""

    params_path: Path
    params: Params
    options: RunOptions
    pool: _Tracking
    run_date: date
    tmp: Path
    abort: threading.Event | None
    injected: dict[str, str]  # the parameters every notebook gets
    timeout: int
    total: int  # progress steps: sections, summary, rendering

    @property
    def name(self) -> str:
        return self.params.service.name

    def execute(self, notebook: str, extra: dict[str, str]) -> Future[Any]:
        """Run a notebook on the pool: papermill runs in worker processes only."""
        return self.pool.submit(
            execute.execute,
            self.options.notebooks_dir / notebook,
            self.tmp / notebook,
            {**self.injected, **extra},
            self.timeout,
            self.options.notebooks_dir,
        )

    def render(self, anchor: str, title: str, notebook: str) -> Future[Any]:
        path = self.tmp / notebook
        target = self.tmp / path.name.replace(".ipynb", ".html")
        page_title = f"{self.name} · {title} · {self.run_date.isoformat()}"
        return self.pool.submit(render.render_notebook, path, target, page_title, anchor, title)


def _build(
    params_path: Path,
    params: Params,
    options: RunOptions,
    pool: _Tracking,
    run_date: date,
    sections: list[SectionSpec],
    tmp: Path,
    abort: threading.Event | None = None,
) -> tuple[Decision, dict[str, int]]:
    timeout = options.cell_timeout_s or params.execution.cell_timeout_s
    injected = {"params_path": str(params_path.resolve()), "run_date": run_date.isoformat()}
    has_summary = (options.notebooks_dir / catalog.SUMMARY.notebook).is_file()
    total = len(sections) + int(has_summary) + 1  # sections, summary, rendering
    sv = _Service(
        params_path, params, options, pool, run_date, tmp, abort, injected, timeout, total
    )
    emit(options, sv.name, "start", f"executing {len(sections)} section notebooks", total=total)
    renders: dict[str, Future[Any]] = {}  # anchor -> its page's fragment for report.html
    runs = _run_sections(sv, sections, renders)
    section_results = [
        collect.section_result(
            s.id, runs[s.id].notebook, params, runs[s.id].duration_s, runs[s.id].error, run_date
        )
        for s in sections
    ]
    doc = _write_results(sv, sections, section_results)
    if has_summary:
        _run_summary(sv, len(sections), renders)
    _write_pages(sv, sections, renders, doc)
    checks = [c for s in section_results for c in s.checks]
    return decide(checks), count_statuses(checks)


def _run_sections(
    sv: _Service, sections: list[SectionSpec], renders: dict[str, Future[Any]]
) -> dict[str, execute.Execution]:
    """Execute the section notebooks; each page is rendered as soon as its notebook ends."""

    def start(s: SectionSpec) -> Future[Any]:
        return sv.execute(s.notebook, {"artifacts_dir": str(sv.tmp.resolve() / "artifacts" / s.id)})

    # Sections that disturb the service (catalog.DISRUPTIVE) start only once every other
    # section of this service has ended: their fault must not show in live evidence.
    calm = [s for s in sections if s.id not in catalog.DISRUPTIVE]
    disruptive = [s for s in sections if s.id in catalog.DISRUPTIVE]
    futures = {s.id: start(s) for s in calm}
    runs: dict[str, execute.Execution] = {}
    for i, s in enumerate([*calm, *disruptive], start=1):
        if s.id not in futures:
            futures[s.id] = start(s)
        run = runs[s.id] = _result(futures[s.id], sv.abort)
        _checkpoint(sv.abort)
        # Its page renders now, on a free worker, while later sections and the summary run.
        renders[s.id] = sv.render(s.id, s.title, s.notebook)
        emit(
            sv.options,
            sv.name,
            "section",
            f"{s.id} done in {run.duration_s:.1f}s" + (f" ({run.error})" if run.error else ""),
            s.id,
            i,
            sv.total,
        )
    return runs


def _write_results(
    sv: _Service, sections: list[SectionSpec], section_results: list[SectionResult]
) -> dict[str, Any]:
    """results.json, with the changes since the newest earlier run of this service."""
    html_names = {s.id: s.notebook.replace(".ipynb", ".html") for s in sections}
    doc = results.build_results(
        service=sv.name,
        run_date=sv.run_date,
        generated_at=datetime.now(UTC),
        params_file=paramsfile.original_name(sv.params_path),
        params_sha256=params_sha256(sv.params_path),
        sections=section_results,
        rendered=html_names,
        params=sv.params,
    )
    # This run is not in place yet: the newest run in the service folder is the previous one.
    doc = history.with_previous(doc, sv.tmp.parent)
    (sv.tmp / RESULTS_JSON).write_text(results.dumps(doc), encoding="utf-8")
    return doc


def _run_summary(sv: _Service, sections: int, renders: dict[str, Future[Any]]) -> None:
    summary = catalog.SUMMARY
    # on the pool too: papermill runs in worker processes only, never on a thread
    job = sv.execute(summary.notebook, {"results_path": str((sv.tmp / RESULTS_JSON).resolve())})
    run = _result(job, sv.abort)
    message = f"summary done in {run.duration_s:.1f}s"
    if run.error:
        message = f"summary notebook failed: {run.error}"
    emit(sv.options, sv.name, "summary", message, summary.id, sections + 1, sv.total)
    renders[summary.id] = sv.render(summary.id, summary.title, summary.notebook)


def _write_pages(
    sv: _Service,
    sections: list[SectionSpec],
    renders: dict[str, Future[Any]],
    doc: dict[str, Any],
) -> None:
    """report.html from the pages rendered, then index.html and junit.xml."""
    _checkpoint(sv.abort)
    sv.options.progress(f"{sv.name}: rendering")
    order = [catalog.SUMMARY.id, *(s.id for s in sections)]
    parts = [_result(renders[anchor], sv.abort) for anchor in order if anchor in renders]
    # report.html is put together from the pages just rendered (cheap: no nbconvert pass)
    report_job = sv.pool.submit(
        _write_report, parts, sv.tmp / REPORT_HTML, f"{sv.name} go-live review {sv.run_date}"
    )
    _result(report_job, sv.abort)
    _checkpoint(sv.abort)
    (sv.tmp / INDEX_HTML).write_text(index.render(doc), encoding="utf-8")
    (sv.tmp / JUNIT_XML).write_text(results.build_junit(doc), encoding="utf-8")


def _write_report(parts: list[render.Fragment], target: Path, title: str) -> None:
    render.write_page(target, render.report_page(parts, title))
