"""The state store: named, versioned JSON documents in the git dir; anything unreadable reads as empty."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ceremonies.adapters import state

DOC = state.StateDoc("example", 2)
OLD = state.StateDoc("example-old", 1, legacy="ceremonies-example-old.json")
SAME = state.StateDoc("example-same", 1, legacy="ceremonies/example-same.json")


def test_saved_data_reads_back_in_a_versioned_envelope(tmp_path: Path) -> None:
    path = state.save(tmp_path, DOC, {"a": [1, "ü"], "b": None})
    assert path == tmp_path / "ceremonies" / "example.json"
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "state": "example",
        "version": 2,
        "data": {"a": [1, "ü"], "b": None},
    }
    assert state.load(tmp_path, DOC) == {"a": [1, "ü"], "b": None}
    assert not list((tmp_path / "ceremonies").glob("*.tmp"))


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"a": 1},
        {"pages": {"p.md": ["ü", 1.5, None, True]}, "rows": [["—", {"k": "✅"}]], "x": "\u2028", "e": [], "d": {}},
        {"rows": {"index": {"a": [[1, "ü"], {"x": [1, 2, {"y": "—", "z": [[], {}]}]}], "b": {2: "int key"}}}},
        {  # large dicts and lists: written in batches
            "big": {f"k{i}": [i, "ü"] for i in range(2500)},
            "list": list(range(2100)),
            "n": {"a": {f"x{i}": i for i in range(1500)}},
        },
        {1: "a"},
    ],
)
def test_the_file_is_written_in_parts_but_is_what_one_json_dumps_gives(tmp_path: Path, data: dict) -> None:
    """The state is written one top-level item at a time (a large KB state is never held whole as text and
    bytes); the bytes are those of the one-piece compact dump, so readers and older releases see no change."""
    path = state.save(tmp_path, DOC, data)
    envelope = {"state": "example", "version": 2, "data": data}
    one_piece = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert path.read_bytes() == one_piece.encode("utf-8")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"\xff\xfe\x00",
        b"[1, 2]",
        b'{"state": "example", "version": 1, "data": {"a": 1}}',  # an older version
        b'{"state": "example", "version": 3, "data": {"a": 1}}',  # a newer one
        b'{"state": "other", "version": 2, "data": {"a": 1}}',  # someone else's document
        b'{"state": "example", "version": 2, "data": [1]}',  # data of the wrong shape
        b'{"a": 1}',  # a plain object, and this document has no legacy file
    ],
)
def test_a_corrupt_foreign_or_other_version_file_reads_as_empty(tmp_path: Path, content: bytes) -> None:
    DOC.path(tmp_path).parent.mkdir(parents=True)
    DOC.path(tmp_path).write_bytes(content)
    assert state.load(tmp_path, DOC) == {}


def test_no_git_dir_or_no_file_reads_as_empty(tmp_path: Path) -> None:
    assert state.load(None, DOC) == {}
    assert state.load(tmp_path / "missing", DOC) == {}
    assert state.save_quietly(None, DOC, {"a": 1}) is False


def test_a_directory_in_the_way_reads_empty_and_a_quiet_save_says_false(tmp_path: Path) -> None:
    DOC.path(tmp_path).mkdir(parents=True)
    assert state.load(tmp_path, DOC) == {}
    assert state.save_quietly(tmp_path, DOC, {"a": 1}) is False
    with pytest.raises(OSError):
        state.save(tmp_path, DOC, {"a": 1})


def test_an_earlier_releases_plain_file_is_read_until_the_first_save_replaces_it(tmp_path: Path) -> None:
    (tmp_path / "ceremonies-example-old.json").write_text('{"x.md": "abc"}', encoding="utf-8")
    assert state.load(tmp_path, OLD) == {"x.md": "abc"}
    state.save(tmp_path, OLD, {"y.md": "def"})
    assert not (tmp_path / "ceremonies-example-old.json").exists()
    assert state.load(tmp_path, OLD) == {"y.md": "def"}


def test_a_plain_file_at_the_same_path_is_read_as_legacy_data(tmp_path: Path) -> None:
    SAME.path(tmp_path).parent.mkdir(parents=True)
    SAME.path(tmp_path).write_text('{"x.md": "abc"}', encoding="utf-8")
    assert state.load(tmp_path, SAME) == {"x.md": "abc"}
    state.save(tmp_path, SAME, {"x.md": "new"}, indent=1)
    assert json.loads(SAME.path(tmp_path).read_text(encoding="utf-8"))["state"] == "example-same"
    assert state.load(tmp_path, SAME) == {"x.md": "new"}


def test_clear_removes_the_document_and_the_legacy_file(tmp_path: Path) -> None:
    (tmp_path / "ceremonies-example-old.json").write_text("{}", encoding="utf-8")
    state.save(tmp_path, DOC, {"a": 1})
    state.clear(tmp_path, OLD)
    state.clear(tmp_path, DOC)
    state.clear(tmp_path, DOC)  # nothing there: no error
    assert not (tmp_path / "ceremonies-example-old.json").exists()
    assert state.load(tmp_path, DOC) == {}


def test_every_declared_document_has_its_own_file() -> None:
    names = [doc.name for doc in state.DOCS]
    assert len(names) == len(set(names)) >= 8
    assert all(doc.version >= 1 for doc in state.DOCS)
