"""S3 bucket settings read through boto3 from moto's server (see tests/moto_s3.py)."""

# ruff: noqa: F811 - pytest fixtures imported from moto_s3

from __future__ import annotations

import json

import pytest
from moto_s3 import (  # noqa: F401 - fixtures
    KEY_ENV,
    SECRET_ENV,
    admin_client,
    make_bucket,
    moto_server,
    running_moto,
    s3_endpoint,
)

from golive_lib.errors import SourceError
from golive_lib.sources import s3


def conn(url: str | None, **kw: object) -> s3.S3Connection:
    return s3.S3Connection(
        endpoint_url=url,
        access_key_id_env=KEY_ENV,
        secret_access_key_env=SECRET_ENV,
        **{"timeout_s": 3, **kw},  # type: ignore[arg-type]
    )


def test_a_locked_down_bucket_reads_as_such(s3_endpoint):
    make_bucket(admin_client(s3_endpoint), "events", expire_days=30)
    (state,) = s3.inspect(conn(s3_endpoint), ["events"])
    assert state.error is None
    assert state.encryption == "aws:kms" and state.bucket_key is True
    assert state.tls_only and state.tls_statement == "DenyInsecureTransport"
    assert state.public_access_blocked and state.versioning == "Enabled"
    assert [(r.id, r.expiration_days, r.enabled) for r in state.lifecycle] == [
        ("expire-events", 30, True)
    ]


def test_a_bare_bucket_reads_as_nothing_set(s3_endpoint):
    admin_client(s3_endpoint).create_bucket(Bucket="bare")
    (state,) = s3.inspect(conn(s3_endpoint), ["bare"])
    assert state.error is None
    assert state.encryption in (None, "AES256")  # moto may apply AWS's SSE-S3 default
    assert not state.tls_only and state.policy_problem == "no bucket policy"
    assert state.missing_public_flags == list(s3.PAB_FLAGS)
    assert state.versioning is None and state.lifecycle == ()


def test_a_tls_policy_on_the_bucket_only_is_incomplete(s3_endpoint):
    make_bucket(admin_client(s3_endpoint), "half", tls_resources=["arn:aws:s3:::half"])
    (state,) = s3.inspect(conn(s3_endpoint), ["half"])
    assert not state.tls_only
    assert "Resource misses arn:aws:s3:::half/*" in (state.policy_problem or "")


def test_a_missing_bucket_is_that_buckets_error_and_the_others_go_on(s3_endpoint):
    make_bucket(admin_client(s3_endpoint), "present")
    missing, present = s3.inspect(conn(s3_endpoint), ["absent", "present"])
    assert missing.error == "no such bucket"
    assert present.error is None and present.tls_only


def test_access_denied_on_one_bucket_leaves_the_others_readable(monkeypatch):
    """IAM enforced by moto after the set-up calls: the reviewer may not read 'locked'."""
    with running_moto({"INITIAL_NO_AUTH_ACTION_COUNT": "9"}) as url:
        import boto3

        admin = admin_client(url)
        make_bucket(admin, "open", versioning=False, public_block=False)  # 3 calls
        admin.create_bucket(Bucket="locked")  # 4
        iam = boto3.client(
            "iam",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        iam.create_user(UserName="reviewer")  # 5
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::locked", "arn:aws:s3:::locked/*"],
                },
            ],
        }
        iam.put_user_policy(  # 6
            UserName="reviewer", PolicyName="review", PolicyDocument=json.dumps(policy)
        )
        key = iam.create_access_key(UserName="reviewer")["AccessKey"]  # 7
        monkeypatch.setenv(KEY_ENV, key["AccessKeyId"])
        monkeypatch.setenv(SECRET_ENV, key["SecretAccessKey"])
        open_state, locked = s3.inspect(conn(url), ["open", "locked"])
    assert open_state.error is None and open_state.tls_only
    assert locked.error is not None and "AccessDenied" in locked.error


def test_an_endpoint_that_is_down_names_the_url(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "testing")
    monkeypatch.setenv(SECRET_ENV, "testing")
    with pytest.raises(SourceError, match=r"cannot reach http://127\.0\.0\.1:9/"):
        s3.inspect(conn("http://127.0.0.1:9/", timeout_s=1), ["events"])


def test_missing_credentials_name_the_variable(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(SourceError, match=f"environment variable {KEY_ENV}"):
        s3.inspect(conn("http://127.0.0.1:9"), ["events"])


def test_an_endpoint_from_an_unset_variable_names_it(monkeypatch):
    monkeypatch.delenv("GOLIVE_TEST_S3_URL", raising=False)
    with pytest.raises(SourceError, match="GOLIVE_TEST_S3_URL"):
        s3.inspect(s3.S3Connection(endpoint_url_env="GOLIVE_TEST_S3_URL"), ["events"])


@pytest.mark.parametrize(
    ("statement", "ok"),
    [
        ({"Principal": {"AWS": "*"}, "Resource": "arn:aws:s3:::b*"}, True),
        ({"Action": ["s3:GetObject"]}, False),
        ({"Condition": {"Bool": {"aws:SecureTransport": "true"}}}, False),
        ({"Effect": "Allow"}, False),
    ],
)
def test_tls_only_needs_a_deny_for_everyone_on_everything(statement, ok):
    base = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    sid, _ = s3.tls_only({"Statement": [{**base, **statement}]}, "b")
    assert (sid is not None) is ok
