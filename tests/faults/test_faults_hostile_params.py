"""Hostile parameters files are refused quickly and cleanly (exit 2, the message names the
field or line, nothing written, no traceback, no secret echoed), and the ways a careful
user hands golive a file (a FIFO, standard input) work.

Each case is one real `golive run` that stops at validation; the reports folder beside it
holds an earlier report that must stay byte-for-byte unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from faultkit import (
    assert_refused,
    copy_repo,
    digest,
    example_params,
    golive,
    golive_env,
    seed_earlier,
)

PASTED = "Zq8-golive-pasted-pw-71c4"  # a password pasted where a name belongs


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    work = tmp_path_factory.mktemp("hostile")
    out = work / "reports"
    seed_earlier(out, "hostile", work.parent / "earlier-template")
    repo = copy_repo(work / "repo", only=["docs"])
    return work, out, example_params("hostile", repo)


def _run(work: Path, out: Path, text: str, name: str = "h.yaml") -> tuple[Any, float]:
    path = work / name
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = golive("run", path, "--out", out, "--sections", "architecture", cwd=work)
    return result, time.monotonic() - started


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-2000:]


def _bomb(levels: int = 9) -> str:
    text = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, levels):
        text += f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]\n"
    return text


def test_an_alias_bomb_is_refused_in_a_moment(world) -> None:
    work, out, doc = world
    before = digest(out)
    text = yaml.safe_dump(doc, sort_keys=False) + "# bomb below\n"
    bomb = _bomb().replace("l0:", "x-bomb:\n  l0:").replace("\nl", "\n  l")
    result, took = _run(work, out, text + bomb)
    assert_refused(result, out, before, "h.yaml", "alias")
    _no_traceback(result)
    assert took < 20  # the refusal itself is milliseconds: bench/hostile_inputs.py


def test_an_alias_bomb_inside_a_known_field_is_refused_too(world) -> None:
    work, out, doc = world
    before = digest(out)
    text = _bomb(8) + yaml.safe_dump(doc, sort_keys=False).replace(
        "not_applicable: {}", "not_applicable: {}"
    )
    text = text.replace("environments:", "environments: *l7\n  old_environments:", 1)
    result, took = _run(work, out, text)
    assert_refused(result, out, before, "alias")
    assert took < 20


@pytest.mark.parametrize("depth", [990, 50_000])
def test_deep_nesting_is_refused_with_exit_2_and_no_traceback(world, depth: int) -> None:
    work, out, doc = world
    before = digest(out)
    text = yaml.safe_dump(doc, sort_keys=False)
    text += "not_applicable_extra: " + "[" * depth + "]" * depth + "\n"
    result, took = _run(work, out, text)
    assert_refused(result, out, before, "nest")  # ours, or libyaml's own bound
    _no_traceback(result)
    assert took < 20


def test_a_duplicate_key_is_refused_naming_both_lines(world) -> None:
    work, out, doc = world
    before = digest(out)
    text = yaml.safe_dump(doc, sort_keys=False)
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("schema_version:")) + 1
    text += "schema_version: 1\n"
    last = len(lines) + 1
    result, _took = _run(work, out, text)
    assert_refused(result, out, before, "'schema_version'", f"lines {first} and {last}")


def test_a_duplicate_nested_key_is_refused(world) -> None:
    work, out, doc = world
    before = digest(out)
    text = yaml.safe_dump(doc, sort_keys=False).replace(
        "  name: hostile\n", "  name: hostile\n  name: other-service\n", 1
    )
    result, _took = _run(work, out, text)
    assert_refused(result, out, before, "'name' is given twice")


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("token_env", PASTED),
        ("token_env", f"Bearer {PASTED}"),
        ("tier", PASTED),
        ("owner_team", {"password": PASTED}),
        ("schema_version", PASTED),
    ],
)
def test_a_pasted_secret_is_never_echoed_nor_the_mapping(world, where: str, value: Any) -> None:
    work, out, doc = world
    before = digest(out)
    bad: dict[str, Any] = yaml.safe_load(yaml.safe_dump(doc))
    if where == "token_env":
        bad["observability"]["prometheus"]["auth"] = {"kind": "bearer", "token_env": value}
        names = "token"  # token_env, or the line holding a bearer token
    elif where == "schema_version":
        bad["schema_version"] = value
        names = "schema_version"
    else:
        bad["service"][where] = value
        names = f"service.{where}"
    result, _took = _run(work, out, yaml.safe_dump(bad))
    assert_refused(result, out, before, names)
    assert PASTED not in result.stderr + result.stdout
    assert "{'schema_version'" not in result.stderr  # the input mapping is never echoed
    assert "'service': {" not in result.stderr


def test_a_harmless_wrong_value_is_still_shown(world) -> None:
    work, out, doc = world
    before = digest(out)
    bad = {**doc, "service": {**doc["service"], "tier": "gold"}}
    result, _took = _run(work, out, yaml.safe_dump(bad))
    assert_refused(result, out, before, "service.tier", "'gold'")


@pytest.mark.parametrize("name", ["hostile\n", "\nhostile"])
def test_a_service_name_with_a_newline_is_refused(world, name: str) -> None:
    work, out, doc = world
    before = digest(out)
    bad = {**doc, "service": {**doc["service"], "name": name}}
    result, _took = _run(work, out, yaml.safe_dump(bad))
    assert_refused(result, out, before, "service.name")
    assert sorted(p.name for p in out.iterdir()) == ["hostile"]


def test_an_env_name_with_a_trailing_newline_is_refused(world) -> None:
    work, out, doc = world
    before = digest(out)
    bad: dict[str, Any] = yaml.safe_load(yaml.safe_dump(doc))
    bad["observability"]["prometheus"]["auth"] = {"kind": "bearer", "token_env": "PROM_TOKEN\n"}
    result, _took = _run(work, out, yaml.safe_dump(bad))
    assert_refused(result, out, before, "token_env")


def test_a_parameters_file_too_large_is_refused(world) -> None:
    work, out, doc = world
    before = digest(out)
    text = yaml.safe_dump(doc, sort_keys=False) + ("# padding " + "x" * 90 + "\n") * 50_000
    result, took = _run(work, out, text)
    assert_refused(result, out, before, "larger than")
    assert took < 20


def test_a_directory_as_parameters_is_refused(world) -> None:
    work, out, _doc = world
    before = digest(out)
    result = golive("run", work / "repo", "--out", out, cwd=work)
    assert_refused(result, out, before, "repo")
    _no_traceback(result)


def _review_through(
    work: Path, out: Path, text: str, argv_path: str, fifo: Path | None
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    command = [sys.executable, "-m", "golive_lib", "run", argv_path, "--out", str(out)]
    command += ["--sections", "architecture"]
    if fifo is None:
        result = subprocess.run(
            command,
            input=text,
            cwd=work,
            env=golive_env(),
            capture_output=True,
            text=True,
            timeout=180,
        )
    else:
        writer = threading.Thread(target=fifo.write_text, args=(text,), daemon=True)
        writer.start()
        result = subprocess.run(
            command, cwd=work, env=golive_env(), capture_output=True, text=True, timeout=180
        )
        writer.join(timeout=5)
    return result, time.monotonic() - started


@pytest.mark.parametrize("via", ["fifo", "stdin"])
def test_parameters_through_a_pipe_are_read_once_and_reviewed(
    tmp_path: Path, world, via: str
) -> None:
    work, _out, doc = world
    out = tmp_path / "reports"
    name = f"piped-{via}"
    text = yaml.safe_dump({**doc, "service": {**doc["service"], "name": name}})
    fifo = None
    if via == "fifo":
        fifo = work / f"{name}.fifo"
        os.mkfifo(fifo)
        argv_path = str(fifo)
    else:
        argv_path = "/dev/stdin"
    result, took = _review_through(work, out, text, argv_path, fifo)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    folder = Path(result.stdout.strip().splitlines()[-1].split()[-1])
    results = folder / "results.json"
    assert results.is_file()
    doc_out = yaml.safe_load(results.read_text(encoding="utf-8"))
    assert doc_out["service"] == name
    assert doc_out["params_file"] == Path(argv_path).name
    assert took < 120
