"""The kernel template process: it imports what the section kernels import, once, then
forks a kernel per request (the protocol is described in `golive_lib.report.kernels`,
which starts it as ``python -m golive_lib.report.kernel_template LISTENING_FD``).

Part of the speed layer: reviews reach it only through `golive_lib.report.speed`.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

# What the section kernels import, before the template's first fork. Measured against
# importing the optional ones while the template is idle: that competed with the first
# kernels for the CPU and the review took longer, not shorter.
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",  # with debugpy's pydevd: ~0.05 s per kernel start
    "IPython.display",
    "pdb",
    "sqlite3",  # IPython's history
    "psutil",
    "golive_lib.notebook",
    "golive_lib.plots",
    "golive_lib.sections.architecture",
    "golive_lib.sections.cicd",
    "golive_lib.sections.disaster_recovery",
    "golive_lib.sections.premortem",
    "golive_lib.sections.observability",
    "golive_lib.sections.rollout",
    "golive_lib.sections.capacity",
    "golive_lib.sections.security",
    "golive_lib.sections.testing",
    "golive_lib.report.summary",
    "golive_lib.report.results",  # the summary's
    "golive_lib.report.index",
    # read only when a repository holds their files (the example holds all of them)
    *(f"golive_lib.sources.ci.{m}" for m in ("github", "gitlab", "circleci", "azure", "jenkins")),
    *(f"golive_lib.sources.scans.{m}" for m in ("cyclonedx", "grype", "osv", "pip_audit", "trivy")),
    "httpcore",  # httpx's transport, on the first request (observability, capacity, testing)
    "h11",
    "certifi",
    "duckdb",  # rollout's and security's warehouse queries
    "numpy",  # capacity's scalability fit
    "boto3",  # security's S3 checks
)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """This process gets SIGKILL when its parent (the thread that forked it) ends."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _same_user(conn: socket.socket) -> bool:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return bool(uid == os.getuid())


class _Kernels:
    """The template's kernels: pid -> its manager's connection (None once closed) and
    the pidfd that becomes readable when it ends."""

    def __init__(self) -> None:
        self.conns: dict[int, socket.socket | None] = {}
        self.pidfds: dict[int, int] = {}

    def close_all(self) -> None:
        """In a new kernel: none of the template's descriptors stay open."""
        for conn in self.conns.values():
            if conn is not None:
                conn.close()
        for fd in self.pidfds.values():
            os.close(fd)


def warm(params: Sequence[str] = ()) -> None:
    """What each kernel would otherwise build on its first use, built once here: the TLS
    context of the HTTP sources (the CA bundle, ~40 ms in each kernel that queries
    Prometheus), the check cards' template and the run's parameters, validated (see
    golive_lib.params.preload)."""
    from golive_lib import params as parameters
    from golive_lib.report import html
    from golive_lib.sources import httpapi

    httpapi.tls_context()
    html.warm_up()  # Jinja2 and the check cards' template
    for path in params:
        parameters.preload(path)


