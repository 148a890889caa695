"""Reading sprint docs from a team repo: clear errors naming the file, never outside the repo."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceremonies.adapters import files
from ceremonies.adapters.files import load_history, name_hints, read_doc_text, scan_sprint_dir
from ceremonies.config import Settings, parse_config
from ceremonies.domain import DocKind
from ceremonies.errors import ConfigError, SprintDocError

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "docs"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Return a copy of the good fixture repo."""
    target = tmp_path / "team"
    shutil.copytree(DOCS / "good", target)
    return target


def test_read_doc_text_keeps_bom_and_crlf() -> None:
    text = read_doc_text(DOCS / "messy" / "SPR-040-iteration-template.md")
    assert text.startswith("\ufeff---\r\n")


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"# ok\nline\n\x00\x01", 3, "binary"),
        (b"# ok\n\xff\xfe\xfd not utf-8", 2, "not UTF-8"),
    ],
)
def test_unreadable_bytes_name_file_and_line(tmp_path: Path, data: bytes, line: int, words: str) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(data)
    with pytest.raises(SprintDocError) as caught:
        read_doc_text(path)
    assert (caught.value.path, caught.value.line) == (str(path), line)
    assert words in caught.value.what


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "u16.md"
    path.write_bytes("# Titel März\n".encode("utf-16"))
    assert read_doc_text(path) == "\ufeff# Titel März\n"


def test_missing_and_too_large_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SprintDocError, match="no such file"):
        read_doc_text(tmp_path / "nope.md")
    big = tmp_path / "big.md"
    big.write_text("x" * 100)
    monkeypatch.setattr(files, "MAX_DOC_BYTES", 10)
    with pytest.raises(SprintDocError, match="too large"):
        read_doc_text(big)


def test_scan_reads_every_doc_with_repo_relative_paths(repo: Path) -> None:
    docs = scan_sprint_dir(repo, Settings())
    assert [doc.path for doc in docs] == [
        ".ai/sprint/SPR-020-execution-summary.md",
        ".ai/sprint/SPR-020-iteration-template.md",
        ".ai/sprint/SPR-020-retrospective.md",
        ".ai/sprint/SPR-021-iteration-template.md",
        ".ai/sprint/SPR-030-iteration-template.md",
    ]
    assert [doc.kind for doc in docs] == [DocKind.SUMMARY, DocKind.PLAN, DocKind.RETRO, DocKind.PLAN, DocKind.PLAN]
    assert all(doc.ok for doc in docs)


def test_one_bad_file_never_stops_the_others(repo: Path) -> None:
    for name in ("SPR-043-iteration-template.md", "SPR-044-iteration-template.md", "SPR-045-iteration-template.md"):
        shutil.copy(DOCS / "messy" / name, repo / ".ai" / "sprint" / name)
    docs = {doc.path.rsplit("/", 1)[-1]: doc for doc in scan_sprint_dir(repo, Settings())}
    assert len(docs) == 8
    bad = {name: [(e.path, e.line) for e in doc.errors] for name, doc in docs.items() if not doc.ok}
    assert bad == {
        "SPR-043-iteration-template.md": [(".ai/sprint/SPR-043-iteration-template.md", 3)],
        "SPR-044-iteration-template.md": [(".ai/sprint/SPR-044-iteration-template.md", 2)],
        "SPR-045-iteration-template.md": [(".ai/sprint/SPR-045-iteration-template.md", 1)],
    }
    history = load_history(repo, Settings())
    assert [plan.key for plan in history.plans] == ["SPR-020", "SPR-021", "SPR-030", "SPR-043"]
    assert len(history.errors) == 3


