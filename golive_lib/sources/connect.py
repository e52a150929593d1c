"""Connecting to the live sources named in the parameters: the URL (an environment
variable named by ``url_env`` wins over ``url``) and the auth headers, built in memory
from environment variables whose NAMES the parameters hold. Shared by every section
that asks Prometheus, Alertmanager or Grafana."""

from __future__ import annotations

import os

from ..errors import SourceError
from ..params import HttpAuth, Server
from .httpapi import basic, bearer
from .prometheus import PrometheusClient


def server_url(server: Server) -> str | None:
    """The URL to use: the variable named by ``url_env`` when set, else ``url``."""
    if server.url_env and os.environ.get(server.url_env):
        return os.environ[server.url_env].rstrip("/")
    return server.url


def auth_headers(auth: HttpAuth | None) -> dict[str, str]:
    """Headers built in memory from the environment; raise SourceError naming a missing
    variable (never its value)."""
    if auth is None:
        return {}

    def env(name: str | None) -> str:
        value = os.environ.get(name or "")
        if not value:
            raise SourceError("auth", f"environment variable {name} is not set")
        return value

    if auth.kind == "bearer":
        return bearer(env(auth.token_env))
    if auth.kind == "basic":
        return basic(env(auth.username_env), env(auth.password_env))
    return {str(auth.header): env(auth.value_env)}


def prometheus(server: Server) -> PrometheusClient | None:
    """A client for the configured Prometheus; None when no URL is configured."""
    url = server_url(server)
    if not url:
        return None
    return PrometheusClient(
        url,
        auth_headers(server.auth),
        server.timeout_s,
        server.connect_timeout_s,
        max_bytes=int(server.max_answer_mb * 1_000_000),
    )
