from __future__ import annotations

from pathlib import Path

import pytest

from golive_lib.errors import ParamsError
from golive_lib.model import Severity
from golive_lib.params import load_params

GOOD = """\
schema_version: 1
service:
  name: orders-api
  owner_team: payments
  escalation: "#payments-oncall"
  tier: 1
repository: repo
cicd:
  environments: [staging, production]
severity:
  cicd.pinned-dependencies: blocking
"""


def problems(path: Path) -> str:
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(path) in str(info.value)  # every message names the file
    return "\n".join(info.value.problems)


def test_a_good_file_loads_with_paths_resolved_against_the_file(write_params):
    path = write_params(GOOD)
    params = load_params(path)
    assert params.service.name == "orders-api"
    assert params.repository == (path.parent / "repo").resolve()
    assert params.cicd.environments == ["staging", "production"]
    assert params.severity["cicd.pinned-dependencies"] is Severity.BLOCKING
    assert params.architecture.docs == ["docs/architecture.md", "ARCHITECTURE.md"]


def test_the_example_parameters_file_is_valid():
    from conftest import EXAMPLE_PARAMS

    params = load_params(EXAMPLE_PARAMS)
    assert params.service.name == "ingest-api"
    assert params.repository.is_dir()


def test_missing_file(tmp_path):
    assert "file not found" in problems(tmp_path / "nope.yaml")


def test_yaml_syntax_error_gives_line_and_column(write_params):
    text = GOOD.replace("  tier: 1", "  tier: [1")
    msg = problems(write_params(text))
    assert "YAML syntax error at line" in msg and "column" in msg


def test_unknown_key_is_an_error_with_a_suggestion(write_params):
    msg = problems(write_params(GOOD.replace("  owner_team:", "  owner_teem:")))
    assert "service.owner_teem: unknown key" in msg
    assert "did you mean 'owner_team'" in msg


def test_unknown_top_level_key(write_params):
    msg = problems(write_params(GOOD + "observabilty: {}\n"))
    assert "observabilty: unknown key" in msg


def test_wrong_type_names_field_value_and_expectation(write_params):
    msg = problems(write_params(GOOD.replace("tier: 1", "tier: high")))
    assert "service.tier" in msg and "'high'" in msg and "integer" in msg


def test_out_of_range_value(write_params):
    msg = problems(write_params(GOOD.replace("tier: 1", "tier: 9")))
    assert "service.tier" in msg and "9" in msg


def test_missing_repository_path(write_params):
    msg = problems(write_params(GOOD.replace("repository: repo", "repository: no/such/dir")))
    assert "repository: no such directory" in msg and "no/such/dir" in msg


def test_missing_required_field(write_params):
    msg = problems(write_params(GOOD.replace("repository: repo\n", "")))
    assert "repository: required field is missing" in msg


@pytest.mark.parametrize(
    "name", ["../etc", "..", "a/b", "Orders", "orders_api", "-x", "x-", "", "a" * 64, "ok\n/.."]
)
def test_service_name_must_be_a_slug(write_params, name):
    text = GOOD.replace("name: orders-api", f"name: {name!r}")
    msg = problems(write_params(text))
    assert "service.name" in msg and "slug" in msg


def test_schema_version_is_required_and_checked(write_params):
    assert "schema_version: expected 1" in problems(
        write_params(GOOD.replace("schema_version: 1", "schema_version: 7"))
    )
    assert "schema_version" in problems(write_params(GOOD.replace("schema_version: 1\n", "")))


def test_top_level_must_be_a_mapping(write_params):
    assert "mapping" in problems(write_params("- a\n- b\n"))


def test_unknown_check_id_in_severity(write_params):
    msg = problems(write_params(GOOD.replace("cicd.pinned-dependencies", "cicd.pinned-deps")))
    assert "unknown check id 'cicd.pinned-deps'" in msg and "cicd.pinned-dependencies" in msg


def test_a_secret_in_the_file_is_refused_without_echoing_it(write_params):
    secret = "AKIA" + "ABCDEFGHIJKLMNOP"
    with pytest.raises(ParamsError) as info:
        load_params(write_params(GOOD + f"# token: {secret}\n"))
    assert "AWS access key" in str(info.value)
    assert secret not in str(info.value)


def test_credentials_in_a_url_are_refused(write_params):
    text = (
        GOOD
        + "architecture:\n  components:\n    - {name: db, link: 'https://bob:hunter2@db.example.com'}\n"
    )
    assert "credentials in a URL" in problems(write_params(text))


def test_every_problem_is_reported_at_once(write_params):
    text = GOOD.replace("tier: 1", "tier: x").replace("owner_team:", "owner_tem:")
    msg = problems(write_params(text))
    assert "service.tier" in msg and "service.owner_tem" in msg


def test_a_preloaded_file_is_validated_once_for_the_next_load(write_params):
    from golive_lib.params import preload

    path = write_params(GOOD)
    preload(path)
    first = load_params(path)
    assert load_params(path) is not first  # taken once: the next load validates again
    assert load_params(path) == first


def test_a_file_changed_after_preloading_is_read_again(write_params):
    from golive_lib.params import preload

    path = write_params(GOOD)
    preload(path)
    path.write_text(GOOD.replace("orders-api", "billing-api"), encoding="utf-8")
    assert load_params(path).service.name == "billing-api"


def test_a_bad_file_is_not_preloaded_and_still_refused(write_params):
    from golive_lib.params import preload

    path = write_params(GOOD.replace("tier: 1", "tier: 9"))
    preload(path)  # nothing raised here: load_params reports it, as before
    assert "tier" in problems(path)
    preload(path.parent / "missing.yaml")
