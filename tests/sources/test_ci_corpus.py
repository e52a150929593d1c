"""The CI/CD corpus: small repositories modelled on real public pipelines, each with the
verdict a careful reviewer gives for every architecture.* and cicd.* check.

Every case under tests/corpus/ci/<case>/ holds ``repo/`` (the repository), ``README.md``
(the real-world pattern and the public project studied) and ``expected.yaml`` (the
parameters and the expected status of each check). One test per case runs the two
sections for real, hadolint included (once per Dockerfile). ``bench/ci_corpus.py``
prints the agreement and the false passes over the whole corpus.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from golive_lib import catalog
from golive_lib.params import load_params
from golive_lib.sections import architecture, cicd

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "ci"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.yaml").is_file())
CHECK_IDS = [c.id for c in (*catalog.checks_of("architecture"), *catalog.checks_of("cicd"))]
SERVICE_KEYS = ("owner_team", "escalation", "tier")


def load_case(case: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CORPUS / case / "expected.yaml").read_text())
    return data


def params_file(case: str, folder: Path) -> Path:
    """A parameters file reviewing the case's repository with the case's parameters."""
    given = dict(load_case(case).get("params") or {})
    service: dict[str, Any] = {"name": case}
    service.update({k: given.pop(k) for k in SERVICE_KEYS if k in given})
    arch: dict[str, Any] = {}
    if "components" in given:
        arch["components"] = given.pop("components")
    data = {
        "schema_version": 1,
        "service": service,
        "repository": str(CORPUS / case / "repo"),
        "architecture": arch,
        "cicd": given,
    }
    path = folder / f"{case}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def statuses(case: str, folder: Path) -> dict[str, str]:
    """What golive says for each check of the case."""
    params = load_params(params_file(case, folder))
    checks = [*architecture.evaluate(params), *cicd.evaluate(params)]
    return {c.id: c.status.value for c in checks}


def test_the_corpus_is_big_enough_and_complete() -> None:
    systems = [load_case(c)["system"] for c in CASES]
    assert len(CASES) >= 25
    assert all(systems.count(s) >= 4 for s in ("github", "gitlab", "jenkins", "circleci", "azure"))
    for case in CASES:
        assert sorted(load_case(case)["expected"]) == sorted(CHECK_IDS), case
        assert "**Studied:**" in (CORPUS / case / "README.md").read_text(), case


@pytest.mark.parametrize("case", CASES)
def test_golive_agrees_with_the_reviewer(case: str, tmp_path: Path) -> None:
    """golive gives the reviewer's verdict, except on the case's recorded known gaps (false
    fails golive cannot avoid yet), where it must give exactly the recorded status: a fix
    shows up here and the gap is then removed from expected.yaml."""
    data = load_case(case)
    expected = {**data["expected"], **(data.get("known_gaps") or {})}
    for check_id, status in (data.get("known_gaps") or {}).items():
        assert status != "pass", f"{case}: a known gap can never be a pass ({check_id})"
    got = statuses(case, tmp_path)
    wrong = {k: f"expected {v}, golive says {got[k]}" for k, v in expected.items() if got[k] != v}
    assert wrong == {}
