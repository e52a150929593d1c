"""The generated reference (docs/checklist.md, docs/parameters.md, the parameters JSON
Schema) is current and agrees with the code; the repository's Markdown stands on its
own: every relative link and anchor resolves, nothing points outside the repository."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from golive_lib import catalog
from golive_lib.cli import app
from golive_lib.docs import ROOT, checklist, parameters, stale
from golive_lib.docs.fields import DESCRIPTIONS
from golive_lib.errors import ParamsError
from golive_lib.params import load_params
from golive_lib.sources.docs import parse_markdown, resolve_links
from golive_lib.templates import PARAMS_SCHEMA, parameters_template

MODELINE = re.compile(r"^# yaml-language-server: \$schema=(?P<ref>\S+)$")


class Yaml12Loader(yaml.SafeLoader):
    """Reads YAML as the YAML language server does (1.2 core schema): an unquoted date
    stays a string, so the schema sees what the editor sees."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    shipped = json.loads(PARAMS_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(shipped)
    return jsonschema.Draft7Validator(shipped)


def schema_errors(validator: jsonschema.Draft7Validator, text: str) -> list[str]:
    data = yaml.load(text, Loader=Yaml12Loader)  # noqa: S506 - a SafeLoader subclass
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


def test_generated_files_are_current() -> None:
    old = [str(p.relative_to(ROOT)) for p in stale()]
    assert old == [], f"stale: {old}; regenerate with: python -m golive_lib.docs"


def test_every_catalog_check_is_described_once_by_its_own_sections_notebook() -> None:
    described = checklist.described_checks(ROOT / "notebooks")
    assert set(described) == set(catalog.CHECKS)
    for check_id, notebook in described.items():
        assert notebook == catalog.SECTIONS_BY_ID[catalog.section_of(check_id)].notebook


def test_every_evidence_kind_of_the_catalog_is_explained() -> None:
    kinds = {spec.evidence_kind for spec in catalog.CHECKS.values()}
    assert kinds <= set(checklist.EVIDENCE_KINDS)


def test_every_parameter_field_is_described_once() -> None:
    both, neither = [], []
    for name, model in parameters.models().items():
        for field_name, field in model.model_fields.items():
            words = parameters.field_words(model, field_name)
            if field.description and words:
                both.append(f"{name}.{field_name}")
            if not field.description and not words:
                neither.append(f"{name}.{field_name}")
    assert (both, neither) == ([], [])


def test_every_supplementary_description_names_a_model_or_its_own_field() -> None:
    models = parameters.models()
    unknown = []
    for key in DESCRIPTIONS:
        name, _, field_name = key.partition(".")
        model = models.get(name)
        declared = model is not None and (not field_name or field_name in model.__annotations__)
        if not declared:
            unknown.append(key)
    assert unknown == []


def test_the_example_and_golives_own_parameters_validate_against_the_schema(
    validator: jsonschema.Draft7Validator,
) -> None:
    for path in sorted((ROOT / "parameters").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        load_params(path)
        assert schema_errors(validator, text) == [], path.name
        ref = MODELINE.match(text.splitlines()[0])
        assert ref, f"{path.name} has no $schema line"
        assert (path.parent / ref["ref"]).resolve() == PARAMS_SCHEMA


def test_the_init_template_validates_plain_and_with_every_block_uncommented(
    validator: jsonschema.Draft7Validator, tmp_path: Path
) -> None:
    from test_templates import uncommented

    text = parameters_template("orders-api", ".", today=date(2026, 11, 27))
    for variant in (text, uncommented(text)):
        (tmp_path / "p.yaml").write_text(variant)
        load_params(tmp_path / "p.yaml")
        assert schema_errors(validator, variant) == []


BASE = "schema_version: 1\nservice: {name: svc}\nrepository: .\n"


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param("colour: blue\n", id="unknown top-level key"),
        pytest.param("cicd: {readme_file: R.md}\n", id="unknown nested key"),
        pytest.param("cicd: {hadolint_threshold: fatal}\n", id="value outside an enum"),
        pytest.param("security: {scan_max_age_days: 0}\n", id="number below its bound"),
        pytest.param("severity: {cicd.docker-bild: advisory}\n", id="unknown check id"),
        pytest.param(
            "attestations: [{check: dr.nope, by: a, date: 2026-01-01, link: x}]\n",
            id="attestation of an unknown check",
        ),
        pytest.param(
            "waivers: [{check: cicd.code-lint, reason: r, approver: a}]\n",
            id="waiver without expiry",
        ),
        pytest.param(
            "observability: {prometheus: {auth: {kind: bearer, token_env: 'a b'}}}\n",
            id="env field that is no variable name",
        ),
        pytest.param("testing: {e2e_window: soon}\n", id="duration that is no duration"),
    ],
)
def test_the_schema_refuses_what_the_loader_refuses(
    validator: jsonschema.Draft7Validator, tmp_path: Path, extra: str
) -> None:
    text = BASE + extra
    (tmp_path / "p.yaml").write_text(text)
    with pytest.raises(ParamsError):
        load_params(tmp_path / "p.yaml")
    assert schema_errors(validator, text) != []


def test_the_schema_takes_the_loaders_shorthands(
    validator: jsonschema.Draft7Validator, tmp_path: Path
) -> None:
    text = BASE + (
        "dr: {rto: 90, plan: docs/dr.md}\n"
        "testing: {e2e_window: 1h30m}\n"
        "security: {dependency_scans: [scan.json, {path: b.sarif, format: sarif}]}\n"
        "observability: {slos: [{name: a, objective: '99.5%', ratio: "
        "{bad: 'sum(rate(x[{{.window}}]))', total: 'sum(rate(y[{{.window}}]))'}}]}\n"
    )
    (tmp_path / "p.yaml").write_text(text)
    load_params(tmp_path / "p.yaml")
    assert schema_errors(validator, text) == []


def test_init_writes_a_schema_line_an_editor_resolves(tmp_path: Path) -> None:
    target = tmp_path / "parameters" / "orders-api.yaml"
    result = CliRunner().invoke(
        app, ["init", "orders-api", "--repository", str(tmp_path), "--out", str(target)]
    )
    assert result.exit_code == 0, result.output
    first = target.read_text(encoding="utf-8").splitlines()[0]
    ref = MODELINE.match(first)
    assert ref, first
    assert (target.parent / ref["ref"]).resolve() == PARAMS_SCHEMA.resolve()
    assert json.loads(PARAMS_SCHEMA.read_text(encoding="utf-8")) == parameters.schema()


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.name)
def test_every_relative_link_and_anchor_resolves(path: Path) -> None:
    broken = [
        f"line {r.link.line}: {r.link.target}: {r.reason}"
        for r in resolve_links(parse_markdown(path), ROOT)
        if not r.ok
    ]
    assert broken == []


def test_nothing_refers_to_notes_outside_the_repository() -> None:
    pattern = re.compile(r"\.\./shared|DESIGN\.md|CHECKLIST\.md")
    files = [*markdown_files(), *ROOT.glob("golive_lib/**/*.py"), *ROOT.glob("notebooks/*")]
    hits = [str(f.relative_to(ROOT)) for f in files if pattern.search(f.read_text("utf-8"))]
    assert hits == []


def test_the_readme_stays_short() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 250


def test_the_schema_ships_as_package_data() -> None:
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["golive_lib"]
    assert any(fnmatch.fnmatch(PARAMS_SCHEMA.name, p) for p in patterns)
    assert PARAMS_SCHEMA.parent == ROOT / "golive_lib"
