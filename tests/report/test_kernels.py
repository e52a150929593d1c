"""Section kernels forked from the template: the same kernel as jupyter_client's, and
none outlives what started it (real template, real kernels, real notebooks)."""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from golive_lib.report import execute, kernels, speed

pytestmark = [
    pytest.mark.integration,  # Jupyter kernels
    pytest.mark.skipif(not kernels.SUPPORTED, reason="the kernel template is Linux only"),
    pytest.mark.skipif(not speed.active(), reason="the speed layer is off (GOLIVE_PLAIN_KERNELS)"),
]

PROBE = """\
import json, os, sys
json.dumps({
    "preloaded": "golive_lib.params" in sys.modules,
    "ppid": os.getppid(),
    "pgid": os.getpgid(0),
    "pid": os.getpid(),
    "cwd": os.getcwd(),
    "path0": sys.path[0],
    "env": os.environ.get("GOLIVE_TEST_MARKER"),
    "argv_f": "-f" in sys.argv,
})
"""


def _notebook(tmp_path: Path, *cells: str) -> Path:
    source = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), str(source))
    return source


def _probe(run: execute.Execution) -> dict[str, object]:
    assert run.error is None, run.error
    out = nbformat.read(str(run.notebook), as_version=4)
    return json.loads(ast.literal_eval(out.cells[0].outputs[0]["data"]["text/plain"]))


def _gone(pid: int, within_s: float = 10) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_a_kernel_is_forked_from_the_template_with_the_requested_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLIVE_TEST_MARKER", "from-the-worker")
    work = tmp_path / "work"
    work.mkdir()
    with kernels.template() as t:
        assert t is not None
        run = execute.execute(_notebook(tmp_path, PROBE), tmp_path / "out.ipynb", {}, 60, work)
        seen = _probe(run)
        assert seen["ppid"] == t.process.pid  # forked by the template, not started afresh
        assert seen["preloaded"] is True  # golive_lib was there before the first cell
        assert seen["pgid"] == seen["pid"]  # its own process group, as jupyter_client does
        assert seen["cwd"] == str(work) == seen["path0"]
        assert seen["env"] == "from-the-worker"  # the worker's environment, not the template's
        assert seen["argv_f"] is True
        assert _gone(int(seen["pid"]))  # shut down with its notebook
        socket_folder = t.folder
        assert socket_folder.is_dir() and oct(socket_folder.stat().st_mode & 0o777) == "0o700"
    assert t.process.poll() is not None  # the template ended with the block
    assert not socket_folder.exists()


def test_a_kernel_gets_the_run_parameters_already_validated(tmp_path):
    from conftest import EXAMPLE_PARAMS

    check = f"""\
from pathlib import Path
from golive_lib import params
from golive_lib.sources import httpapi
key = (Path({str(EXAMPLE_PARAMS)!r}).resolve(), Path({str(EXAMPLE_PARAMS)!r}).read_text())
before = key in params._preloaded
loaded = params.load_params({str(EXAMPLE_PARAMS)!r}).service.name
(before, key in params._preloaded, loaded, httpapi.tls_context.cache_info().currsize)
"""
    with kernels.template([EXAMPLE_PARAMS]):
        run = execute.execute(_notebook(tmp_path, check), tmp_path / "out.ipynb", {}, 60)
    assert run.error is None, run.error
    out = nbformat.read(str(run.notebook), as_version=4)
    # validated in the template, taken by this kernel's first load; the TLS context built
    assert out.cells[0].outputs[0]["data"]["text/plain"] == "(True, False, 'ingest-api', 1)"


def test_a_cell_past_its_timeout_is_interrupted_in_a_forked_kernel(tmp_path):
    source = _notebook(tmp_path, "import time\ntime.sleep(60)")
    with kernels.template():
        started = time.monotonic()
        run = execute.execute(source, tmp_path / "out.ipynb", {}, 2)
    assert run.error is not None and "Timeout" in run.error
    assert time.monotonic() - started < 30


