"""Grafana dashboards: read from Grafana's HTTP API, or from dashboard JSON files committed
to the repository. What comes back is every PromQL ``expr`` per dashboard; whether the
SLOs have panels is the observability section's to decide."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..params import Server
from . import repofile, tracked
from .connect import auth_headers
from .httpapi import Endpoint


def dashboard_exprs(doc: Any) -> list[str]:
    """Every PromQL ``expr`` of a Grafana dashboard JSON (rows and nested panels too)."""
    out: list[str] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == "expr" and isinstance(v, str):
                out.append(v)
            else:
                out += dashboard_exprs(v)
    elif isinstance(doc, list):
        for v in doc:
            out += dashboard_exprs(v)
    return out


def read_grafana(server: Server, url: str) -> dict[str, list[str]]:
    """The exprs of every dashboard Grafana at ``url`` serves (``/api/search``, then each
    by uid) under ``grafana:<title>``; raises SourceError naming Grafana."""
    found: dict[str, list[str]] = {}
    ep = Endpoint(
        "Grafana", url, auth_headers(server.auth), server.timeout_s, server.connect_timeout_s
    )
    hits = ep.get_json("/api/search", {"type": "dash-db"})
    if not isinstance(hits, list):
        raise SourceError(ep.source, "answered /api/search with something not a list")
    for hit in hits:
        uid = hit.get("uid") if isinstance(hit, dict) else None
        if not isinstance(uid, str) or not uid:
            raise SourceError(ep.source, f"/api/search returned an entry without uid: {hit!r}")
        body = ep.get_json(f"/api/dashboards/uid/{uid}")
        if not isinstance(body, dict) or not isinstance(body.get("dashboard"), dict):
            raise SourceError(ep.source, f"/api/dashboards/uid/{uid} holds no dashboard")
        found[f"grafana:{hit.get('title') or uid}"] = dashboard_exprs(body["dashboard"])
    return found


def _glob(repo: Path, patterns: list[str]) -> list[Path]:
    """The repository's files (its one listing, `sources.tracked`) matching the globs."""
    files = tracked.listing(repo)
    found: list[Path] = []
    for pattern in patterns:
        for path in files.match(pattern.removeprefix("./")):
            if path not in found:
                found.append(path)
    return found


def read_files(repo: Path, patterns: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The exprs of the committed dashboard files matching ``patterns`` (globs in the
    repository) by repository path, and a line per file that could not be read."""
    found: dict[str, list[str]] = {}
    errors: list[str] = []
    for path in _glob(repo, patterns):
        rel = path.relative_to(repo).as_posix()
        try:
            text = repofile.read_text(repo, rel)
        except SourceError as e:
            errors.append(f"{rel}: {e.message}")
            continue
        try:
            found[rel] = dashboard_exprs(json.loads(text))
        except (ValueError, RecursionError) as e:
            errors.append(f"{rel}: not readable dashboard JSON: {e}")
    return found, errors
