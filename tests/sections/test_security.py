"""08 Security: each check on planted evidence, with the review date injected."""

# ruff: noqa: F811 - pytest fixtures imported from moto_s3

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLE_PARAMS, ROOT
from moto_s3 import (  # noqa: F401 - fixtures
    KEY_ENV,
    SECRET_ENV,
    admin_client,
    make_bucket,
    moto_server,
    s3_endpoint,
)

from golive_lib.model import Status
from golive_lib.params import Params, load_params
from golive_lib.report import html as report_html
from golive_lib.sections import security

SCANS = ROOT / "tests" / "data" / "security" / "scans"
VIOLATIONS = ROOT / "tests" / "data" / "security" / "warehouse" / "violations.sql"
TODAY = date(2026, 11, 27)


def make_params(tmp_path: Path, sec: dict[str, Any], **extra: Any) -> Params:
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    doc = {
        "schema_version": 1,
        "service": {"name": "svc"},
        "repository": "repo",
        "security": sec,
        **extra,
    }
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_params(path)


def with_scans(tmp_path: Path, *names: str) -> list[str]:
    (tmp_path / "repo" / "scans").mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SCANS / name, tmp_path / "repo" / "scans" / name)
    return [f"scans/{n}" for n in names]


def run(check, params: Params, today: date = TODAY):  # type: ignore[no-untyped-def]
    return check(security.collect(params, today=today), params)


# --------------------------------------------------------------------------- the example


def test_the_example_shows_its_planted_statuses():
    params = load_params(EXAMPLE_PARAMS)
    # The scans carry no date: their age is unknown whatever the checkout's file times
    checks = {c.id: c for c in security.evaluate(params, today=date(2031, 1, 1))}
    assert {k: v.status for k, v in checks.items()} == {
        "security.dependency-scan": Status.WARN,
        "security.image-scan": Status.WARN,
        "security.secrets-in-repo": Status.PASS,
        "security.snowflake-rbac": Status.FAIL,
        "security.data-segregation": Status.PASS,
        "security.s3-encryption": Status.ERROR,
        "security.gdpr": Status.PENDING,
    }, {k: v.summary for k, v in checks.items()}
    assert "acme-ingest-schemas" in checks["security.dependency-scan"].summary
    assert (
        "age of results/scans/trivy-image.json is unknown" in checks["security.image-scan"].summary
    )
    assert "INGEST_BACKFILL" in checks["security.snowflake-rbac"].summary
    assert "INGEST_S3_ENDPOINT" in checks["security.s3-encryption"].summary
    assert "processor-agreements" in checks["security.gdpr"].summary


# --------------------------------------------------------------------------- scans


@pytest.mark.parametrize(
    ("files", "sec", "status", "words"),
    [
        pytest.param(
            ["pip-audit-all-skipped.json"],
            {},
            Status.ERROR,
            ["nothing was checked", "skipped 3 of 3"],
            id="every-dependency-skipped-is-an-error",
        ),
        pytest.param(
            ["pip-audit-vulns.json"],
            {},
            Status.FAIL,
            ["3 finding(s) at or above high", "urllib3"],
            id="unknown-severity-counts-at-the-threshold",
        ),
        pytest.param(
            ["trivy.json"],
            {},
            Status.FAIL,
            ["1 finding(s)", "CVE-2024-35195 in requests", "2 below high"],
            id="a-critical-finding-fails",
        ),
        pytest.param(
            ["trivy.json"],
            {
                "scan_threshold": "critical",
                "scan_ignore": [
                    {
                        "id": "GHSA-9wx4-h78v-vm56",
                        "reason": "no sessions reused",
                        "expires": "2026-12-31",
                    }
                ],
            },
            Status.PASS,
            ["1 ignored", "2 below critical"],
            id="an-ignore-matches-an-alias",
        ),
        pytest.param(
            ["trivy.json"],
            {"scan_ignore": [{"id": "CVE-2024-35195", "reason": "later", "expires": "2026-11-01"}]},
            Status.FAIL,
            ["CVE-2024-35195"],
            id="an-expired-ignore-no-longer-applies",
        ),
        pytest.param(
            ["trivy.sarif"],
            {"scan_threshold": "critical", "ignore_unfixed": True},
            Status.WARN,
            ["no fix published"],
            id="ignore-unfixed-only-warns",
        ),
        pytest.param(
            ["grype.json", "truncated.json"],
            {"scan_threshold": "critical"},
            Status.FAIL,
            ["CVE-2024-45490", "truncated.json"],
            id="a-finding-fails-and-names-the-broken-file",
        ),
        pytest.param(
            ["truncated.json"],
            {},
            Status.ERROR,
            ["truncated.json", "not valid JSON"],
            id="a-malformed-report-is-an-error",
        ),
        pytest.param(
            ["osv-scanner.json"],
            {"scan_threshold": "critical"},
            Status.WARN,
            ["no finding at or above critical", "2 below critical", "osv-scanner.json is unknown"],
            id="below-the-threshold-but-undated-warns",
        ),
    ],
)
def test_dependency_scan(tmp_path, files, sec, status, words):
    paths = with_scans(tmp_path, *files)
    params = make_params(tmp_path, {"dependency_scans": paths, "scan_max_age_days": 3650, **sec})
    result = run(security.dependency_scan, params)
    assert result.status is status, result.summary
    for word in words:
        assert word in result.summary


