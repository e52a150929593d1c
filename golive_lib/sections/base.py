"""What every section module shares: the @check decorator that turns failures into results."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec

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


def repo_relative(path: Path, repository: Path) -> str:
    """``path`` as the repository names it (a report is read on other machines); a path
    outside the repository in full."""
    try:
        return path.resolve().relative_to(repository.resolve()).as_posix()
    except ValueError:
        return str(path)
