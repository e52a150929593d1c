"""Bounded YAML loading: alias bombs, depth, repeated keys; valid YAML unchanged."""

from __future__ import annotations

import time

import pytest
import yaml

from golive_lib import yamlload
from golive_lib.yamlload import YamlLimitError


def _bomb(levels: int) -> str:
    text = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, levels):
        text += f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]\n"
    return text


def test_an_alias_bomb_is_refused_at_once_naming_its_line() -> None:
    started = time.monotonic()
    with pytest.raises(YamlLimitError) as info:
        yamlload.safe_load(_bomb(9))
    assert time.monotonic() - started < 1
    assert "alias" in str(info.value.problem)
    assert info.value.problem_mark is not None


def test_aliases_within_the_bound_load_as_plain_pyyaml_does() -> None:
    text = _bomb(3)
    assert yamlload.safe_load(text) == yaml.safe_load(text)


def test_the_bound_counts_values_once_expanded() -> None:
    text = _bomb(3)  # 9 + 81 + 729 leaves, plus their lists
    with pytest.raises(YamlLimitError):
        yamlload.safe_load(text, max_nodes=500)
    assert yamlload.safe_load(text, max_nodes=2000) is not None


@pytest.mark.parametrize("depth", [101, 990, 100_000])
def test_nesting_past_the_depth_is_refused_without_recursing(depth: int) -> None:
    with pytest.raises(yaml.YAMLError):
        yamlload.safe_load("a: " + "[" * depth + "]" * depth)


def test_nesting_within_the_depth_loads() -> None:
    assert yamlload.safe_load("a: " + "[" * 50 + "]" * 50) is not None


def test_a_repeated_key_is_refused_naming_both_lines_when_asked() -> None:
    text = "a: 1\nb:\n  c: 2\n  c: 3\n"
    assert yamlload.safe_load(text) == {"a": 1, "b": {"c": 3}}  # PyYAML's default
    with pytest.raises(YamlLimitError, match="lines 3 and 4"):
        yamlload.safe_load(text, unique_keys=True)


def test_merge_keys_are_no_repetition() -> None:
    text = "base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n"
    assert yamlload.safe_load(text, unique_keys=True)["use"] == {"x": 1, "y": 2}


def test_one_document_expected_and_every_document_of_a_stream() -> None:
    with pytest.raises(yaml.YAMLError):
        yamlload.safe_load("a: 1\n---\nb: 2\n")
    assert list(yamlload.safe_load_all("a: 1\n---\nb: 2\n")) == [{"a": 1}, {"b": 2}]
    assert yamlload.safe_load("") is None


def test_check_bounds_a_text_for_a_loader_of_its_own() -> None:
    yamlload.check("a: [1, 2]")
    with pytest.raises(YamlLimitError):
        yamlload.check(_bomb(9))


def test_a_pipeline_file_that_is_an_alias_bomb_is_a_pipeline_error(tmp_path) -> None:
    from golive_lib.sources.ci._yaml import PipelineError, load_yaml

    started = time.monotonic()
    with pytest.raises(PipelineError) as info:
        load_yaml("on: push\n" + _bomb(9), tmp_path / "ci.yml")
    assert time.monotonic() - started < 1
    assert "alias" in info.value.message and info.value.line is not None
