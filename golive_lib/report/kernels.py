"""Section kernels forked from a warm template process instead of started from scratch.

A kernel that jupyter_client starts is a fresh Python: ~0.25 s importing ipykernel and
IPython, then every golive notebook imports golive_lib and builds the parameters'
pydantic models (~0.15 s) before it collects any evidence. A review starts ten of them.
The template imports all of that once; each kernel is then a fork of it (copy-on-write)
that runs ipykernel's own start-up from there: the same kernel, with the same
connection file, environment, working directory and command-line options as the one
jupyter_client would have started, only without the imports.

Protocol, on a Unix socket in a private (0700) folder, peers checked to be this user:
the kernel manager sends one JSON line (kernel arguments, environment, working
directory); the template forks and answers ``pid N``, then ``exit CODE`` when the kernel
ends. The connection stays open for the kernel's lifetime: when it closes (the kernel
manager or its whole process gone) the template kills the kernel's process group. The
kernels die with the template (PR_SET_PDEATHSIG), and the template ends when the process
that started it closes its end of the template's stdin, or dies. A run's parameters
files come as a ``{"preload": [paths]}`` line, not answered: the template validates them
once for the kernels it forks after (requests are taken in the order they connected).

Only Linux (``os.pidfd_open``, ``prctl``); elsewhere, or for a kernel command that is not
``python -m ipykernel_launcher`` of this interpreter, kernels start as usual.
Part of the speed layer: reviews reach it only through `golive_lib.report.speed`.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import math
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
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
LAUNCHER = ["-m", "ipykernel_launcher"]  # the python3 kernelspec's command after python
SUPPORTED = sys.platform == "linux" and hasattr(os, "pidfd_open")
_PR_SET_PDEATHSIG = 1
START_TIMEOUT_S = 60  # nbclient's own default for a kernel to start
_SUN_PATH_MAX = 107  # bytes of a Unix socket's path (sun_path), without its NUL

_current: Template | None = None  # the template serving this process (and its forks)


class Template:
    """The template process, started by `template()`."""

    def __init__(self, params: Sequence[Path] = ()) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="golive-kernels-"))  # 0700
        if len(str(self.folder)) > _SUN_PATH_MAX - len("/template.sock"):
            self.folder.rmdir()  # a deep TMPDIR: a socket path there would not fit
            self.folder = Path(tempfile.mkdtemp(prefix="golive-kernels-", dir="/tmp"))
        self.socket_path = self.folder / "template.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            # bound and listening before the template starts: a kernel manager may
            # connect at once; it waits in the backlog until the imports are done
            listener.bind(str(self.socket_path))
            listener.listen(64)
            self.process = subprocess.Popen(
                [sys.executable, "-m", "golive_lib.report.kernels", str(listener.fileno())],
                stdin=subprocess.PIPE,  # its end: the template ends when this one closes
                stdout=sys.stderr.fileno() if _has_fd(sys.stderr) else subprocess.DEVNULL,
                pass_fds=(listener.fileno(),),
                # debugpy warns on import that this Python runs frozen modules (its
                # breakpoints in the standard library could be missed): not for a review
                env={**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
            )
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        finally:
            listener.close()
        self.preload(params)

    def preload(self, params: Sequence[Path]) -> None:
        """Have the template validate these parameters files for the kernels it forks
        next. Not waited for: the template takes requests in the order they connected,
        so it validates them before it forks any kernel asked for later (a kernel forked
        without them validates its parameters itself). Best effort."""
        if not params:
            return
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as conn:
            conn.settimeout(START_TIMEOUT_S)  # connecting: a full backlog (never seen)
            conn.connect(str(self.socket_path))
            conn.sendall(json.dumps({"preload": [str(p) for p in params]}).encode() + b"\n")

    def stop(self) -> None:
        """End the template and every kernel still forked from it."""
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:  # it kills its kernels' process groups and ends; still importing: killed
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _has_fd(stream: Any) -> bool:
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


@contextlib.contextmanager
def template(params: Sequence[Path] = ()) -> Iterator[Template | None]:
    """Kernels started in this block (in this process or a process forked from it, such
    as a pool worker) fork from one template, yielded (None where unsupported). Nested
    blocks share the outer one's. ``params``: the parameters files the kernels will
    load, validated once in the template."""
    global _current
    if _current is not None:
        _current.preload(params)
        yield _current
        return
    if not SUPPORTED:
        yield None
        return
    try:
        t = Template(params)
    except OSError as e:  # no template: kernels start as usual, only slower
        print(f"golive: kernels start without a template ({e})", file=sys.stderr)
        yield None
        return
    _current = t
    try:
        yield t
    finally:
        _current = None
        t.stop()


@functools.cache
def manager_class() -> type[Any]:
    """The kernel manager class for nbclient: jupyter_client's, with kernels forked from
    the template when one is active and a client that is ready sooner."""
    from queue import Empty

    from jupyter_client.asynchronous.client import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner
    from traitlets import default

    class ReadyClient(AsyncKernelClient):
        def _context_default(self) -> Any:
            import zmq.asyncio

            self._created_context = True  # as jupyter_client's: closed with the client
            context = zmq.asyncio.Context()
            # The client connects before its kernel has bound its ports, and zmq tries
            # again only after 100 ms (its default): every kernel start waited ~0.1 s
            # for nothing. Its sockets retry every 5 ms instead (a refused connect on
            # loopback costs microseconds).
            context.setsockopt(zmq.RECONNECT_IVL, 5)
            return context

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            """jupyter_client's wait, except for its end: it then waited until the
            kernel's broadcasts had been silent for 0.2 s, on every kernel start. What
            has arrived is dropped instead; a late broadcast answers the kernel_info
            request, which nbclient tells apart from a cell's (parent message id)."""
            deadline = time.monotonic() + (timeout if timeout is not None else math.inf)
            while True:
                self.kernel_info()
                try:
                    msg = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    pass
                else:
                    if msg["msg_type"] == "kernel_info_reply":
                        try:  # a broadcast heard: the IOPub channel is connected
                            await self.iopub_channel.get_msg(timeout=0.2)
                        except Empty:
                            pass
                        else:
                            self._handle_kernel_info_reply(msg)
                            break
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
            while True:
                try:
                    await self.iopub_channel.get_msg(timeout=0)
                except Empty:
                    break

    class TemplateKernelManager(AsyncKernelManager):
        """jupyter_client's manager; only the kernel process comes from the template."""

        @default("client_factory")
        def _ready_client(self) -> type[Any]:
            return ReadyClient

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            path = _current.socket_path if _current is not None else None
            args = _kernel_args(kernel_cmd)
            provisioner = self.provisioner
            if path is None or args is None or not isinstance(provisioner, LocalProvisioner):
                await super()._async_launch_kernel(kernel_cmd, **kw)
                return
            try:
                process = ForkedKernel.launch(path, args, kw.get("env") or dict(os.environ), kw)
            except OSError:  # the template is gone: start the kernel as usual
                await super()._async_launch_kernel(kernel_cmd, **kw)
                return
            # jupyter_client's LocalProvisioner drives a Popen; ForkedKernel acts as one.
            provisioner.process = process  # type: ignore[assignment]
            provisioner.pid = process.pid
            provisioner.pgid = process.pid  # the kernel leads its own session
            provisioner.cwd = kw.get("cwd") or os.getcwd()
            self._reconcile_connection_info(provisioner.connection_info)

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            # after a kill, jupyter_client polls every 0.1 s until the kernel is gone,
            # which takes a millisecond: every notebook waited ~0.1 s for nothing
            await super()._async_wait(pollinterval=min(pollinterval, 0.005))

    return TemplateKernelManager


