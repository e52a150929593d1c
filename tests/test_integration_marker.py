"""The `integration` marker comes from the fixtures a test uses (tests/conftest.py): a
fixture that runs a real program marks every test using it, directly or through other
fixtures; a test using none stays a unit test."""

from __future__ import annotations

import pytest
from conftest import integration_fixture


@pytest.fixture
def rules_checker(promtool: str) -> str:  # promtool: a real program, one fixture away
    return promtool


@pytest.fixture
def checker_twice_removed(rules_checker: str) -> str:
    return rules_checker


@pytest.fixture
@integration_fixture
def local_server() -> str:  # marked where it is defined, not in a list of names
    return "http://127.0.0.1:1"


def _is_integration(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("integration") is not None


def test_a_test_using_a_program_fixture_through_two_others_is_integration(
    checker_twice_removed: str, request: pytest.FixtureRequest
) -> None:
    assert _is_integration(request)


def test_a_fixture_marked_in_its_own_module_marks_its_tests(
    local_server: str, request: pytest.FixtureRequest
) -> None:
    assert _is_integration(request)


def test_a_test_using_only_plain_fixtures_stays_a_unit_test(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    assert not _is_integration(request)
