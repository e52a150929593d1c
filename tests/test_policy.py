from __future__ import annotations

from golive_lib import catalog
from golive_lib.model import Evidence, Severity, Status
from golive_lib.params import load_params
from golive_lib.policy import apply

PARAMS = """\
schema_version: 1
service: {name: svc}
repository: repo
severity:
  cicd.pinned-dependencies: blocking
  cicd.docker-build: advisory
not_applicable:
  cicd.image-release: released by the platform promotion pipeline
"""


def test_severity_overrides_apply_both_ways(write_params):
    params = load_params(write_params(PARAMS))
    pinned = apply(catalog.make("cicd.pinned-dependencies", Status.WARN, "x"), params)
    build = apply(catalog.make("cicd.docker-build", Status.FAIL, "x"), params)
    assert pinned.severity is Severity.BLOCKING
    assert build.severity is Severity.ADVISORY and not build.blocks


def test_a_declared_not_applicable_check_keeps_what_was_found(write_params):
    params = load_params(write_params(PARAMS))
    original = catalog.make(
        "cicd.image-release",
        Status.FAIL,
        "no push step",
        [Evidence(label="searched", value="ci.yml")],
    )
    check = apply(original, params)
    assert check.status is Status.NA and not check.blocks
    assert "platform promotion pipeline" in check.summary
    assert any("fail: no push step" in e.value for e in check.evidence)
    assert check.evidence[-1].value == "ci.yml"


def test_the_declared_reason_is_shown_also_when_the_check_found_itself_not_applicable(
    write_params,
):
    params = load_params(write_params(PARAMS))
    check = apply(catalog.make("cicd.image-release", Status.NA, "no registry named"), params)
    assert check.status is Status.NA
    assert check.summary == "not applicable: released by the platform promotion pipeline"
    assert any("n/a: no registry named" in e.value for e in check.evidence)


def test_checks_not_named_are_untouched(write_params):
    params = load_params(write_params(PARAMS))
    check = catalog.make("cicd.code-lint", Status.PASS, "ok")
    assert apply(check, params) is check


def test_not_applicable_needs_a_known_id_and_a_reason(write_params):
    import pytest

    from golive_lib.errors import ParamsError

    with pytest.raises(ParamsError, match="unknown check id"):
        load_params(write_params(PARAMS.replace("cicd.image-release:", "cicd.image-releas:")))
    with pytest.raises(ParamsError, match="give the reason"):
        load_params(
            write_params(PARAMS.replace("released by the platform promotion pipeline", "''"))
        )