def test_a_report_older_than_the_maximum_age_fails_as_stale(tmp_path):
    params = make_params(
        tmp_path,
        {
            "image_scans": with_scans(tmp_path, "osv-scanner.json", "grype.json"),
            "scan_threshold": "critical",
            "scan_ignore": [
                {"id": "CVE-2024-45490", "reason": "not reachable", "expires": "2027-01-31"}
            ],
        },
    )
    result = run(security.image_scan, params, today=date(2026, 12, 10))
    assert result.status is Status.FAIL
    assert result.summary.startswith("stale scan: ")
    assert "scans/grype.json is 16 days old (max 7)" in result.summary


def test_no_scan_configured_fails_and_says_where_to_list_one(tmp_path):
    result = run(security.image_scan, make_params(tmp_path, {}))
    assert result.status is Status.FAIL and "security.image_scans" in result.summary


def test_findings_are_listed_most_severe_first_with_links(tmp_path):
    params = make_params(tmp_path, {"image_scans": with_scans(tmp_path, "trivy.sarif")})
    ev = security.collect(params, today=TODAY)
    result = security.image_scan(ev, params)
    severities = [f["severity"] for f in result.data["findings"]]
    assert severities == ["critical", "high", "low"]
    html = report_html.findings_table(security.finding_rows(ev.image_scans, params, TODAY))
    assert html.index("CVE-2023-45853") < html.index("CVE-2011-3374")
    assert 'href="https://avd.aquasec.com/nvd/cve-2024-6345"' in html


def test_finding_text_is_escaped_in_the_table(tmp_path):
    doc = json.loads((SCANS / "pip-audit-vulns.json").read_text())
    doc["dependencies"][0]["name"] = "<script>alert(1)</script>"
    (tmp_path / "repo" / "scans").mkdir(parents=True)
    (tmp_path / "repo" / "scans" / "x.json").write_text(json.dumps(doc))
    params = make_params(tmp_path, {"dependency_scans": ["scans/x.json"]})
    ev = security.collect(params, today=TODAY)
    html = report_html.findings_table(security.finding_rows(ev.dependency_scans, params, TODAY))
    assert "<script>" not in html and "&lt;script&gt;" in html


# --------------------------------------------------------------------------- secrets


def test_a_secret_in_the_repository_fails_without_showing_it(tmp_path):
    key = "AKIA4HQWZ7RZM2K6PXLB"  # pragma: allowlist secret
    params = make_params(tmp_path, {})
    (tmp_path / "repo" / "deploy.sh").write_text(f"export AWS_ACCESS_KEY_ID={key}\n")
    result = run(security.secrets_in_repo, params)
    assert result.status is Status.FAIL
    assert "AWS access key ID in deploy.sh:1 (high)" in result.summary
    assert key not in result.model_dump_json()


def test_secrets_are_grouped_by_type_and_file_and_test_paths_are_apart(tmp_path):
    password = "Vq7pLz9mK2xR4tWs"  # pragma: allowlist secret
    params = make_params(tmp_path, {})
    repo = tmp_path / "repo"
    (repo / "conf.py").write_text("".join(f'db{i}_password = "{password}{i}"\n' for i in range(3)))
    (repo / "tests").mkdir()
    (repo / "tests" / "test_conf.py").write_text(f'password = "{password}"\n')
    result = run(security.secrets_in_repo, params)
    assert result.status is Status.FAIL
    assert result.summary.startswith("3 potential secret(s) in 1 of 2 files (1 by type and file)")
    assert "1 more in test/example/docs paths" in result.summary
    labels = [(e.label, e.value.split(";")[0], e.location) for e in result.evidence]
    assert ("Secret keyword (medium)", "3 at line(s) 1, 2, 3", "conf.py") in labels
    assert (
        "test/example/docs: Secret keyword (medium)",
        "1 at line(s) 1",
        "tests/test_conf.py",
    ) in labels
    assert password not in result.model_dump_json()
    # only in test code: a warning to confirm they are fakes, not a pass
    (repo / "conf.py").unlink()
    result = run(security.secrets_in_repo, params)
    assert result.status is Status.WARN and "only in test/example/docs paths" in result.summary


def test_a_clean_repository_passes(tmp_path):
    params = make_params(tmp_path, {})
    (tmp_path / "repo" / "app.py").write_text("print('hello')\n")
    result = run(security.secrets_in_repo, params)
    assert result.status is Status.PASS and "1 files" in result.summary


# --------------------------------------------------------------------------- S3 (moto server)


def s3_params(tmp_path: Path, url: str, buckets: list[str], **more: Any) -> Params:
    gdpr = more.pop("gdpr", {})
    return make_params(
        tmp_path,
        {
            "s3": {
                "endpoint_url": url,
                "access_key_id_env": KEY_ENV,
                "secret_access_key_env": SECRET_ENV,
                "buckets": buckets,
                "timeout_s": 5,
                **more,
            },
            "gdpr": gdpr,
        },
    )


