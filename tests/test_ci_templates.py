"""The CI templates golive ships for service teams: the GitHub Actions composite action
(.github/actions/golive-review) and the GitLab CI template (.gitlab/golive-review.gitlab-ci.yml).

Their shell steps are run for real with bash and sh against the example service (no
GitHub or GitLab runner runs here: what the runners themselves add, checkout, artifact
upload and the JUnit publishing actions, is left untested; their inputs are checked
against the files golive writes)."""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

ACTION = ROOT / ".github" / "actions" / "golive-review" / "action.yml"
GITLAB = ROOT / ".gitlab" / "golive-review.gitlab-ci.yml"
PARAMS = ROOT / "parameters" / "ingest-api.yaml"
BIN = str(Path(sys.executable).parent)


def action() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(ACTION.read_text())  # type: ignore[no-any-return]


def test_the_action_never_puts_an_input_into_a_script_and_names_a_shell_for_each():
    steps = action()["runs"]["steps"]
    assert action()["runs"]["using"] == "composite"
    for step in steps:
        if "run" in step:
            assert step.get("shell") == "bash", step
            # an input in the script's text is a script injection; env carries them
            assert "${{" not in step["run"], step["run"]
        else:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), step["uses"]
    declared = set(action()["inputs"])
    used = set(re.findall(r"inputs\.([\w-]+)", ACTION.read_text()))
    assert used <= declared, used - declared


def run_step(step_id: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    [step] = [s for s in action()["runs"]["steps"] if s.get("id") == step_id]
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.integration
def test_the_actions_review_step_reviews_and_the_gate_fails_a_no_go(tmp_path):
    output = tmp_path / "github_output"
    done = run_step(
        "review",
        {
            "GOLIVE_PARAMS": str(PARAMS),
            "GOLIVE_FAIL_ON": "blocking",
            "GOLIVE_SECTIONS": "architecture,cicd",
            "GOLIVE_OUT": "reports",
            "RUNNER_TEMP": str(tmp_path),
            "GITHUB_OUTPUT": str(output),
        },
        tmp_path,
    )
    assert done.returncode == 0, done.stderr  # the gate is a later step, after publishing
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs["exit-code"] == "1"  # the example is a no-go (a planted blocking fail)
    report = Path(outputs["report"])
    assert (tmp_path / report / "junit.xml").is_file()
    # the publishing step's glob finds it, relative to the workspace
    [publish] = [s for s in action()["runs"]["steps"] if "junit" in s.get("uses", "")]
    junit_glob = publish["with"]["report_paths"]
    assert glob.glob(junit_glob.replace("${{ inputs.out }}", "reports"), root_dir=tmp_path)
    [gate] = [s for s in action()["runs"]["steps"] if s.get("name") == "Go or no-go"]
    for code, expected in (("0", 0), ("1", 1), ("2", 2), ("", 3)):
        done = subprocess.run(
            ["bash", "-e", "-c", gate["run"]],
            env={**os.environ, "CODE": code},
            capture_output=True,
            text=True,
        )
        assert done.returncode == expected, (code, done.stdout)


@pytest.mark.integration
def test_the_gitlab_template_reviews_and_keeps_the_junit_report(tmp_path):
    job = yaml.safe_load(GITLAB.read_text())[".golive-review"]
    variables = {k: str(v) for k, v in job["variables"].items()}
    env = {**os.environ, **variables, "PATH": f"{BIN}:{os.environ['PATH']}"}
    # no parameters: the job says what to set and stops, before installing anything
    script = "\n".join(job["script"])
    done = subprocess.run(
        ["sh", "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2 and "set GOLIVE_PARAMS" in done.stderr
    # pip install is the runner's business here: golive is installed in this venv
    script = "\n".join(line for line in job["script"] if "pip install" not in line)
    env |= {"GOLIVE_PARAMS": str(PARAMS), "GOLIVE_SECTIONS": "architecture"}
    done = subprocess.run(
        ["sh", "-e", "-c", script],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr  # architecture alone is a go
    assert job["artifacts"]["when"] == "always"
    assert glob.glob(job["artifacts"]["reports"]["junit"], root_dir=tmp_path)
    assert all(glob.glob(p, root_dir=tmp_path) for p in job["artifacts"]["paths"])


def test_golives_ci_readers_read_a_service_pipeline_that_uses_either_template(tmp_path):
    from golive_lib.sources import ci

    workflow = tmp_path / ".github" / "workflows" / "golive.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "on: [push]\njobs:\n  go-live:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - uses: acme/golive/.github/actions/golive-review@v1\n"
        "        with: {params: parameters/svc.yaml}\n"
    )
    # the template included from the repository itself (as a vendored copy would be)
    vendored = tmp_path / "ci" / "golive-review.gitlab-ci.yml"
    vendored.parent.mkdir()
    vendored.write_text(GITLAB.read_text())
    gitlab = tmp_path / ".gitlab-ci.yml"
    gitlab.write_text(
        "include:\n  - local: ci/golive-review.gitlab-ci.yml\n"
        "go-live review:\n  extends: .golive-review\n"
        "  variables: {GOLIVE_PARAMS: parameters/svc.yaml}\n"
    )
    pipelines, failures = ci.parse_all([workflow, gitlab], tmp_path)
    assert failures == []
    github, lab = pipelines
    # golive's action is known to golive: not listed as an action it could not inspect
    assert not [n for n in github.notes if "golive-review" in n], github.notes
    [review] = [j for j in lab.jobs if j.name == "go-live review"]
    assert any("golive" in s.run and "$@" in s.run for s in review.steps), review.steps