def test_symlink_leaving_the_repo_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("# SPR-099: Sprint Plan\n- **Start Date:** 2026-01-01\n- **End Date:** 2026-01-14\n")
    (repo / ".ai" / "sprint" / "SPR-099-iteration-template.md").symlink_to(outside)
    [escaped] = [doc for doc in scan_sprint_dir(repo, Settings()) if "SPR-099" in doc.path]
    assert escaped.kind == DocKind.UNKNOWN
    assert [error.what for error in escaped.errors] == ["symlink points outside the repo"]


def test_sprint_dir_outside_the_repo_is_a_config_error(repo: Path) -> None:
    settings = parse_config('[paths]\nsprint_dir = "../elsewhere"\n')
    with pytest.raises(ConfigError, match=r"paths\.sprint_dir"):
        scan_sprint_dir(repo, settings)


def test_missing_sprint_dir_gives_no_docs(tmp_path: Path) -> None:
    assert scan_sprint_dir(tmp_path, Settings()) == []


def test_custom_naming_patterns_give_kind_and_key(tmp_path: Path) -> None:
    settings = parse_config('[paths]\nsprint_dir = "sprints"\nretro_pattern = "retro-{key}.md"\n')
    (tmp_path / "sprints").mkdir()
    (tmp_path / "sprints" / "retro-SPR-007.md").write_text("# Notes\n\n## What went well\n- pairing\n")
    [doc] = scan_sprint_dir(tmp_path, settings)
    assert doc.kind == DocKind.RETRO and doc.retro is not None
    assert (doc.retro.sprint_key, doc.retro.went_well) == ("SPR-007", ("pairing",))
    assert name_hints("SPR-012-retrospective.md", Settings()) == (DocKind.RETRO, "SPR-012")
    assert name_hints("README.md", Settings()) == (None, None)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_any_bytes_read_as_text_or_a_named_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "any.md"
    path.write_bytes(data)
    try:
        text = read_doc_text(path)
    except SprintDocError as error:
        assert error.path == str(path)
    else:
        assert isinstance(text, str)


def _plan_text(number: int) -> str:
    return (
        f"---\ndocid: SPR-{number:03d}\ntitle: Sprint 2026-{number:02d}\n---\n\n# Sprint 2026-{number:02d}\n\n"
        f"## Sprint Overview\n- **Sprint Name:** Sprint 2026-{number:02d}\n"
    )


def test_recent_window_reads_only_the_newest_sprints_and_every_unkeyed_file(tmp_path: Path) -> None:
    directory = tmp_path / ".ai" / "sprint"
    directory.mkdir(parents=True)
    for number in (2, 9, 10, 11):  # numeric order, not name order: SPR-009 < SPR-010 < SPR-011
        (directory / f"SPR-{number:03d}-iteration-template.md").write_text(_plan_text(number), encoding="utf-8")
        (directory / f"SPR-{number:03d}-retrospective.md").write_text("# Retro\n", encoding="utf-8")
    (directory / "notes-without-key.md").write_text(_plan_text(1), encoding="utf-8")
    (directory / "SPR-002-iteration-template.md").write_bytes(b"\x00binary")  # old and broken: not read

    docs = scan_sprint_dir(tmp_path, Settings(), recent_sprints=2)

    assert [doc.path for doc in docs] == [
        ".ai/sprint/SPR-010-iteration-template.md",
        ".ai/sprint/SPR-010-retrospective.md",
        ".ai/sprint/SPR-011-iteration-template.md",
        ".ai/sprint/SPR-011-retrospective.md",
        ".ai/sprint/notes-without-key.md",
    ]
    assert len(scan_sprint_dir(tmp_path, Settings())) == 9  # without a window every file is read
    assert [plan.key for plan in load_history(tmp_path, Settings(), recent_sprints=1).plans] == ["SPR-001", "SPR-011"]


def test_sprints_to_read_covers_the_velocity_window() -> None:
    assert Settings().sprint.sprints_to_read() == 12
    wide = parse_config("[sprint]\nvelocity_window = 20\nhistory_window = 4\n")
    assert wide.sprint.sprints_to_read() == 23
