"""Shared helpers of the fault matrix (tests/faults/): workspaces, runs, and the contract.

Every fault case ends in one of two ways, and `assert_report` / `assert_refused` check
the whole contract for it:

- a complete report: every requested section present in results.json (valid against
  the shipped schema) and rendered (its own page and its anchor in report.html), the
  affected checks `error` with a summary naming the cause;
- a clean refusal: exit 2, a message naming the field, nothing written.

In both, the earlier report seeded beside it (`seed_earlier`) is byte-for-byte unchanged,
and no secret of `SECRETS` (all set in the environment of every run) appears in any file
written nor on stdout/stderr.

Runs are batches (`golive run A.yaml B.yaml ...`): one service per fault, so one real run
of golive's whole pipeline serves several cases; each service's report is its own.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml
from conftest import EXAMPLE_PARAMS, EXAMPLE_REPO, ROOT, assert_valid_results

from golive_lib import catalog
from golive_lib.demo.processes import ManagedProcess, free_port, wait_until

# Secret values present in the environment of every golive run of the fault matrix.
# PROM_TOKEN is also sent as a bearer token where a case configures Prometheus auth.
SECRETS: dict[str, str] = {
    "PROM_TOKEN": "golive-fault-prom-token-7d1f0a9c3e",
    "AWS_SECRET_ACCESS_KEY": "golive-fault-aws-secret-5b2e8c4f1a",
    "SNOWFLAKE_PASSWORD": "golive-fault-db-password-9a7c2e1b",
}

TODAY = date.today()
EARLIER = (TODAY - timedelta(days=1)).isoformat()
# A loopback port where nothing listens: privileged, so no test server ever takes it
# (a free port picked now could be taken by the next server that starts).
NOWHERE = "http://127.0.0.1:9"


def golive_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The machine's environment without GOLIVE_* overrides, plus the secrets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    return {**env, **SECRETS, **(extra or {})}


def golive(
    *args: str | Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`golive ARGS...` through the real command line, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "golive_lib", *map(str, args)],
        cwd=cwd,
        env=golive_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def popen_golive(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "golive_lib", *map(str, args)],
        cwd=cwd,
        env=golive_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# --------------------------------------------------------------------------- workspaces


def copy_repo(dest: Path, only: list[str] | None = None) -> Path:
    """A private copy of the example repository (or of the listed paths of it)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.db")
    if only is None:
        shutil.copytree(EXAMPLE_REPO, dest, ignore=ignore)
        return dest
    dest.mkdir(parents=True)
    for rel in only:
        src = EXAMPLE_REPO / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=ignore)
        else:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@functools.cache