def test_s3_buckets_set_up_each_way(tmp_path, s3_endpoint):
    s3 = admin_client(s3_endpoint)
    make_bucket(s3, "good")
    make_bucket(s3, "sse-s3", algorithm="AES256")
    make_bucket(
        s3,
        "half-public",
        public_block={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )
    make_bucket(s3, "no-tls", tls=False)
    names = ["good", "sse-s3", "half-public", "no-tls"]
    result = run(security.s3_encryption, s3_params(tmp_path, s3_endpoint, names))
    assert result.status is Status.FAIL
    per = result.data["buckets"]
    assert {n: per[n]["status"] for n in names} == {
        "good": "pass",
        "sse-s3": "fail",
        "half-public": "fail",
        "no-tls": "fail",
    }
    assert "AES256" in result.summary and "not aws:kms" in result.summary
    assert "BlockPublicPolicy off" in result.summary
    assert "no TLS-only policy" in result.summary


def test_aes256_passes_when_it_is_what_is_required(tmp_path, s3_endpoint):
    make_bucket(admin_client(s3_endpoint), "sse-s3", algorithm="AES256")
    params = s3_params(tmp_path, s3_endpoint, ["sse-s3"], required_encryption="AES256")
    assert run(security.s3_encryption, params).status is Status.PASS


def test_bucket_key_and_versioning_only_warn(tmp_path, s3_endpoint):
    make_bucket(admin_client(s3_endpoint), "bkt", bucket_key=False, versioning=False)
    result = run(security.s3_encryption, s3_params(tmp_path, s3_endpoint, ["bkt"]))
    assert result.status is Status.WARN
    assert "Bucket Key off" in result.summary and "versioning never enabled" in result.summary


def test_an_unreadable_bucket_is_an_error_and_the_others_are_still_shown(tmp_path, s3_endpoint):
    make_bucket(admin_client(s3_endpoint), "good")
    result = run(security.s3_encryption, s3_params(tmp_path, s3_endpoint, ["good", "gone"]))
    assert result.status is Status.ERROR
    assert "gone: no such bucket" in result.summary
    assert result.data["buckets"]["good"]["status"] == "pass"


def test_an_s3_endpoint_that_is_down_is_an_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "k")
    monkeypatch.setenv(SECRET_ENV, "s")
    params = s3_params(tmp_path, "http://127.0.0.1:9", ["b"], timeout_s=1)
    result = run(security.s3_encryption, params)
    assert result.status is Status.ERROR and "cannot reach http://127.0.0.1:9" in result.summary


def test_no_buckets_listed_is_not_applicable(tmp_path):
    assert run(security.s3_encryption, make_params(tmp_path, {})).status is Status.NA


# --------------------------------------------------------------------------- warehouse


def wh_params(tmp_path: Path, **more: Any) -> Params:
    (tmp_path / "repo").mkdir(exist_ok=True)
    shutil.copy(VIOLATIONS, tmp_path / "repo" / "grants.sql")
    cfg = {
        "seeds": ["grants.sql"],
        "max_accountadmins": 2,
        "public_grants_allowed": [
            {"privilege": "USAGE", "object_type": "WAREHOUSE", "name": "REPORTING_*"}
        ],
        **more,
    }
    return make_params(tmp_path, {"warehouse": cfg})


def test_rbac_finds_every_planted_violation(tmp_path):
    result = run(security.snowflake_rbac, wh_params(tmp_path))
    assert result.status is Status.FAIL
    found = {(v["rule"], v["what"]) for v in result.data["violations"]}
    assert found == {
        (
            "privilege granted straight to a user",
            "SELECT on TABLE SALES.PUBLIC.ORDERS to USER CARL",
        ),
        (
            "grant to PUBLIC not in the allow-list",
            "SELECT on TABLE SALES.PUBLIC.CUSTOMERS to ROLE PUBLIC",
        ),
        ("too many ACCOUNTADMIN holders", "3 users (max 2): ADA, BOB, CARL"),
        ("admin role as default role", "user ADA (ACCOUNTADMIN)"),
        ("custom role does not roll up to SYSADMIN", "ORPHAN (granted to ACCOUNTADMIN)"),
        ("custom role does not roll up to SYSADMIN", "LOOP_A (granted to LOOP_B)"),
        ("custom role does not roll up to SYSADMIN", "LOOP_B (granted to LOOP_A)"),
    }
    assert "ANALYST" not in {v["what"].split()[0] for v in result.data["violations"]}


