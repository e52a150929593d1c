"""Moving a finished review to its dated folder: atomic, never over a report, and never
an empty dated folder left behind (renameat2 with RENAME_NOREPLACE; the mkdir-then-
rename fallback where the file system cannot refuse an existing name)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from golive_lib.report import placement

DAY = date(2026, 11, 27)


def finished(folder: Path, name: str, text: str) -> Path:
    tmp = folder / name
    tmp.mkdir(parents=True)
    (tmp / "results.json").write_text(text)
    return tmp


@pytest.fixture(params=["renameat2", "fallback"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "fallback":
        monkeypatch.setattr(placement, "_renameat2", lambda: None)
    else:
        assert placement._renameat2() is not None, "glibc without renameat2"
    return str(request.param)


def test_same_day_reviews_take_the_next_name_and_keep_every_report(
    tmp_path: Path, mode: str
) -> None:
    folders = [
        placement._move_into_place(finished(tmp_path, f".tmp-{i}", f"run {i}"), tmp_path, DAY)
        for i in range(3)
    ]
    assert [f.name for f in folders] == ["2026-11-27", "2026-11-27-2", "2026-11-27-3"]
    assert [(f / "results.json").read_text() for f in folders] == ["run 0", "run 1", "run 2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f.name for f in folders]


def test_an_existing_empty_folder_is_not_taken_over(tmp_path: Path, mode: str) -> None:
    (tmp_path / "2026-11-27").mkdir()  # e.g. made by hand, or by an older golive
    moved = placement._move_into_place(finished(tmp_path, ".tmp-a", "a"), tmp_path, DAY)
    assert moved.name == "2026-11-27-2"
    assert list((tmp_path / "2026-11-27").iterdir()) == []


def test_a_failed_move_gives_the_reserved_name_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(placement, "_renameat2", lambda: None)

    def refuse(_src: object, _dst: object) -> None:
        raise KeyboardInterrupt  # a stop request landing between reserve and rename

    monkeypatch.setattr(placement.os, "replace", refuse)
    tmp = finished(tmp_path, ".tmp-a", "a")
    with pytest.raises(KeyboardInterrupt):
        placement._move_into_place(tmp, tmp_path, DAY)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp-a"]


def test_other_errors_are_raised(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        placement._rename_noreplace(tmp_path / "absent", tmp_path / "x")
