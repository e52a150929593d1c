"""The build of one service's report in its temporary folder: execute the section
notebooks (disruptive ones last), read their checks into results.json, run the
summary, render every page and report.html, write index.html and the JUnit file."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .. import catalog, paramsfile
from ..catalog import SectionSpec
from ..model import Decision, count_statuses, decide
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
    name = params.service.name
    has_summary = (options.notebooks_dir / catalog.SUMMARY.notebook).is_file()
    total = len(sections) + int(has_summary) + 1  # sections, summary, rendering
    emit(options, name, "start", f"executing {len(sections)} section notebooks", total=total)

    def start(s: SectionSpec) -> Future[Any]:
        return pool.submit(
            execute.execute,
            options.notebooks_dir / s.notebook,
            tmp / s.notebook,
            {**injected, "artifacts_dir": str(tmp.resolve() / "artifacts" / s.id)},
            timeout,
            options.notebooks_dir,
        )

    # Sections that disturb the service (catalog.DISRUPTIVE) start only once every other
    # section of this service has ended: their fault must not show in live evidence.
    calm = [s for s in sections if s.id not in catalog.DISRUPTIVE]
    disruptive = [s for s in sections if s.id in catalog.DISRUPTIVE]
    futures = {s.id: start(s) for s in calm}
    runs: dict[str, execute.Execution] = {}
    renders: dict[str, Future[Any]] = {}  # anchor -> its page's fragment for report.html

    def render_job(anchor: str, title: str, path: Path) -> Future[Any]:
        target = tmp / path.name.replace(".ipynb", ".html")
        page_title = f"{name} · {title} · {run_date.isoformat()}"
        return pool.submit(render.render_notebook, path, target, page_title, anchor, title)

    for i, s in enumerate([*calm, *disruptive], start=1):
        if s.id not in futures:
            futures[s.id] = start(s)
        run = runs[s.id] = _result(futures[s.id], abort)
        _checkpoint(abort)
        # Its page renders now, on a free worker, while later sections and the summary run.
        renders[s.id] = render_job(s.id, s.title, tmp / s.notebook)
        emit(
            options,
            name,
            "section",
            f"{s.id} done in {run.duration_s:.1f}s" + (f" ({run.error})" if run.error else ""),
            s.id,
            i,
            total,
        )
    section_results = [
        collect.section_result(
            s.id, runs[s.id].notebook, params, runs[s.id].duration_s, runs[s.id].error, run_date
        )
        for s in sections
    ]
    html_names = {s.id: s.notebook.replace(".ipynb", ".html") for s in sections}
    doc = results.build_results(
        service=name,
        run_date=run_date,
        generated_at=datetime.now(UTC),
        params_file=paramsfile.original_name(params_path),
        params_sha256=params_sha256(params_path),
        sections=section_results,
        rendered=html_names,
        params=params,
    )
    # Changes since the newest earlier run of this service (this run is not in place yet).
    doc = history.with_previous(doc, tmp.parent)
    (tmp / RESULTS_JSON).write_text(results.dumps(doc), encoding="utf-8")

    summary = catalog.SUMMARY
    if has_summary:
        # on the pool too: papermill runs in worker processes only, never on a thread
        run = _result(
            pool.submit(
                execute.execute,
                options.notebooks_dir / summary.notebook,
                tmp / summary.notebook,
                {**injected, "results_path": str((tmp / RESULTS_JSON).resolve())},
                timeout,
                options.notebooks_dir,
            ),
            abort,
        )
        message = f"summary done in {run.duration_s:.1f}s"
        if run.error:
            message = f"summary notebook failed: {run.error}"
        emit(options, name, "summary", message, summary.id, len(sections) + 1, total)
        renders[summary.id] = render_job(summary.id, summary.title, tmp / summary.notebook)

    _checkpoint(abort)
    options.progress(f"{name}: rendering")
    order = [summary.id, *(s.id for s in sections)]
    parts = [_result(renders[anchor], abort) for anchor in order if anchor in renders]
    # report.html is put together from the pages just rendered (cheap: no nbconvert pass)
    report_job = pool.submit(
        _write_report, parts, tmp / REPORT_HTML, f"{name} go-live review {run_date}"
    )
    _result(report_job, abort)
    _checkpoint(abort)
    (tmp / INDEX_HTML).write_text(index.render(doc), encoding="utf-8")
    (tmp / JUNIT_XML).write_text(results.build_junit(doc), encoding="utf-8")
    checks = [c for s in section_results for c in s.checks]
    return decide(checks), count_statuses(checks)


def _write_report(parts: list[render.Fragment], target: Path, title: str) -> None:
    render.write_page(target, render.report_page(parts, title))
