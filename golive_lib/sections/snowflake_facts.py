"""What security's Snowflake checks read from the warehouse, read once (`read_warehouse`);
a reader that fails leaves its error and the others go on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import SourceError
from ..params import Params, WarehouseSecurity
from ..sources import warehouse as wh
from ..sources.warehouse import policies as whp


@dataclass(frozen=True)
class WarehouseFacts:
    """What the ACCOUNT_USAGE views said; a reader that failed has its error instead."""

    name: str
    role_grants: tuple[wh.RoleGrant, ...] | None = None
    user_roles: tuple[wh.UserRole, ...] | None = None
    users: tuple[wh.User, ...] | None = None
    tenant_tables: tuple[wh.TableRef, ...] | None = None
    row_policies: tuple[wh.RowPolicy, ...] | None = None
    pii_tags: tuple[wh.ColumnTag, ...] | None = None
    table_retention: tuple[wh.TableRetention, ...] | None = None
    lifecycle_policies: tuple[wh.LifecyclePolicy, ...] | None = None
    policy_bodies: tuple[whp.PolicyBody, ...] | None = None
    views: tuple[whp.View, ...] | None = None
    managed_schemas: tuple[str, ...] | None = None
    errors: dict[str, str] = field(default_factory=dict)


def open_warehouse(params: Params) -> wh.Warehouse:
    """The configured warehouse (DuckDB seeded from the repository, or Snowflake)."""
    cfg = params.security.warehouse
    if cfg is None:
        raise SourceError(wh.SOURCE, "no warehouse in security.warehouse")
    return wh.open_database(cfg, params.repository, "security.warehouse")


def _tenant_tables(source: wh.Warehouse, cfg: WarehouseSecurity) -> list[wh.TableRef]:
    found = {t for column in cfg.all_tenant_columns for t in wh.tenant_columns(source, column)}
    return sorted(found, key=lambda t: t.fqn)


def read_warehouse(source: wh.Warehouse, cfg: WarehouseSecurity) -> WarehouseFacts:
    """Run every reader; a failing one leaves its error and the others go on."""
    errors: dict[str, str] = {}

    def run(key: str, fn: Callable[[], list[Any]]) -> tuple[Any, ...] | None:
        try:
            return tuple(fn())
        except SourceError as e:
            errors[key] = e.message
            return None

    tags, classification = cfg.all_pii_tags, cfg.classification_tags
    return WarehouseFacts(
        name=source.name,
        role_grants=run("role_grants", lambda: wh.role_grants(source)),
        user_roles=run("user_roles", lambda: wh.user_roles(source)),
        users=run("users", lambda: wh.users(source)),
        tenant_tables=run("tenant_tables", lambda: _tenant_tables(source, cfg)),
        row_policies=run("row_policies", lambda: wh.row_access_policies(source)),
        pii_tags=run("pii_tags", lambda: whp.pii_tags(source, tags, classification)),
        table_retention=run("table_retention", lambda: wh.table_retention(source)),
        lifecycle_policies=run("lifecycle_policies", lambda: wh.lifecycle_policies(source)),
        policy_bodies=run("policy_bodies", lambda: whp.row_policy_bodies(source)),
        views=run("views", lambda: whp.views(source)),
        managed_schemas=run("managed_schemas", lambda: whp.managed_schemas(source)),
        errors=errors,
    )
