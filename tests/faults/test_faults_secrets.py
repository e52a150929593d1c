"""Secrets never reach a report: the review of the example service, run with a dozen fake
secrets in its environment and drills that print their whole environment, holds none of
them in any file of the report folder, nor on stdout or stderr.

One real `golive run` of the whole review, for two services: one whose children get the
scrubbed environment (the default), one whose children inherit every secret. The replay
drill prints every variable it received and some secrets it makes up
itself (an AWS key id, a private key, credentials in a URL) that only detect-secrets'
patterns can recognise; the log command prints its environment on stderr and fails, so
that output is quoted in observability.logging's evidence.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from faultkit import (
    SECRETS,
    Batch,
    assert_report,
    copy_repo,
    example_params,
    output_files,
    run_batch,
)

from golive_lib import catalog

# Names a platform really uses (each matched by a secret-looking glob), fake values.
FAKE: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "AKIAGOLIVEFAKE7Q2W3E",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/golive-fake-aws-1",
    "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEGolive-fake-session-2",
    "SNOWFLAKE_PASSWORD": "golive-fake-snow-pw-3",
    "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "golive-fake-passphrase-4",
    "GITHUB_TOKEN": "golive-fake-gh-token-5",
    "DB_PASSWORD": "golive-fake-db-pw-6",
    "STRIPE_API_KEY": "golive-fake-stripe-7",
    "SLACK_BOT_TOKEN": "golive-fake-slack-8",
    "GCP_CREDENTIALS": '{"private_key": "golive-fake-gcp-9"}',
    "DATADOG_APP_KEY": "golive-fake-dd-10",
    "VAULT_SECRET_ID": "golive-fake-vault-11",
}
# Not secret-looking by name: a secret only because a *_env field names it.
NAMED = {"TENANT_HEADER_VALUE": "golive-fake-tenant-12"}
# Made up inside the drill: in no environment, recognised by detect-secrets' patterns.
MADE_UP = {
    "an AWS key id": "AKIAZZGOLIVEMADEUP01",
    "credentials in a URL": "madeup-url-pw-13",
    "a private key": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7golivefake",
}
# A drill script in the service's repository (not in the parameters, which refuse such
# text): prints its environment and the made-up secrets, notes what variables it got.
PRINT_ALL = """import json, os, sys
print(json.dumps(dict(os.environ)), flush=True)
print("key AKIAZZGOLIVEMADEUP01 at https://ops:madeup-url-pw-13@db.internal/x")
print("-----BEGIN PRIVATE KEY-----")
print("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7golivefake")
print("-----END PRIVATE KEY-----")
with open(sys.argv[1], "w") as fh:
    json.dump(sorted(os.environ), fh)
"""
LOG_ENV = [
    "python",
    "-c",
    "import os, sys; sys.stderr.write(repr(dict(os.environ))); sys.exit(3)",
]
SERVICE = "secret-env"  # children get the scrubbed environment (the default)
INHERIT = "secret-inherit"  # execution.child_environment: inherit: children get every secret


def _params(name: str, repo: Path, seen: Path) -> dict[str, Any]:
    doc = example_params(name, repo)
    doc["observability"]["prometheus"]["auth"] = {
        "kind": "header",
        "header": "X-Scope-OrgID",
        "value_env": "TENANT_HEADER_VALUE",
    }
    doc["observability"]["log_command"] = LOG_ENV
    doc["observability"].pop("log_sample", None)
    doc["dr"]["replay"] = {
        "command": ["python", "ops/print_env.py", str(seen)],
        "verify": "python -c pass",
        "timeout_s": 60,
    }
    doc["rollout"]["rollback_drill"] = {"command": f"python ops/print_env.py {seen}.rollback"}
    return doc


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    work = tmp_path_factory.mktemp("secrets")
    repo = copy_repo(work / "repo")
    (repo / "ops" / "print_env.py").write_text(PRINT_ALL, encoding="utf-8")
    scrubbed = _params(SERVICE, repo, work / "scrubbed-saw.json")
    # passed on purpose: the child may have it, the report may not
    scrubbed["execution"] = {"child_variables": ["GITHUB_TOKEN"]}
    inherit = _params(INHERIT, repo, work / "inherit-saw.json")
    inherit["execution"] = {"child_environment": "inherit"}
    started = time.monotonic()
    result = run_batch(
        work,
        [scrubbed, inherit],
        tuple(s.id for s in catalog.SECTIONS),  # the whole review
        env={**FAKE, **NAMED},
    )
    result.extra["seconds"] = time.monotonic() - started
    result.extra["seen"] = {SERVICE: work / "scrubbed-saw.json", INHERIT: work / "inherit-saw.json"}
    return result


def _leaks(batch: Batch, service: str) -> list[str]:
    needles = {**FAKE, **NAMED, **SECRETS}
    values = [
        *needles.values(),
        *MADE_UP.values(),
        json.loads(FAKE["GCP_CREDENTIALS"])["private_key"],
    ]
    found = []
    for path in output_files(batch.out / service, batch.out / "index.html"):
        data = path.read_bytes()
        found += [f"{path.name}: {v}" for v in values if v.encode() in data]
    for stream in (batch.result.stdout, batch.result.stderr):
        found += [f"console: {v}" for v in values if v in stream]
    return found


@pytest.mark.parametrize("service", [SERVICE, INHERIT])
def test_no_secret_of_the_environment_nor_made_up_reaches_any_file_of_the_report(
    batch: Batch, service: str
) -> None:
    report = assert_report(batch, service)
    leaks = _leaks(batch, service)
    assert leaks == [], "\n".join(leaks)
    # the drill really ran and printed: its output is in the evidence, redacted
    replay = report.check("dr.event-replay")
    assert replay["status"] == "pass", replay["summary"]
    notebook = (report.folder / "03_disaster_recovery.ipynb").read_text(encoding="utf-8")
    assert "TENANT_HEADER_VALUE" in notebook and "GITHUB_TOKEN" in notebook
    if service == INHERIT:
        assert "AWS_SECRET_ACCESS_KEY" in notebook  # the names stay, the values go
    assert "-----END PRIVATE KEY-----" not in notebook  # the whole block went
    assert "key *** at https://ops:***@db.internal" in notebook
    assert batch.extra["seconds"] < 240


def test_a_drill_gets_no_secret_of_the_environment_the_parameters_do_not_name(
    batch: Batch,
) -> None:
    saw = set(json.loads(batch.extra["seen"][SERVICE].read_text(encoding="utf-8")))
    assert saw & set(FAKE) == {"GITHUB_TOKEN"}  # execution.child_variables
    assert not saw & {"AWS_SECRET_ACCESS_KEY", "SNOWFLAKE_PASSWORD"}
    assert "TENANT_HEADER_VALUE" in saw  # named by a *_env field: it may need it
    assert "PATH" in saw
    everything = set(json.loads(batch.extra["seen"][INHERIT].read_text(encoding="utf-8")))
    assert set(FAKE) <= everything  # execution.child_environment: inherit


def test_a_failing_log_command_that_prints_its_environment_is_quoted_redacted(
    batch: Batch,
) -> None:
    report = assert_report(batch, INHERIT)
    logging = report.check("observability.logging")
    assert "exited 3" in logging["summary"] + json.dumps(logging["evidence"])
    assert "***" in logging["summary"]
    assert _leaks(batch, INHERIT) == []
