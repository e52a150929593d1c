"""golive: a Jupyter-based living runbook for production go-live reviews.

Kept import-light on purpose: notebooks and the CLI import submodules they need.
"""

__version__ = "0.1.0"
