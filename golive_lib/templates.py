"""Text templates golive writes for users (`golive init`)."""

from __future__ import annotations


def parameters_template(service: str, repository: str) -> str:
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
"""