def test_rbac_passes_on_a_clean_hierarchy(tmp_path):
    seed = tmp_path / "repo" / "clean.sql"
    (tmp_path / "repo").mkdir(exist_ok=True)
    seed.write_text(
        "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.USERS (NAME, DEFAULT_ROLE, DISABLED) VALUES "
        "('ADA', 'SYSADMIN', FALSE), ('BEA', 'APP_RW', FALSE);\n"
        "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_USERS (ROLE, GRANTEE_NAME) VALUES "
        "('ACCOUNTADMIN', 'ADA'), ('ACCOUNTADMIN', 'BEA'), ('APP_RW', 'ADA');\n"
        "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_ROLES "
        "(PRIVILEGE, GRANTED_ON, NAME, GRANTED_TO, GRANTEE_NAME) VALUES "
        "('USAGE', 'ROLE', 'APP_RW', 'ROLE', 'APP_ADMIN'), "
        "('USAGE', 'ROLE', 'APP_ADMIN', 'ROLE', 'SYSADMIN');\n"
    )
    params = make_params(tmp_path, {"warehouse": {"seeds": ["clean.sql"]}})
    result = run(security.snowflake_rbac, params)
    assert result.status is Status.PASS, result.summary
    assert "APP_RW -> APP_ADMIN -> SYSADMIN" in [e.value for e in result.evidence]


def test_segregation_finds_tables_without_a_tenant_policy(tmp_path):
    result = run(security.data_segregation, wh_params(tmp_path))
    assert result.status is Status.FAIL
    assert result.data["missing"] == ["SALES.PUBLIC.CUSTOMERS", "SALES.TENANT_42.EVENTS"]
    assert result.data["policy_not_on_tenant_column"] == [
        "SALES.PUBLIC.INVOICES: SALES.GOV.REGION_RAP(REGION)"
    ]
    assert result.data["segregated"] == {
        "SALES.PUBLIC.ORDERS": "row access policy SALES.GOV.TENANT_RAP"
    }


def test_a_tenant_schema_is_not_trusted_by_its_name(tmp_path):
    result = run(security.data_segregation, wh_params(tmp_path, tenant_schemas=["SALES.TENANT_*"]))
    assert "SALES.TENANT_42.EVENTS" in result.data["missing"]
    shown = {e.value for e in result.evidence if e.label == "NO row access policy"}
    assert (
        "SALES.TENANT_42.EVENTS (a tenant schema by name only: set tenant_roles to judge "
        "who reads it)" in shown
    )


def test_with_tenant_roles_segregation_is_judged_by_who_reads_what(tmp_path):
    params = wh_params(tmp_path, tenant_roles=["TENANT_*"])
    (tmp_path / "repo" / "grants.sql").write_text(
        VIOLATIONS.read_text()
        + "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_ROLES (PRIVILEGE, GRANTED_ON, NAME, "
        "TABLE_CATALOG, TABLE_SCHEMA, GRANTED_TO, GRANTEE_NAME) VALUES "
        "('SELECT', 'TABLE', 'EVENTS', 'SALES', 'TENANT_42', 'ROLE', 'T42_READ'), "
        "('USAGE', 'ROLE', 'T42_READ', NULL, NULL, 'ROLE', 'TENANT_42'), "
        "('USAGE', 'ROLE', 'TENANT_7', NULL, NULL, 'ROLE', 'SYSADMIN');\n"
        "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.SCHEMATA (CATALOG_NAME, SCHEMA_NAME, "
        "IS_MANAGED_ACCESS) VALUES ('SALES', 'TENANT_42', 'YES');\n"
    )
    result = run(security.data_segregation, params)
    assert result.data["segregated"]["SALES.TENANT_42.EVENTS"] == (
        "read only by tenant role TENANT_42"
    )  # through T42_READ, which the glob does not match
    shown = {e.value for e in result.evidence if e.label == "segregated by grants"}
    assert (
        "SALES.TENANT_42.EVENTS: read only by tenant role TENANT_42 (managed-access schema: "
        "only its owner grants access)" in shown
    )
    # CUSTOMERS is granted to PUBLIC: every tenant role reads every tenant's customers
    assert result.data["readable_across_tenants"] == [
        "SALES.PUBLIC.CUSTOMERS (TENANT_42, TENANT_7 (granted to PUBLIC))"
    ]


def test_a_broken_seed_makes_both_warehouse_checks_errors(tmp_path):
    (tmp_path / "repo").mkdir(exist_ok=True)
    (tmp_path / "repo" / "bad.sql").write_text("INSERT INTO nowhere VALUES (1);")
    params = make_params(tmp_path, {"warehouse": {"seeds": ["bad.sql"]}})
    ev = security.collect(params, today=TODAY)
    for fn in (security.snowflake_rbac, security.data_segregation):
        result = fn(ev, params)
        assert result.status is Status.ERROR and "bad.sql" in result.summary


def test_an_empty_account_usage_catalog_is_an_error_not_a_pass(tmp_path):
    """No users, grants or role grants at all: the catalog was not read (a real account
    always has an ACCOUNTADMIN holder)."""
    (tmp_path / "repo").mkdir(exist_ok=True)
    (tmp_path / "repo" / "empty.sql").write_text("-- nothing exported\n")
    params = make_params(tmp_path, {"warehouse": {"seeds": ["empty.sql"]}})
    result = run(security.snowflake_rbac, params)
    assert result.status is Status.ERROR
    assert "empty.sql" in result.summary and "nothing to check" in result.summary


