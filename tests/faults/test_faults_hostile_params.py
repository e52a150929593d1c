"""Hostile parameters files are refused quickly and cleanly (exit 2, the message names the
field or line, nothing written, no traceback, no secret echoed), and the ways a careful
user hands golive a file (a FIFO, standard input) work.

Each case is one real `golive run` that stops at validation; the reports folder beside it
holds an earlier report that must stay byte-for-byte unchanged.
"""

from __future__ import annotations

import os
import re
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


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-2000:]


def _bomb(levels: int = 9) -> str:
    text = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, levels):
        text += f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]\n"
    return text


def _with(doc: dict[str, Any], where: tuple[str, ...], value: Any) -> str:
    bad: dict[str, Any] = yaml.safe_load(yaml.safe_dump(doc))
    node = bad
    for key in where[:-1]:
        node = node.setdefault(key, {})
    node[where[-1]] = value
    return yaml.safe_dump(bad, sort_keys=False)


def _duplicate_top(text: str) -> tuple[str, str]:
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("schema_version:")) + 1
    return text + "schema_version: 1\n", f"lines {first} and {len(lines) + 1}"


def _cases(doc: dict[str, Any]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (parameters text, what its refusal must say)."""
    text = yaml.safe_dump(doc, sort_keys=False)
    nested_bomb = _bomb().replace("l0:", "x-bomb:\n  l0:").replace("\nl", "\n  l")
    bomb_in_field = _bomb(8) + text.replace(
        "environments:", "environments: *l7\n  old_environments:", 1
    )
    deep = "not_applicable_extra: {open}{close}\n"
    duplicate, lines = _duplicate_top(text)
    auth = ("observability", "prometheus", "auth")
    return {
        "alias-bomb": (text + nested_bomb, ("alias",)),
        "alias-bomb-in-a-field": (bomb_in_field, ("alias",)),
        "deep-990": (text + deep.format(open="[" * 990, close="]" * 990), ("nest",)),
        # libyaml's own bound, or ours: either way a refusal, no recursion
        "deep-50000": (text + deep.format(open="[" * 50_000, close="]" * 50_000), ("nest",)),
        "duplicate-key": (duplicate, ("'schema_version'", lines)),
        "duplicate-nested-key": (
            text.replace("  name: hostile\n", "  name: hostile\n  name: other-service\n", 1),
            ("'name' is given twice",),
        ),
        "secret-in-env-field": (
            _with(doc, auth, {"kind": "bearer", "token_env": PASTED}),
            ("token_env", "not shown"),
        ),
        # refused by the line scan for credentials, the line named, the value not
        "bearer-in-env-field": (
            _with(doc, auth, {"kind": "bearer", "token_env": f"Bearer {PASTED}"}),
            ("bearer token",),
        ),
        "secret-in-tier": (_with(doc, ("service", "tier"), PASTED), ("service.tier", "not shown")),
        "mapping-in-owner-team": (
            _with(doc, ("service", "owner_team"), {"password": PASTED}),
            ("service.owner_team", "a mapping of 1 keys"),
        ),
        "secret-as-schema-version": (
            _with(doc, ("schema_version",), PASTED),
            ("schema_version", "not shown"),
        ),
        "harmless-wrong-tier": (_with(doc, ("service", "tier"), "gold"), ("'gold'",)),
        "name-trailing-newline": (_with(doc, ("service", "name"), "hostile\n"), ("service.name",)),
        "name-leading-newline": (_with(doc, ("service", "name"), "\nhostile"), ("service.name",)),
        "env-name-trailing-newline": (
            _with(doc, auth, {"kind": "bearer", "token_env": "PROM_TOKEN\n"}),
            ("token_env",),
        ),
        "too-large": (text + ("# padding " + "x" * 90 + "\n") * 50_000, ("larger than",)),
    }


@pytest.fixture(scope="module")
def refused(world) -> dict[str, Any]:
    """Every hostile file given to ONE `golive run`: validation reads them all and
    refuses the run naming each file's problems."""
    work, out, doc = world
    before = digest(out)
    cases = _cases(doc)
    assert tuple(cases) == CASES
    paths = []
    for name, (text, _needles) in cases.items():
        path = work / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    started = time.monotonic()
    result = golive("run", *paths, "--out", out, "--sections", "architecture", cwd=work)
    took = time.monotonic() - started
    blocks = dict(
        re.findall(
            r"  - \S*/([\w-]+)\.yaml: invalid parameters\n((?:(?!  - \S*\.yaml: ).*\n)*)",
            result.stderr,
        )
    )
    return {"result": result, "blocks": blocks, "before": before, "took": took, "cases": cases}


CASES = (
    "alias-bomb",
    "alias-bomb-in-a-field",
    "deep-990",
    "deep-50000",
    "duplicate-key",
    "duplicate-nested-key",
    "secret-in-env-field",
    "bearer-in-env-field",
    "secret-in-tier",
    "mapping-in-owner-team",
    "secret-as-schema-version",
    "harmless-wrong-tier",
    "name-trailing-newline",
    "name-leading-newline",
    "env-name-trailing-newline",
    "too-large",
)


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_parameters_file_is_refused_quickly_and_cleanly(
    world, refused: dict[str, Any], case: str
) -> None:
    _work, out, _doc = world
    result = refused["result"]
    assert_refused(result, out, refused["before"])
    _no_traceback(result)
    block = refused["blocks"].get(case)
    assert block is not None, (case, result.stderr[-3000:])
    for needle in refused["cases"][case][1]:
        assert needle in block, (case, needle, block)
    assert PASTED not in result.stderr + result.stdout
    assert "'service': {" not in result.stderr  # the input mapping is never echoed
    assert sorted(p.name for p in out.iterdir()) == ["hostile"]
    # sixteen files, bombs and 50,000-deep nesting among them: one process start and
    # milliseconds each (bench/hostile_inputs.py)
    assert refused["took"] < 30


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


def test_init_refuses_a_service_name_with_a_trailing_newline(tmp_path: Path) -> None:
    result = golive("init", "ingest-api\n", "--out", tmp_path / "p.yaml", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "is not a slug" in result.stderr
    assert list(tmp_path.iterdir()) == []
