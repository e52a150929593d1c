"""What every section module shares: the @check decorator that turns failures into results."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, ParamSpec

from pydantic import BaseModel

from .. import catalog
from ..errors import SourceError
from ..model import Check

P = ParamSpec("P")

CheckFn = Callable[..., Check]


def check(check_id: str) -> Callable[[Callable[P, Check]], Callable[P, Check]]:
    """Mark a function as the evaluation of one catalog check.

    Whatever it raises becomes that check with status ``error``: a SourceError keeps
    its source and message; anything else names the function and the exception.
    """
    if check_id not in catalog.CHECKS:
        raise KeyError(f"{check_id} is not in the catalog (golive_lib/catalog.py)")

    def deco(fn: Callable[P, Check]) -> Callable[P, Check]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Check:
            try:
                return fn(*args, **kwargs)
            except SourceError as e:
                return catalog.error(check_id, f"{e.source}: {e.message}")
            except Exception as e:  # noqa: BLE001 - every failure is a result
                return catalog.error(
                    check_id,
                    f"could not evaluate ({fn.__module__}.{fn.__name__}): {type(e).__name__}: {e}",
                )

        wrapper.check_id = check_id  # type: ignore[attr-defined]
        return wrapper

    return deco


def secret_env(params: BaseModel) -> dict[str, str]:
    """The environment variables the parameters name as holding a secret (every ``*_env``
    field but the ``*url_env`` ones), with their values where set.

    Drill commands run with golive's whole environment; passing this as their extra ``env``
    changes nothing for them but redacts those values from what they print into the
    notebook and the evidence (`golive_lib.drills.run_command`)."""
    found: dict[str, str] = {}

    def walk(value: Any) -> None:
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                field = getattr(value, name)
                if name.endswith("_env") and not name.endswith("url_env"):
                    if isinstance(field, str) and os.environ.get(field):
                        found[field] = os.environ[field]
                else:
                    walk(field)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(params)
    return found
