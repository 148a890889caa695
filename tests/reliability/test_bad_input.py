"""Bad input: a corpus of nasty files and hypothesis fuzzing against the parser, the sprint-dir scanner and the KB
refresh on a real git repo with a bare remote.

Every case gives an error naming the file (and the line when there is one) or is handled safely; nothing outside the
repo is read (an audit hook watches every ``open``) or written; doc text is never evaluated as a template.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import (
    KB,
    SPRINTS,
    TEMPLATE_PROBES,
    nasty_files,
    team_files,
    tree_snapshot,
)

from ceremonies.adapters.files import load_history, scan_sprint_dir
from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.config import load_config
from ceremonies.domain.frontmatter import split_frontmatter
from ceremonies.domain.parsing import parse_document
from ceremonies.errors import SprintDocError
from ceremonies.jobs.recipe import Effects
from ceremonies.jobs.refresh_kb import RefreshRequest, run_refresh_kb
from support.gitrepo import commit_as_human, git, make_team_repo

_OPENED: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], str | bytes | Path):
        _OPENED.append(str(args[0] if not isinstance(args[0], bytes) else args[0].decode(errors="replace")))


sys.addaudithook(_audit)


@contextmanager
def opened_files() -> Iterator[list[str]]:
    """Yield the list of every path this process opens inside the block (Python audit hook)."""
    global _OPENED
    _OPENED = []
    try:
        yield _OPENED
    finally:
        _OPENED = None


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Return (work tree, outside dir) of one corpus repo shared by this module's tests (building it commits
    40 MB of nasty files); the outside dir holds a file that must never be read nor changed."""
    tmp = tmp_path_factory.mktemp("corpus")
    target = tmp / "outside"
    target.mkdir()
    (target / "secret.md").write_text("---\ndocid: OUT-1\ntitle: OUTSIDE-SECRET\n---\n# OUTSIDE-SECRET\n")
    return _corpus_repo(tmp, target), target


def _corpus_repo(tmp_path: Path, outside: Path) -> Path:
    """Return a team repo (bare remote) whose sprint dir and KB dir hold the whole nasty corpus + escaping symlinks."""
    files: dict[str, str | bytes | None] = dict(team_files())
    for name, (data, _, _) in nasty_files().items():
        files[f"{SPRINTS}/{name}"] = data
        files[f"{KB}/nasty/{name.replace('iteration-template', 'page')}"] = data
    team = make_team_repo(tmp_path / "team", files, date="2026-05-20T10:00:00+02:00")
    (team.work / SPRINTS / "SPR-420-iteration-template.md").symlink_to(outside / "secret.md")
    (team.work / KB / "escape.md").symlink_to(outside / "secret.md")
    (team.work / KB / "escape-dir").symlink_to(outside, target_is_directory=True)
    git(team.work, "add", "-A")
    commit_as_human(team.work, {}, "docs: add symlinks", date="2026-05-20T11:00:00+02:00")
    git(team.work, "push", "-q", "origin", "main")
    return team.work


def test_every_nasty_sprint_doc_is_reported_with_file_and_line_or_handled(corpus: tuple[Path, Path]) -> None:
    work, outside = corpus
    before = tree_snapshot(outside)
    with opened_files() as opened:
        docs = {doc.path: doc for doc in scan_sprint_dir(work, load_config(work))}
        history = load_history(work, load_config(work))
    for name, (_, line, text) in nasty_files().items():
        path = f"{SPRINTS}/{name}"
        doc = docs[path]
        for error in doc.errors:
            assert error.path == path, f"{error} does not name its own file"
            assert str(error).startswith(path)
        if text is not None:
            matching = [e for e in doc.errors if text in e.what]
            assert matching, f"{path}: expected an error with {text!r}, got {[str(e) for e in doc.errors]}"
            if line is not None:
                assert matching[0].line == line, f"{path}: {matching[0]} should be at line {line}"
    escape = docs[f"{SPRINTS}/SPR-420-iteration-template.md"]
    assert [e.what for e in escape.errors] == ["symlink points outside the repo"]
    assert all(error.path for error in history.errors), "every history error names a file"
    assert not [p for p in opened if Path(p).resolve().is_relative_to(outside.resolve())], "read outside the repo"
    assert tree_snapshot(outside) == before


