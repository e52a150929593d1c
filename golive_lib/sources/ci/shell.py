"""Shell command text as CI systems run it: logical lines, segments and words.

Used by the pipeline readers (to follow a command into the script or build tool it
runs) and by the CI/CD checks (to match one command at a time).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

# Words that only prefix the command that follows them.
PREFIX_WORDS = frozenset(
    {"time", "exec", "sudo", "env", "then", "do", "else", "!", "nohup", "xvfb-run"}
)
_ASSIGN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


POWERSHELL = frozenset({"pwsh", "powershell"})


def command_segments(text: str, shell: str | None = None) -> Iterator[tuple[int, str]]:
    """(newlines before it, segment) for each command of a shell script.

    Continued lines are joined (a trailing backslash; a trailing backtick in PowerShell,
    where a trailing backslash is part of a Windows path), comment lines dropped, and
    lines split at ``&&``, ``||`` and ``;``.
    """
    mark = "`" if shell in POWERSHELL else "\\"
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        logical = lines[i]
        while logical.rstrip().endswith(mark) and i + 1 < len(lines):
            i += 1
            logical = logical.rstrip()[:-1] + " " + lines[i].strip()
        i += 1
        stripped = logical.strip()
        if not stripped or stripped.startswith("#"):
            continue
        for segment in re.split(r"&&|\|\||;", stripped):
            if segment.strip():
                yield start, " ".join(segment.split())


def words(segment: str) -> list[str]:
    """The words of one command, without leading ``VAR=value``, ``sudo``, ``time``...

    Quotes are removed as the shell would; text the shell would reject is split on
    white space instead.
    """
    try:
        out = shlex.split(segment, comments=True)
    except ValueError:
        out = segment.split()
    while out and (out[0] in PREFIX_WORDS or _ASSIGN_RE.match(out[0])):
        out.pop(0)
    return out
