"""The demo stack: the example service, live traffic, Prometheus with weeks of
backfilled history and the example's rules, and Alertmanager, all on loopback.

    with DemoStack() as stack:
        stack.prometheus_url, stack.alertmanager_url, stack.service_url

Ready means the data is queryable: a query for the live scraped series returns a
sample (``/-/ready`` alone answers before the first scrape). Leaving the block, an
exception or Ctrl-C stops every process it started and removes its folders.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx
import yaml

from .. import process
from . import history
from .processes import DemoError, ManagedProcess, free_port, require_binary, wait_until

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ingest-api"
PROMETHEUS = "prometheus"
ALERTMANAGER = "prometheus-alertmanager"
BLACKBOX = "prometheus-blackbox-exporter"  # optional: without it there is no e2e probe
BLACKBOX_JOB = "blackbox"
BLACKBOX_CONFIG = {
    "modules": {
        "http_2xx": {
            "prober": "http",
            "timeout": "2s",
            "http": {"valid_status_codes": [200], "preferred_ip_protocol": "ip4"},
        }
    }
}
RETENTION = "120d"  # >= 90d: the 15-day default silently deletes the backfilled blocks
SCRAPE_INTERVAL = "5s"
URL_ENV = {"prometheus": "GOLIVE_PROMETHEUS_URL", "alertmanager": "GOLIVE_ALERTMANAGER_URL"}
# The example's S3 store (parameters/ingest-api.yaml security.s3 names these variables).
# moto's server accepts any credentials; these are the demo's, not a secret.
S3_ENV = {
    "INGEST_S3_ENDPOINT": "",
    "INGEST_S3_ACCESS_KEY_ID": "golive-demo",
    "INGEST_S3_SECRET_ACCESS_KEY": "golive-demo-not-a-secret",
}
MOTO_SERVER = "moto_server"  # golive[demo] (moto[server]): an S3 API server
CONTROL_ENV = "INGEST_DEMO_CONTROL"  # folder holding ingest-api.pid, for the fault drill
SERVICE_ENV = "INGEST_DEMO_URL"  # the example's URL: capacity.live loads it (host_env)
# Each batch write waits this long inside the example's one-writer lock (a synchronous
# standby): the demo's live load test then finds a ceiling of ~40 batches a second and
# the latency SLO breaks under load, which capacity.slo-during-load-test catches.
WRITE_SYNC_MS = "25"


def _find(name: str) -> str:
    for candidate in (f"/usr/bin/{name}", name):
        if shutil.which(candidate):
            return candidate
    return require_binary(name)


def _alertmanager_binary() -> str:
    for name in (ALERTMANAGER, "alertmanager"):
        if shutil.which(f"/usr/bin/{name}") or shutil.which(name):
            return _find(name)
    return require_binary(ALERTMANAGER)


def blackbox_job(exporter: str, target_url: str) -> dict[str, object]:
    """The scrape job asking the blackbox exporter to probe ``target_url`` (module http_2xx)."""
    return {
        "job_name": BLACKBOX_JOB,
        "metrics_path": "/probe",
        "params": {"module": ["http_2xx"]},
        "static_configs": [{"targets": [target_url]}],
        "relabel_configs": [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": exporter},
        ],
    }


def prometheus_config(
    service: str,
    alertmanager: str,
    rule_files: list[Path],
    scrape_interval: str,
    blackbox: dict[str, object] | None = None,
) -> dict[str, object]:
    jobs: list[dict[str, object]] = [
        {"job_name": "ingest-api", "static_configs": [{"targets": [service]}]},
    ]
    if blackbox is not None:
        jobs.append(blackbox)
    return {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "rule_files": [str(p) for p in rule_files],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]},
        "scrape_configs": jobs,
    }


@dataclass
class DemoStack:
    """Start with ``with DemoStack(...) as stack`` (or start()/stop())."""

    example: Path = EXAMPLE
    rule_files: list[Path] = field(default_factory=list)  # loaded besides the example's
    alertmanager_config: Path | None = None  # None: the example's alertmanager.yml
    history: history.HistoryParams | None = None  # None: 30 days ending at the last hour
    backfill: bool = True
    traffic_rps: float = 5.0
    traffic_duration_s: float = 3600.0
    ready_deadline_s: float = 30.0
    scrape_interval: str = SCRAPE_INTERVAL
    progress: bool = False
    workdir: Path | None = None
    processes: list[ManagedProcess] = field(default_factory=list)
    prometheus_url: str = ""
    alertmanager_url: str = ""
    service_url: str = ""
    blackbox_url: str = ""  # empty when the blackbox exporter is not installed
    s3: bool = True  # start an S3 API server and the example's buckets (when moto is installed)
    s3_url: str = ""  # empty when no S3 server runs
    timings: dict[str, float] = field(default_factory=dict)
    _own_workdir: bool = False

    def _say(self, msg: str) -> None:
        if self.progress:
            print(f"golive demo: {msg}", file=sys.stderr, flush=True)

    def _spawn(self, name: str, argv: list[str], **kw: object) -> ManagedProcess:
        assert self.workdir is not None
        proc = ManagedProcess(name, argv, self.workdir / "logs" / f"{name}.log", **kw)  # type: ignore[arg-type]
        self.processes.append(proc)
        return proc.start()

    def start(self) -> DemoStack:
        prometheus = _find(PROMETHEUS)
        alertmanager = _alertmanager_binary()
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="golive-demo-"))
            self._own_workdir = True
        try:
            self._start(prometheus, alertmanager)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, prometheus: str, alertmanager: str) -> None:
        assert self.workdir is not None
        t0 = time.monotonic()
        data = self.workdir / "prometheus-data"
        if self.backfill:
            params = self.history or history.default_params()
            self.history = params  # what was backfilled, for tests and the demo's log
            self._say(f"history: {params.days} days to {params.end:%Y-%m-%d %H:%M} UTC")
            blocks = history.build_blocks(params)
            history.install_blocks(blocks, data)
        self.timings["history_s"] = time.monotonic() - t0
        am_port = self._start_alertmanager(alertmanager)
        self._start_service()
        blackbox = self._start_blackbox()
        if self.s3:
            self._start_s3()
        self._start_prometheus(prometheus, data, am_port, blackbox)
        self._say(f"waiting for the first scraped sample at {self.prometheus_url}")
        instance = self.service_url.removeprefix("http://")
        query = f'http_requests_total{{job="ingest-api",instance="{instance}"}}'
        queries = [query]
        if blackbox is not None:  # scraped on its own schedule, and the end-to-end check
            queries.append(f'probe_success{{job="{BLACKBOX_JOB}"}}')  # reads it: wait for both
        self._wait_ready(queries)
        self.timings["start_s"] = time.monotonic() - t0

    def _start_alertmanager(self, alertmanager: str) -> int:
        """Start Alertmanager on a free port; the port."""
        assert self.workdir is not None
        am_port = free_port()
        am_config = self.alertmanager_config or self.example / "alertmanager" / "alertmanager.yml"
        self._spawn(
            "alertmanager",
            [
                alertmanager,
                f"--config.file={am_config}",
                f"--web.listen-address=127.0.0.1:{am_port}",
                "--cluster.listen-address=",
                f"--storage.path={self.workdir / 'alertmanager-data'}",
            ],
        )
        self.alertmanager_url = f"http://127.0.0.1:{am_port}"
        return am_port

    def _start_service(self) -> None:
        """Start the example service, write its pid for the fault drills, send it traffic."""
        assert self.workdir is not None
        env = {
            **os.environ,
            "PYTHONPATH": str(self.example),
            "INGEST_ERROR_RATE": "0",
            "INGEST_EXTRA_LATENCY_MS": "0",
            "INGEST_WRITE_SYNC_MS": WRITE_SYNC_MS,
        }
        service = self._spawn(
            "ingest-api",
            [
                sys.executable,
                "-m",
                "ingest_api",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--db",
                str(self.workdir / "events.db"),
                "--bucket-dir",
                str(self.workdir / "bucket"),
            ],
            env=env,
            cwd=self.workdir,
        )
        match = service.wait_for_line(r"listening on (http://127\.0\.0\.1:(\d+))", 20)
        self.service_url = match.group(1)
        # Fault drills (examples/ingest-api/ops/fault.py) find the service's pid here.
        control = self.workdir / "control"
        control.mkdir(exist_ok=True)
        assert service.proc is not None
        (control / "ingest-api.pid").write_text(f"{service.proc.pid}\n", encoding="utf-8")
        self._spawn(
            "traffic",
            [
                sys.executable,
                "-m",
                "ingest_api.traffic",
                "--target",
                self.service_url,
                "--rps",
                str(self.traffic_rps),
                "--duration",
                str(self.traffic_duration_s),
            ],
            env=env,
            cwd=self.workdir,
        )

    def _start_prometheus(
        self, prometheus: str, data: Path, am_port: int, blackbox: dict[str, object] | None
    ) -> None:
        """Start Prometheus over the backfilled ``data``, scraping the service (and the
        blackbox exporter), alerting to Alertmanager."""
        assert self.workdir is not None
        prom_port = free_port()
        rules = [self.example / "prometheus" / "rules.yml", *self.rule_files]
        config = prometheus_config(
            self.service_url.removeprefix("http://"),
            f"127.0.0.1:{am_port}",
            [p.resolve() for p in rules],
            self.scrape_interval,
            blackbox,
        )
        config_path = self.workdir / "prometheus.yml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        self._spawn(
            "prometheus",
            [
                prometheus,
                f"--config.file={config_path}",
                f"--storage.tsdb.path={data}",
                f"--storage.tsdb.retention.time={RETENTION}",
                f"--web.listen-address=127.0.0.1:{prom_port}",
                "--log.level=warn",
            ],
        )
        self.prometheus_url = f"http://127.0.0.1:{prom_port}"

    def _wait_ready(self, queries: list[str]) -> None:
        """Until Alertmanager is ready and Prometheus answers every query with a sample."""

        def scraped() -> bool:
            for q in queries:
                r = httpx.get(f"{self.prometheus_url}/api/v1/query", params={"query": q}, timeout=2)
                if r.status_code != 200 or not r.json()["data"]["result"]:
                    return False
            return True

        def am_ready() -> bool:
            return httpx.get(f"{self.alertmanager_url}/-/ready", timeout=2).status_code == 200

        def any_died() -> str | None:
            for p in self.processes:
                if p.name != "traffic" and (why := p.died()):
                    return f"{p.name} {why}"
            return None

        wait_until(am_ready, self.ready_deadline_s, "alertmanager", any_died)
        self.timings["ready_s"] = wait_until(
            scraped, self.ready_deadline_s, f"prometheus (queries {queries})", any_died, 0.25
        )

    def _start_blackbox(self) -> dict[str, object] | None:
        """Start the blackbox exporter probing the service's /readyz; its scrape job."""
        assert self.workdir is not None
        binary = shutil.which(f"/usr/bin/{BLACKBOX}") or shutil.which(BLACKBOX)
        if binary is None:
            self._say(f"{BLACKBOX} not installed: no end-to-end probe")
            return None
        config = self.workdir / "blackbox.yml"
        config.write_text(yaml.safe_dump(BLACKBOX_CONFIG, sort_keys=False), encoding="utf-8")
        port = free_port()
        self._spawn(
            "blackbox",
            [
                binary,
                f"--config.file={config}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
        )
        self.blackbox_url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: httpx.get(f"{self.blackbox_url}/metrics", timeout=2).status_code == 200,
            self.ready_deadline_s,
            "blackbox exporter",
        )
        return blackbox_job(f"127.0.0.1:{port}", f"{self.service_url}/readyz")

    def _start_s3(self) -> None:
        """Start moto's S3 server and create the example's buckets with its own set-up
        script (examples/ingest-api/ops/s3_setup.py), as its infrastructure code would."""
        assert self.workdir is not None
        binary = Path(sys.executable).with_name(MOTO_SERVER)
        if not binary.exists():
            found = shutil.which(MOTO_SERVER)
            if found is None:
                self._say("moto[server] not installed (golive[demo]): no S3 store")
                return
            binary = Path(found)
        port = free_port()
        self._spawn("s3", [str(binary), "-H", "127.0.0.1", "-p", str(port)])
        url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: httpx.get(f"{url}/moto-api/data.json", timeout=2).status_code == 200,
            self.ready_deadline_s,
            "S3 server (moto)",
        )
        self.s3_url = url
        setup = [sys.executable, str(self.example / "ops" / "s3_setup.py")]
        done = process.capture(setup, cwd=None, timeout_s=60, env=self._s3_env())
        if done.returncode != 0:
            why = done.error or done.stderr_tail.strip()[-500:]
            raise DemoError(f"the example's S3 set-up failed: {why}")

    def _s3_env(self) -> dict[str, str]:
        return {**S3_ENV, "INGEST_S3_ENDPOINT": self.s3_url} if self.s3_url else {}

    def env(self) -> dict[str, str]:
        """The environment variables the example's parameters read the URLs from."""
        return {
            URL_ENV["prometheus"]: self.prometheus_url,
            URL_ENV["alertmanager"]: self.alertmanager_url,
            CONTROL_ENV: str(self.workdir / "control") if self.workdir else "",
            SERVICE_ENV: self.service_url,
            **self._s3_env(),
        }

    def stop(self) -> None:
        """Stop every process (in reverse order) and remove the work folder."""
        while self.processes:
            self.processes.pop().stop()
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> DemoStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
