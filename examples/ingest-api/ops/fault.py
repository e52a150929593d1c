"""Fault injection for drills: freeze the ingest-api process, then resume it.

    python ops/fault.py freeze   # SIGSTOP: the process hangs (no answer, no scrape)
    python ops/fault.py resume   # SIGCONT: it answers again
    python ops/fault.py status

A frozen process is the fault a drill can inject safely and undo exactly: to its
clients and to Prometheus it looks like a deadlock or a stuck dependency call (the
port is open, nothing answers), `up` drops to 0 and IngestApiDown fires. Resuming
loses nothing: requests queued in the socket are then served.

The process is found through the folder named by INGEST_DEMO_CONTROL (the demo stack
sets it and writes `ingest-api.pid` there). Without it, nothing is touched and the
command exits 2. In a real environment replace this with your platform's equivalent
(e.g. scale the deployment to zero and back).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

CONTROL_ENV = "INGEST_DEMO_CONTROL"
ACTIONS = {"freeze": signal.SIGSTOP, "resume": signal.SIGCONT}


def _pid() -> int:
    folder = os.environ.get(CONTROL_ENV, "")
    if not folder:
        raise SystemExit(f"fault: {CONTROL_ENV} is not set; no demo stack to act on")
    pid_file = Path(folder) / "ingest-api.pid"
    try:
        return int(pid_file.read_text(encoding="utf-8").strip())
    except (OSError, ValueError) as e:
        raise SystemExit(f"fault: cannot read the pid from {pid_file}: {e}") from e


def _state(pid: int) -> str:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    except OSError:
        return "gone"
    return "frozen" if fields[0] == "T" else "running"


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in (*ACTIONS, "status"):
        print("usage: fault.py freeze|resume|status", file=sys.stderr)
        return 2
    try:
        pid = _pid()
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    action = argv[0]
    if action != "status":
        try:
            os.kill(pid, ACTIONS[action])
        except ProcessLookupError:
            print(f"fault: ingest-api (pid {pid}) is not running", file=sys.stderr)
            return 1
    print(f"ingest-api (pid {pid}): {_state(pid)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