def test_no_warehouse_is_not_applicable(tmp_path):
    params = make_params(tmp_path, {})
    assert run(security.snowflake_rbac, params).status is Status.NA
    assert run(security.data_segregation, params).status is Status.NA


# --------------------------------------------------------------------------- GDPR


def attest(item: str, when: str, **more: Any) -> dict[str, Any]:
    return {
        "check": "security.gdpr",
        "item": item,
        "by": "DPO",
        "date": when,
        "link": f"https://wiki.example.com/{item}",
        **more,
    }


def gdpr_repo(tmp_path: Path) -> None:
    docs = tmp_path / "repo" / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "erasure.md").write_text("# Erasure\n\nRun the erase job.\n")
    (docs / "breach.md").write_text("# Breach\n\nPage security.\n")


GDPR_FILES = {"erasure_procedure": "docs/erasure.md", "breach_procedure": "docs/breach.md"}


def test_gdpr_passes_when_each_item_is_evidenced_or_attested(tmp_path):
    gdpr_repo(tmp_path)
    params = make_params(
        tmp_path,
        {"gdpr": GDPR_FILES},
        attestations=[
            attest(i, "2026-06-01") for i in ("pii-inventory", "retention", "processor-agreements")
        ],
    )
    result = run(security.gdpr, params)
    assert result.status is Status.PASS, result.summary
    assert result.data["items"]["erasure-procedure"]["state"] == "evidenced"
    assert result.data["items"]["retention"]["state"] == "attested"


def test_a_stale_or_missing_attestation_leaves_gdpr_pending(tmp_path):
    gdpr_repo(tmp_path)
    params = make_params(
        tmp_path,
        {"gdpr": GDPR_FILES},
        attestations=[
            attest("pii-inventory", "2026-06-01"),
            attest("retention", "2026-06-01"),
            attest("processor-agreements", "2026-06-01", max_age_days=90),
        ],
    )
    result = run(security.gdpr, params)
    assert result.status is Status.PENDING
    assert "processor-agreements" in result.summary and "stale" in result.summary


def test_a_procedure_file_named_but_missing_fails(tmp_path):
    params = make_params(tmp_path, {"gdpr": {"erasure_procedure": "docs/nope.md"}})
    result = run(security.gdpr, params)
    assert result.status is Status.FAIL and "docs/nope.md" in result.summary


def test_a_violated_item_fails_and_still_names_an_item_it_could_not_evaluate(tmp_path):
    (tmp_path / "repo").mkdir(exist_ok=True)
    (tmp_path / "repo" / "bad.sql").write_text("INSERT INTO nowhere VALUES (1);")
    params = make_params(
        tmp_path,
        {"gdpr": {"erasure_procedure": "docs/nope.md"}, "warehouse": {"seeds": ["bad.sql"]}},
    )
    result = run(security.gdpr, params)
    assert result.status is Status.FAIL and "docs/nope.md" in result.summary
    assert "also not evaluated: pii-inventory" in result.summary and "bad.sql" in result.summary


def test_pii_tags_in_the_warehouse_evidence_the_inventory(tmp_path):
    shutil.copy(ROOT / "examples" / "ingest-api" / "warehouse" / "seed.sql", tmp_path / "seed.sql")
    params = make_params(tmp_path, {"warehouse": {"seeds": ["../seed.sql"]}})
    items = {i.item: i for i in security.gdpr_items(security.collect(params, today=TODAY), params)}
    assert items["pii-inventory"].state == "evidenced"
    assert (
        "3 column(s) and 0 table, schema or database tag(s) marking PII"
        in items["pii-inventory"].summary
    )


def test_s3_lifecycle_rules_evidence_retention_or_fail_it(tmp_path, s3_endpoint):
    s3 = admin_client(s3_endpoint)
    make_bucket(s3, "short", expire_days=30)
    make_bucket(s3, "long", expire_days=400)
    make_bucket(s3, "forever")
    ok = s3_params(tmp_path, s3_endpoint, ["short"], gdpr={"retention_days": 30})
    items = {i.item: i for i in security.gdpr_items(security.collect(ok, today=TODAY), ok)}
    assert items["retention"].state == "evidenced"
    bad = s3_params(
        tmp_path, s3_endpoint, ["short", "long", "forever"], gdpr={"retention_days": 30}
    )
    result = run(security.gdpr, bad)
    assert result.status is Status.FAIL
    assert "long (expiration rules: expire-events (all: 400 d))" in result.summary
    assert "forever (expiration rules: none)" in result.summary


EXAMPLE_SEED = ROOT / "examples" / "ingest-api" / "warehouse" / "seed.sql"


def retention_params(tmp_path: Path, *patches: str, **sec: Any) -> Params:
    """The example's ACCOUNT_USAGE rows on DuckDB, then each patch (SQL) run after them."""
    (tmp_path / "repo").mkdir(exist_ok=True)
    shutil.copy(EXAMPLE_SEED, tmp_path / "repo" / "seed.sql")
    seeds = ["seed.sql"]
    for n, sql in enumerate(patches):
        (tmp_path / "repo" / f"patch{n}.sql").write_text(sql)
        seeds.append(f"patch{n}.sql")
    attestations = sec.pop("attestations", [])
    return make_params(
        tmp_path,
        {"warehouse": {"seeds": seeds}, "gdpr": {"retention_days": 30}, **sec},
        attestations=attestations,
    )