def test_a_kernel_that_dies_is_an_error_and_is_reaped(tmp_path):
    source = _notebook(tmp_path, "import os\nos._exit(3)", "print('never')")
    with kernels.template() as t:
        assert t is not None
        run = execute.execute(source, tmp_path / "out.ipynb", {}, 30)
        assert run.error is not None and "DeadKernel" in run.error
        time.sleep(0.2)
        template = psutil.Process(t.process.pid)
        assert [c for c in template.children() if c.status() == psutil.STATUS_ZOMBIE] == []


LAUNCH = textwrap.dedent(
    """\
    import os, sys, time
    from pathlib import Path
    from jupyter_client.connect import write_connection_file
    from golive_lib.report import kernels

    connection, _ = write_connection_file(sys.argv[2])
    k = kernels.ForkedKernel.launch(Path(sys.argv[1]), ["-f", connection], dict(os.environ), {})
    print(k.pid, flush=True)
    time.sleep(120)
    """
)


@pytest.fixture
def asker(tmp_path):
    """Another process that asks the template for a kernel and keeps it: (the process,
    the kernel's pid, the template)."""
    with kernels.template() as t:
        assert t is not None
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, str(t.socket_path), str(tmp_path / "k.json")],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            kernel = int(process.stdout.readline())  # type: ignore[union-attr]
            assert psutil.pid_exists(kernel)
            yield process, kernel, t
        finally:
            process.kill()
            process.wait()


def test_a_kernel_ends_when_the_process_that_asked_for_it_is_killed(asker):
    process, kernel, _ = asker
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _gone(kernel), "the kernel outlived the kernel manager's process"


def test_kernels_end_with_the_template(asker):
    _, kernel, t = asker
    t.process.send_signal(signal.SIGKILL)  # the template dies without a word
    assert _gone(kernel), "a kernel outlived its template"


def test_without_its_template_a_kernel_starts_as_usual(tmp_path):
    with kernels.template() as t:
        assert t is not None
        t.process.kill()
        t.process.wait()
        run = execute.execute(_notebook(tmp_path, PROBE), tmp_path / "out.ipynb", {}, 60)
        seen = _probe(run)
        assert seen["ppid"] == os.getpid()  # jupyter_client started it
        assert seen["preloaded"] is False


SYSTEM_PYTHON = "/usr/bin/python3"  # the venv's may sit in a folder only its owner reads


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to act as another user")
@pytest.mark.skipif(not os.access(SYSTEM_PYTHON, os.X_OK), reason="no /usr/bin/python3")
def test_another_user_cannot_ask_the_template_for_a_kernel():
    code = "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])"
    with kernels.template() as t:
        assert t is not None
        other = subprocess.run(
            [SYSTEM_PYTHON, "-c", code, str(t.socket_path)],
            user=65534,  # nobody
            capture_output=True,
            text=True,
        )
    assert other.returncode != 0 and "PermissionError" in other.stderr


def test_a_deep_temporary_folder_still_gets_a_template(tmp_path, monkeypatch):
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 5)
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))  # a socket path there is too long
    with kernels.template() as t:
        assert t is not None and len(str(t.socket_path)) <= 107
        run = execute.execute(_notebook(tmp_path, PROBE), tmp_path / "out.ipynb", {}, 60)
        assert _probe(run)["ppid"] == t.process.pid


def test_a_template_already_running_validates_a_later_run_parameters(tmp_path):
    # a Dask review process keeps one template for every review it serves
    from conftest import EXAMPLE_PARAMS

    check = f"""\
from pathlib import Path
from golive_lib import params
key = (Path({str(EXAMPLE_PARAMS)!r}).resolve(), Path({str(EXAMPLE_PARAMS)!r}).read_text())
key in params._preloaded
"""
    with kernels.template() as outer:
        assert outer is not None
        before = execute.execute(_notebook(tmp_path, check), tmp_path / "a.ipynb", {}, 60)
        outer.preload([tmp_path / "missing.yaml"])  # a file that does not load: no harm
        with kernels.template([EXAMPLE_PARAMS]) as inner:
            assert inner is outer
            after = execute.execute(_notebook(tmp_path, check), tmp_path / "b.ipynb", {}, 60)
        assert outer.process.poll() is None  # still serving
    seen = [
        nbformat.read(str(r.notebook), as_version=4).cells[0].outputs[0]["data"]["text/plain"]
        for r in (before, after)
    ]
    assert seen == ["False", "True"]
