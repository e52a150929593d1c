"""The redactor: which values it blanks, the environment children get, what parameter
messages may show, and the notebook scrub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive_lib import redaction
from golive_lib.redaction import MARK, Redactor, child_env, looks_secret, shown_value


@pytest.mark.parametrize(
    "name",
    [
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "SNOWFLAKE_PASSWORD",
        "GITHUB_TOKEN",
        "stripe_api_key",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "DB_PASSWD",
        "CLIENT_SECRET",
    ],
)
def test_a_secret_looking_name_is_recognised(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "AWS_REGION", "SNOWFLAKE_ROLE", "LANG", "TERM"])
def test_an_ordinary_name_is_not(name: str) -> None:
    assert not looks_secret(name)


def test_more_name_globs_can_be_configured() -> None:
    assert not looks_secret("TENANT_HEADER")
    assert looks_secret("TENANT_HEADER", ["TENANT_*"])


def test_values_of_secret_variables_are_blanked_in_every_printed_form() -> None:
    env = {
        "DB_PASSWORD": 'pa"ss\\word-123',
        "GCP_CREDENTIALS": json.dumps({"private_key": "gcp-inner-secret-1"}),
        "HOME": "/home/ann",
    }
    red = Redactor.of(redaction.secret_values(env))
    printed = f"{env!r} {json.dumps(env)} raw {env['DB_PASSWORD']}"
    out = red(printed)
    assert 'pa"ss' not in out and 'pa\\"ss' not in out and "gcp-inner-secret-1" not in out
    assert "/home/ann" in out
    assert out.count(MARK) >= 4


def test_named_values_are_blanked_whatever_their_name() -> None:
    env = {"TENANT_HEADER": "tenant-value-42"}
    assert redaction.secret_values(env) == set()
    assert redaction.secret_values(env, names=["TENANT_HEADER"]) == {"tenant-value-42"}


def test_short_values_are_left_alone() -> None:
    red = Redactor.of({"abc", "abcd"})
    assert red("abc abcd") == f"abc {MARK}"


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("key AKIAIOSFODNN7EXAMPLE in a log", "AKIAIOSFODNN7EXAMPLE"),
        ("postgres://app:s3cr3t-pw@db:5432/x", "s3cr3t-pw"),
        ("slack xoxb-123456789012-123456789012-abcdefABCDEF", "xoxb-123456789012"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAbody\n-----END RSA PRIVATE KEY-----",
            "MIIEowIBAAKCAQEAbody",
        ),
        ("cut -----BEGIN PRIVATE KEY-----\nMIIEvbodycutoff", "MIIEvbodycutoff"),
    ],
)
def test_detect_secrets_patterns_are_blanked(text: str, gone: str) -> None:
    out = Redactor.of(())(text)
    assert gone not in out and MARK in out


def test_digests_timestamps_and_addresses_survive() -> None:
    text = (
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 "
        "at 2026-12-03T10:00:00Z from 10.0.0.1 http://127.0.0.1:9090/api/v1/query"
    )
    assert Redactor.of(())(text) == text


def test_a_private_key_streamed_line_by_line_is_blanked_to_its_end() -> None:
    one = Redactor.of(()).lines()
    lines = [
        "before",
        "-----BEGIN PRIVATE KEY-----",
        "MIIEvQIBADANBg",
        "AoIBAQC7",
        "-----END PRIVATE KEY-----",
        "after",
    ]
    out = [one(line) for line in lines]
    assert out[0] == "before" and out[-1] == "after"
    assert "MIIEvQIBADANBg" not in " ".join(out) and "AoIBAQC7" not in " ".join(out)


def test_children_get_no_unnamed_secret_unless_told() -> None:
    env = {"PATH": "/bin", "AWS_SECRET_ACCESS_KEY": "x" * 10, "INGEST_DRILL_DIR": "/tmp/d"}
    assert child_env(None, environ=env) == {"PATH": "/bin", "INGEST_DRILL_DIR": "/tmp/d"}
    kept = child_env(None, also=["AWS_SECRET_ACCESS_KEY"], environ=env)
    assert kept == env


@pytest.mark.parametrize(
    ("value", "field", "shown"),
    [
        ("gold", "tier", "'gold'"),
        ("ingest-api", "name", "'ingest-api'"),
        ("http://127.0.0.1:9090", "url", "'http://127.0.0.1:9090'"),
        (7, "tier", "7"),
        ("PROM TOKEN", "token_env", None),
        ("Zq8-pasted-pw-71c4", "tier", None),
        ("https://u:p4ss@h/x", "url", None),
        ("AKIAIOSFODNN7EXAMPLE", "owner_team", None),
        ({"a": "b"}, "service", "a mapping of 1 keys"),
        (["a"], "service", "a list of 1 items"),
    ],
)
def test_parameter_messages_show_only_what_cannot_be_a_secret(
    value: object, field: str, shown: str | None
) -> None:
    out = shown_value(value, field)
    if shown is None:
        assert "not shown" in out and str(value) not in out
    else:
        assert out == shown


def test_scrub_rewrites_a_notebook_only_when_something_was_blanked(tmp_path: Path) -> None:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "source": "print(x)",
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": ["token tok-123456\n"]},
                    {"output_type": "display_data", "data": {"text/html": "<b>tok-123456</b>"}},
                ],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    red = Redactor.of({"tok-123456"})
    assert redaction.scrub_notebook(path, red)
    text = path.read_text(encoding="utf-8")
    assert "tok-123456" not in text and text.count(MARK) == 2
    before = path.stat().st_mtime_ns
    assert not redaction.scrub_notebook(path, red)
    assert path.stat().st_mtime_ns == before
