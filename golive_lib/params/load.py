"""Reading a parameters file: secrets refused, YAML bounded, problems named field by field."""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ValidationError,
)

from .. import paramsfile, redaction, yamlload
from ..errors import ParamsError
from ..names import PARAMS_SCHEMA_VERSION
from .base import walk
from .review import Params

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


def env_names(params: Params) -> set[str]:
    """Every variable a ``*_env`` field of ``params`` names."""
    return {
        value
        for _path, key, value in walk(params.model_dump())
        if key.endswith("_env") and isinstance(value, str)
    }


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
            field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
            problems.append(f"{dotted}: {msg}; got {redaction.shown_value(err['input'], field)}")
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


# Read and validated before this process forked (see `preload`), each taken once.
_preloaded: dict[tuple[Path, str], Params] = {}
#: Bounds of a parameters file's YAML: a real one nests ~8 deep and holds a few thousand
#: values; a document past them is refused (exit 2) before anything walks it.
MAX_DEPTH = 40
MAX_NODES = 200_000


def preload(path: str | Path) -> None:
    """Validate a parameters file now, for the next `load_params` of the same file (same
    text) in this process or in each process forked from it: the kernel template does it
    for a run's files, so each of its ten kernels does not validate them again (nor pay
    for the first validation in a process: ~15 ms). A file that does not load is left to
    `load_params` to report."""
    with contextlib.suppress(ParamsError, OSError, UnicodeDecodeError):
        text, base, shown = paramsfile.read(Path(path))
        _preloaded[(Path(path).resolve(), text)] = _validate(text, base, shown)


def load_params(path: str | Path) -> Params:
    """Read (once) and validate one parameters file; raise ParamsError naming every problem."""
    path = Path(path)
    shown = str(path)
    try:
        text, base, shown = paramsfile.read(path)
    except FileNotFoundError:
        raise ParamsError(
            shown, ["file not found; give the path of a parameters YAML file"]
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ParamsError(shown, [f"cannot read: {e}"]) from e
    key = (path.resolve(), text)
    if key in _preloaded:
        return _preloaded.pop(key)
    return _validate(text, base, shown)


def _validate(text: str, base: Path, shown: str) -> Params:
    secrets = _secret_problems(text)
    if secrets:
        raise ParamsError(shown, secrets)
    try:
        data = yamlload.safe_load(text, max_depth=MAX_DEPTH, max_nodes=MAX_NODES, unique_keys=True)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        kind = "YAML refused" if isinstance(e, yamlload.YamlLimitError) else "YAML syntax error"
        raise ParamsError(shown, [f"{kind} at {where}: {e.problem}"]) from e
    except yaml.YAMLError as e:
        raise ParamsError(shown, [f"YAML error: {type(e).__name__}"]) from e
    if not isinstance(data, dict):
        raise ParamsError(
            shown, [f"expected a mapping at the top level; got {type(data).__name__}"]
        )
    version = data.get("schema_version")
    if version != PARAMS_SCHEMA_VERSION:
        raise ParamsError(
            shown,
            [
                f"schema_version: expected {PARAMS_SCHEMA_VERSION}; "
                f"got {redaction.shown_value(version, 'schema_version')}"
            ],
        )
    try:
        return Params.model_validate(data, context={"base_dir": base})
    except ValidationError as e:
        raise ParamsError(shown, _format_errors(e)) from e
    except RecursionError:  # pragma: no cover - MAX_DEPTH stops it first
        raise ParamsError(shown, ["nested too deeply to validate"]) from None


def params_sha256(path: str | Path) -> str:
    """SHA-256 of the parameters text (the original's, for a spilled copy of a pipe)."""
    text, _base, _shown = paramsfile.read(Path(path))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