def retention_item(params: Params) -> security.GdprItem:
    items = security.gdpr_items(security.collect(params, today=TODAY), params)
    return next(i for i in items if i.item == "retention")


def test_warehouse_retention_of_pii_tables_when_s3_is_unreachable_warns_on_rows_kept(
    tmp_path, monkeypatch
):
    """Time Travel + Fail-safe hold the limit, but ACCOUNTS' rows never expire: warn."""
    monkeypatch.delenv("INGEST_S3_ENDPOINT", raising=False)
    s3 = {"endpoint_url_env": "INGEST_S3_ENDPOINT", "buckets": ["ingest-api-events"]}
    item = retention_item(retention_params(tmp_path, s3=s3))
    assert item.state == "warn", item.summary
    assert "2 table(s) holding PII keep erased rows at most 30 days" in item.summary
    assert "INGEST_S3_ENDPOINT" in item.summary  # the unread S3 side is named, not hidden
    shown = {e.label: e.value for e in item.evidence}
    assert shown == {
        "INGEST.TENANT_DATA.ACCOUNTS retention": "Time Travel 1 days "
        "(DATA_RETENTION_TIME_IN_DAYS) + 7 days Fail-safe: erased rows recoverable 8 days",
        "INGEST.TENANT_DATA.EVENTS retention": "Time Travel 7 days "
        "(DATA_RETENTION_TIME_IN_DAYS) + 7 days Fail-safe: erased rows recoverable 14 days",
        "INGEST.TENANT_DATA.EVENTS lifecycle": "INGEST.GOVERNANCE.EVENTS_EXPIRY: rows expire at "
        "30 days old: TO_DATE(received_at) < TO_DATE(DATEADD(DAY, -30, CURRENT_TIMESTAMP()))",
    }  # OPS.LOAD_HISTORY (90 days, no PII) is not held to the limit
    assert "rows of INGEST.TENANT_DATA.EVENTS expire within 30 days" in item.summary
    assert "rows of INGEST.TENANT_DATA.ACCOUNTS never expire" in item.summary
    expiring = retention_params(tmp_path, ATTACH_TO_ACCOUNTS, s3=s3)
    assert retention_item(expiring).state == "evidenced"


def test_a_pii_table_keeping_erased_rows_too_long_fails_gdpr(tmp_path):
    params = retention_params(
        tmp_path,
        "UPDATE SNOWFLAKE.ACCOUNT_USAGE.TABLES SET RETENTION_TIME = 90 "
        "WHERE TABLE_NAME = 'ACCOUNTS';",
        attestations=[attest("retention", "2026-11-01")],  # a system's finding outweighs it
    )
    result = run(security.gdpr, params)
    assert result.status is Status.FAIL
    assert (
        "longer than 30 days: INGEST.TENANT_DATA.ACCOUNTS (90 days Time Travel + 7 days "
        "Fail-safe = 97 days)" in result.summary
    )


def test_a_pii_table_missing_from_the_tables_view_is_an_error_unless_attested(tmp_path):
    drop = "DELETE FROM SNOWFLAKE.ACCOUNT_USAGE.TABLES WHERE TABLE_NAME = 'EVENTS';"
    item = retention_item(retention_params(tmp_path, drop))
    assert item.state == "error"
    assert "not in ACCOUNT_USAGE.TABLES: INGEST.TENANT_DATA.EVENTS" in item.summary
    item = retention_item(
        retention_params(tmp_path, drop, attestations=[attest("retention", "2026-11-01")])
    )
    assert item.state == "attested"


def test_a_warehouse_without_the_tables_view_leaves_the_other_checks_alone(tmp_path):
    params = retention_params(tmp_path, "DROP TABLE SNOWFLAKE.ACCOUNT_USAGE.TABLES;")
    ev = security.collect(params, today=TODAY)
    assert ev.warehouse is not None and "TABLES" in ev.warehouse.errors["table_retention"]
    item = next(i for i in security.gdpr_items(ev, params) if i.item == "retention")
    assert item.state == "error" and "warehouse retention unreadable" in item.summary
    assert security.snowflake_rbac(ev, params).status is not Status.ERROR


def test_s3_lifecycle_evidence_and_a_warehouse_violation_fail_together(tmp_path, s3_endpoint):
    s3 = admin_client(s3_endpoint)
    make_bucket(s3, "short30", expire_days=30)
    params = retention_params(
        tmp_path,
        "UPDATE SNOWFLAKE.ACCOUNT_USAGE.TABLES SET RETENTION_TIME = 45 "
        "WHERE TABLE_NAME = 'EVENTS';",
        s3={
            "endpoint_url": s3_endpoint,
            "access_key_id_env": KEY_ENV,
            "secret_access_key_env": SECRET_ENV,
            "buckets": ["short30"],
            "timeout_s": 5,
        },
    )
    item = retention_item(params)
    assert item.state == "violated" and "EVENTS (45 days Time Travel" in item.summary
    assert any(e.label == "short30 lifecycle" for e in item.evidence)


