"""The parameters file as a whole (`Params`): its sections, execution, attestations,
waivers and the sign-off policy."""

from __future__ import annotations

import datetime
import difflib
import fnmatch
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .. import redaction
from ..catalog import CHECKS
from ..model import Severity
from .base import ENV_NAME_RE, Strict, walk
from .capacity import Capacity
from .delivery import Architecture, CiCd, Service, Testing
from .observability import Observability
from .resilience import (
    DisasterRecovery,
    Premortem,
    Rollout,
)
from .security import (
    Security,
)


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
            for _path, key, value in walk(self.model_dump())
            if key.endswith("_env")
            and not key.endswith("url_env")
            and isinstance(value, str)
            and os.environ.get(value)
        }

    @model_validator(mode="before")
    @classmethod
    def _env_names(cls, data: Any) -> Any:
        for path, key, value in walk(data):
            if key.endswith("_env") and not (
                isinstance(value, str) and ENV_NAME_RE.fullmatch(value)
            ):
                raise ValueError(
                    f"{'.'.join(path)}: {redaction.shown_value(value, key)} is not an "
                    "environment variable name; *_env fields name the variable that holds "
                    "the secret (e.g. PROM_TOKEN), never the secret"
                )
        return data
