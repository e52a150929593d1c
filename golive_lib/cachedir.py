"""Where golive keeps what it can rebuild: ``$XDG_CACHE_HOME/golive`` (``~/.cache/golive``).

Nothing in it is needed for correctness and nothing secret goes in it; deleting it only
costs time on the next run.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root(*parts: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base, "golive", *parts)
