"""A check is declared once: the catalog gives its id, title, default severity and section;
one ``@check`` function in its section's module evaluates it; the section's ``CHECKS`` and
``evaluate()`` come from those two. These tests prove that the code, the notebooks and the
generated docs agree with the catalog."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import re
from collections.abc import Iterator
from types import ModuleType

import nbformat
import pytest
from conftest import EXAMPLE_PARAMS, NOTEBOOKS, ROOT

from golive_lib import catalog, sections
from golive_lib.model import Check, Status
from golive_lib.params import Params, load_params
from golive_lib.sections.base import check, check_id_of, checks_of, run_checks

SECTIONS = catalog.SECTIONS
CHECKLIST_MD = ROOT / "docs" / "checklist.md"


def section_module(section: str) -> ModuleType:
    return importlib.import_module(f"golive_lib.sections.{section}")


def decorated_functions() -> Iterator[tuple[str, object]]:
    """(module name, function) for every @check function defined anywhere in
    golive_lib.sections (a module, or a package's submodule), each function once."""
    seen: set[int] = set()
    for info in pkgutil.walk_packages(sections.__path__, "golive_lib.sections."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if check_id_of(obj) is None or id(obj) in seen:
                continue
            seen.add(id(obj))
            yield getattr(obj, "__module__", ""), obj


# ------------------------------------------------------------------ code and catalog


def test_every_catalog_check_has_exactly_one_function_the_one_its_section_runs():
    by_id: dict[str, list[object]] = {}
    for module_name, fn in decorated_functions():
        cid = check_id_of(fn)
        assert cid in catalog.CHECKS, f"{module_name}: @check({cid!r}) is not in the catalog"
        by_id.setdefault(cid, []).append(fn)
    assert set(by_id) == set(catalog.CHECKS)
    for section in SECTIONS:
        runs = {check_id_of(fn): fn for fn in section_module(section.id).CHECKS}
        for spec in catalog.checks_of(section.id):
            fns = by_id[spec.id]
            names = [f"{f.__module__}.{f.__name__}" for f in fns]  # type: ignore[attr-defined]
            assert len(fns) == 1, f"{spec.id} has {len(fns)} functions: {names}"
            assert fns[0] is runs[spec.id], f"{section.id} does not run {names[0]}"


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.id)
def test_a_sections_checks_are_its_catalog_checks_in_catalog_order(section):
    module = section_module(section.id)
    assert [check_id_of(fn) for fn in module.CHECKS] == [
        s.id for s in catalog.checks_of(section.id)
    ]


def _noop(check_id: str) -> object:
    @check(check_id)
    def fn(ev: object, params: object) -> Check:
        return catalog.make(check_id, Status.PASS, f"read {ev}")

    return fn


def test_a_function_returning_another_checks_result_is_an_error_of_its_own_check():
    """Else the declared check would be missing and another shown twice."""

    @check("testing.coverage")
    def mislabelled(ev: object, params: object) -> Check:
        return catalog.make("testing.e2e-continuous", Status.PASS, "fine")

    got = mislabelled(None, None)
    assert (got.id, got.status) == ("testing.coverage", Status.ERROR)
    assert "mislabelled" in got.summary and "'testing.e2e-continuous'" in got.summary


def test_checks_of_names_a_catalog_check_without_a_function():
    coverage = _noop("testing.coverage")
    with pytest.raises(KeyError, match=r"testing\.unit-and-integration, testing\.e2e-continuous"):
        checks_of("testing", {"coverage": coverage})


def test_checks_of_refuses_two_functions_for_one_check_but_not_an_alias():
    fns = {s.id: _noop(s.id) for s in catalog.checks_of("testing")}
    namespace = {cid: fn for cid, fn in fns.items()} | {"alias": fns["testing.coverage"]}
    assert [check_id_of(f) for f in checks_of("testing", namespace)] == list(fns)
    namespace["again"] = _noop("testing.coverage")
    with pytest.raises(ValueError, match=r"testing\.coverage has more than one"):
        checks_of("testing", namespace)


def test_run_checks_gives_every_check_the_evidence_collected_once():
    fns = [_noop(s.id) for s in catalog.checks_of("testing")]
    calls: list[str] = []

    def collect() -> str:
        calls.append("collect")
        return "the evidence"

    got = run_checks(fns, None, collect)  # type: ignore[arg-type]
    assert calls == ["collect"]
    assert [(c.id, c.status, c.summary) for c in got] == [
        (s.id, Status.PASS, "read the evidence") for s in catalog.checks_of("testing")
    ]


def test_run_checks_without_a_usable_empty_evidence_makes_every_check_an_error():
    @check("architecture.ownership", params_only=True)
    def ownership(ev: object, params: object) -> Check:
        return catalog.make("architecture.ownership", Status.PASS, "owned")

    def broken() -> str:
        raise OSError("disk on fire")

    def no_empty() -> str:
        raise ValueError("no repository")

    fns = [_noop("architecture.doc-present"), ownership]
    for empty in (None, no_empty):
        got = run_checks(fns, None, broken, empty)  # type: ignore[arg-type]
        assert [c.status for c in got] == [Status.ERROR, Status.ERROR]
    got = run_checks(fns, None, broken, lambda: "empty")  # type: ignore[arg-type]
    assert [c.status for c in got] == [Status.ERROR, Status.PASS]


@pytest.fixture(scope="module")
def example_params() -> Params:
    return load_params(EXAMPLE_PARAMS)


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.id)
def test_evaluate_turns_a_failure_to_collect_into_an_error_for_each_check(
    section, example_params: Params, monkeypatch: pytest.MonkeyPatch
):
    module = section_module(section.id)

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(module, "collect", broken)
    got = module.evaluate(example_params)
    assert [c.id for c in got] == [s.id for s in catalog.checks_of(section.id)]
    params_only = {check_id_of(fn) for fn in module.CHECKS if getattr(fn, "params_only", False)}
    for c in got:
        if c.id in params_only:  # evaluated on the section's empty evidence
            assert c.status is not Status.ERROR, c
        else:
            assert c.status is Status.ERROR and "RuntimeError: disk on fire" in c.summary, c
            assert c.section == section.id


