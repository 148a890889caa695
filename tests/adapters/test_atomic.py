"""The atomic writer's clean-up of what a killed write left behind: its own temp names only."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ceremonies.adapters.atomic import discard_temps, write_atomic


def _left_by_a_killed_write(target: Path) -> Path:
    """Return a temp file named exactly as write_atomic names one for ``target`` (the run died before the rename)."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    with open(fd, "w", encoding="utf-8") as handle:
        handle.write("half a pla")
    return Path(name)


def test_discard_temps_removes_the_writers_own_leftovers_of_that_file(tmp_path: Path) -> None:
    target = write_atomic(tmp_path / "SPR-[7]-plan.md", "# plan\n")
    leftover = _left_by_a_killed_write(target)

    assert discard_temps(target) == [leftover]
    assert not leftover.exists()
    assert target.read_text(encoding="utf-8") == "# plan\n"


def test_discard_temps_leaves_files_the_writer_did_not_name(tmp_path: Path) -> None:
    target = tmp_path / "plan.md"
    others = [
        tmp_path / ".plan.md.notes.tmp",  # 5 characters: not a mkstemp name
        tmp_path / ".plan.md.abcdefgh.tmp.bak",
        tmp_path / ".other.md.abcdefgh.tmp",
        tmp_path / "plan.md.abcdefgh.tmp",  # no leading dot
    ]
    for other in others:
        other.write_text("a human's file", encoding="utf-8")

    assert discard_temps(target) == []
    assert all(other.read_text(encoding="utf-8") == "a human's file" for other in others)
    assert discard_temps(tmp_path / "missing-dir" / "plan.md") == []
