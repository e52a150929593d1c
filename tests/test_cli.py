"""The command line: bad input is refused with exit 2 and nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

GOOD = """\
schema_version: 1
service: {name: orders-api, owner_team: t, escalation: e, tier: 1}
repository: repo
"""


def golive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive_lib", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def tree(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*")} if path.exists() else set()


@pytest.mark.parametrize(
    ("case", "text", "expected"),
    [
        ("yaml syntax", GOOD.replace("tier: 1}", "tier: 1"), "YAML syntax error at line"),
        ("unknown key", GOOD + "reposit: x\n", "reposit: unknown key"),
        ("wrong type", GOOD.replace("tier: 1", "tier: one"), "service.tier"),
        (
            "missing repository",
            GOOD.replace("repository: repo", "repository: gone"),
            "no such directory",
        ),
        ("escaping name", GOOD.replace("orders-api", "../../etc"), "slug"),
    ],
)
def test_bad_parameters_exit_2_and_write_nothing(tmp_path, case, text, expected):
    (tmp_path / "repo").mkdir()
    (tmp_path / "p.yaml").write_text(text)
    out = tmp_path / "reports"
    result = golive("run", "p.yaml", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "p.yaml" in result.stderr and "nothing was written" in result.stderr
    assert not out.exists()


def test_missing_parameters_file_exits_2(tmp_path):
    result = golive("run", "absent.yaml", "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert result.returncode == 2
    assert "absent.yaml" in result.stderr and "file not found" in result.stderr
    assert not (tmp_path / "r").exists()


def test_one_bad_file_among_good_ones_stops_everything(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bad.yaml").write_text(GOOD.replace("orders-api", "Bad Name"))
    result = golive("run", "good.yaml", "bad.yaml", "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert result.returncode == 2
    assert "bad.yaml" in result.stderr
    assert not (tmp_path / "r").exists()


def test_unknown_section_is_bad_input(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "p.yaml").write_text(GOOD)
    result = golive("run", "p.yaml", "--sections", "archtecture", "--out", "r", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown section 'archtecture'" in result.stderr
    assert not (tmp_path / "r").exists()


def test_init_writes_a_valid_parameters_file_and_never_overwrites(tmp_path):
    from golive_lib.params import load_params

    result = golive("init", "orders-api", "--repository", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "parameters" / "orders-api.yaml"
    assert load_params(path).service.name == "orders-api"
    before = path.read_text()
    again = golive("init", "orders-api", cwd=tmp_path)
    assert again.returncode == 2 and "not overwritten" in again.stderr
    assert path.read_text() == before


def test_init_refuses_a_name_that_is_not_a_slug(tmp_path):
    result = golive("init", "../x", cwd=tmp_path)
    assert result.returncode == 2
    assert tree(tmp_path) == set()
