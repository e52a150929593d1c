"""The scan reports of the corpus that a real scanner writes here: hadolint, Bandit and
pip-audit, each with its truth from the tool's other output. Run through generate.py
(``generate.py hadolint bandit pip-audit``); see its docstring.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from generate import BIN, run, write_expected

# --------------------------------------------------------------------------- hadolint

DOCKERFILES = {
    "hadolint-findings": "FROM python\nRUN apt-get update && apt-get install -y curl\n"
    "RUN cd /app && pip install flask\nADD app.py /app/\nMAINTAINER me\n",
    "hadolint-clean": "FROM python:3.12-slim@sha256:"
    + "0" * 64
    + '\nCOPY app.py /app/\nUSER 1000\nCMD ["python", "/app/app.py"]\n',
}


def hadolint_files(out: Path) -> None:
    hadolint = shutil.which("hadolint", path=str(BIN)) or "hadolint"
    for name, body in DOCKERFILES.items():
        with tempfile.TemporaryDirectory() as tmp:
            t = Path(tmp)
            (t / "Dockerfile").write_text(body, encoding="utf-8")
            sarif = run([hadolint, "--no-fail", "--format", "sarif", "Dockerfile"], t)
            found = json.loads(run([hadolint, "--no-fail", "--format", "json", "Dockerfile"], t))
        path = out / f"{name}.sarif"
        path.write_text(sarif, encoding="utf-8")
        write_expected(
            path,
            f"hadolint {name}: `hadolint --format sarif`; truth from `hadolint --format json`",
            kind="scan",
            format="sarif",
            findings=len(found),
            complete=True,
        )


# --------------------------------------------------------------------------- Bandit

BANDIT_FILES = {
    "app.py": 'import subprocess\nimport pickle\n\nPASSWORD = "hunter2"\n\n\n'
    "def run(cmd):\n    return subprocess.call(cmd, shell=True)\n\n\n"
    "def load(blob):\n    return pickle.loads(blob)\n\n\n"
    "def check(x):\n    assert x > 0\n    return eval(x)\n",
    "clean.py": "def add(a, b):\n    return a + b\n",
    "bad.py": "def f(:\n    pass\n",
}


def bandit_files(out: Path) -> None:
    """Bandit (``BANDIT=/path/to/bandit``, with its sarif extra): a tree with findings, a
    clean file, and a tree with a file it cannot parse (an error-level notification)."""
    tool = os.environ.get("BANDIT") or shutil.which("bandit")
    if not tool:
        print("bandit: skipped (set BANDIT)")
        return
    cases = {
        "bandit-findings": ["app.py"],
        "bandit-clean": ["clean.py"],
        "bandit-unparsable-file": ["app.py", "bad.py"],
    }
    for name, files in cases.items():
        with tempfile.TemporaryDirectory() as tmp:
            t = Path(tmp)
            (t / "src").mkdir()
            for f in files:
                (t / "src" / f).write_text(BANDIT_FILES[f], encoding="utf-8")
            path = out / f"{name}.sarif"
            run([tool, "-q", "-r", "-f", "sarif", "-o", str(path), "src"], t, ok=(0, 1))
            truth = json.loads(run([tool, "-q", "-r", "-f", "json", "src"], t, ok=(0, 1)))
        severities: dict[str, int] = {}
        for r in truth["results"]:
            level = r["issue_severity"].lower()
            severities[level] = severities.get(level, 0) + 1
        write_expected(
            path,
            "Bandit 1.9 `-f sarif`; truth from `bandit -f json` (results, their issue_severity, "
            "and its errors: a file Bandit could not parse means an incomplete scan)",
            kind="scan",
            format="sarif",
            findings=len(truth["results"]),
            complete=not truth["errors"],
            severities=severities,
        )


# --------------------------------------------------------------------------- pip-audit


def pip_audit_files(out: Path) -> None:
    tool = os.environ.get("PIP_AUDIT") or shutil.which("pip-audit")
    if not tool:
        print("pip-audit: skipped (set PIP_AUDIT)")
        return
    from osv_server import running_osv

    cases = {
        "pip-audit-osv-findings": "requests==2.30.0\nidna==3.7\n",
        "pip-audit-osv-clean": "requests==2.32.3\n",
        "pip-audit-osv-unknown-package": "requests==2.25.0\nacme-internal-sdk==1.4.0\n",
    }
    with running_osv() as osv:
        for name, reqs in cases.items():
            with tempfile.TemporaryDirectory() as tmp:
                t = Path(tmp)
                (t / "requirements.txt").write_text(reqs, encoding="utf-8")
                base = [
                    tool,
                    "-r",
                    "requirements.txt",
                    "--no-deps",
                    "--disable-pip",
                    "-s",
                    "osv",
                    "--osv-url",
                    f"{osv.url}/v1/query",
                ]
                path = out / f"{name}.json"
                run([*base, "-f", "json", "-o", str(path)], t, ok=(0, 1))
                table = run(base, t, ok=(0, 1))
            m = re.search(r"Found (\d+) known vulnerabilit", table)
            skipped = len(re.findall(r"could not be audited", table))
            write_expected(
                path,
                "pip-audit -f json against the loopback OSV API of tests/osv_server.py; truth "
                f"from pip-audit's table output ({(m.group(0) if m else 'none found')})",
                kind="scan",
                format="pip-audit",
                findings=int(m.group(1)) if m else 0,
                skipped=skipped,
                complete=True,
            )
    # The same requirements against PyPI's own vulnerability API, which this machine cannot
    # reach: pip-audit skips every dependency and still says "No known vulnerabilities".
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "requirements.txt").write_text("requests==2.19.0\nurllib3==1.24.1\n")
        path = out / "pip-audit-pypi-unreachable.json"
        run(
            [
                tool,
                "-r",
                "requirements.txt",
                "--no-deps",
                "--disable-pip",
                "-f",
                "json",
                "-o",
                str(path),
            ],
            t,
        )
        table = run([tool, "-r", "requirements.txt", "--no-deps", "--disable-pip"], t)
    write_expected(
        path,
        "pip-audit -f json with PyPI's vulnerability API out of reach; truth from its table: "
        f"{len(re.findall(r'could not be audited', table))} skipped",
        kind="scan",
        format="pip-audit",
        findings=0,
        skipped=len(re.findall(r"could not be audited", table)),
        complete=True,
    )
