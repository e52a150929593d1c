"""`golive init`'s parameters template: valid as written, and valid with every commented
block uncommented (so the examples it shows are real parameters, not prose)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml

from golive_lib.params import load_params
from golive_lib.templates import parameters_template

BLOCKS = (
    "severity",
    "observability",
    "capacity",
    "security",
    "waivers",
    "attestations",
    "signoff",
    "not_applicable",
)


def uncommented(text: str) -> str:
    """Remove "# " from each commented top-level block (a "# key:" line and its
    indented "#   ..." lines)."""
    out, inside = [], False
    for line in text.splitlines():
        if re.match(r"^# [a-z_]+:", line):
            inside = True
        elif not line.startswith("#   "):
            inside = False
        out.append(line[2:] if inside else line)
    return "\n".join(out) + "\n"


def test_every_commented_block_is_valid_parameters_once_uncommented(tmp_path: Path) -> None:
    text = parameters_template("orders-api", ".", today=date(2026, 11, 27))
    (tmp_path / "plain.yaml").write_text(text)
    assert load_params(tmp_path / "plain.yaml").service.name == "orders-api"

    full = uncommented(text)
    assert set(BLOCKS) <= set(yaml.safe_load(full)), "a block did not uncomment"
    (tmp_path / "full.yaml").write_text(full)
    params = load_params(tmp_path / "full.yaml")
    assert [s.name for s in params.observability.slos] == [
        "orders-api-availability",
        "orders-api-latency",
    ]
    assert params.observability.grafana is not None
    assert params.capacity.peak.rps == 40
    assert params.security.gdpr.retention_days == 30
    assert params.security.run_scanners.pip_audit is not None
    assert params.security.run_scanners.pip_audit.osv_url == "https://api.osv.dev"
    assert params.waivers[0].expires == date(2027, 2, 25)  # 90 days after init
    assert params.attestations[0].date == date(2026, 11, 27)
    assert params.signoff.required_roles == ["service-owner", "sre"]
    assert "cicd.image-release" in params.not_applicable
