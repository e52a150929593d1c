"""security.s3-encryption: each listed bucket's encryption, TLS-only policy, public-access
block and versioning."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ... import catalog
from ...model import Check, Evidence, Status
from ...params import Params
from ...sources import s3 as s3src
from ..base import check
from .evidence import SecurityEvidence


def bucket_problems(b: s3src.BucketState, params: Params) -> tuple[list[str], list[str]]:
    """(what fails, what only warns) for one bucket against the parameters."""
    cfg = params.security.s3
    assert cfg is not None
    fails: list[str] = []
    warns: list[str] = []
    required = cfg.required_encryption
    if b.encryption is None:
        fails.append("no default encryption")
    elif required == "aws:kms" and not b.encryption.startswith("aws:kms"):
        fails.append(
            f"default encryption {b.encryption} (SSE-S3, what every new AWS bucket has since "
            "January 2023), not aws:kms"
        )
    if b.encryption and b.encryption.startswith("aws:kms") and cfg.require_bucket_key:
        if not b.bucket_key:
            warns.append("S3 Bucket Key off (every object costs a KMS request)")
    if not b.tls_only:
        fails.append(f"no TLS-only policy ({b.policy_problem})")
    missing = b.missing_public_flags
    if missing:
        fails.append("public access not fully blocked: " + ", ".join(missing) + " off")
    if cfg.require_versioning and b.versioning != "Enabled":
        warns.append(f"versioning {b.versioning or 'never enabled'}")
    return fails, warns


@dataclass(frozen=True)
class _Judged:
    """Every listed bucket judged: the evidence, and per outcome the buckets' problems."""

    evidence: list[Evidence]
    failed: list[str]
    warned: list[str]
    errored: list[str]
    per_bucket: dict[str, Any]


def _settings(b: s3src.BucketState) -> str:
    return (
        f"encryption {b.encryption or 'none'}"
        + (f" (bucket key {'on' if b.bucket_key else 'off'})" if b.encryption else "")
        + f"; TLS-only {'yes (' + str(b.tls_statement) + ')' if b.tls_only else 'no'}"
        + f"; public access {'blocked' if b.public_access_blocked else 'NOT blocked'}"
        + f"; versioning {b.versioning or 'off'}"
    )


def _judge_buckets(buckets: Iterable[s3src.BucketState], params: Params, where: str) -> _Judged:
    j = _Judged([], [], [], [], {})
    for b in buckets:
        if b.error:
            j.errored.append(f"{b.name}: {b.error}")
            j.evidence.append(Evidence(label=f"{b.name}: error", value=b.error, location=where))
            j.per_bucket[b.name] = {"status": "error", "error": b.error}
            continue
        fails, warns = bucket_problems(b, params)
        status = "fail" if fails else "warn" if warns else "pass"
        j.per_bucket[b.name] = {
            "status": status,
            "encryption": b.encryption,
            "bucket_key": b.bucket_key,
            "tls_only": b.tls_only,
            "public_access_block": b.public_access_block,
            "versioning": b.versioning,
            "problems": fails + warns,
        }
        j.evidence.append(Evidence(label=f"{b.name}: {status}", value=_settings(b), location=where))
        for p in fails + warns:
            j.evidence.append(Evidence(label=f"{b.name}", value=p))
        if fails:
            j.failed.append(f"{b.name}: " + "; ".join(fails))
        elif warns:
            j.warned.append(f"{b.name}: " + "; ".join(warns))
    return j


@check("security.s3-encryption")
def s3_encryption(ev: SecurityEvidence, params: Params) -> Check:
    check_id = "security.s3-encryption"
    cfg = params.security.s3
    if cfg is None or not cfg.buckets:
        return catalog.make(check_id, Status.NA, "no S3 buckets listed in security.s3.buckets")
    where = cfg.endpoint_url or (f"${cfg.endpoint_url_env}" if cfg.endpoint_url_env else "AWS")
    if ev.s3_error:
        return catalog.error(
            check_id,
            f"S3 ({where}): {ev.s3_error}",
            "Set the variables named in security.s3 (the demo stack does), or check that the "
            "endpoint is up and reachable.",
        )
    j = _judge_buckets(ev.buckets, params, where)
    evidence, failed, warned, errored = j.evidence, j.failed, j.warned, j.errored
    per_bucket = j.per_bucket
    remediation = (
        f"Per bucket: default encryption {cfg.required_encryption}"
        + (" with Bucket Key" if cfg.required_encryption == "aws:kms" else "")
        + ", a policy statement Deny s3:* to * on the bucket and bucket/* when "
        "aws:SecureTransport is false, all four public-access-block flags on, versioning on."
    )
    total = len(ev.buckets)
    if failed:
        more = f"; could not read {len(errored)}: {'; '.join(errored)}" if errored else ""
        return catalog.make(
            check_id,
            Status.FAIL,
            f"{len(failed)} of {total} bucket(s) fail: " + " | ".join(failed) + more,
            evidence,
            remediation,
            buckets=per_bucket,
        )
    if errored:
        return catalog.make(
            check_id,
            Status.ERROR,
            f"could not read {len(errored)} of {total} bucket(s): " + " | ".join(errored),
            evidence,
            "Grant the reviewing identity s3:GetEncryptionConfiguration, GetBucketPolicy, "
            "GetBucketPublicAccessBlock, GetBucketVersioning and GetLifecycleConfiguration.",
            buckets=per_bucket,
        )
    if warned:
        return catalog.make(
            check_id,
            Status.WARN,
            f"all {total} bucket(s) encrypted, TLS-only and private; " + " | ".join(warned),
            evidence,
            remediation,
            buckets=per_bucket,
        )
    return catalog.make(
        check_id,
        Status.PASS,
        f"all {total} bucket(s): {cfg.required_encryption}, TLS-only, public access blocked",
        evidence,
        buckets=per_bucket,
    )
