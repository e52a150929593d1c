"""Reviews fanned out over a Dask distributed cluster: one task per service.

Every parameters file is validated here first (bad input: nothing is submitted). Each
task then reviews one service in a fresh `python -m golive_lib.report.dask_executor`
process on its worker, with that process's own local notebook pool: a Dask worker is a
daemonic process, which may not fork a process pool itself, and a separate process also
keeps a crashing kernel or a leaking import out of the long-lived worker. The task
writes into the report store (``--out``) that the workers share with this machine (a
network file system or the same disk): every path handed to a task is absolute and must
mean the same on the workers.

Needs the optional extra: pip install 'golive[dask]'.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import ReportError
from ..model import Decision
from . import portfolio
from .run import STOP, RunOptions, RunOutcome, emit, failed, prepare, run

INSTALL = "pip install 'golive[dask]'  (or: pip install 'dask[distributed]')"
CONNECT_TIMEOUT_S = 30


def _client(scheduler: str) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise ReportError(
            f"--executor dask needs dask.distributed, not installed: {INSTALL}"
        ) from None
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise ReportError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None


def task_spec(path: Path, options: RunOptions) -> dict[str, Any]:
    """What a worker needs to review one service; plain JSON, absolute paths."""
    return {
        "params": str(path.resolve()),
        "out": str(options.out.resolve()),
        "sections": list(options.sections) if options.sections is not None else None,
        "workers": options.workers,
        "notebooks_dir": str(options.notebooks_dir.resolve()),
        "cell_timeout_s": options.cell_timeout_s,
        "run_date": (options.run_date or date.today()).isoformat(),
    }


def review_task(spec: dict[str, Any]) -> dict[str, Any]:
    """Runs on a Dask worker: review one service in a child process; its outcome as a dict."""
    proc = subprocess.run(
        [sys.executable, "-m", "golive_lib.report.dask_executor", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode == 0 and lines:
        result: dict[str, Any] = json.loads(lines[-1])
        return result
    tail = " | ".join(proc.stderr.strip().splitlines()[-3:]) or f"exit code {proc.returncode}"
    return {"service": None, "error": f"review process failed: {tail}"}


def _child(spec: dict[str, Any]) -> dict[str, Any]:
    options = RunOptions(
        out=Path(spec["out"]),
        sections=tuple(spec["sections"]) if spec["sections"] is not None else None,
        workers=int(spec["workers"]),
        notebooks_dir=Path(spec["notebooks_dir"]),
        cell_timeout_s=spec["cell_timeout_s"],
        run_date=date.fromisoformat(spec["run_date"]),
        progress=lambda msg: print(f"golive: {msg}", file=sys.stderr, flush=True),
    )
    [o] = run([Path(spec["params"])], options)
    return {
        "service": o.service,
        "folder": str(o.folder) if o.folder else None,
        "decision": o.decision.value if o.decision else None,
        "counts": o.counts,
        "error": o.error,
    }


def _outcome(name: str, result: dict[str, Any]) -> RunOutcome:
    if result.get("error") or not result.get("folder"):
        return failed(name, str(result.get("error") or "no report folder"))
    return RunOutcome(
        name,
        Path(result["folder"]),
        Decision(result["decision"]),
        {str(k): int(v) for k, v in result["counts"].items()},
    )


def run_dask(params_paths: Sequence[Path], options: RunOptions, scheduler: str) -> list[RunOutcome]:
    """Validate locally, then one Dask task per service; outcomes in the order given.

    A task that raises or whose worker dies is a failed outcome; the others go on. An
    interrupt cancels the services not started yet; running ones end on their worker
    (each leaves its complete report or nothing) and the interrupt is raised.
    """
    loaded = prepare(params_paths, options)
    options = replace(options, run_date=options.run_date or date.today())
    client = _client(scheduler)
    try:
        names: dict[str, str] = {}
        futures = []
        for path, params in loaded:
            name = params.service.name
            key = f"golive-review-{name}-{uuid.uuid4().hex[:8]}"
            futures.append(
                client.submit(review_task, task_spec(path, options), key=key, pure=False)
            )
            names[key] = name
            emit(options, name, "start", f"submitted to {scheduler}", total=1)
        results: dict[str, RunOutcome] = {}
        try:
            while len(results) < len(futures):
                if STOP.is_set():
                    raise KeyboardInterrupt("golive run interrupted")
                done = [f for f in futures if f.key not in results and f.done()]
                if not done:
                    time.sleep(0.1)
                    continue
                for fut in done:
                    name = names[fut.key]
                    try:
                        outcome = _outcome(name, fut.result())
                    except Exception as e:  # noqa: BLE001 - a lost worker, a task error
                        outcome = failed(name, e)
                    results[fut.key] = outcome
                    if outcome.ok and outcome.decision is not None:
                        emit(
                            options, name, "done", outcome.decision.value.upper(), steps=1, total=1
                        )
                    else:
                        emit(options, name, "failed", f"could not be reviewed: {outcome.error}")
        except BaseException:
            client.cancel(futures)
            raise
        portfolio.write(options.out)
        return [results[f.key] for f in futures]
    finally:
        client.close()


def main() -> None:
    """Child process entry point: review the service described by argv[1] (JSON)."""
    from . import preload

    preload()
    try:
        result = _child(json.loads(sys.argv[1]))
    except Exception as e:  # noqa: BLE001 - reported to the task as a failed outcome
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        raise SystemExit(3) from None
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