def test_template_syntax_and_slack_markup_in_docs_stay_plain_text(corpus: tuple[Path, Path]) -> None:
    work, _ = corpus
    docs = {doc.path: doc for doc in scan_sprint_dir(work, load_config(work))}
    doc = docs[f"{SPRINTS}/SPR-411-iteration-template.md"]
    rendered = repr(doc)
    assert "{{ 7*191 }}" in rendered
    assert not any(probe in rendered for probe in TEMPLATE_PROBES)


def test_kb_refresh_over_the_corpus_reports_bad_files_and_stays_inside_the_repo(corpus: tuple[Path, Path]) -> None:
    work, outside = corpus
    before_outside = tree_snapshot(outside)
    out = io.StringIO()
    with opened_files() as opened:
        result = run_refresh_kb(RefreshRequest(str(work)), Effects(notifier=ConsoleNotifier("#sprint", out)))
    assert result.commit is not None and result.pushed
    written = {path: (work / path).read_text(encoding="utf-8") for path in result.pages_written}
    everything = "\n".join(written.values()) + out.getvalue() + repr(result.to_json())
    assert "OUTSIDE-SECRET" not in everything, "content from outside the repo leaked into the KB"
    assert not any(probe in everything for probe in TEMPLATE_PROBES), "doc text was evaluated as a template"
    assert not [p for p in opened if Path(p).resolve().is_relative_to(outside.resolve())], "read outside the repo"
    assert tree_snapshot(outside) == before_outside, "wrote outside the repo"
    issues = "\n".join(result.issues)
    for name, reason in (
        ("SPR-401-page.md", "invalid"),
        ("SPR-405-page.md", "NUL"),
        ("SPR-409-page.md", "UTF-8"),
        ("SPR-406-page.md", "too large"),
    ):
        assert f"{KB}/nasty/{name}" in issues, f"{name} ({reason}) is not reported: {issues}"
    assert f"{KB}/nasty/SPR-401-page.md:3:" in issues, "an invalid YAML page is reported with its line"
    escaped = [line for line in result.issues if "escape" in line]
    assert escaped or f"{KB}/escape.md" not in result.pages_written
    again = run_refresh_kb(RefreshRequest(str(work)), Effects(notifier=ConsoleNotifier("#sprint", io.StringIO())))
    assert again.commit is None and again.pages_written == [], "a re-run over the same bad input changes nothing"


# ------------------------------------------------------------------------------------------------ fuzzing

_lines = st.lists(
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(
            [
                "---",
                "\ufeff---",
                "...",
                "# SPR-1: t",
                "- [ ] A-1: x — @a — 3 SP",
                "title: [",
                "docid: ../../x",
                "{{ x }}",
                "{% raw %}",
                "<!channel>",
                "- **Start Date:** 2026-01-05",
                "## Action items",
                "key: &a [*a]",
                "\x00",
                "\r",
                "</content>",
                "  - - - -",
            ]
        ),
    ),
    max_size=25,
)


@given(_lines, st.sampled_from(["\n", "\r\n"]))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_parse_document_never_raises_and_every_error_names_the_file(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    doc = parse_document(text, "docs/fuzz.md")
    line_count = text.count("\n") + text.count("\r") + 2
    for error in doc.errors:
        assert isinstance(error, SprintDocError)
        assert error.path == "docs/fuzz.md"
        assert error.line is None or 1 <= error.line <= line_count, f"{error} points past the end"


@given(_lines)
@settings(max_examples=300, deadline=None)
def test_split_frontmatter_raises_only_sprint_doc_errors_with_a_line(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        front = split_frontmatter(text, path="x.md")
    except SprintDocError as error:
        assert error.path == "x.md" and error.line is not None
        return
    assert front.body_line >= 1
