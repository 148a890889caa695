"""The parse cache: a doc whose bytes did not change is read back from ``<git-dir>/ceremonies/parse-cache.json``
exactly as the parser made it; an edit, a parser change or a broken cache file means parsing again."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ceremonies.adapters import parse_cache, state
from ceremonies.adapters.files import read_doc_text, scan_sprint_dir
from ceremonies.config import load_config
from ceremonies.domain import docjson
from ceremonies.domain.model import Document
from ceremonies.domain.parsing import parse_document

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "tests" / "fixtures" / "docs"
SHARED = ROOT.parent / "shared"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Return a git work tree holding the good fixture docs plus the messy ones (docs with errors and warnings)."""
    work = tmp_path / "team"
    shutil.copytree(DOCS / "good", work)
    for path in sorted((DOCS / "messy").glob("*.md")):
        shutil.copy(path, work / ".ai" / "sprint" / path.name)
    _git(work, "init", "-q")
    return work


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Return the list of paths the parser is called on from now on (the cache's calls, recorded)."""
    seen: list[str] = []

    def recording(text: str, path: str, **kwargs: Any) -> Document:
        seen.append(path)
        return parse_document(text, path, **kwargs)

    monkeypatch.setattr(parse_cache, "parse_document", recording)
    return seen


def _as_data(docs: list[Document]) -> list[Any]:
    """Return the docs as comparable data (their errors compare by path, line and text)."""
    return [docjson.encode(doc) for doc in docs]


def _every_doc() -> list[Path]:
    """Return the markdown files of the fixtures and examples, and of the shared corpora when they are here."""
    bases = [ROOT / "tests" / "fixtures", ROOT / "examples", SHARED / "corpora", SHARED / "seeds"]
    return sorted(path for base in bases if base.is_dir() for path in base.rglob("*.md"))


def test_every_doc_reads_back_from_json_exactly() -> None:
    checked = 0
    for path in _every_doc():
        try:
            text = read_doc_text(path)
        except Exception:  # unreadable fixtures (binary, not UTF-8) never reach the parser
            continue
        doc = parse_document(text, str(path))
        back = docjson.decode(json.loads(json.dumps(docjson.encode(doc))))
        assert replace(back, errors=(), warnings=()) == replace(doc, errors=(), warnings=()), path
        assert [(e.path, e.line, e.what, str(e)) for e in back.errors + back.warnings] == [
            (e.path, e.line, e.what, str(e)) for e in doc.errors + doc.warnings
        ], path
        checked += 1
    assert checked >= 20


def test_second_scan_parses_nothing_and_gives_the_same_docs(repo: Path, parses: list[str]) -> None:
    settings = load_config(repo)
    first = scan_sprint_dir(repo, settings)
    assert len(parses) >= 5 and set(parses) <= {doc.path for doc in first}  # an unreadable file is never parsed
    assert any(doc.errors or doc.warnings for doc in first)  # problems are cached too
    cache_file = state.PARSE_CACHE.path(repo / ".git")
    assert json.loads(cache_file.read_text(encoding="utf-8"))["data"]["parser"] == parse_cache.parser_version()

    parses.clear()
    second = scan_sprint_dir(repo, settings)
    assert parses == []
    assert _as_data(second) == _as_data(first)
    assert [doc for doc in second if not doc.errors and not doc.warnings] == [
        doc for doc in first if not doc.errors and not doc.warnings
    ]


def _uncached(repo: Path, tmp_path: Path) -> list[Any]:
    """Return the docs of ``repo``'s work tree parsed without any cache (a copy without its git dir)."""
    plain = tmp_path / "uncached"
    shutil.rmtree(plain, ignore_errors=True)
    shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
    return _as_data(scan_sprint_dir(plain, load_config(plain)))


def test_an_edited_doc_alone_is_parsed_again(repo: Path, parses: list[str], tmp_path: Path) -> None:
    settings = load_config(repo)
    scan_sprint_dir(repo, settings)
    target = repo / ".ai" / "sprint" / "SPR-020-retrospective.md"
    target.write_text(target.read_text(encoding="utf-8") + "\n- one more thing went well\n", encoding="utf-8")
    parses.clear()
    docs = scan_sprint_dir(repo, settings)
    assert parses == [".ai/sprint/SPR-020-retrospective.md"]
    assert "one more thing went well" in json.dumps(_as_data(docs))
    assert _as_data(docs) == _uncached(repo, tmp_path)


def test_a_parser_change_drops_the_cache(repo: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_config(repo)
    first = scan_sprint_dir(repo, settings)
    parsed = sorted(parses)
    monkeypatch.setattr(parse_cache, "_version", "another parser")
    parses.clear()
    assert _as_data(scan_sprint_dir(repo, settings)) == _as_data(first)
    assert sorted(parses) == parsed


def test_a_broken_cache_file_is_ignored_and_replaced(repo: Path, parses: list[str]) -> None:
    settings = load_config(repo)
    first = scan_sprint_dir(repo, settings)
    parsed = sorted(parses)
    cache_file = state.PARSE_CACHE.path(repo / ".git")
    broken = '{"state": "parse-cache", "version": 1, "data": {"parser": "' + parse_cache.parser_version()
    cache_file.write_text(broken + '", "entries": {"x": [1', encoding="utf-8")
    parses.clear()
    assert _as_data(scan_sprint_dir(repo, settings)) == _as_data(first)
    assert sorted(parses) == parsed
    parses.clear()
    scan_sprint_dir(repo, settings)
    assert parses == []


def test_a_deleted_doc_leaves_the_cache(repo: Path) -> None:
    settings = load_config(repo)
    scan_sprint_dir(repo, settings)
    (repo / ".ai" / "sprint" / "SPR-030-iteration-template.md").unlink()
    (repo / ".ai" / "sprint" / "SPR-021-iteration-template.md").write_text("# Sprint 21\n", encoding="utf-8")
    scan_sprint_dir(repo, settings)
    entries = json.loads(state.PARSE_CACHE.path(repo / ".git").read_text(encoding="utf-8"))["data"]["entries"]
    assert ".ai/sprint/SPR-030-iteration-template.md" not in entries
    assert ".ai/sprint/SPR-020-retrospective.md" in entries


def test_a_work_tree_without_git_parses_every_time(tmp_path: Path, parses: list[str]) -> None:
    work = tmp_path / "plain"
    shutil.copytree(DOCS / "good", work)
    settings = load_config(work)
    first = scan_sprint_dir(work, settings)
    second = scan_sprint_dir(work, settings)
    assert len(parses) == len(first) + len(second) >= 10
    assert not any(work.rglob("parse-cache.json"))


def test_a_linked_worktree_keeps_its_cache_in_its_own_git_dir(repo: Path, tmp_path: Path) -> None:
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "docs")
    linked = tmp_path / "linked"
    _git(repo, "worktree", "add", "-q", str(linked))
    git_dir = parse_cache.git_dir_of(linked)
    assert git_dir is not None and git_dir.resolve() == Path(_git(linked, "rev-parse", "--absolute-git-dir").strip())
    scan_sprint_dir(linked, load_config(linked))
    assert state.PARSE_CACHE.path(git_dir).is_file()


def test_blob_id_is_what_git_says(repo: Path) -> None:
    path = repo / ".ai" / "sprint" / "SPR-020-iteration-template.md"
    assert parse_cache.blob_id(path.read_bytes()) == _git(repo, "hash-object", str(path)).strip()