# --------------------------------------------------------------------------- storage lifecycle

EVENTS_BODY = "UPDATE SNOWFLAKE.ACCOUNT_USAGE.STORAGE_LIFECYCLE_POLICIES SET BODY = '{body}'{more};"


ATTACH_TO_ACCOUNTS = (
    "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.POLICY_REFERENCES (POLICY_DB, POLICY_SCHEMA, "
    "POLICY_NAME, POLICY_KIND, REF_DATABASE_NAME, REF_SCHEMA_NAME, REF_ENTITY_NAME, "
    "POLICY_STATUS) VALUES ('INGEST', 'GOVERNANCE', 'EVENTS_EXPIRY', "
    "'STORAGE_LIFECYCLE_POLICY', 'INGEST', 'TENANT_DATA', 'ACCOUNTS', 'ACTIVE');"
)


def test_a_lifecycle_policy_keeping_pii_rows_too_long_fails_gdpr(tmp_path):
    params = retention_params(
        tmp_path,
        EVENTS_BODY.format(
            body="TO_DATE(received_at) < TO_DATE(DATEADD(DAY, -20, CURRENT_TIMESTAMP()))",
            more=', OPTIONS = \'{"ARCHIVE_TIER": "COLD", "ARCHIVE_FOR_DAYS": 180}\'',
        ),
        attestations=[attest("retention", "2026-11-01")],  # a system's finding outweighs it
    )
    result = run(security.gdpr, params)
    assert result.status is Status.FAIL, result.summary
    assert (
        "rows of tables holding PII outlive 30 days: INGEST.TENANT_DATA.EVENTS "
        "(INGEST.GOVERNANCE.EVENTS_EXPIRY: 200 days)"
    ) in result.summary
    assert "does not show" not in result.summary  # the violation says it all
    shown = {e.label: e.value for e in result.evidence}
    assert "+ 180 days archived (COLD)" in shown["INGEST.TENANT_DATA.EVENTS lifecycle"]


def test_require_row_expiry_fails_a_pii_table_without_a_lifecycle_policy(tmp_path):
    item = retention_item(
        retention_params(tmp_path, gdpr={"retention_days": 30, "require_row_expiry": True})
    )
    assert item.state == "violated"
    assert item.summary == (
        "rows of tables holding PII outlive 30 days: "
        "no storage lifecycle policy on INGEST.TENANT_DATA.ACCOUNTS"
    )
    item = retention_item(
        retention_params(
            tmp_path, ATTACH_TO_ACCOUNTS, gdpr={"retention_days": 30, "require_row_expiry": True}
        )
    )
    assert item.state == "evidenced", item.summary
    assert (
        "rows of INGEST.TENANT_DATA.ACCOUNTS, INGEST.TENANT_DATA.EVENTS expire within 30 days"
        in item.summary
    )


def test_a_conditional_lifecycle_policy_is_no_proof_that_every_row_expires(tmp_path):
    conditional = EVENTS_BODY.format(
        body="received_at < DATEADD(DAY, -30, CURRENT_TIMESTAMP()) AND EXISTS "
        "(SELECT 1 FROM closed_accounts WHERE id = account_id)",
        more="",
    )
    item = retention_item(retention_params(tmp_path, conditional))
    assert item.state == "warn"  # Time Travel holds; rows that may never expire warn
    assert (
        "storage lifecycle policy does not show that every row expires: INGEST.TENANT_DATA.EVENTS"
        in item.summary
    )
    required = {"retention_days": 30, "require_row_expiry": True}
    item = retention_item(retention_params(tmp_path, conditional, gdpr=required))
    assert item.state == "violated"  # ACCOUNTS has no policy; the doubt is still named
    assert "no storage lifecycle policy on INGEST.TENANT_DATA.ACCOUNTS" in item.summary
    assert "does not show that every row expires: INGEST.TENANT_DATA.EVENTS" in item.summary
    item = retention_item(
        retention_params(tmp_path, conditional, ATTACH_TO_ACCOUNTS, gdpr=required)
    )
    assert item.state == "error"  # the one policy (now on both tables) proves nothing
    assert item.summary.startswith(
        "storage lifecycle policy does not show that every row expires: "
        "INGEST.TENANT_DATA.ACCOUNTS, INGEST.TENANT_DATA.EVENTS; no attestation"
    )


def test_an_account_without_the_lifecycle_view_is_noted_or_an_error_when_required(tmp_path):
    drop = "DROP TABLE SNOWFLAKE.ACCOUNT_USAGE.STORAGE_LIFECYCLE_POLICIES;"
    params = retention_params(tmp_path, drop)
    ev = security.collect(params, today=TODAY)
    assert ev.warehouse is not None
    assert "STORAGE_LIFECYCLE_POLICIES" in ev.warehouse.errors["lifecycle_policies"]
    item = next(i for i in security.gdpr_items(ev, params) if i.item == "retention")
    assert item.state == "warn" and "storage lifecycle policies unreadable" in item.summary
    assert security.data_segregation(ev, params).status is Status.PASS
    required = retention_params(
        tmp_path, drop, gdpr={"retention_days": 30, "require_row_expiry": True}
    )
    item = retention_item(required)
    assert item.state == "error" and "storage lifecycle policies unreadable" in item.summary


