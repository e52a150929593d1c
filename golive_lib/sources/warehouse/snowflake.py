"""A Snowflake account as a `warehouse.Warehouse`: the same SQL as the DuckDB stand-in,
through snowflake-connector-python (the ``[snowflake]`` extra, imported only when used).
Secrets come only from the environment variables the login names."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ...errors import SourceError
from .interface import SOURCE, Row, _one_line


@dataclass(frozen=True)
class SnowflakeLogin:
    """Where and as whom; the secret only as an environment variable name."""

    account: str
    user: str
    role: str | None = None
    warehouse: str | None = None
    password_env: str | None = None
    private_key_file_env: str | None = None
    authenticator: str | None = None
    timeout_s: int = 60
    # the connector's own endpoint overrides (private connectivity, or a test double)
    host: str | None = None
    port: int | None = None
    protocol: str | None = None


class SnowflakeWarehouse:
    """A Snowflake account through snowflake-connector-python (the ``[snowflake]`` extra).

    Not tested against a real account here (none is reachable). tests/sources/
    test_snowflake_connector.py runs every reader's SQL through the real connector against
    a response double of Snowflake's REST API (tests/snowflake_double.py, which answers
    with DuckDB), and says what that leaves untested.
    """

    def __init__(self, login: SnowflakeLogin) -> None:
        self.login = login
        self.name = f"Snowflake account {login.account}"
        self._conn: Any = None

    def _connect(self) -> Any:
        try:
            import snowflake.connector
        except ImportError as e:
            raise SourceError(
                SOURCE,
                "snowflake-connector-python is not installed; install it with: "
                "pip install 'golive[snowflake]' (or pip install snowflake-connector-python)",
            ) from e
        kwargs: dict[str, Any] = {
            "account": self.login.account,
            "user": self.login.user,
            "login_timeout": self.login.timeout_s,
            "network_timeout": self.login.timeout_s,
        }
        if self.login.role:
            kwargs["role"] = self.login.role
        if self.login.warehouse:
            kwargs["warehouse"] = self.login.warehouse
        if self.login.authenticator:
            kwargs["authenticator"] = self.login.authenticator
        for key in ("host", "port", "protocol"):
            if getattr(self.login, key) is not None:
                kwargs[key] = getattr(self.login, key)
        for env, key in (
            (self.login.password_env, "password"),
            (self.login.private_key_file_env, "private_key_file"),
        ):
            if env:
                value = os.environ.get(env)
                if not value:
                    raise SourceError(SOURCE, f"the environment variable {env} ({key}) is not set")
                kwargs[key] = value
        try:
            return snowflake.connector.connect(**kwargs)
        except snowflake.connector.Error as e:
            raise SourceError(SOURCE, f"{self.name}: cannot connect: {e}") from e

    def query(self, sql: str) -> list[Row]:
        if self._conn is None:
            self._conn = self._connect()
        import snowflake.connector

        try:
            cursor = self._conn.cursor()
            try:
                cursor.execute(sql, timeout=self.login.timeout_s)
                names = [d[0].upper() for d in cursor.description or []]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            finally:
                cursor.close()
        except snowflake.connector.Error as e:
            raise SourceError(
                SOURCE, f"{self.name}: query failed: {e}; query: {_one_line(sql)}"
            ) from e

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
