"""An S3 endpoint for the tests: moto's server mode on a loopback port.

No real S3 server is installable here (MinIO and friends are not packaged for this
machine's registries), so the tests use moto's server, the standard S3 test server:
the real boto3 client talks real HTTP to it. What it leaves untested: AWS's own
enforcement details (moto accepts any policy document; IAM is enforced only when a
server is started with ``INITIAL_NO_AUTH_ACTION_COUNT``, as `moto_server_with_iam`
does), KMS key existence, and real TLS.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import integration_fixture

MOTO = Path(sys.executable).with_name("moto_server")
KEY_ENV = "GOLIVE_TEST_S3_KEY"
SECRET_ENV = "GOLIVE_TEST_S3_SECRET"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_moto(env: dict[str, str] | None = None) -> Iterator[str]:
    """Start ``moto_server -H 127.0.0.1 -p PORT``, wait until it answers, always stop it."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(MOTO), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start on {url}") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
@integration_fixture
def moto_server() -> Iterator[str]:
    with running_moto() as url:
        yield url


@pytest.fixture
def s3_endpoint(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean moto server and credentials in the variables the tests name."""
    req = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(req, timeout=5).close()
    monkeypatch.setenv(KEY_ENV, "testing")
    monkeypatch.setenv(SECRET_ENV, "testing")
    return moto_server


def admin_client(url: str, key: str = "testing", secret: str = "testing"):  # type: ignore[no-untyped-def]
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


def tls_policy(bucket: str, resources: list[str] | None = None) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": resources or [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def make_bucket(
    s3,  # type: ignore[no-untyped-def]
    name: str,
    *,
    algorithm: str | None = "aws:kms",
    bucket_key: bool = True,
    tls: bool = True,
    tls_resources: list[str] | None = None,
    public_block: bool | dict[str, bool] = True,
    versioning: bool = True,
    expire_days: int | None = None,
) -> None:
    """A bucket set up one way or another."""
    s3.create_bucket(Bucket=name)
    if algorithm:
        default = {"SSEAlgorithm": algorithm}
        if algorithm == "aws:kms":
            default["KMSMasterKeyID"] = "arn:aws:kms:us-east-1:123456789012:key/1234abcd"
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": bucket_key}
                ]
            },
        )
    if tls:
        s3.put_bucket_policy(Bucket=name, Policy=tls_policy(name, tls_resources))
    if public_block:
        flags = (
            public_block
            if isinstance(public_block, dict)
            else {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            }
        )
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=flags)
    if versioning:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if expire_days is not None:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": "expire-events",
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "Expiration": {"Days": expire_days},
                    }
                ]
            },
        )
