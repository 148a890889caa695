"""Doc health: every issue of the docs (page issues, duplicate docids, broken links, sprint-doc problems, pages
needing review) and the context of DOC-HEALTH.md."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ceremonies.knowledge.layout import Layout
from ceremonies.knowledge.pages import HealthIssue, KbPage
from ceremonies.knowledge.state import CommitRef, KbState
from ceremonies.knowledge.text import cell, relative_link


@dataclass(frozen=True)
class Stale:
    """A page needing review: its sources changed after its last change."""

    path: str
    owner: str | None
    count: int
    first: CommitRef | None
    last: CommitRef | None


def stale_pages(state: KbState) -> list[Stale]:
    """Return the pages needing review (sorted by path)."""
    out = []
    for path in sorted(state.history):
        item = state.history[path]
        page = state.pages.get(path)
        if page is not None and item.stale_count:
            out.append(Stale(path, page.owner, item.stale_count, item.stale_first, item.stale_last))
    return out


def health_issues(state: KbState, layout: Layout, exists: Callable[[str], bool]) -> list[HealthIssue]:
    """Return every doc health issue sorted by kind, path, line: page issues, duplicate docids, broken links,
    sprint-doc problems and stale pages. ``exists(repo_path)`` says whether a link target exists."""
    issues: list[HealthIssue] = []
    by_docid: dict[str, list[KbPage]] = {}
    for page in state.pages.values():
        issues.extend(page.issues)
        if not page.has_frontmatter and not page.issues:
            issues.append(HealthIssue("no-frontmatter", page.path, 1, "page has no frontmatter (docid, title, owner)"))
        if page.docid:
            by_docid.setdefault(page.docid, []).append(page)
        index_like = page.path.rpartition("/")[2].lower() in ("index.md", "readme.md")
        for link in page.links:
            if link.resolved is None:
                issues.append(
                    HealthIssue("broken-link", page.path, link.line, f"link {link.target!r} points outside the repo")
                )
            elif not exists(link.resolved):
                kind = "index-entry-missing" if index_like else "broken-link"
                issues.append(
                    HealthIssue(
                        kind, page.path, link.line, f"link {link.target!r} points at missing file {link.resolved}"
                    )
                )
    for docid, pages in by_docid.items():
        if len(pages) > 1:
            names = ", ".join(sorted(p.path for p in pages))
            for page in pages:
                issues.append(
                    HealthIssue(
                        "duplicate-docid",
                        page.path,
                        page.docid_line,
                        f"docid {docid!r} is used by {len(pages)} pages: {names}",
                    )
                )
    issues.extend(state.sprints.issues)
    for stale in stale_pages(state):
        newest = stale.last
        what = f"; newest {newest.sha[:8]} {newest.subject!r}" if newest else ""
        issues.append(
            HealthIssue(
                "needs-review",
                stale.path,
                1,
                f"sources changed by {stale.count} merged commit(s) since the page's last change"
                f"{what} (owner {stale.owner or 'unknown'})",
            )
        )
    return sorted(issues, key=lambda i: (i.kind, i.path, i.line or 0, i.message))


def health_context(issues: Sequence[HealthIssue], state: KbState, layout: Layout) -> dict[str, Any]:
    """Return the context of DOC-HEALTH.md: counts per kind, every issue with file:line, stale pages."""
    here = layout.generated_dir
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.kind] = counts.get(issue.kind, 0) + 1
    rows = [
        {
            "kind": issue.kind,
            "where": f"{issue.path}:{issue.line}" if issue.line else issue.path,
            "link": relative_link(here, issue.path),
            "message": cell(issue.message),
        }
        for issue in issues
    ]
    stale = [
        {
            "path": s.path,
            "link": relative_link(here, s.path),
            "owner": cell(s.owner),
            "count": s.count,
            "first": f"`{s.first.sha[:8]}` {cell(s.first.subject)}" if s.first else "—",
            "last": f"`{s.last.sha[:8]}` {cell(s.last.subject)}" if s.last else "—",
        }
        for s in stale_pages(state)
    ]
    return {
        "counts": [{"kind": k, "count": counts[k]} for k in sorted(counts)],
        "issues": rows,
        "total": len(issues),
        "stale": stale,
        "pages": len(state.pages),
    }


def health_counts(issues: Sequence[HealthIssue]) -> dict[str, int]:
    """Return the number of issues per kind (sorted by kind)."""
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.kind] = counts.get(issue.kind, 0) + 1
    return dict(sorted(counts.items()))
