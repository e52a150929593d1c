"""Every name that crosses a boundary lives here: MIME types, cell tags, file names."""

from __future__ import annotations

# Output MIME type under which a notebook emits its checks (docs/architecture.md).
CHECKS_MIME = "application/vnd.golive.checks+json"
PLOTLY_MIME = "application/vnd.plotly.v1+json"

# Cell tags: the contract between the notebooks and papermill / the renderer.
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"

# Environment variable that `golive lab` sets so the notebooks' default yields to it.
LAB_PARAMS_ENV = "GOLIVE_LAB_PARAMS"

# Files of a report folder.
RESULTS_JSON = "results.json"
JUNIT_XML = "junit.xml"
INDEX_HTML = "index.html"
REPORT_HTML = "report.html"
SIGNOFFS_JSONL = "signoffs.jsonl"

RESULTS_SCHEMA_VERSION = 1
PARAMS_SCHEMA_VERSION = 1
# The parameters file's JSON Schema, shipped in the package (generated: golive_lib.docs).
PARAMS_SCHEMA_FILE = "params.schema.json"
