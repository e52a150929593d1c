"""The parameters file: pydantic models of parameters/<service>.yaml and its loader.

A wrong file stops the run before anything is written: `load_params` raises
`ParamsError` whose problems name the file, the dotted field path, the bad value
and what is expected. Unknown keys are errors, so a typo never passes silently.
Secrets never appear here: only the *names* of environment variables (`*_env`).
The format's reference, docs/parameters.md, and its JSON Schema are generated from these
models (`python -m golive_lib.docs`): describe a field in its ``Field(description=...)``.

One module a concern: `base` (what every model shares), one module of models per group of
sections (`delivery`, `capacity`, `security`, `observability`, `resilience`), `review`
(the file as a whole: `Params`), `load` (reading and validating a file). Import from
here: ``from golive_lib.params import Params, load_params``.
"""

from __future__ import annotations

from .base import (
    ENV_NAME_RE,
    SLUG_RE,
    Strict,
    to_timedelta,
)
from .capacity import (
    Capacity,
    LatencySlo,
    LiveLoadTest,
    LoadTestFile,
    PeakLoad,
    SliQuery,
)
from .delivery import (
    Architecture,
    CiCd,
    Component,
    CoverageReport,
    Service,
    Testing,
)
from .load import (
    MAX_DEPTH,
    MAX_NODES,
    SECRET_PATTERNS,
    _preloaded,
    env_names,
    load_params,
    params_sha256,
    preload,
)
from .observability import (
    HttpAuth,
    LatencySLI,
    Observability,
    RatioSLI,
    Server,
    SLOParams,
)
from .resilience import (
    DR_PLAN_SECTIONS,
    DisasterRecovery,
    Drill,
    FaultDrill,
    Premortem,
    RollbackDrill,
    Rollout,
    RolloutPhase,
    Scenario,
)
from .review import (
    Attestation,
    Execution,
    Params,
    SignoffPolicy,
    Waiver,
)
from .security import (
    Gdpr,
    PublicGrant,
    RunHadolint,
    RunPipAudit,
    RunScanners,
    S3Security,
    SanctionedRole,
    ScanFile,
    ScanFormat,
    ScanIgnore,
    ScanThreshold,
    SecretScanning,
    Security,
    SqlDatabase,
    WarehouseSecurity,
)

__all__ = [
    "Architecture",
    "Attestation",
    "Capacity",
    "CiCd",
    "Component",
    "CoverageReport",
    "DR_PLAN_SECTIONS",
    "DisasterRecovery",
    "Drill",
    "ENV_NAME_RE",
    "Execution",
    "FaultDrill",
    "Gdpr",
    "HttpAuth",
    "LatencySLI",
    "LatencySlo",
    "LiveLoadTest",
    "LoadTestFile",
    "MAX_DEPTH",
    "MAX_NODES",
    "Observability",
    "Params",
    "PeakLoad",
    "Premortem",
    "PublicGrant",
    "RatioSLI",
    "RollbackDrill",
    "Rollout",
    "RolloutPhase",
    "RunHadolint",
    "RunPipAudit",
    "RunScanners",
    "S3Security",
    "SECRET_PATTERNS",
    "SLOParams",
    "SLUG_RE",
    "SanctionedRole",
    "ScanFile",
    "ScanFormat",
    "ScanIgnore",
    "ScanThreshold",
    "Scenario",
    "SecretScanning",
    "Security",
    "Server",
    "Service",
    "SignoffPolicy",
    "SliQuery",
    "SqlDatabase",
    "Strict",
    "Testing",
    "Waiver",
    "WarehouseSecurity",
    "_preloaded",
    "env_names",
    "load_params",
    "params_sha256",
    "preload",
    "to_timedelta",
]
