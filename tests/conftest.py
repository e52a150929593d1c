"""Shared fixtures: paths of the project and a writer for parameters files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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
