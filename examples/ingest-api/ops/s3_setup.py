"""Create the ingest-api's S3 buckets as its infrastructure code would.

    INGEST_S3_ENDPOINT=http://127.0.0.1:9000 python ops/s3_setup.py

Credentials come from INGEST_S3_ACCESS_KEY_ID / INGEST_S3_SECRET_ACCESS_KEY (never a
file). Idempotent: an existing bucket is configured again.

- ``ingest-api-events``: the event batches. Default encryption SSE-KMS with the
  service's key, a policy that refuses plain HTTP and unencrypted puts, every public
  access flag set, objects expire after 30 days (the privacy notice's retention).
- ``ingest-api-exports``: customer exports, set up by an older script that predates the
  KMS key: SSE-S3 (AES256) only and no TLS-only policy. The go-live review finds it
  (security.s3-encryption fails naming it); kept as the demo's planted S3 gap.
"""

from __future__ import annotations

import json
import os
import sys

import boto3

REGION = "eu-west-1"
KMS_KEY = "alias/ingest-api-events"
EVENTS, EXPORTS = "ingest-api-events", "ingest-api-exports"
RETENTION_DAYS = 30


def client():  # type: ignore[no-untyped-def]
    endpoint = os.environ.get("INGEST_S3_ENDPOINT")
    if not endpoint:
        sys.exit("s3_setup: set INGEST_S3_ENDPOINT")
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=os.environ.get("INGEST_S3_ACCESS_KEY_ID"),
        aws_secret_access_key=os.environ.get("INGEST_S3_SECRET_ACCESS_KEY"),
    )


def create(s3, name: str) -> None:  # type: ignore[no-untyped-def]
    try:
        s3.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass


def deny_plain_http(name: str) -> dict[str, object]:
    return {
        "Sid": "DenyPlainHttp",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def block_public(s3, name: str) -> None:  # type: ignore[no-untyped-def]
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def main() -> None:
    s3 = client()
    create(s3, EVENTS)
    s3.put_bucket_encryption(
        Bucket=EVENTS,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": KMS_KEY,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    unencrypted_puts = {
        "Sid": "DenyPutsWithoutKms",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{EVENTS}/*",
        "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
    }
    policy = {"Version": "2012-10-17", "Statement": [deny_plain_http(EVENTS), unencrypted_puts]}
    s3.put_bucket_policy(Bucket=EVENTS, Policy=json.dumps(policy))
    block_public(s3, EVENTS)
    s3.put_bucket_lifecycle_configuration(
        Bucket=EVENTS,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-events",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": RETENTION_DAYS},
                }
            ]
        },
    )

    create(s3, EXPORTS)  # the planted gap: SSE-S3 only, plain HTTP allowed
    s3.put_bucket_encryption(
        Bucket=EXPORTS,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    block_public(s3, EXPORTS)
    s3.put_bucket_lifecycle_configuration(
        Bucket=EXPORTS,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-exports",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": RETENTION_DAYS},
                }
            ]
        },
    )
    print(f"s3_setup: {EVENTS} and {EXPORTS} ready")


if __name__ == "__main__":
    main()
