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
This module is the kernel manager's side; the template process is
`golive_lib.report.kernel_template`.
Part of the speed layer: reviews reach it only through `golive_lib.report.speed`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

LAUNCHER = ["-m", "ipykernel_launcher"]  # the python3 kernelspec's command after python
SUPPORTED = sys.platform == "linux" and hasattr(os, "pidfd_open")
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
                [sys.executable, "-m", "golive_lib.report.kernel_template", str(listener.fileno())],
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
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner
    from traitlets import default

    ready_client = _client_class()

    class TemplateKernelManager(AsyncKernelManager):
        """jupyter_client's manager; only the kernel process comes from the template."""

        @default("client_factory")
        def _ready_client(self) -> type[Any]:
            return ready_client

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


@functools.cache
def _client_class() -> type[Any]:
    """jupyter_client's asynchronous kernel client, ready sooner (see its methods)."""
    from queue import Empty

    from jupyter_client.asynchronous.client import AsyncKernelClient

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

    return ReadyClient


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
