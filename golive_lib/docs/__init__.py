"""Reference documentation generated from the code, so it cannot drift from it:
docs/checklist.md (the catalog and the notebooks' words), docs/parameters.md and the
parameters file's JSON Schema (the pydantic models; the schema ships with the package).

Regenerate with ``python -m golive_lib.docs``; ``--check`` lists stale files (exit 1).
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import checklist, parameters

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = Path(__file__).resolve().parents[1] / parameters.SCHEMA_NAME


def outputs(root: Path = ROOT) -> dict[Path, str]:
    """Each generated file of a checkout at ``root``, with the text it must hold."""
    return {
        root / "docs" / "checklist.md": checklist.render(root / "notebooks"),
        root / "docs" / "parameters.md": parameters.render_markdown(),
        root / "golive_lib" / parameters.SCHEMA_NAME: parameters.schema_text(),
    }


def stale(root: Path = ROOT) -> list[Path]:
    """The generated files whose text differs from what the code generates now."""
    return [
        path
        for path, text in outputs(root).items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not (ROOT / "pyproject.toml").is_file() or not (ROOT / "notebooks").is_dir():
        print(f"error: {ROOT} is not a golive checkout (run this in one)", file=sys.stderr)
        return 2
    if args == ["--check"]:
        old = stale()
        for path in old:
            print(f"stale: {path.relative_to(ROOT)} (run: python -m golive_lib.docs)")
        return 1 if old else 0
    if args:
        print("usage: python -m golive_lib.docs [--check]", file=sys.stderr)
        return 2
    for path, text in outputs().items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0