def test_effective_admins_are_found_through_the_whole_role_graph_with_their_chain(tmp_path):
    (tmp_path / "repo").mkdir(exist_ok=True)
    (tmp_path / "repo" / "nested.sql").write_text(
        "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.USERS (NAME, DEFAULT_ROLE, DISABLED) VALUES "
        "('ADA', 'SYSADMIN', FALSE), ('UMA', 'ANALYST', FALSE), ('OLD', 'PLATFORM', TRUE);\n"
        "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_USERS (ROLE, GRANTEE_NAME) VALUES "
        "('ACCOUNTADMIN', 'ADA'), ('PLATFORM', 'UMA'), ('PLATFORM', 'OLD');\n"
        "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_ROLES "
        "(PRIVILEGE, GRANTED_ON, NAME, GRANTED_TO, GRANTEE_NAME) VALUES "
        "('USAGE', 'ROLE', 'ACCOUNTADMIN', 'ROLE', 'OPS'), "
        "('USAGE', 'ROLE', 'OPS', 'ROLE', 'PLATFORM'), "
        "('USAGE', 'ROLE', 'SECURITYADMIN', 'ROLE', 'ACCOUNTADMIN');\n"
    )
    params = make_params(tmp_path, {"warehouse": {"seeds": ["nested.sql"]}})
    result = run(security.snowflake_rbac, params)
    assert result.data["holders"]["ACCOUNTADMIN"] == {
        "ADA": "ACCOUNTADMIN -> user ADA",
        "UMA": "ACCOUNTADMIN -> OPS -> PLATFORM -> user UMA",
    }  # OLD is disabled
    assert result.data["holders"]["SECURITYADMIN"]["UMA"] == (
        "SECURITYADMIN -> ACCOUNTADMIN -> OPS -> PLATFORM -> user UMA"
    )
    rules = {v["rule"] for v in result.data["violations"]}
    assert "admin role granted to a custom role" in rules
    assert "too few ACCOUNTADMIN holders" not in rules  # two, one of them through OPS


def test_tenant_roles_that_match_no_role_pass_nothing(tmp_path):
    """A glob that matches no role would make every table 'read by no tenant role'."""
    result = run(security.data_segregation, wh_params(tmp_path, tenant_roles=["TENNANT_*"]))
    assert "SALES.TENANT_42.EVENTS" in result.data["missing"]
    assert any(e.label == "tenant_roles not used" for e in result.evidence)


CORPUS = ROOT / "tests" / "corpus" / "reports"


def _image_scan(tmp_path: Path, *files: str, **sec: Any):  # type: ignore[no-untyped-def]
    (tmp_path / "repo" / "scans").mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(CORPUS / f, tmp_path / "repo" / "scans" / Path(f).name)
    paths = [f"scans/{Path(f).name}" for f in files]
    params = make_params(tmp_path, {"image_scans": paths, "scan_max_age_days": 3650, **sec})
    return run(security.image_scan, params)


@pytest.mark.parametrize(
    ("file", "words"),
    [
        ("sarif/semgrep-execution-failed.sarif", ["executionSuccessful is false", "exit code 2"]),
        ("sarif/codeql-error-notification.sarif", ["reported an error: Could not process"]),
        ("sarif/run-without-results.sarif", ["has no results array"]),
        ("sarif/runs-empty.sarif", ["no run (runs is empty)"]),
        ("sarif/runs-null.sarif", ["runs is null"]),
    ],
)
def test_a_sarif_scan_that_failed_or_ran_nothing_is_an_error_never_clean(tmp_path, file, words):
    result = _image_scan(tmp_path, file)
    assert result.status is Status.ERROR, result.summary
    assert result.summary.startswith("not a clean scan: ")
    for word in words:
        assert word in result.summary


def test_a_failed_run_beside_a_finding_still_fails_and_names_the_failed_run(tmp_path):
    result = _image_scan(tmp_path, "sarif/two-runs-one-failed.sarif")
    assert result.status is Status.FAIL
    assert "CVE-2024-0001" in result.summary and "Grype says its run failed" in result.summary


def test_a_critical_secret_in_a_trivy_report_fails_the_image_scan(tmp_path):
    result = _image_scan(tmp_path, "trivy/image-critical-secret.json")
    assert result.status is Status.FAIL
    assert "aws-access-key-id" in result.summary


def test_suppressed_and_absent_sarif_results_are_not_findings(tmp_path):
    result = _image_scan(tmp_path, "sarif/suppressions-mixed.sarif", scan_threshold="medium")
    assert result.status is Status.FAIL
    assert result.data["counts"]["counts"] == 5  # 7 results, 2 suppressed
    assert "2 result(s) not counted: suppressed" in str(result.evidence)
    clean = _image_scan(tmp_path, "sarif/bandit-clean.sarif")
    assert clean.status is Status.PASS
