"""The parameters file: pydantic models of parameters/<service>.yaml and its loader.

A wrong file stops the run before anything is written: `load_params` raises
`ParamsError` whose problems name the file, the dotted field path, the bad value
and what is expected. Unknown keys are errors, so a typo never passes silently.
Secrets never appear here: only the *names* of environment variables (`*_env`).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .catalog import CHECKS
from .errors import ParamsError
from .model import Severity
from .names import PARAMS_SCHEMA_VERSION

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Values that look like credentials. A parameters file must name an environment
# variable instead (`token_env: PROM_TOKEN`).
SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("a bearer token", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{20,}")),
    ("credentials in a URL", re.compile(r"://[^/\s:@]+:[^/\s@]+@")),
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Service(Strict):
    name: str = Field(description="slug: lowercase letters, digits and hyphens")
    description: str = ""
    owner_team: str | None = None
    escalation: str | None = Field(None, description="pager rota, channel or e-mail")
    tier: int | None = Field(None, ge=0, le=4, description="criticality tier, 0 (highest) to 4")

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG_RE.match(v):
            raise ValueError(
                "must be a slug of 1-63 lowercase letters, digits and inner hyphens "
                "(e.g. ingest-api); it names the folder under reports/"
            )
        return v


class Component(Strict):
    name: str
    link: str | None = Field(None, description="repository path or URL the overview must link to")


class Architecture(Strict):
    docs: list[str] = Field(
        default_factory=lambda: ["docs/architecture.md", "ARCHITECTURE.md"],
        description="candidate paths of the overview, first found wins",
    )
    components: list[Component] = Field(default_factory=list)
    check_external_links: bool = False
    link_timeout_s: float = Field(5.0, gt=0, le=60)


class CiCd(Strict):
    pipeline_files: list[str] = Field(
        default_factory=list, description="pipeline files; empty = detect the usual ones"
    )
    environments: list[str] = Field(default_factory=list)
    dockerfiles: list[str] = Field(
        default_factory=list, description="Dockerfiles; empty = every Dockerfile* found"
    )
    readme: str = "README.md"
    hadolint_threshold: Literal["error", "warning", "info", "style"] = "error"
    hadolint_timeout_s: float = Field(60.0, gt=0)


class Execution(Strict):
    cell_timeout_s: int = Field(600, gt=0, le=86400)


class Params(Strict):
    schema_version: Literal[1]
    service: Service
    repository: Path = Field(description="the service repository, relative to this file")
    architecture: Architecture = Architecture()
    cicd: CiCd = CiCd()
    severity: dict[str, Severity] = Field(
        default_factory=dict, description="check id -> blocking|advisory"
    )
    not_applicable: dict[str, str] = Field(
        default_factory=dict, description="check id -> why it does not apply to this service"
    )
    execution: Execution = Execution()

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

    @model_validator(mode="before")
    @classmethod
    def _env_names(cls, data: Any) -> Any:
        for path, key, value in _walk(data):
            if key.endswith("_env") and not (isinstance(value, str) and ENV_NAME_RE.match(value)):
                raise ValueError(
                    f"{'.'.join(path)}: {value!r} is not an environment variable name; "
                    "*_env fields name the variable that holds the secret, never the secret"
                )
        return data


def _walk(data: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str, Any]]:
    found: list[tuple[tuple[str, ...], str, Any]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            found.append(((*path, str(k)), str(k), v))
            found.extend(_walk(v, (*path, str(k))))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found.extend(_walk(v, (*path, str(i))))
    return found


def _allowed_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names accepted at ``loc`` (used to explain an unknown key)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            continue
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        current = field.annotation
        for arg in getattr(current, "__args__", ()) or ():
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                current = arg
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _format_errors(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(Params, loc[:-1])
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            more = f"; did you mean {hint[0]!r}?" if hint else ""
            problems.append(f"{dotted}: unknown key; expected one of: {', '.join(allowed)}{more}")
            continue
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            problems.append(f"{dotted}: required field is missing")
        else:
            problems.append(f"{dotted}: {msg}; got {err['input']!r}")
    return problems


def _secret_problems(text: str) -> list[str]:
    problems = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for what, pattern in SECRET_PATTERNS:
            if pattern.search(line):
                problems.append(
                    f"line {lineno}: looks like {what}; parameters files hold no secrets: "
                    "put it in an environment variable and name it in a *_env field"
                )
    return problems


def load_params(path: str | Path) -> Params:
    """Read and validate one parameters file; raise ParamsError naming every problem."""
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError(
            shown, ["file not found; give the path of a parameters YAML file"]
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ParamsError(shown, [f"cannot read: {e}"]) from e
    secrets = _secret_problems(text)
    if secrets:
        raise ParamsError(shown, secrets)
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ParamsError(shown, [f"YAML syntax error at {where}: {e.problem}"]) from e
    except yaml.YAMLError as e:
        raise ParamsError(shown, [f"YAML error: {e}"]) from e
    if not isinstance(data, dict):
        raise ParamsError(
            shown, [f"expected a mapping at the top level; got {type(data).__name__}"]
        )
    version = data.get("schema_version")
    if version != PARAMS_SCHEMA_VERSION:
        raise ParamsError(
            shown,
            [f"schema_version: expected {PARAMS_SCHEMA_VERSION}; got {version!r}"],
        )
    try:
        return Params.model_validate(data, context={"base_dir": path.resolve().parent})
    except ValidationError as e:
        raise ParamsError(shown, _format_errors(e)) from e


def params_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
