"""golive: a Jupyter-based living runbook for production go-live reviews.

Kept import-light on purpose: notebooks and the CLI import submodules they need.
"""

import sys

__version__ = "0.1.0"

# httpx's __init__ imports its command-line client (httpx._main: click, rich, pygments)
# whenever those are installed, as they are here (golive's own CLI uses rich): ~50 ms in
# every kernel that talks to Prometheus. golive never uses that client; with the module
# blocked, httpx falls back to a `main` stub and the library itself is unchanged.
if "httpx._main" not in sys.modules:
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
