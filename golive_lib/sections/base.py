"""What every section module shares: the @check decorator that turns failures into results,
and the one way a section finds its checks and evaluates them.

A check is declared once: its id, title, default severity and section in the catalog
(golive_lib/catalog.py), its evaluation by one function decorated ``@check("<id>")`` in
its section's module. The module's ``CHECKS`` (``checks_of``) and its ``evaluate()``
(``run_checks``) come from those two, in the catalog's order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar, cast

from .. import catalog
from ..errors import SourceError
from ..model import Check
from ..params import Params

P = ParamSpec("P")
E = TypeVar("E")

CheckFn = Callable[..., Check]


def check(
    check_id: str, *, params_only: bool = False
) -> Callable[[Callable[P, Check]], Callable[P, Check]]:
    """Mark a function as the evaluation of one catalog check.

    Whatever it raises becomes that check with status ``error``: a SourceError keeps
    its source and message; anything else names the function and the exception. A
    result under another id is a bug that would hide this check: it is an ``error`` too.
    ``params_only``: the check reads only the parameters, so ``run_checks`` still
    evaluates it (on the section's empty evidence) when collecting the evidence failed.
    """
    if check_id not in catalog.CHECKS:
        raise KeyError(f"{check_id} is not in the catalog (golive_lib/catalog.py)")

    def deco(fn: Callable[P, Check]) -> Callable[P, Check]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Check:
            try:
                result = fn(*args, **kwargs)
                if result.id != check_id:
                    raise ValueError(f"it returned check {result.id!r}, not {check_id!r}")
                return result
            except SourceError as e:
                return catalog.error(check_id, f"{e.source}: {e.message}")
            except Exception as e:  # noqa: BLE001 - every failure is a result
                return catalog.error(
                    check_id,
                    f"could not evaluate ({fn.__module__}.{fn.__name__}): {type(e).__name__}: {e}",
                )

        wrapper.check_id = check_id  # type: ignore[attr-defined]
        wrapper.params_only = params_only  # type: ignore[attr-defined]
        return wrapper

    return deco


def check_id_of(obj: object) -> str | None:
    """The catalog id of a ``@check`` function; None for anything else."""
    value = getattr(obj, "check_id", None)
    return value if callable(obj) and isinstance(value, str) else None


def checks_of(section: str, namespace: Mapping[str, object]) -> tuple[CheckFn, ...]:
    """The ``@check`` functions of a section module's namespace (``globals()``; a package
    re-exports its submodules' checks), one per catalog check of the section, in the
    catalog's order. Raises when a catalog check has no function or two."""
    wanted = [spec.id for spec in catalog.checks_of(section)]
    found: dict[str, list[CheckFn]] = {}
    for obj in namespace.values():
        cid = check_id_of(obj)
        if cid in wanted and not any(f is obj for f in found.get(cid, [])):
            found.setdefault(cid, []).append(cast(CheckFn, obj))
    missing = [cid for cid in wanted if cid not in found]
    if missing:
        raise KeyError(f"section {section}: no @check function for {', '.join(missing)}")
    for cid, fns in found.items():
        if len(fns) > 1:
            names = ", ".join(f.__name__ for f in fns)
            raise ValueError(f"section {section}: {cid} has more than one @check function: {names}")
    return tuple(found[cid][0] for cid in wanted)


def run_checks(
    checks: Sequence[CheckFn],
    params: Params,
    collect: Callable[[], E],
    empty: Callable[[], E] | None = None,
) -> list[Check]:
    """A section's ``evaluate()``: collect its evidence once, then run each check on it.

    When collecting fails, every check is an ``error`` saying so, except the checks marked
    ``params_only``, which run on ``empty()`` evidence when the section gives one.
    """
    ids = [check_id_of(fn) or "" for fn in checks]
    try:
        evidence = collect()
    except Exception as e:  # noqa: BLE001 - a bug in collecting still yields results
        title = catalog.SECTIONS_BY_ID[catalog.section_of(ids[0])].title if ids else ""
        reason = f"could not collect the {title} evidence: {type(e).__name__}: {e}"
        fallback = None
        if empty is not None:
            try:
                fallback = empty()
            except Exception:  # noqa: BLE001, S110 - then those checks are errors too
                pass
        return [
            fn(fallback, params)
            if fallback is not None and getattr(fn, "params_only", False)
            else catalog.error(cid, reason)
            for fn, cid in zip(checks, ids, strict=True)
        ]
    return [fn(evidence, params) for fn in checks]


def repo_relative(path: Path, repository: Path) -> str:
    """``path`` as the repository names it (a report is read on other machines); a path
    outside the repository in full."""
    try:
        return path.resolve().relative_to(repository.resolve()).as_posix()
    except ValueError:
        return str(path)