# ------------------------------------------------------------------ notebooks


def _module_aliases(tree: ast.Module) -> dict[str, ModuleType]:
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "golive_lib.sections":
            for name in node.names:
                aliases[name.asname or name.name] = section_module(name.name)
    return aliases


def _shown_checks(source: str, aliases: dict[str, ModuleType]) -> tuple[list[str], list[str]]:
    """The check ids a code cell evaluates: (inside ``review.show(...)``, anywhere)."""
    tree = ast.parse(source)
    shown, called = [], []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            module = aliases.get(func.value.id)
            cid = check_id_of(getattr(module, func.attr, None)) if module else None
            if cid:
                called.append(cid)
            if func.attr == "show" and func.value.id == "review":
                for arg in node.args:
                    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute):
                        inner = arg.func
                        if isinstance(inner.value, ast.Name) and inner.value.id in aliases:
                            fn = getattr(aliases[inner.value.id], inner.attr, None)
                            if check_id_of(fn):
                                shown.append(str(check_id_of(fn)))
    return shown, called


HEADING = re.compile(r"^## (?P<title>.+) \(`(?P<id>[^`]+)`\)\s*$")


@pytest.mark.parametrize(
    "section", [s for s in SECTIONS if (NOTEBOOKS / s.notebook).exists()], ids=lambda s: s.id
)
def test_the_notebook_shows_each_catalog_check_in_one_cell_in_catalog_order(section):
    """Each check: one markdown heading with its catalog title and id over its what, why
    and fix, then (before the next check's heading) exactly one code cell that shows it;
    in the catalog's order."""
    nb = nbformat.read(str(NOTEBOOKS / section.notebook), as_version=4)
    aliases: dict[str, ModuleType] = {}
    headings: list[tuple[str, str]] = []
    shown_under: list[tuple[str | None, str]] = []
    called: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            match = HEADING.match(first)
            if match and (match["id"] in catalog.CHECKS or "-" in match["id"]):
                headings.append((match["title"], match["id"]))
                for word in ("**What:**", "**Why:**", "**Fix:**"):  # the words docs/ shows
                    assert word in cell.source, f"{match['id']}: no {word}"
            continue
        aliases |= _module_aliases(ast.parse(cell.source))
        shown, anywhere = _shown_checks(cell.source, aliases)
        assert len(shown) <= 1, f"one cell shows {shown}"
        called += anywhere
        shown_under += [(headings[-1][1] if headings else None, cid) for cid in shown]
    specs = catalog.checks_of(section.id)
    assert headings == [(s.title, s.id) for s in specs]
    assert [cid for _, cid in shown_under] == [s.id for s in specs]
    assert all(heading == cid for heading, cid in shown_under), shown_under
    assert called == [s.id for s in specs], "a check evaluated outside review.show, or twice"


# ------------------------------------------------------------------ docs


def _docs_generator_landed() -> bool:
    return importlib.util.find_spec("golive_lib.docs") is not None


def test_the_checklist_docs_list_every_catalog_check_in_order_with_title_and_severity():
    if not CHECKLIST_MD.exists():
        assert not _docs_generator_landed(), "golive_lib.docs exists but docs/checklist.md not"
        pytest.skip("docs/checklist.md is not generated on this branch yet (issue 24 item 5)")
    text = CHECKLIST_MD.read_text(encoding="utf-8")
    prefixes = set(catalog.SECTION_PREFIX.values())
    ids = [i for i in re.findall(r"`([a-z_]+\.[a-z0-9_-]+)`", text) if i.split(".")[0] in prefixes]
    # A hyphenated name is a check id (parameters use underscores): none may be stale.
    stale = sorted({i for i in ids if "-" in i and i not in catalog.CHECKS})
    assert not stale, f"docs/checklist.md names checks the catalog does not have: {stale}"
    first_seen = list(dict.fromkeys(i for i in ids if i in catalog.CHECKS))
    assert first_seen == [c.id for s in SECTIONS for c in catalog.checks_of(s.id)]
    lines = text.splitlines()
    for spec in catalog.CHECKS.values():
        row = [ln for ln in lines if f"`{spec.id}`" in ln and spec.title in ln]
        assert row, f"{spec.id}: no line of docs/checklist.md gives its title {spec.title!r}"
        assert any(spec.severity.value in ln for ln in row), f"{spec.id}: no severity"
    heads = [ln for ln in lines if ln.startswith("#")]
    order = [next((n for n, h in enumerate(heads) if s.title in h), -1) for s in SECTIONS]
    assert -1 not in order and order == sorted(order), f"sections missing or out of order: {order}"
