"""security.snowflake-rbac and security.data-segregation: the warehouse's facts, judged by
sections.snowflake_roles and sections.snowflake_segregation."""

from __future__ import annotations

from ... import catalog
from ...model import Check, Status
from ...params import Params
from .. import snowflake_roles, snowflake_segregation
from ..base import check
from .evidence import SecurityEvidence


def _warehouse_unavailable(
    check_id: str, ev: SecurityEvidence, params: Params, needs: tuple[str, ...]
) -> Check | None:
    if params.security.warehouse is None:
        return catalog.make(check_id, Status.NA, "no warehouse configured in security.warehouse")
    if ev.warehouse is None:
        return catalog.error(check_id, f"warehouse: {ev.warehouse_error}")
    failed = [ev.warehouse.errors[k] for k in needs if k in ev.warehouse.errors]
    if failed:
        return catalog.error(check_id, "; ".join(failed))
    return None


@check("security.snowflake-rbac")
def snowflake_rbac(ev: SecurityEvidence, params: Params) -> Check:
    """Snowflake's role model: sections.snowflake_roles."""
    check_id = "security.snowflake-rbac"
    unavailable = _warehouse_unavailable(
        check_id, ev, params, ("role_grants", "user_roles", "users")
    )
    if unavailable is not None:
        return unavailable
    assert ev.warehouse is not None and params.security.warehouse is not None
    return snowflake_roles.judge(ev.warehouse, params.security.warehouse)


@check("security.data-segregation")
def data_segregation(ev: SecurityEvidence, params: Params) -> Check:
    """Who can read which tenant's rows: sections.snowflake_segregation."""
    check_id = "security.data-segregation"
    needs = ("tenant_tables", "row_policies", "policy_bodies", "role_grants")
    unavailable = _warehouse_unavailable(check_id, ev, params, needs)
    if unavailable is not None:
        return unavailable
    assert ev.warehouse is not None and params.security.warehouse is not None
    return snowflake_segregation.judge(ev.warehouse, params.security.warehouse)
