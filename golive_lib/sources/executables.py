"""Finding the command-line tools golive runs (hadolint, pip-audit)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def find_executable(name: str, binary: str | None = None) -> str | None:
    """The executable: ``binary`` when given (a path, or a name looked up on PATH); else
    ``name`` on PATH, else next to the running Python (a venv's bin/, where pip puts
    tools installed with golive). None when there is none."""
    if binary:
        if os.sep in binary or (os.altsep and os.altsep in binary):
            return binary if Path(binary).is_file() else None
        return shutil.which(binary)
    found = shutil.which(name)
    if found:
        return found
    for candidate in (name, f"{name}.exe"):
        path = Path(sys.executable).parent / candidate
        if path.is_file():
            return str(path)
    return None
