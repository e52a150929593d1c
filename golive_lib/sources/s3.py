"""S3 bucket settings through boto3: encryption, TLS-only policy, public access, versioning.

Works with AWS and any S3-compatible store (``endpoint_url``). Credentials come from the
environment variables the parameters name (never from the parameters themselves); when
none are named, boto3's default chain applies (instance role, ~/.aws, AWS_* variables).

`inspect(config)` returns one `BucketState` per listed bucket. A bucket whose settings
cannot be read (access denied, no such bucket) carries its `error` and the others go
on; an endpoint that cannot be reached or a credential variable that is not set raises
`SourceError` for all of them, naming the URL or the variable.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import SourceError

SOURCE = "S3"
PAB_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


@dataclass(frozen=True)
class S3Connection:
    """Where and as whom to connect; secrets only as environment variable names."""

    endpoint_url: str | None = None
    endpoint_url_env: str | None = None
    region: str = "us-east-1"
    access_key_id_env: str | None = None
    secret_access_key_env: str | None = None
    session_token_env: str | None = None
    timeout_s: float = 10.0


@dataclass(frozen=True)
class LifecycleRule:
    id: str
    enabled: bool
    prefix: str
    expiration_days: int | None
    noncurrent_expiration_days: int | None


@dataclass(frozen=True)
class BucketState:
    name: str
    error: str | None = None
    encryption: str | None = None  # "aws:kms", "aws:kms:dsse", "AES256", None = none set
    kms_key_id: str | None = None
    bucket_key: bool | None = None
    tls_only: bool = False
    tls_statement: str | None = None  # the Sid (or index) of the TLS-only Deny statement
    policy_problem: str | None = None  # why the policy does not count as TLS-only
    public_access_block: dict[str, bool] = field(default_factory=dict)
    versioning: str | None = None  # "Enabled", "Suspended", None = never enabled
    lifecycle: tuple[LifecycleRule, ...] = ()

    @property
    def public_access_blocked(self) -> bool:
        return all(self.public_access_block.get(f) is True for f in PAB_FLAGS)

    @property
    def missing_public_flags(self) -> list[str]:
        return [f for f in PAB_FLAGS if self.public_access_block.get(f) is not True]


def _env(name: str | None, what: str) -> str | None:
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise SourceError(SOURCE, f"the environment variable {name} ({what}) is not set")
    return value


def endpoint(conn: S3Connection) -> str | None:
    if conn.endpoint_url_env:
        return _env(conn.endpoint_url_env, "the S3 endpoint URL")
    return conn.endpoint_url


def client(conn: S3Connection) -> Any:
    """A boto3 S3 client for the connection (raises SourceError naming a missing variable)."""
    import boto3
    from botocore.config import Config

    url = endpoint(conn)
    key = _env(conn.access_key_id_env, "the access key id")
    secret = _env(conn.secret_access_key_env, "the secret access key")
    token = _env(conn.session_token_env, "the session token")
    config = Config(
        connect_timeout=conn.timeout_s,
        read_timeout=conn.timeout_s,
        retries={"max_attempts": 1, "mode": "standard"},
        s3={"addressing_style": "path"} if url else {},
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=url,
        region_name=conn.region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=config,
    )


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Code", ""))


def _describe(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    error = response.get("Error") or {}
    code = error.get("Code") or type(exc).__name__
    message = error.get("Message") or str(exc)
    return f"{code}: {message}"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def tls_only(policy: dict[str, Any], bucket: str) -> tuple[str | None, str | None]:
    """(statement id, None) when a statement denies non-TLS access to the bucket and its
    objects for everyone; (None, why not) otherwise."""
    import fnmatch

    bucket_arn = f"arn:aws:s3:::{bucket}"
    objects_arn = f"arn:aws:s3:::{bucket}/*"
    partial: list[str] = []
    for i, st in enumerate(_as_list(policy.get("Statement", []))):
        if not isinstance(st, dict) or st.get("Effect") != "Deny":
            continue
        cond = st.get("Condition") or {}
        secure = None
        for op in ("Bool", "BoolIfExists"):
            values = (cond.get(op) or {}).get("aws:SecureTransport")
            if values is not None:
                secure = [str(v).lower() for v in _as_list(values)]
        if secure != ["false"]:
            continue
        principal = st.get("Principal")
        everyone = principal == "*" or (
            isinstance(principal, dict) and "*" in _as_list(principal.get("AWS", []))
        )
        actions = [str(a) for a in _as_list(st.get("Action", []))]
        all_actions = any(a in ("*", "s3:*") for a in actions)
        resources = [str(r) for r in _as_list(st.get("Resource", []))]
        covers_bucket = any(fnmatch.fnmatchcase(bucket_arn, r) for r in resources)
        covers_objects = any(fnmatch.fnmatchcase(objects_arn, r) for r in resources)
        sid = str(st.get("Sid") or f"Statement[{i}]")
        if everyone and all_actions and covers_bucket and covers_objects:
            return sid, None
        gaps = [
            what
            for what, ok in (
                ("Principal is not *", everyone),
                ("Action is not s3:*", all_actions),
                (f"Resource misses {bucket_arn}", covers_bucket),
                (f"Resource misses {objects_arn}", covers_objects),
            )
            if not ok
        ]
        partial.append(f"{sid}: " + "; ".join(gaps))
    if partial:
        return None, "a Deny on aws:SecureTransport=false is incomplete: " + " | ".join(partial)
    return None, "no Deny statement for aws:SecureTransport=false"


def _policy(pol: dict[str, Any] | None, name: str) -> tuple[str | None, str | None]:
    """(the TLS-only statement's Sid, or None and why not) of a GetBucketPolicy answer."""
    sid: str | None = None
    problem: str | None = "no bucket policy"
    if pol is not None:
        try:
            document = json.loads(pol.get("Policy") or "{}")
        except json.JSONDecodeError as e:
            document, problem = {}, f"the bucket policy is not JSON: {e}"
        if document:
            sid, problem = tls_only(document, name)
    return sid, problem


def _lifecycle(life: dict[str, Any] | None) -> tuple[LifecycleRule, ...]:
    return tuple(
        LifecycleRule(
            id=str(r.get("ID", "")),
            enabled=r.get("Status") == "Enabled",
            prefix=str(r.get("Prefix") or (r.get("Filter") or {}).get("Prefix") or ""),
            expiration_days=(r.get("Expiration") or {}).get("Days"),
            noncurrent_expiration_days=(r.get("NoncurrentVersionExpiration") or {}).get(
                "NoncurrentDays"
            ),
        )
        for r in (life or {}).get("Rules") or []
    )


def _bucket(s3: Any, name: str) -> BucketState:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=name)
    except ClientError as e:
        code = _code(e)
        if code in ("404", "NoSuchBucket"):
            return BucketState(name, error="no such bucket")
        if code in ("403", "AccessDenied"):
            return BucketState(
                name, error="AccessDenied on HeadBucket: this identity may not read it"
            )
        return BucketState(name, error=_describe(e))

    def call(op: str, absent: tuple[str, ...]) -> dict[str, Any] | None:
        try:
            return dict(getattr(s3, op)(Bucket=name))
        except ClientError as e:
            if _code(e) in absent:
                return None
            raise SourceError(SOURCE, f"{name}: {op}: {_describe(e)}") from e

    try:
        enc = call("get_bucket_encryption", ("ServerSideEncryptionConfigurationNotFoundError",))
        pol = call("get_bucket_policy", ("NoSuchBucketPolicy",))
        pab = call("get_public_access_block", ("NoSuchPublicAccessBlockConfiguration",))
        ver = call("get_bucket_versioning", ())
        life = call("get_bucket_lifecycle_configuration", ("NoSuchLifecycleConfiguration",))
    except SourceError as e:
        return BucketState(name, error=e.message.removeprefix(f"{name}: "))
    algorithm = kms_key = None
    bucket_key: bool | None = None
    rules = ((enc or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    if rules:
        default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
        algorithm = default.get("SSEAlgorithm")
        kms_key = default.get("KMSMasterKeyID")
        bucket_key = rules[0].get("BucketKeyEnabled")
    sid, problem = _policy(pol, name)
    flags = (pab or {}).get("PublicAccessBlockConfiguration") or {}
    return BucketState(
        name,
        encryption=algorithm,
        kms_key_id=kms_key,
        bucket_key=bucket_key,
        tls_only=sid is not None,
        tls_statement=sid,
        policy_problem=problem if sid is None else None,
        public_access_block={f: bool(flags.get(f)) for f in PAB_FLAGS if f in flags},
        versioning=(ver or {}).get("Status"),
        lifecycle=_lifecycle(life),
    )


_SECRETISH = re.compile(r"(?i)(signature|credential)=[^&\s]+")


def inspect(conn: S3Connection, buckets: list[str]) -> list[BucketState]:
    """The settings of each bucket; endpoint or credential failures raise SourceError."""
    from botocore.exceptions import (
        BotoCoreError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )

    s3 = client(conn)
    where = endpoint(conn) or f"AWS S3 ({conn.region})"
    states: list[BucketState] = []
    for name in buckets:
        try:
            states.append(_bucket(s3, name))
        except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError) as e:
            raise SourceError(SOURCE, f"cannot reach {where}: {_SECRETISH.sub('', str(e))}") from e
        except NoCredentialsError as e:
            raise SourceError(
                SOURCE,
                "no credentials: name the variables in security.s3.access_key_id_env and "
                "secret_access_key_env, or configure boto3's default chain",
            ) from e
        except BotoCoreError as e:
            states.append(BucketState(name, error=f"{type(e).__name__}: {e}"))
    return states
