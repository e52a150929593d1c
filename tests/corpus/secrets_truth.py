"""The secrets corpus's truth (tests/corpus/secrets/truth.yaml) and how a scan scores on it:
shared by tests/corpus/test_secrets_corpus.py and bench/secrets_corpus.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from golive_lib.sources.secrets import SecretScan

CORPUS = Path(__file__).parent / "secrets"
REPO = CORPUS / "repo"


@dataclass(frozen=True)
class Score:
    planted: frozenset[tuple[str, int]]  # (file, line) holding a secret
    found: frozenset[tuple[str, int]]  # planted lines the scan reported
    false: frozenset[tuple[str, int]]  # lines reported outside test/example paths, no secret
    misplaced: frozenset[tuple[str, int]]  # test/example findings not reported apart

    @property
    def recall(self) -> float:
        return len(self.found) / len(self.planted)

    @property
    def precision(self) -> float:
        reported = len(self.found) + len(self.false)
        return len(self.found) / reported if reported else 1.0


def truth() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((CORPUS / "truth.yaml").read_text())
    return loaded


def planted() -> frozenset[tuple[str, int]]:
    """Every (file, line) of the corpus that holds a secret, by the text on that line."""
    out: set[tuple[str, int]] = set()
    secrets = truth()["secrets"]
    assert isinstance(secrets, dict)
    for rel, marks in secrets.items():
        lines = (REPO / rel).read_text().splitlines()
        for mark in marks:
            hits = [i for i, text in enumerate(lines, 1) if mark in text]
            assert len(hits) == 1, f"{rel}: {mark!r} is on {len(hits)} lines"
            out.add((rel, hits[0]))
    return frozenset(out)


def score(scan: SecretScan) -> Score:
    secret_lines = planted()
    apart = set(truth()["apart"])  # type: ignore[arg-type]
    reported = {(f.path, f.line): f for f in scan.findings}
    return Score(
        planted=secret_lines,
        found=frozenset(k for k in reported if k in secret_lines),
        false=frozenset(
            k for k, f in reported.items() if k not in secret_lines and k[0] not in apart
        ),
        misplaced=frozenset(k for k, f in reported.items() if k[0] in apart and not f.in_tests),
    )
