"""The words of docs/parameters.md and of the schema's descriptions that the models of
`golive_lib.params` do not carry themselves: a block's description (``"Capacity"``) or a
field's (``"Capacity.peak"``), keyed by the model's class name. A field inherited from
another model is described once, under the class that declares it. A field described in
its ``Field(description=...)`` must not be described here too (a test checks both ways).
"""

from __future__ import annotations

INTRO = """
One YAML file per service, `parameters/<service>.yaml`, validated by the pydantic models
of `golive_lib/params/` before anything runs: a wrong file stops `golive run` with exit
2, nothing written, and a message naming the file, the dotted field, the bad value and
the fix.

- **Unknown keys are errors**, so a typo never passes silently (the message lists the
  keys allowed there and the closest one).
- **Paths are relative**: `repository` to the parameters file, every other path to the
  service repository. A repository path that leaves the repository (`..`, an absolute
  path, a symbolic link) or is not a regular file is refused, never read.
- **No secrets.** Fields ending in `_env` name the environment variable that holds a
  secret (`token_env: PROM_TOKEN`), never the secret; values that look like credentials
  (cloud keys, tokens, private keys, passwords in URLs) are refused. A message about a
  bad value shows it only when it cannot be a secret.
- **Bounded input**: a file too deep, too large, expanding too far through aliases or
  repeating a key is refused ([reports.md](reports.md#secrets-and-hostile-input) gives
  the limits). The file is read once, so a FIFO and `/dev/stdin` work.
- **Ratios are in 0..1** (`0.995`; an SLO objective may also be `"99.5%"`); durations
  are `90s`, `30m`, `1h`, `28d` or a number of seconds where a field says so.

**Editors.** The file's JSON Schema ships with golive (`golive_lib/params.schema.json`).
`golive init` writes its first line,
`# yaml-language-server: $schema=<path of that schema>`, so editors using the YAML
language server (VS Code's YAML extension, Neovim, JetBrains, Helix...) complete keys,
show these descriptions and flag mistakes as you type. Add the line to an older file by
hand. The loader remains the judge: it also checks what a schema cannot say (that files
and the repository exist, that an SLO's PromQL parses, that a waiver's glob matches a
check).

**Start a file** with `golive init SERVICE --repository DIR`: it writes a commented
file, filled in from the repository (architecture overview candidates, pipelines, the
environments their jobs deploy to, Dockerfiles, release docs, the owner from Backstage
`catalog-info.yaml` or CODEOWNERS), each filled field with a comment saying where it was
found; what the repository cannot say (tier, escalation) is left unset and the review
reports it as missing. It never overwrites a file. A complete example is the example
service's [parameters/ingest-api.yaml](../parameters/ingest-api.yaml).

**Waivers** (`waivers`) apply on the review date to `fail`, `error`, `pending` and `warn`
checks only: the check shows `waived`, the waiver (approver, expiry, reason) first in its
evidence, then what was found (`data.waived_status` in `results.json` keeps the original
status); `n/a` wins over a waiver. From the day after `expires` the waiver no longer
applies: the check keeps its status and its evidence says `waiver expired on DATE`.

**Attestations** (`attestations`) are a person's word for what no system can prove. The
newest matching one counts; one older than its `max_age_days` is stale and the check
stays `pending`. An attestation written here is shown as *claimed by*; one signed with
`golive attest` ([signoff.md](signoff.md)) as *signed by*; with
`signoff.unsigned_attestations: false` only signed ones count. The summary notebook and
`index.html` list every waiver (what it waived, or that it expired) and every
attestation (its age, stale or not).

The checks each block feeds are in [checklist.md](checklist.md); how each section reads
its evidence is in [sections.md](sections.md).
"""

OUTRO = """
## Versions

`schema_version: 1` is the only version so far. Fields are only added within a version;
removing or changing one bumps it, and golive refuses a version it does not know.
"""

