"""08 Security: vulnerability scans, secrets in the repository, S3 buckets, Snowflake RBAC,
tenant segregation and GDPR.

`collect(params, today=...)` reads everything once: the scan reports (`sources.scans`),
the scanners configured to run now (`sources.scans.run_now`: hadolint, pip-audit against an
OSV endpoint; their reports join the ones from files), a secret scan of the files git lists
(`sources.secrets`: kingfisher, or detect-secrets), the S3 buckets' settings (`sources.s3`) and the
warehouse's ACCOUNT_USAGE views (`sources.warehouse`, DuckDB or Snowflake). Failures are
kept in the evidence as data; the seven checks are functions of `SecurityEvidence` and the
parameters, and the review date comes with the evidence so freshness, ignore expiries and
attestation ages are testable with any date.
"""

from __future__ import annotations

from datetime import date

from ...errors import SourceError
from ...model import Check
from ...params import Params
from ...sources import s3 as s3src
from ...sources import secrets as secretsrc
from ..base import checks_of, run_checks
from ..snowflake_facts import WarehouseFacts, open_warehouse, read_warehouse
from .buckets import bucket_problems, s3_encryption
from .evidence import ScanLoad, SecurityEvidence, _load_scans, run_scanners
from .privacy import GDPR_ITEMS, GdprItem, gdpr, gdpr_items
from .repo_secrets import secrets_in_repo
from .scan_checks import Judged, Verdict, dependency_scan, image_scan, judge
from .scan_tables import finding_rows, run_now_rows
from .warehouse import data_segregation, snowflake_rbac

__all__ = [
    "CHECKS",
    "GDPR_ITEMS",
    "SECTION",
    "GdprItem",
    "Judged",
    "ScanLoad",
    "SecurityEvidence",
    "Verdict",
    "bucket_problems",
    "collect",
    "data_segregation",
    "date",
    "dependency_scan",
    "evaluate",
    "finding_rows",
    "gdpr",
    "gdpr_items",
    "image_scan",
    "judge",
    "run_now_rows",
    "run_scanners",
    "s3_encryption",
    "secrets_in_repo",
    "snowflake_rbac",
]

SECTION = "security"


def collect(params: Params, today: date | None = None) -> SecurityEvidence:
    """Read every security source once; each failure is kept with its reason."""
    sec = params.security
    repo = params.repository
    secrets: secretsrc.SecretScan | None = None
    secrets_error = None
    try:
        secrets = secretsrc.scan(
            repo,
            tuple(sec.secrets.exclude),
            vendored=tuple(sec.secrets.vendored),
            engine=sec.secrets.engine,
        )
    except SourceError as e:
        secrets_error = e.message
    buckets: tuple[s3src.BucketState, ...] = ()
    s3_error = None
    if sec.s3 is not None and sec.s3.buckets:
        conn = s3src.S3Connection(
            endpoint_url=sec.s3.endpoint_url,
            endpoint_url_env=sec.s3.endpoint_url_env,
            region=sec.s3.region,
            access_key_id_env=sec.s3.access_key_id_env,
            secret_access_key_env=sec.s3.secret_access_key_env,
            session_token_env=sec.s3.session_token_env,
            timeout_s=sec.s3.timeout_s,
        )
        try:
            buckets = tuple(s3src.inspect(conn, sec.s3.buckets))
        except SourceError as e:
            s3_error = e.message
    facts: WarehouseFacts | None = None
    warehouse_error = None
    if sec.warehouse is not None:
        try:
            source = open_warehouse(params)
        except SourceError as e:
            warehouse_error = e.message
        else:
            try:
                facts = read_warehouse(source, sec.warehouse)
            finally:
                source.close()
    live_dependency, live_image = run_scanners(repo, sec.run_scanners)
    return SecurityEvidence(
        today=today or date.today(),
        repository=repo,
        dependency_scans=_load_scans(repo, sec.dependency_scans) + live_dependency,
        image_scans=_load_scans(repo, sec.image_scans) + live_image,
        secrets=secrets,
        secrets_error=secrets_error,
        buckets=buckets,
        s3_error=s3_error,
        warehouse=facts,
        warehouse_error=warehouse_error,
    )


CHECKS = checks_of(SECTION, globals())


def evaluate(params: Params, today: date | None = None) -> list[Check]:
    """Every security check, in the catalog's order."""
    return run_checks(CHECKS, params, lambda: collect(params, today=today))
