"""The configured warehouse of a parameters file: DuckDB seeded from the repository, or
Snowflake."""

from __future__ import annotations

from pathlib import Path

from ...errors import SourceError
from ...params import SqlDatabase
from .duckdb import DuckDBWarehouse
from .interface import SOURCE, Warehouse


def open_database(cfg: SqlDatabase, repository: Path, field: str = "database") -> Warehouse:
    """The configured database: DuckDB seeded from the repository, or Snowflake.
    ``field`` names the parameters key in messages (e.g. rollout.database)."""
    if cfg.kind == "snowflake":
        from .snowflake import SnowflakeLogin, SnowflakeWarehouse

        if not cfg.account or not cfg.user:
            raise SourceError(SOURCE, f"{field}: kind snowflake needs account and user")
        return SnowflakeWarehouse(
            SnowflakeLogin(
                account=cfg.account,
                user=cfg.user,
                role=cfg.role,
                warehouse=cfg.warehouse,
                password_env=cfg.password_env,
                private_key_file_env=cfg.private_key_file_env,
                authenticator=cfg.authenticator,
                timeout_s=cfg.timeout_s,
            )
        )
    database = (repository / cfg.database) if cfg.database else None
    return DuckDBWarehouse(database, [repository / s for s in cfg.seeds])