DESCRIPTIONS: dict[str, str] = {
    # top level
    "Params": "A service's parameters file.",
    "Params.schema_version": "format of this file; golive refuses versions it does not know",
    "Params.service": "what the service is and who owns it",
    "Params.architecture": "01 Architecture: the overview document and its components",
    "Params.cicd": "02 CI/CD: pipelines, environments, Dockerfiles, release docs",
    "Params.dr": "03 Disaster recovery: DR plan, drills, restore document",
    "Params.premortem": "04 Pre-mortem: failure scenarios, game day, fault drill, runbooks",
    "Params.observability": "05 Observability: Prometheus, Alertmanager, SLOs, dashboards, logs",
    "Params.rollout": "06 Rollout: phases, routed accounts, backfill, rollback",
    "Params.capacity": "07 Capacity: load test, projected peak, headroom",
    "Params.security": "08 Security: scans, secrets, S3 buckets, warehouse RBAC, GDPR",
    "Params.testing": "09 Testing: coverage, JUnit results, end-to-end probe",
    "Params.execution": "how golive runs the notebooks and the commands of the review",
    "Params.attestations": "a person's dated statements for what no system can prove",
    "Params.waivers": "accepted risks, each approved and expiring",
    "Params.signoff": "who must sign the report, and whose signatures are trusted",
    # service and architecture
    "Service": "What the service is and who owns it (architecture.ownership reads it).",
    "Service.description": "one line on what the service does",
    "Service.owner_team": "the team that owns the service",
    "Architecture": "Where the architecture overview is and what it must link to.",
    "Architecture.components": "components the overview must link to",
    "Architecture.check_external_links": "true: external links are requested too",
    "Architecture.link_timeout_s": "seconds to wait for each external link",
    "Component": "A part of the service the overview must link to.",
    "Component.name": "the component's name, as shown in the evidence",
    # CI/CD
    "CiCd": "Which pipelines, environments and Dockerfiles to read.",
    "CiCd.environments": "environments that each need a deploy step, e.g. staging, production",
    "CiCd.readme": "the README that must hold a release section",
    "CiCd.hadolint_threshold": "findings at or above fail cicd.dockerfile-clean; below warn",
    "CiCd.hadolint_timeout_s": "seconds hadolint may take per Dockerfile",
    # observability
    "Observability": "The live Prometheus and Alertmanager, the SLOs, dashboards and logs.",
    "Observability.prometheus": "the Prometheus holding the service's metrics and rules",
    "Observability.alertmanager": "the Alertmanager the service's alerts go to",
    "Observability.grafana": "a Grafana whose dashboards count (optional)",
    "Observability.slos": "SLOs written here (more may come from slo_files)",
    "Observability.log_command_timeout_s": "a log command still running then is stopped (error)",
    "Observability.freshness_max_age_s": "an SLI series whose newest sample is older fails",
    "Observability.structured_min_share": "share of log lines that must be structured",
    "Server.url": "base URL, http:// or https://",
    "Server.url_env": "a variable holding the URL; when set it overrides url",
    "Server.timeout_s": "per request, in all: connect, headers and the whole body",
    "Server.connect_timeout_s": "an unreachable server costs this once, not per query",
    "Server.auth": "credentials, by variable name only",
    "HttpAuth.kind": "bearer token, basic auth, or one header",
    "HttpAuth.token_env": "bearer: the variable holding the token",
    "HttpAuth.username_env": "basic: the variable holding the user name",
    "HttpAuth.password_env": (  # pragma: allowlist secret
        "basic: the variable holding the password"
    ),
    "HttpAuth.header": "header: its name, e.g. X-Scope-OrgID",
    "HttpAuth.value_env": "header: the variable holding its value",
    "SLOParams": "An SLO: an objective over a window, on a ratio or a latency SLI.",
    "SLOParams.name": "the SLO's name, shown in the report",
    "SLOParams.window": "the SLO window, e.g. 28d, 30d",
    "SLOParams.description": "what the SLO promises, in words",
    "SLOParams.ratio": "a ratio SLI (give ratio or latency)",
    "SLOParams.latency": "a latency SLI from a histogram (give ratio or latency)",
    "RatioSLI": "Bad (or good) and total events per second; `{{.window}}` becomes the range.",
    "RatioSLI.good": "PromQL of good events/s with {{.window}} (instead of bad)",
    "RatioSLI.total": "PromQL of all events/s with {{.window}}",
    "LatencySLI": "Good events are requests faster than threshold_s, from a histogram.",
    # execution
    "Execution": "How the review runs and what the commands it runs may see.",
    "Execution.cell_timeout_s": "seconds each notebook cell may take",
    # capacity
    "Capacity": "Load-test results (or a live Locust run), the projected peak and headroom.",
    "Capacity.load_test": "a load-test result in the repository",
    "Capacity.live": "run Locust now instead of reading load_test",
    "Capacity.latency_slo": "the latency every interval of the load test must meet",
    "Capacity.max_error_ratio": "intervals with more errors than this do not count as sustained",
    "Capacity.peak": "today's peak request rate",
    "Capacity.horizon_years": "years the growth is projected over",
    "Capacity.safety_margin": "capacity must be at least the projected peak times this",
    "Capacity.slis": "SLIs that must hold in Prometheus over the load test's window",
    "Capacity.prometheus_timeout_s": "seconds per query to that Prometheus",
    "LoadTestFile": "A load-test result: Locust CSVs, k6 JSON or NDJSON, JMeter JTL.",
    "LoadTestFile.format": "auto: detected from the content",
    "LiveLoadTest.enabled": "false: keep it written down, but read load_test instead",
    "LiveLoadTest.users": "users to reach, spawn_rate a second",
    "LiveLoadTest.run_time_s": "seconds the load test runs",
    "LatencySlo": "The latency percentile and bound of the load test's SLO.",
    "LatencySlo.percentile": "the percentile judged",
    "LatencySlo.threshold_ms": "its bound, in milliseconds",
    "PeakLoad.lookback_days": "the query's maximum is taken over this many days",
    "PeakLoad.step": "resolution of that maximum (a subquery step)",
    "SliQuery.name": "the SLI's name, shown in the evidence",
    "SliQuery.objective": "the ratio it must meet, e.g. 0.999",
    # security
    "Security": "Scan reports, scanners run now, secrets, S3 buckets, the warehouse, GDPR.",
    "Security.dependency_scans": "dependency scan reports (a path, or {path, format})",
    "Security.image_scans": "image scan reports (a path, or {path, format})",
    "Security.scan_threshold": "findings at or above fail; an unknown severity counts as at it",
    "Security.scan_max_age_days": "a report older than this, from its own date, fails",
    "Security.scan_ignore": "accepted findings, each with a reason and an expiry",
    "Security.run_scanners": "scanners golive runs now (absent: none)",
    "Security.secrets": (  # pragma: allowlist secret
        "the detect-secrets scan of the repository"
    ),
    "Security.s3": "S3 buckets to inspect (absent: security.s3-encryption is n/a)",
    "Security.warehouse": "the warehouse to inspect (absent: snowflake-rbac, "
    "data-segregation are n/a)",
    "Security.gdpr": "GDPR evidence in the repository and retention rules",
    "ScanFile.format": "auto: detected from the content",
    "ScanIgnore.id": "the finding's id or one of its aliases, e.g. CVE-2024-0000",
    "ScanIgnore.reason": "why it is accepted",
    "RunScanners.hadolint": "hadolint on the Dockerfiles (findings join the image scan)",
    "RunScanners.pip_audit": "pip-audit on pinned requirements (findings join the dependency "
    "scan; pip install 'golive[audit]')",
    "RunHadolint.enabled": "false: keep it configured but off",
    "RunPipAudit.enabled": "false: keep it configured but off",
    "SecretScanning": (  # pragma: allowlist secret
        "The repository's secret scan: what it leaves out, and its engine (docs/secrets.md)."
    ),
    "S3Security": "Buckets whose encryption, TLS-only policy and public access block are read "
    "through boto3 (any S3-compatible endpoint).",
    "S3Security.region": "the buckets' region",
    "S3Security.access_key_id_env": "variable holding the access key id; none: boto3's "
    "default chain",
    "S3Security.secret_access_key_env": (  # pragma: allowlist secret
        "variable holding the secret access key"
    ),
    "S3Security.session_token_env": "variable holding a session token",
    "S3Security.buckets": "bucket names",
    "S3Security.required_encryption": "the default encryption each bucket must have",
    "S3Security.require_bucket_key": "aws:kms without an S3 bucket key warns",
    "S3Security.require_versioning": "a bucket without versioning warns",
    "S3Security.timeout_s": "seconds per S3 request",
    "SqlDatabase.kind": "duckdb (embedded, seeded from the repository) or snowflake",
    "SqlDatabase.account": "snowflake: the account identifier, e.g. xy12345.eu-central-1",
    "SqlDatabase.user": "snowflake: the user golive logs in as",
    "SqlDatabase.role": "snowflake: the role to use",
    "SqlDatabase.warehouse": "snowflake: the warehouse to use",
    "SqlDatabase.password_env": (  # pragma: allowlist secret
        "snowflake: variable holding the password"
    ),
    "SqlDatabase.private_key_file_env": (  # pragma: allowlist secret
        "snowflake: variable holding the path of a private key file (key-pair authentication)"
    ),
    "SqlDatabase.authenticator": "snowflake: the connector's authenticator, e.g. externalbrowser",
    "SqlDatabase.timeout_s": "snowflake: seconds to log in and per query",
    "WarehouseSecurity.public_grants_allowed": "grants to PUBLIC that are allowed",
    "WarehouseSecurity.max_accountadmins": "most effective ACCOUNTADMIN holders, through any "
    "chain of roles",
    "WarehouseSecurity.sanctioned_roles": "custom roles allowed outside SYSADMIN or holding "
    "an admin role",
    "WarehouseSecurity.tenant_column": "every table or view with this column must be segregated",
    "WarehouseSecurity.pii_tag": "tag marking PII columns and tables (the PII inventory)",
    "PublicGrant.privilege": "e.g. USAGE",
    "PublicGrant.name": "object name, an fnmatch glob",
    "SanctionedRole.role": "the role's name",
    "SanctionedRole.reason": "why it is allowed (shown in the evidence)",
    "Gdpr": "GDPR items evidenced by files in the repository; attest the others "
    "(security.gdpr, items pii-inventory, retention, erasure-procedure, "
    "processor-agreements, breach-procedure).",
    "Gdpr.erasure_procedure": "file describing how a person's data is erased",
    "Gdpr.processor_agreements": "file listing the processor agreements",
    "Gdpr.breach_procedure": "file describing the breach procedure",
    "Gdpr.attestation_max_age_days": "attestations of GDPR items older than this are stale",
    # disaster recovery
    "DisasterRecovery": "The DR plan, the restore and replay drills, the restore document.",
    "DisasterRecovery.restore": "the restore drill (omit: an attestation of "
    "dr.restore-tested stands in)",
    "DisasterRecovery.replay": "the event replay drill (omit: an attestation of "
    "dr.event-replay stands in)",
    "DisasterRecovery.scenario_max_age_days": "attestation of dr.scenario-played",
    "DisasterRecovery.procedure_headings": "regexes of the restore document's procedure heading",
    "DisasterRecovery.result_headings": "regexes of the restore document's last-result heading",
    # testing
    "Testing": "Coverage and JUnit reports in the repository, and the end-to-end probe.",
    "Testing.coverage": "coverage reports (Cobertura, JaCoCo, LCOV)",
    "Testing.integration_patterns": "fnmatch globs naming integration suites",
    "Testing.e2e_min_success": "the probe's success rate over e2e_window must reach this",
    "CoverageReport": "A coverage report: Cobertura, JaCoCo or LCOV.",
    "CoverageReport.format": "auto: detected from the content",
    # pre-mortem
    "Premortem": "Failure scenarios and their playbooks, the game day, the fault drill, "
    "runbook links of alerts.",
    "Premortem.scenarios": "failures the team planned for, each with a playbook",
    "Premortem.required_kinds": "kinds of scenario that must each be listed",
    "Premortem.fault_drill": "a fault to inject now (absent: premortem.fault-drill is n/a)",
    "Premortem.runbook_annotation": "the alert annotation holding the runbook link",
    "Scenario.name": "what fails, e.g. SQL store down",
    "FaultDrill.poll_interval_s": "seconds between two reads of Prometheus' alerts",
    # rollout
    "Rollout": "The rollout plan, its phases and where to read routing and backfill.",
    "Rollout.phases": "phases in order, each with the accounts it adds",
    "Rollout.current_phase": "accounts of this and earlier phases must be routed",
    "Rollout.database": "where the routing and backfill queries run",
    "Rollout.rollback_drill": "a rollback command to run now (else attest rollout.rollback-tested)",
    "Rollout.rollback_max_age_days": "an attestation of the rollback older than this is stale",
    "RolloutPhase": "A phase of the rollout and the accounts it adds.",
    "RolloutPhase.name": "the phase's name",
    "RollbackDrill": "A rollback golive runs and times.",
    "RollbackDrill.command": "run in the repository, without a shell",
    "RollbackDrill.timeout_s": "the command is killed after this",
    # waivers, attestations, sign-off
    "Attestation.outcome": "what came of it, e.g. held, 3 follow-ups filed",
    "Waiver.reason": "why the risk is accepted",
    "Waiver.approver": "who accepted it",
    "SignoffPolicy": "Who must sign the report go, and whose signatures count "
    "([signoff.md](signoff.md)).",
}
