"""Doc health: every issue of the docs (page issues, duplicate docids, broken links, sprint-doc problems, pages
needing review) and the context of DOC-HEALTH.md."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ceremonies.knowledge.layout import Layout
from ceremonies.knowledge.pages import HealthIssue, KbPage
from ceremonies.knowledge.state import CommitRef, KbState, PageHistory
from ceremonies.knowledge.text import cell, relative_link


@dataclass(frozen=True)
class Stale:
    """A page needing review: its sources changed after its last change."""

    path: str
    owner: str | None
    count: int
    first: CommitRef | None
    last: CommitRef | None

    def to_list(self) -> list[Any]:
        """Return a JSON-ready list (see :meth:`from_list`)."""
        first = [self.first.sha, self.first.date, self.first.author, self.first.subject] if self.first else None
        last = [self.last.sha, self.last.date, self.last.author, self.last.subject] if self.last else None
        return [self.path, self.owner, self.count, first, last]

    @classmethod
    def from_list(cls, data: Sequence[Any]) -> Stale:
        """Return the stale page stored by :meth:`to_list`."""
        first, last = (CommitRef(*ref) if ref else None for ref in (data[3], data[4]))
        return cls(data[0], data[1], data[2], first, last)


def stale_of(page: KbPage, history: PageHistory | None) -> Stale | None:
    """Return ``page`` as a page needing review when merged work touched its sources since its last change."""
    if history is None or not history.stale_count:
        return None
    return Stale(page.path, page.owner, history.stale_count, history.stale_first, history.stale_last)


def stale_pages(state: KbState) -> list[Stale]:
    """Return the pages needing review (sorted by path)."""
    out = []
    for path in sorted(state.history):
        page = state.pages.get(path)
        stale = stale_of(page, state.history[path]) if page is not None else None
        if stale is not None:
            out.append(stale)
    return out


def page_health(
    page: KbPage, exists: Callable[[str], bool], docid_pages: Sequence[str], history: PageHistory | None
) -> list[HealthIssue]:
    """Return the doc health issues of one page: its own (frontmatter, blocks), no frontmatter, broken links,
    a docid other pages use too (``docid_pages``: every page with the page's docid) and needing review."""
    issues = list(page.issues)
    if not page.has_frontmatter and not page.issues:
        issues.append(HealthIssue("no-frontmatter", page.path, 1, "page has no frontmatter (docid, title, owner)"))
    index_like = page.path.rpartition("/")[2].lower() in ("index.md", "readme.md")
    for link in page.links:
        if link.resolved is None:
            issues.append(
                HealthIssue("broken-link", page.path, link.line, f"link {link.target!r} points outside the repo")
            )
        elif not exists(link.resolved):
            kind = "index-entry-missing" if index_like else "broken-link"
            issues.append(
                HealthIssue(kind, page.path, link.line, f"link {link.target!r} points at missing file {link.resolved}")
            )
    if page.docid and len(docid_pages) > 1:
        names = ", ".join(sorted(docid_pages))
        what = f"docid {page.docid!r} is used by {len(docid_pages)} pages: {names}"
        issues.append(HealthIssue("duplicate-docid", page.path, page.docid_line, what))
    stale = stale_of(page, history)
    if stale is not None:
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
    return issues


def health_issues(state: KbState, layout: Layout, exists: Callable[[str], bool]) -> list[HealthIssue]:
    """Return every doc health issue sorted by kind, path, line: each page's (:func:`page_health`) and the
    sprint-doc problems. ``exists(repo_path)`` says whether a link target exists."""
    by_docid: dict[str, list[str]] = {}
    for page in state.pages.values():
        if page.docid:
            by_docid.setdefault(page.docid, []).append(page.path)
    issues: list[HealthIssue] = []
    for page in state.pages.values():
        mates = by_docid.get(page.docid, []) if page.docid else []
        issues.extend(page_health(page, exists, mates, state.history.get(page.path)))
    issues.extend(state.sprints.issues)
    return sorted(issues, key=lambda i: (i.kind, i.path, i.line or 0, i.message))


def issue_row(issue: HealthIssue, layout: Layout) -> dict[str, str]:
    """Return the DOC-HEALTH.md row of ``issue``: kind, file:line, link, message."""
    return {
        "kind": issue.kind,
        "where": f"{issue.path}:{issue.line}" if issue.line else issue.path,
        "link": relative_link(layout.generated_dir, issue.path),
        "message": cell(issue.message),
    }


def stale_row(stale: Stale, layout: Layout) -> dict[str, Any]:
    """Return the DOC-HEALTH.md "needs review" row of ``stale``."""
    return {
        "path": stale.path,
        "link": relative_link(layout.generated_dir, stale.path),
        "owner": cell(stale.owner),
        "count": stale.count,
        "first": f"`{stale.first.sha[:8]}` {cell(stale.first.subject)}" if stale.first else "—",
        "last": f"`{stale.last.sha[:8]}` {cell(stale.last.subject)}" if stale.last else "—",
    }


def health_context(issues: Sequence[HealthIssue], state: KbState, layout: Layout) -> dict[str, Any]:
    """Return the context of DOC-HEALTH.md: counts per kind, every issue with file:line, stale pages."""
    counts = health_counts(issues)
    return {
        "counts": [{"kind": k, "count": counts[k]} for k in counts],
        "issues": [issue_row(issue, layout) for issue in issues],
        "total": len(issues),
        "stale": [stale_row(stale, layout) for stale in stale_pages(state)],
        "pages": len(state.pages),
    }


def health_counts(issues: Sequence[HealthIssue]) -> dict[str, int]:
    """Return the number of issues per kind (sorted by kind)."""
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.kind] = counts.get(issue.kind, 0) + 1
    return dict(sorted(counts.items()))