def _example_params() -> dict[str, Any]:
    doc = yaml.safe_load(EXAMPLE_PARAMS.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def example_params(name: str, repo: Path) -> dict[str, Any]:
    """parameters/ingest-api.yaml as a dict, for service ``name`` reviewing ``repo``.

    The example's live sources point at ports where nothing listens (set them per case).
    So that one fault never hides behind another, the planted *listed-but-missing*
    Dockerfile is dropped, and so is security's hadolint run (cicd.dockerfile-clean lints
    the same Dockerfile)."""
    doc = copy.deepcopy(_example_params())
    doc["service"]["name"] = name
    doc["repository"] = str(repo)
    doc["observability"]["prometheus"] = {"url": NOWHERE, "timeout_s": 5, "connect_timeout_s": 1}
    doc["observability"]["alertmanager"] = {"url": NOWHERE, "connect_timeout_s": 1}
    doc["cicd"]["dockerfiles"] = ["Dockerfile"]
    doc["security"].pop("run_scanners", None)
    return doc


def write_params(folder: Path, doc: dict[str, Any]) -> Path:
    path = folder / f"{doc['service']['name']}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- spoilt files

MODES = ("missing", "empty", "truncated", "malformed")
MALFORMED = {
    ".md": b"\xff\xfe\x00\x80 not UTF-8 text \x00\xc3\x28\n",
    ".yml": b"jobs: [unclosed: {\n  - :\n",
    ".yaml": b"version: [unclosed: {\n  - :\n",
    ".json": b'{"results": [1,, }',
    ".jsonl": b"{not json at all\n" * 20,
    ".xml": b"<testsuites><testsuite name='x'><testcase></testsuites>",
    ".csv": b"\xff\xfe\x00garbage,,,\n\x00\x01\n",
    ".sql": b"CREATE TABL broken (((;\nINSERT INTO nowhere VALUES (;\n",
    "": b"\xff\xfe\x00\x80 not a Dockerfile\n",
}


def spoil(data: bytes, mode: str, suffix: str) -> bytes | None:
    """The file's new content (None: delete it).

    Truncation stops a write half way, right after an opening quote past the middle where
    there is one: a cut between two complete statements or rows can be valid on its own
    (DuckDB even accepts a trailing comma), and that would not be a truncated file any
    parser could tell."""
    if mode == "missing":
        return None
    if mode == "empty":
        return b""
    if mode == "truncated":
        middle = len(data) // 2
        quotes = [i for i in (data.find(b'"', middle), data.find(b"'", middle)) if i >= 0]
        return data[: min(quotes) + 1] if quotes else data[:middle]
    return MALFORMED.get(suffix, MALFORMED[""])


def spoil_file(path: Path, mode: str) -> None:
    new = spoil(path.read_bytes(), mode, path.suffix)
    if new is None:
        path.unlink()
    else:
        path.write_bytes(new)


# --------------------------------------------------------------------------- earlier reports


@functools.cache
def _earlier_template(base: Path) -> Path:
    """ONE real report (the example, testing section only) to copy as everybody's earlier run."""
    base.mkdir(parents=True, exist_ok=True)
    result = golive(
        "run", EXAMPLE_PARAMS, "--out", base / "reports", "--sections", "testing", cwd=ROOT
    )
    assert result.returncode in (0, 1), result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


def seed_earlier(out: Path, service: str, base: Path) -> Path:
    """reports/<service>/<yesterday>/: a complete earlier report golive must never touch."""
    target = out / service / EARLIER
    # hard links: megabytes of plotly.js not copied again; a change through any link
    # shows in every copy's digest, so nothing is hidden by sharing
    shutil.copytree(_earlier_template(base), target, copy_function=os.link)
    results = target / "results.json"
    doc = json.loads(results.read_text(encoding="utf-8"))
    doc["service"], doc["date"] = service, EARLIER
    results.unlink()  # its own file, not the template's
    results.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return target


def digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (hidden ones included), by relative path."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------------- batches


@dataclass
class Batch:
    """One `golive run` over several services, each with an earlier report beside it."""

    out: Path
    result: subprocess.CompletedProcess[str]
    earlier: dict[str, tuple[Path, dict[str, str]]]  # service -> (folder, digest before)
    sections: tuple[str, ...]
    checked: dict[str, Report] = field(default_factory=dict)  # assert_report, done once
    extra: dict[str, Any] = field(default_factory=dict)  # what a fixture learnt on the way

    def folder(self, service: str) -> Path:
        found = [p for p in (self.out / service).iterdir() if p.is_dir() and p.name != EARLIER]
        assert len(found) == 1, (service, found, self.result.stderr[-3000:])
        return found[0]

    def report(self, service: str) -> Report:
        return Report(self.folder(service), self.sections)


def run_batch(
    work: Path,
    docs: list[dict[str, Any]],
    sections: tuple[str, ...],
    *,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> Batch:
    """Write each parameters dict, seed each service's earlier report, run them at once."""
    out = work / "reports"
    paths = [write_params(work, d) for d in docs]
    earlier = {}
    for d in docs:
        name = d["service"]["name"]
        folder = seed_earlier(out, name, work.parent / "earlier-template")
        earlier[name] = (folder, digest(folder))
    result = golive(
        "run",
        *paths,
        "--out",
        out,
        "--sections",
        ",".join(sections),
        "--workers",
        "2",
        *extra_args,
        cwd=work,
        env=env,
        timeout=timeout,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    return Batch(out, result, earlier, sections)


@dataclass
class Report:
    folder: Path
    sections: tuple[str, ...]

    @functools.cached_property
    def results(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads((self.folder / "results.json").read_text("utf-8"))
        return doc

    @property
    def checks(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.results["checks"]}

    def check(self, check_id: str) -> dict[str, Any]:
        return self.checks[check_id]


def assert_complete(report: Report, leftovers: tuple[str, ...] = ()) -> None:
    """Every requested section is in results.json (schema-valid, every catalog check of
    it present) and rendered: its page, its anchor in report.html, the summary and index;
    no temporary folder beside it but the ``leftovers`` known to be there before."""
    folder = report.folder
    doc = report.results
    assert_valid_results(doc)
    assert [s["id"] for s in doc["sections"]] == [
        s.id for s in catalog.SECTIONS if s.id in report.sections
    ]
    ids = {c["id"] for c in doc["checks"]}
    for section in report.sections:
        assert {c.id for c in catalog.checks_of(section)} <= ids, section
    names = {p.name for p in folder.iterdir()}
    assert {"results.json", "report.html", "index.html", "junit.xml"} <= names
    assert {"00_summary.ipynb", "00_summary.html"} <= names
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="summary"' in page
    for s in doc["sections"]:
        assert s["notebook"] in names and s["html"] in names, s
        assert f'id="{s["id"]}"' in page, s["id"]
    left = [n for n in os.listdir(folder.parent) if n.startswith(".tmp")]
    assert sorted(left) == sorted(leftovers), left


def assert_error(report: Report, check_id: str, *causes: str) -> dict[str, Any]:
    """``check_id`` is `error` and its summary names every one of ``causes``."""
    c = report.check(check_id)
    assert c["status"] == "error", (check_id, c["status"], c["summary"])
    for cause in causes:
        assert cause in c["summary"], (check_id, cause, c["summary"])
    assert check_id in (report.folder / "index.html").read_text(encoding="utf-8")
    return c


def assert_earlier_intact(batch: Batch, service: str) -> None:
    folder, before = batch.earlier[service]
    assert digest(folder) == before, f"the earlier report {folder} changed"


def output_files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from (p for p in root.rglob("*") if p.is_file())


def assert_no_secret(*roots: Path, texts: tuple[str, ...] = ()) -> None:
    """No value of SECRETS in any file under ``roots`` nor in ``texts`` (stdout, stderr)."""
    needles = [v.encode() for v in SECRETS.values()]
    for path in output_files(*roots):
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"a secret reached {path}"
    for text in texts:
        for needle in needles:
            assert needle.decode() not in text, "a secret reached the console output"


def assert_report(batch: Batch, service: str) -> Report:
    """The common contract of a fault that still gives a report. Checked once per service:
    the cases sharing a service's report ask again and get the same verdict."""
    if service in batch.checked:
        return batch.checked[service]
    report = batch.report(service)
    assert_complete(report)
    assert_earlier_intact(batch, service)
    assert_no_secret(
        batch.out / service,
        batch.out / "index.html",
        texts=(batch.result.stdout, batch.result.stderr),
    )
    batch.checked[service] = report
    return report


def assert_refused(
    result: subprocess.CompletedProcess[str], out: Path, before: dict[str, str], *names: str
) -> None:
    """A clean refusal: exit 2, the message names ``names``, ``out`` unchanged."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "nothing was written" in result.stderr
    for name in names:
        assert name in result.stderr, (name, result.stderr)
    assert result.stdout == ""
    assert (digest(out) if out.exists() else {}) == before
    assert_no_secret(texts=(result.stdout, result.stderr))


# --------------------------------------------------------------------------- servers


class _Misbehaving(BaseHTTPRequestHandler):
    mode = "slow"
    delay_s = 3.0
    seen: list[dict[str, str]]

    def do_GET(self) -> None:  # noqa: N802
        type(self).seen.append(dict(self.headers))
        if self.mode in _STREAMED:
            self._stream()
            return
        if self.mode == "slow":
            time.sleep(self.delay_s)
        status, body = {
            "5xx": (503, b'{"status":"error","error":"upstream overloaded"}'),
            "garbage": (200, b"<html><body>not json {{{</body></html>"),
            "shape": (200, b'{"status":"success","data":[1,2,3]}'),
            "deep": (200, b"[" * 100_000 + b"]" * 100_000),
            "shape-deep": (
                200,
                b'{"status":"success","data":{"resultType":"vector","result":'
                b'[{"metric":["job"],"value":"up"}],"groups":{"a":1},"alerts":7}}',
            ),
        }.get(self.mode, (200, b'{"status":"success","data":{}}'))
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (slow mode): that is the point

    def _stream(self) -> None:
        """drip: a valid answer, one byte every 0.5 s; huge: 800 MB announced and sent
        in 64 KB chunks until the client hangs up."""
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if self.mode == "huge":
                self.send_header("Content-Length", str(800 * 1024 * 1024))
                self.end_headers()
                chunk = b" " * 65536
                for _ in range(800 * 16):
                    self.wfile.write(chunk)
            else:
                self.end_headers()
                for byte in b'{"status":"success","data":{"resultType":"vector","result":[]}}':
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.5)
        except OSError:
            pass  # the client gave up: that is the point

    def log_message(self, *args: object) -> None:
        pass


_STREAMED = frozenset({"drip", "huge"})


@contextmanager
def misbehaving_server(mode: str) -> Iterator[tuple[str, type[_Misbehaving]]]:
    """A deliberately broken HTTP server on loopback: ``slow`` (answers after 3 s),
    ``5xx`` (HTTP 503), ``garbage`` (HTTP 200 with HTML instead of JSON), ``shape`` and
    ``shape-deep`` (valid JSON of a shape the API never gives), ``deep`` (JSON nested
    100,000 levels), ``drip`` (a valid answer,
    one byte every 0.5 s) or ``huge`` (800 MB of body).

    A fake on purpose: the cases are about a *broken* Prometheus, which a real one cannot
    be made to be. What it leaves untested: nothing of Prometheus' own API (the real-
    Prometheus cases of tests/faults and tests/sources cover that)."""
    handler = type("Handler", (_Misbehaving,), {"mode": mode, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def small_prometheus(work: Path, rules: dict[str, Any]) -> Iterator[str]:
    """A real Prometheus (Debian `prometheus`) on a free loopback port, with no scrape
    target and the rule groups ``rules`` evaluated every second; ready once every
    recording rule's series is queryable. Always stopped."""
    work.mkdir(parents=True, exist_ok=True)
    rules_path = work / "rules.yml"
    rules_path.write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")
    config = work / "prometheus.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(rules_path)],
            }
        ),
        encoding="utf-8",
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = ManagedProcess(
        "prometheus",
        [
            shutil.which("prometheus") or "/usr/bin/prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={work / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        work / "prometheus.log",
    )
    records = [r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r]

    def ready() -> bool:
        for record in records:
            r = httpx.get(f"{url}/api/v1/query", params={"query": record}, timeout=2)
            if not r.json()["data"]["result"]:
                return False
        return httpx.get(f"{url}/-/ready", timeout=2).status_code == 200

    with proc:
        wait_until(ready, 30, "prometheus", proc.died, interval_s=0.2)
        yield url


def section_notebook(path: Path, section: str, cells: list[str]) -> Path:
    """A small section notebook: the parameters cell, `Review.start`, then ``cells``."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    params = new_code_cell('params_path = "unused.yaml"\nrun_date = None')
    params.metadata["tags"] = ["parameters"]
    start = (
        "from golive_lib import catalog\nfrom golive_lib.model import Status\n"
        f"from golive_lib.notebook import Review\nreview = Review.start({section!r}, "
        "params_path, run_date)"
    )
    nb = new_notebook(
        cells=[
            new_markdown_cell(f"# {section}"),
            params,
            new_code_cell(start),
            *map(new_code_cell, cells),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, str(path))
    return path


def html_files(*roots: Path) -> list[Path]:
    return [p for p in output_files(*roots) if p.suffix == ".html"]


def payload(marker: str) -> str:
    """Text that runs script wherever it lands unescaped: in HTML (a script element, an
    event handler) and inside a script element (it closes it and opens its own)."""
    return f'</script><script>alert("{marker}")</script><img src=x onerror=alert("{marker}")>'


def js_url(marker: str) -> str:
    return f'javascript:alert("{marker}")'


class _Active(HTMLParser):
    """Parses a page as a browser tokenizes it and notes every way a payload would run."""

    URL_ATTRS = frozenset({"href", "src", "action", "formaction", "xlink:href", "data"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            v = (value or "").strip()
            if name.startswith("on") and "alert(" in v:
                self.found.append(f"<{tag} {name}={v!r}>")
            if name in self.URL_ATTRS and v.lower().replace("\t", "").startswith("javascript:"):
                self.found.append(f"<{tag} {name}={v!r}>")
        if tag == "script":
            self._script = []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            body = "".join(self._script).strip()
            if body.startswith("alert("):
                self.found.append(f"<script>{body[:80]}")
            self._script = None


def active_payloads(page: str) -> list[str]:
    """Every script a payload would run in ``page`` (empty: it is inert)."""
    parser = _Active()
    parser.feed(page)
    parser.close()
    return parser.found