def _kernel_args(cmd: list[str]) -> list[str] | None:
    """ipykernel's arguments when ``cmd`` runs ipykernel_launcher on this interpreter."""
    if len(cmd) < 3 or cmd[1:3] != LAUNCHER:
        return None
    exe = shutil.which(cmd[0]) or cmd[0]
    if os.path.realpath(exe) != os.path.realpath(sys.executable):
        return None
    return cmd[3:]


class ForkedKernel:
    """A kernel forked by the template, with the part of `subprocess.Popen` that
    jupyter_client uses (pid, poll, wait, send_signal, terminate, kill)."""

    stdin = stdout = stderr = None

    def __init__(self, conn: socket.socket, pid: int) -> None:
        self.conn = conn
        self.pid = pid
        self.returncode: int | None = None
        self._buffer = b""

    @classmethod
    def launch(
        cls, path: Path, args: list[str], env: dict[str, str], kw: dict[str, Any]
    ) -> ForkedKernel:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(str(path))
            request = {"args": args, "env": env, "cwd": str(kw.get("cwd") or os.getcwd())}
            conn.sendall(json.dumps(request).encode() + b"\n")
            kernel = cls(conn, 0)
            # the template may still be importing; beyond this the kernel starts as usual
            line = kernel._read_line(timeout=START_TIMEOUT_S)
            if not line.startswith("pid "):  # '' is no answer within START_TIMEOUT_S
                raise ConnectionError(f"kernel template: {line or 'no answer'}")
            kernel.pid = int(line[4:])
            return kernel
        except BaseException:
            conn.close()
            raise

    def _read_line(self, timeout: float | None) -> str:
        """The next line from the template ('' at its end or when none came in time)."""
        self.conn.settimeout(timeout)
        while b"\n" not in self._buffer:
            try:
                chunk = self.conn.recv(4096)
            except (TimeoutError, BlockingIOError):
                return ""
            except OSError:
                chunk = b""
            if not chunk:
                return ""
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    def _ended(self, timeout: float | None) -> int | None:
        if self.returncode is not None:
            return self.returncode
        if self.conn.fileno() < 0:
            return self.returncode
        line = self._read_line(timeout)
        if line.startswith("exit "):
            self.returncode = int(line[5:])
        elif not line and (timeout is None or self._closed()):
            self.returncode = -signal.SIGKILL  # the template is gone, and its kernels
        else:
            return None
        self.conn.close()
        return self.returncode

    def _closed(self) -> bool:
        try:
            self.conn.settimeout(0)
            return self.conn.recv(1, socket.MSG_PEEK) == b""
        except (BlockingIOError, TimeoutError):
            return False
        except OSError:
            return True

    def poll(self) -> int | None:
        return self._ended(0)

    def wait(self, timeout: float | None = None) -> int:
        code = self._ended(timeout)
        if code is None:
            raise subprocess.TimeoutExpired(["ipykernel_launcher"], timeout or 0)
        return code

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


# -- the template process ------------------------------------------------------------


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
        raise SystemExit("usage: python -m golive_lib.report.kernels LISTENING_FD")
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
