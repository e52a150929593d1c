"""Shared fixtures: paths of the project and a writer for parameters files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

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


_F = TypeVar("_F", bound=Callable[..., object])
_RUNS_PROGRAMS = "golive_runs_real_programs"


def integration_fixture(fn: _F) -> _F:
    """Put under ``@pytest.fixture`` on a fixture that starts or runs a real program (a
    server, a cluster, promtool): every test using it, directly or through other
    fixtures, is an integration test (see `is_integration`)."""
    setattr(fn, _RUNS_PROGRAMS, True)
    return fn


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: ./dev setup installs it)")
    return path


@pytest.fixture(scope="session")
@integration_fixture
def promtool() -> str:
    """Prometheus' promtool (Debian `prometheus`), skipped where it is missing."""
    return _tool("promtool")


@pytest.fixture(scope="session")
@integration_fixture
def amtool() -> str:
    """Alertmanager's amtool (Debian `prometheus-alertmanager`), skipped where missing."""
    return _tool("amtool")


@pytest.fixture(scope="session")
@integration_fixture
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
# example service), an S3 server, Locust, a Dask cluster, promtool, amtool, pip-audit,
# whole runs with their Jupyter kernels, JupyterLab. A fixture that starts or runs one
# says so with @integration_fixture; other tests are marked with
# @pytest.mark.integration where they stand.
INTEGRATION_FOLDERS = frozenset({"report", "demo", "examples", "faults"})
# pure builders and the speed layer's switch, in an integration folder
UNIT_MODULES = frozenset({"report/test_results.py", "report/test_speed.py"})


def uses_integration_fixture(item: pytest.Item) -> bool:
    """Whether the test uses, directly or through other fixtures, a fixture marked with
    `integration_fixture` (pytest resolves the closure of a test's fixtures at collection)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:  # not a python test function (a doctest)
        return False
    return any(
        getattr(fixturedef.func, _RUNS_PROGRAMS, False)
        for name in getattr(item, "fixturenames", ())
        for fixturedef in info.name2fixturedefs.get(name, ())
    )


def is_integration(item: pytest.Item) -> bool:
    """Whether a collected test is an integration test: marked so, in an integration folder
    (whole runs, the demo, the example service, fault injection), or using a fixture that
    starts or runs a real program."""
    if item.get_closest_marker("integration") is not None:
        return True
    try:
        parts = item.path.relative_to(ROOT / "tests").parts
    except ValueError:  # a test outside tests/
        parts = ()
    if parts[:1] and parts[0] in INTEGRATION_FOLDERS and "/".join(parts) not in UNIT_MODULES:
        return True
    return uses_integration_fixture(item)


def pytest_configure(config: pytest.Config) -> None:
    # The tests review as `golive run` does: with the speed layer on, unless
    # GOLIVE_PLAIN_KERNELS=1 asks for stock papermill and kernels (CI runs the notebook
    # tests once more that way: ./dev test-plain).
    from golive_lib.report import speed

    speed.switch_on()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_integration(item) and item.get_closest_marker("integration") is None:
            item.add_marker(pytest.mark.integration)
