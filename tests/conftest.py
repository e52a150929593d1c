"""Shared fixtures: paths of the project and a writer for parameters files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

# kingfisher compiles its rules once (seconds) into this folder: shared by every test,
# also those that point XDG_CACHE_HOME at a folder of their own (it holds no secret)
os.environ.setdefault(
    "GOLIVE_KINGFISHER_RULE_CACHE", str(Path.home() / ".cache" / "golive-tests" / "kingfisher")
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PARAMS = ROOT / "parameters" / "ingest-api.yaml"
EXAMPLE_REPO = ROOT / "examples" / "ingest-api"
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture
def write_params(tmp_path: Path) -> Callable[[str], Path]:
    """Write a parameters YAML into tmp_path (with an empty repo folder) and return its path."""
    (tmp_path / "repo").mkdir(exist_ok=True)

    def write(text: str, name: str = "params.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def assert_valid_results(doc: dict) -> None:  # type: ignore[type-arg]
    """results.json is a public contract: validate against the shipped JSON Schema."""
    import json

    import jsonschema

    schema = json.loads((ROOT / "golive_lib" / "results.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(doc)


OBSERVABILITY_DATA = ROOT / "tests" / "data" / "observability"


@pytest.fixture(scope="session")
def demo_stack():  # type: ignore[no-untyped-def]
    """ONE real demo stack for the whole session (golive_lib.demo.stack): the example
    service with traffic, Prometheus with 30 days of backfilled history, the example's
    rules plus the hand-written, Sloth-style, Pyrra-style and page-less rule files of
    tests/data/observability, and Alertmanager. Stopped at the end of the session."""
    from golive_lib.demo.stack import DemoStack

    stack = DemoStack(rule_files=sorted(OBSERVABILITY_DATA.glob("*.rules.yml")))
    with stack:
        yield stack


# Unit or integration: `./dev coverage` and golive's own CI run the suite as two suites
# (`pytest -m "not integration"`, then `pytest -m integration`), whose JUnit files golive's
# review of itself reads (parameters/golive.yaml). An integration test drives real programs
# golive works with: the demo stack (Prometheus, Alertmanager, blackbox exporter, the
# example service), an S3 server, Locust, a Dask cluster, whole runs with their Jupyter
# kernels, JupyterLab. Others are marked with @pytest.mark.integration where they stand.
INTEGRATION_FOLDERS = frozenset({"report", "demo", "examples", "faults"})
UNIT_MODULES = frozenset({"report/test_results.py"})  # pure builders, in an integration folder
INTEGRATION_FIXTURES = frozenset(
    {
        "demo_stack",  # conftest: the whole demo stack
        "own_stack",  # test_fault_drill: a demo stack of its own
        "moto_server",  # moto_s3: an S3 server
        "s3_endpoint",
        "monitored_service",  # test_capacity: the example service scraped by Prometheus
        "service",  # the example service (examples/, test_loadtest_locust)
        "live_run",  # test_loadtest_locust: Locust against it
        "cluster",  # test_dask: a Dask cluster
    }
)


def is_integration(item: pytest.Item) -> bool:
    """Whether a collected test is an integration test: marked so, in an integration folder
    (whole runs, the demo, the example service, fault injection), or using a fixture that
    starts a real server."""
    if item.get_closest_marker("integration") is not None:
        return True
    try:
        parts = item.path.relative_to(ROOT / "tests").parts
    except ValueError:  # a test outside tests/
        parts = ()
    if parts[:1] and parts[0] in INTEGRATION_FOLDERS and "/".join(parts) not in UNIT_MODULES:
        return True
    return bool(INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_integration(item) and item.get_closest_marker("integration") is None:
            item.add_marker(pytest.mark.integration)
