"""`golive init --repository DIR`: what it finds in the repository, and the file it writes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from golive_lib.params import load_params
from golive_lib.sections import architecture
from golive_lib.sources.discovery import discover
from golive_lib.templates import parameters_template

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "ci"


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "svc"
    files = {
        "catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        "metadata:\n  name: svc\n  description: Takes payments.\nspec:\n  type: service\n"
        "  owner: group:payments\n  lifecycle: production\n  system: checkout\n",
        ".github/CODEOWNERS": "* @acme/platform\n/docs/ @acme/writers\n",
        ".github/workflows/deploy.yml": "on: push\njobs:\n  prod:\n    runs-on: x\n"
        "    environment: production\n    steps: [{run: helm upgrade svc ./chart}]\n"
        "  preview:\n    runs-on: x\n    environment: pr-${{ github.event.number }}\n"
        "    steps: [{run: helm upgrade svc ./chart}]\n",
        "design/ARCHITECTURE.md": "# Architecture\n\nThe service.\n",
        "build/Dockerfile": "FROM scratch\n",
        "RELEASING.md": "# Releasing\n\nTag it.\n",
        "README.md": "# svc\n\nNo release section here.\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_discovery_names_what_it_found_and_where(tmp_path: Path) -> None:
    found = discover(repo(tmp_path))
    assert found.owner_team is not None
    assert (found.owner_team.value, found.owner_team.where) == (
        "group:payments",
        "catalog-info.yaml spec.owner",
    )
    assert found.lifecycle is not None and found.lifecycle.value == "production"
    assert [f.value for f in found.overview] == ["design/ARCHITECTURE.md"]
    assert [f.value for f in found.pipeline_files] == [".github/workflows/deploy.yml"]
    # a templated environment name (per pull request) is not an environment to review
    assert [(f.value, f.where) for f in found.environments] == [
        ("production", ".github/workflows/deploy.yml:3 (job prod)")
    ]
    assert [f.value for f in found.dockerfiles] == ["build/Dockerfile"]
    assert [f.value for f in found.release_docs] == ["RELEASING.md"]


def test_codeowners_owner_of_everything_when_there_is_no_catalog(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "catalog-info.yaml").unlink()
    found = discover(root)
    assert found.owner_team is not None
    assert (found.owner_team.value, found.owner_team.where) == (
        "@acme/platform",
        ".github/CODEOWNERS:1",
    )


def test_the_written_file_is_valid_says_where_and_invents_nothing(tmp_path: Path) -> None:
    root = repo(tmp_path)
    text = parameters_template("svc", str(root), date(2026, 12, 3), discover(root))
    assert "tier: 2" not in text and "staging" not in text
    assert "# from catalog-info.yaml spec.owner" in text
    assert "# from the pipelines: production (.github/workflows/deploy.yml:3" in text
    path = tmp_path / "svc.yaml"
    path.write_text(text)
    params = load_params(path)
    assert params.service.owner_team == "group:payments"
    assert params.service.tier is None and not params.service.escalation
    assert params.cicd.environments == ["production"]
    assert params.cicd.readme == "RELEASING.md"
    assert params.architecture.docs == ["design/ARCHITECTURE.md"]
    ownership = next(c for c in architecture.evaluate(params) if c.id.endswith("ownership"))
    assert ownership.status.value == "fail"
    assert "service.tier" in ownership.summary and "service.escalation" in ownership.summary


def test_an_empty_repository_gets_explicit_placeholders(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    text = parameters_template("svc", "empty", date(2026, 12, 3), discover(tmp_path / "empty"))
    assert "NO PIPELINE FOUND" in text and "NO RELEASE DOCS FOUND" in text
    assert "environments: []" in text
    (tmp_path / "svc.yaml").write_text(text)
    assert load_params(tmp_path / "svc.yaml").cicd.environments == []


def test_azure_pipelines_outside_the_default_places_are_listed(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    (root / "eng" / "ci").mkdir(parents=True)
    (root / "eng" / "templates").mkdir(parents=True)
    (root / "eng" / "ci" / "official.yml").write_text(
        "trigger: [main]\nextends:\n  template: ../templates/jobs.yml\n"
    )
    (root / "eng" / "templates" / "jobs.yml").write_text(
        "jobs:\n  - deployment: Prod\n    environment: production\n"
        "    strategy: {runOnce: {deploy: {steps: [{script: helm upgrade x ./chart}]}}}\n"
    )
    text = parameters_template("svc", "svc", date(2026, 12, 3), discover(root))
    (tmp_path / "svc.yaml").write_text(text)
    params = load_params(tmp_path / "svc.yaml")
    assert params.cicd.pipeline_files == ["eng/ci/official.yml"]  # the template is not listed
    assert params.cicd.environments == ["production"]