def serve(listener: socket.socket) -> None:
    """The template's loop: fork a kernel per request until its stdin ends."""
    import importlib

    for name in PRELOAD:
        with contextlib.suppress(ImportError):  # an optional one (boto3) may be absent
            importlib.import_module(name)
    with contextlib.suppress(Exception):  # a head start only: kernels do it themselves
        warm()
    if threading.active_count() != 1:  # it would be missing in the kernels, its locks held
        raise RuntimeError(
            f"kernel template: a preloaded module started a thread: {threading.enumerate()}"
        )
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, ("listener", 0))
    sel.register(sys.stdin.fileno(), selectors.EVENT_READ, ("parent", 0))
    kernels = _Kernels()
    while True:
        events = sel.select()
        for key, _ in events:
            kind, pid = key.data
            if kind == "parent":
                if not os.read(key.fd, 4096):  # the starter is done, or gone
                    for pid in kernels.pidfds:
                        _kill_group(pid)
                    return
            elif kind == "listener":
                conn, _ = listener.accept()
                pid = _fork(conn, sel, listener, kernels)
                if pid:
                    kernels.conns[pid] = conn
                    kernels.pidfds[pid] = os.pidfd_open(pid)
                    sel.register(conn, selectors.EVENT_READ, ("conn", pid))
                    sel.register(kernels.pidfds[pid], selectors.EVENT_READ, ("exit", pid))
            elif kind == "conn":  # the manager closed: its kernel must not outlive it
                manager = kernels.conns.get(pid)
                if manager is None:
                    continue  # the kernel's exit, in the same round, closed it already
                try:
                    if manager.recv(4096):
                        continue  # a manager never writes more; ignore
                except OSError:
                    pass
                sel.unregister(manager)
                manager.close()
                kernels.conns[pid] = None
                _kill_group(pid)
            else:  # "exit": the kernel ended
                sel.unregister(key.fd)
                os.close(kernels.pidfds.pop(pid))
                _, status = os.waitpid(pid, 0)
                manager = kernels.conns.pop(pid)
                if manager is not None:
                    sel.unregister(manager)
                    with contextlib.suppress(OSError):
                        manager.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
                    manager.close()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


def _fork(
    conn: socket.socket,
    sel: selectors.BaseSelector,
    listener: socket.socket,
    kernels: _Kernels,
) -> int:
    """Read one request and fork its kernel; the kernel's pid (0: refused, or a request
    to preload parameters files, done here)."""
    try:
        if not _same_user(conn):
            conn.close()
            return 0
        conn.settimeout(10)
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                conn.close()
                return 0
            data += chunk
        request = json.loads(data)
        if "preload" in request:  # parameters files for the kernels to come, no kernel
            with contextlib.suppress(Exception):  # nothing a file holds may end the template
                warm([str(p) for p in request["preload"]])
            conn.close()
            return 0
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
    except (OSError, ValueError) as e:
        with contextlib.suppress(OSError):
            conn.sendall(f"error {type(e).__name__}: {e}\n".encode())
        conn.close()
        return 0
    if pid == 0:  # the kernel
        code = 1
        try:
            sel.close()
            listener.close()
            kernels.close_all()
            conn.close()
            code = _kernel(request)
        finally:
            os._exit(code)
    conn.settimeout(None)
    try:
        conn.sendall(f"pid {pid}\n".encode())
    except OSError:
        pass  # the manager is gone already: the conn's end kills the kernel
    return pid


def _kernel(request: dict[str, Any]) -> int:
    """In the forked child: become the kernel jupyter_client asked for."""
    import atexit

    os.setsid()  # as jupyter_client starts kernels: interrupts reach its process group
    _die_with_parent()
    template_pid = os.getppid()
    if template_pid == 1:
        return 1
    for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["JPY_PARENT_PID"] = str(template_pid)
    time.tzset()
    cwd = request["cwd"]
    os.chdir(cwd)
    sys.path[0] = cwd  # as `python -m ipykernel_launcher` run in that folder
    # ipykernel read JPY_PARENT_PID into this option's default when the template
    # imported it; with it, the kernel also ends when the template goes away
    args = [f"--IPKernelApp.parent_handle={template_pid}", *request["args"]]
    sys.argv = [sys.argv[0], *args]
    from ipykernel.kernelapp import IPKernelApp

    try:
        IPKernelApp.launch_instance(argv=args)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    atexit._run_exitfuncs()  # ipykernel's and IPython's own clean-up, as at a normal exit
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    return code


def main() -> None:
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        raise SystemExit("usage: python -m golive_lib.report.kernel_template LISTENING_FD")
    _die_with_parent()
    from golive_lib.report import speed

    speed.switch_on()  # started only with the layer on: the kernels inherit its state
    listener = socket.socket(fileno=int(sys.argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the starter's Ctrl-C is the starter's
    serve(listener)
    # nothing to clean up: tearing down these imports took ~0.3 s at the end of every run
    os._exit(0)


if __name__ == "__main__":
    main()
