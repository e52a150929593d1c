"""tests/corpus/alertmanager: routing trees shaped like real ones (each file names the public
project it models), with label sets; for every label set, the receivers golive's routing
walk picks must be the ones the real `amtool config routes test` (Go, Alertmanager's own
routing and RE2 code) prints, run here in the test: amtool referees.

What amtool (Debian's 0.25) referees: the routing tree (matchers, `match`/`match_re`,
`continue`, inheritance, missing labels) and Go's RE2 regexes. What it does not: time
intervals (it routes without silencing; tests/sources/test_alertmanager.py holds
golive's time-interval cases, from Alertmanager's timeinterval package semantics), the
UTF-8 matcher syntax of Alertmanager >= 0.27 and receiver types newer than 0.25 (both in
tests/sources/test_alertmanager.py, from Alertmanager's current source)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from golive_lib.sources.alertmanager import parse_config

CORPUS = Path(__file__).parent / "alertmanager"
CONFIGS = sorted(CORPUS.glob("*.yml"))


def _arg(name: str, value: str) -> str:
    """A label as amtool reads it (Alertmanager's classic matcher parser)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{name}="{escaped}"'


def amtool_receivers(amtool: str, config: Path, labels: dict[str, str]) -> list[str]:
    out = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={config}"]
        + [_arg(k, v) for k, v in labels.items()],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return out.stdout.strip().split(",")


def test_the_corpus_has_real_world_shapes_with_label_sets() -> None:
    assert len(CONFIGS) >= 5
    total = 0
    for config in CONFIGS:
        head = config.read_text(encoding="utf-8").splitlines()[0]
        assert head.startswith("# ") and (
            "Modelled on" in head or "Regexes" in head or "Matcher" in head
        )
        total += len(yaml.safe_load(config.with_suffix(".labels.yaml").read_text(encoding="utf-8")))
    assert total >= 60


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_golive_routes_every_label_set_as_amtool_does(amtool: str, config: Path) -> None:
    parsed = parse_config(config.read_text(encoding="utf-8"))
    label_sets = yaml.safe_load(config.with_suffix(".labels.yaml").read_text(encoding="utf-8"))
    wrong = []
    for labels in label_sets:
        labels = {str(k): str(v) for k, v in labels.items()}
        mine = [r.receiver for r in parsed.route.match(labels)]
        theirs = amtool_receivers(amtool, config, labels)
        if mine != theirs:
            wrong.append(f"{labels}: golive {mine}, amtool {theirs}")
    assert not wrong, "\n".join(wrong)
