"""The pure KB rules: commit messages, ids, globs, links, page parsing, SLA, state round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ceremonies import knowledge as kb
from ceremonies.domain.commits import FileChange, MergedCommit


def commit(sha: str, subject: str, hours_ago: float, now: datetime, files: tuple[str, ...] = (),
           body: str = "") -> MergedCommit:
    return MergedCommit(sha=sha * 40, date=now - timedelta(hours=hours_ago), author="Dana", author_email="d@x",
                        subject=subject, body=body, files=tuple(FileChange("M", f) for f in files))


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("feat(auth)!: drop v1 login", "", ("feat", "auth", "drop v1 login", True)),
        ("fix: rounding", "", ("fix", None, "rounding", False)),
        ("Update README", "", ("other", None, "Update README", False)),
        ("Merge pull request #5 from team/x", "docs(kb): new page\n\nmore", ("docs", "kb", "new page", False)),
        ("wip(thing): odd type", "", ("other", "thing", "odd type", False)),
    ],
)
def test_conventional_commits(subject: str, body: str, expected: tuple[object, ...]) -> None:
    assert kb.parse_conventional(subject, body) == expected


def test_referenced_ids() -> None:
    text = "feat: ship ML-GOV-001 for SPR-013 per ADR-001, see KB-020 and #123 (UTF-8 safe)"
    assert kb.find_refs(text) == ("ML-GOV-001", "SPR-013", "ADR-001", "KB-020", "#123")


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("src/payments/**", "src/payments/a/b.py", True),
        ("src/payments/**", "src/paymentsx/a.py", False),
        ("src/*.py", "src/a.py", True),
        ("src/*.py", "src/a/b.py", False),
        ("**/*.md", "docs/x/y.md", True),
        ("docs/", "docs/a/b.txt", True),
        ("ceremonies.toml", "ceremonies.toml", True),
    ],
)
def test_source_globs(pattern: str, path: str, matches: bool) -> None:
    assert bool(kb.glob_regex(pattern).match(path)) is matches
    page = kb.KbPage(path="kb/p.md", sources=(pattern,))
    assert (kb.SourceIndex([page]).pages_for(path) == {"kb/p.md"}) is matches


def test_relative_links() -> None:
    assert kb.relative_link(".ai/knowledgebase", ".ai/sprint/SPR-1.md") == "../sprint/SPR-1.md"
    assert kb.relative_link(".ai/knowledgebase", ".ai/knowledgebase/a/b.md") == "a/b.md"
    assert kb.resolve_link("kb/a/p.md", "../b.md#top") == "kb/b.md"
    assert kb.resolve_link("kb/p.md", "../../../x.md") is None
    assert kb.resolve_link("kb/p.md", "/docs/x.md") == "docs/x.md"


def test_page_parsing_reports_problems_with_lines() -> None:
    text = "\ufeff---\ndocid: KB-1\ntitle: T\n---\n---\nstatus: Active\n---\n# T\n\n[a](missing.md) `[no](x)`\n"
    page = kb.parse_kb_page(text, "kb/p.md")
    kinds = {issue.kind: issue.line for issue in page.issues}
    assert kinds["bom"] == 1 and kinds["two-frontmatter-blocks"] == 5 and "missing-keys" in kinds
    assert page.docid_line == 2 and page.status == "Active"
    assert [(link.resolved, link.line) for link in page.links] == [("kb/missing.md", 10)], "inline code is skipped"


def test_broken_yaml_keeps_the_page() -> None:
    page = kb.parse_kb_page("---\ndocid: KB-9\ntitle: [oops\n---\n# Heading\n", "kb/bad.md")
    [issue] = [i for i in page.issues if i.kind == "invalid-yaml"]
    assert issue.path == "kb/bad.md" and issue.line == 3
    assert page.title == "Heading"


def test_sla_report_names_late_commits_only() -> None:
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    bot = MergedCommit("b" * 40, now - timedelta(hours=30), "bot", "b@x", "docs(kb): refresh",
                       trailers=(("KB-Synced-Through", "x"),))
    work = [commit("a", "feat: late", 25, now), commit("c", "fix: fresh", 2, now), bot]
    report = kb.sla_report(work, now, 24, "f" * 40)
    assert report.breached and [c.sha[0] for c in report.late] == ["a"] and report.pending == 2
    assert "aaaaaaaa feat: late" in report.describe()
    first = kb.sla_report(work, now, 24, None)  # no sync point yet: the first sync's history is the baseline
    assert not first.breached and first.baseline == 1 and "baseline" in first.describe()


def test_state_round_trip_and_staleness() -> None:
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    pages = {"kb/p.md": kb.KbPage(path="kb/p.md", owner="@o", sources=("src/**",), blocks=("recent-changes",))}
    state, changed = kb.apply_commits(kb.KbState(), [commit("1", "docs: page", 5, now, ("kb/p.md",)),
                                                     commit("2", "feat: code", 4, now, ("src/a.py",))], pages, "2" * 40)
    assert changed == {"kb/p.md"}
    [stale] = kb.stale_pages(state)
    assert (stale.count, stale.owner, stale.last and stale.last.sha[0]) == (1, "@o", "2")
    restored = kb.KbState.from_dict(state.to_dict())
    assert restored == state
    assert kb.KbState.from_dict({"version": -1}) is None
