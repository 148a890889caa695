"""Links the KB writes to pages whose paths have spaces, parentheses or non-ASCII letters are percent-encoded, so
CommonMark (markdown-it) reads them as links to the right file; the health check reads them back as existing."""

from __future__ import annotations

import io
import urllib.parse
from datetime import datetime
from pathlib import Path

from kb_team_files import team_files
from markdown_it import MarkdownIt

from ceremonies import knowledge as kb
from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.jobs.recipe import Effects
from ceremonies.jobs.refresh_kb import RefreshRequest, run_refresh_kb
from support.gitrepo import make_team_repo

KB = ".ai/knowledgebase"
ODD = [f"{KB}/guides/my notes.md", f"{KB}/Übersicht (neu).md", f"{KB}/a#b/c d.md"]


def _page(docid: str, title: str) -> str:
    return f"---\ndocid: {docid}\ntitle: {title}\nowner: '@x'\nstatus: Active\n---\n\n# {title}\n"


def _hrefs(markdown: str) -> list[str]:
    """Return the href of every link markdown-it finds in ``markdown``."""
    found = []
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        for child in token.children or []:
            if child.type == "link_open":
                found.append(str(child.attrs["href"]))
    return found


def test_relative_link_encodes_what_commonmark_needs() -> None:
    assert kb.relative_link("kb", "kb/guides/my notes.md") == "guides/my%20notes.md"
    assert kb.relative_link("kb/x", "kb/Ü (1).md") == "../%C3%9C%20%281%29.md"
    assert kb.relative_link("kb", "kb/plain-name_1.md") == "plain-name_1.md"
    assert kb.resolve_link("kb/INDEX.md", "guides/my%20notes.md") == "kb/guides/my notes.md"


def test_index_links_to_pages_with_spaces_and_non_ascii_render_as_links(tmp_path: Path) -> None:
    pages = {path: _page(f"KB-{700 + i}", f"Odd {i}") for i, path in enumerate(ODD)}
    team = make_team_repo(tmp_path, {**team_files(), **pages}, message="docs", date="2026-03-03T10:00:00+01:00")
    result = run_refresh_kb(
        RefreshRequest(str(team.work), now=datetime.fromisoformat("2026-03-17T12:00:00+01:00")),
        Effects(notifier=ConsoleNotifier("#kb", io.StringIO())),
    )
    index = (team.work / KB / "INDEX.md").read_text(encoding="utf-8")
    targets = {urllib.parse.unquote(href) for href in _hrefs(index)}
    for path in ODD:
        assert path.removeprefix(KB + "/") in targets, f"{path} is not a link in INDEX.md"
    assert not [i for i in result.issues if "Odd" in i or "notes" in i]
    health = (team.work / KB / "DOC-HEALTH.md").read_text(encoding="utf-8")
    odd_broken = [line for line in health.splitlines() if "broken-link" in line and ("notes" in line or "neu" in line)]
    assert odd_broken == [], odd_broken
