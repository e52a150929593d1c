"""Faults of the storage sources, and an expired waiver: one batch of two services, each
carrying faults that touch different checks (one fault never hides another).

- ``s3-down-waiver-expired``: the S3 endpoint is down (a port where nothing listens), and a
  waiver is past its expiry (the check keeps its status and the report says "expired");
- ``s3-denied-sql-down``: S3 access denied (moto's server with IAM enforced: the reviewer's
  key is denied the bucket; tests/moto_s3.py), and the SQL sources down: the warehouse's
  DuckDB file is not a database, the rollout's DuckDB file does not exist.
"""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest
from faultkit import (
    NOWHERE,
    SECRETS,
    TODAY,
    Batch,
    assert_error,
    assert_no_secret,
    assert_report,
    copy_repo,
    example_params,
    run_batch,
)
from moto_s3 import admin_client, make_bucket, running_moto

BUCKET = "ingest-api-events"
SLIM = ["results/scans", "warehouse", "rollout", "docs/privacy", "docs/rollout-plan.md"]


def _denied_key(url: str) -> tuple[str, str]:
    """A reviewer whose IAM policy denies everything on the bucket (moto enforces IAM once
    the first 7 set-up calls are done: INITIAL_NO_AUTH_ACTION_COUNT)."""
    make_bucket(admin_client(url), BUCKET, versioning=False, public_block=False)  # 3 calls
    iam = boto3.client(
        "iam",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    iam.create_user(UserName="reviewer")  # 4
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            }
        ],
    }
    iam.put_user_policy(  # 5
        UserName="reviewer", PolicyName="review", PolicyDocument=json.dumps(policy)
    )
    key = iam.create_access_key(UserName="reviewer")["AccessKey"]  # 6
    return key["AccessKeyId"], key["SecretAccessKey"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    work = tmp_path_factory.mktemp("storage")
    repo = copy_repo(work / "repo", only=SLIM)
    (repo / "warehouse" / "account.duckdb").write_text("not a DuckDB database\n")

    def service(name: str) -> dict:
        doc = example_params(name, repo)
        doc["security"]["secrets"] = {"exclude": []}
        return doc

    down = service("s3-down-waiver-expired")
    down["security"]["s3"] = {
        "endpoint_url": NOWHERE,
        "access_key_id_env": "FAULT_S3_KEY_ID",
        "secret_access_key_env": "AWS_SECRET_ACCESS_KEY",
        "buckets": [BUCKET],
        "timeout_s": 2,
    }
    down["waivers"] = [
        {
            "check": "security.dependency-scan",
            "reason": "the private package is audited by its own pipeline",
            "approver": "Dana Whitfield (head of platform)",
            "expires": TODAY - timedelta(days=1),
        }
    ]
    denied = service("s3-denied-sql-down")
    denied["security"]["s3"] = {
        "endpoint_url_env": "FAULT_S3_URL",
        "access_key_id_env": "FAULT_DENIED_KEY_ID",
        "secret_access_key_env": "FAULT_DENIED_SECRET",
        "buckets": [BUCKET],
        "timeout_s": 5,
    }
    denied["security"]["warehouse"] = {
        **{k: v for k, v in denied["security"]["warehouse"].items() if k != "seeds"},
        "database": "warehouse/account.duckdb",
    }
    denied["rollout"]["database"] = {"kind": "duckdb", "database": "rollout/routing.duckdb"}
    with running_moto({"INITIAL_NO_AUTH_ACTION_COUNT": "6"}) as url:
        key_id, secret = _denied_key(url)
        env = {
            "FAULT_S3_KEY_ID": "AKIDFAULTDOWN",
            "FAULT_S3_URL": url,
            "FAULT_DENIED_KEY_ID": key_id,
            "FAULT_DENIED_SECRET": secret,
        }
        result = run_batch(work, [down, denied], ("security", "rollout"), env=env)
    result.extra["denied_secret"] = secret
    return result


def test_an_s3_endpoint_that_is_down_is_an_error_naming_it(batch: Batch) -> None:
    report = assert_report(batch, "s3-down-waiver-expired")
    assert_error(report, "security.s3-encryption", f"cannot reach {NOWHERE}")
    # the other sources of the section went on
    assert report.check("security.snowflake-rbac")["status"] == "fail"
    assert report.check("rollout.phase-progress")["status"] == "pass"


def test_s3_access_denied_is_an_error_naming_the_bucket(batch: Batch) -> None:
    report = assert_report(batch, "s3-denied-sql-down")
    assert_error(report, "security.s3-encryption", BUCKET, "AccessDenied")
    secret = batch.extra["denied_secret"]
    assert secret not in SECRETS.values()
    assert_no_secret(batch.out, texts=(batch.result.stdout, batch.result.stderr))
    for path in batch.out.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_a_sql_source_that_is_down_errors_its_checks_naming_the_database(batch: Batch) -> None:
    report = assert_report(batch, "s3-denied-sql-down")
    for check_id in ("security.snowflake-rbac", "security.data-segregation"):
        assert_error(report, check_id, "account.duckdb")
    for check_id in ("rollout.phase-progress", "rollout.backfill-complete"):
        assert_error(report, check_id, "routing.duckdb", "not found")
    # what does not need SQL went on
    assert report.check("security.dependency-scan")["status"] == "warn"
    assert report.check("rollout.plan-documented")["status"] == "pass"


def test_an_expired_waiver_no_longer_waives_and_the_report_says_so(batch: Batch) -> None:
    report = assert_report(batch, "s3-down-waiver-expired")
    check = report.check("security.dependency-scan")
    assert check["status"] == "warn"  # what the scan is, no longer `waived`
    assert check["data"]["waiver_expired"]["expires"] == (TODAY - timedelta(days=1)).isoformat()
    assert "waiver expired" in json.dumps(check["evidence"])
    [waiver] = report.results["waivers"]
    assert waiver["expired"] is True and waiver["waived"] == []
    assert "(expired)" in (report.folder / "index.html").read_text(encoding="utf-8")
