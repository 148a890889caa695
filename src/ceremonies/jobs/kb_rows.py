"""INDEX.md and DOC-HEALTH.md row by row: render the rows of the pages a refresh touched, keep the rest from the
cached state, and put each page together in the order its template gives (ceremonies' own templates name their
parts as blocks). A full rebuild renders every row the same way, so both give the same bytes. When the team
overrides one of the two templates, :func:`render_key` is None and the refresh renders the pages whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import tzinfo

from ceremonies import knowledge as kb
from ceremonies.adapters.kb_render import KbRenderer
from ceremonies.knowledge.rows import IssueRow, RowCache, index_groups, kind_counts, sorted_issues

ROW_PAGES = ("index", "doc-health")
"""The templates whose rows are cached."""


def render_key(renderer: KbRenderer, layout: kb.Layout, zone: tzinfo) -> str | None:
    """Return the key of rows rendered by ``renderer`` for ``layout`` in ``zone`` (cached rows of another key are
    rendered again), or None when the team overrides a row template (the pages are then rendered whole)."""
    sources = [renderer.own_template(name) for name in ROW_PAGES]
    if any(source is None for source in sources):
        return None
    digest = hashlib.sha256()
    for part in (*sources, layout.kb_dir, layout.generated_dir, repr(layout.names), str(zone)):
        digest.update(str(part).encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]


def issue_rows(issues: Iterable[kb.HealthIssue], layout: kb.Layout, renderer: KbRenderer) -> list[IssueRow]:
    """Return ``[kind, path, line, message, row]`` of each issue."""
    return [
        [issue.kind, issue.path, issue.line, issue.message,
         renderer.render_block("doc-health", "issue_row", {"issue": kb.issue_row(issue, layout)})]
        for issue in issues
    ]


def updated_rows(
    cache: RowCache | None,
    key: str,
    state: kb.KbState,
    layout: kb.Layout,
    zone: tzinfo,
    renderer: KbRenderer,
    exists: Callable[[str], bool],
    dirty: tuple[set[str], set[str]] | None,
) -> RowCache:
    """Return the row cache with the rows of the ``dirty`` pages (index rows, health rows) rendered again from
    ``state`` (gone pages dropped); every page's rows when ``cache`` or ``dirty`` is None."""
    if cache is None or dirty is None:
        cache, index_dirty, health_dirty = RowCache(key), set(state.pages), set(state.pages)
    else:
        index_dirty, health_dirty = dirty
    index, stale, issues = dict(cache.index), dict(cache.stale), dict(cache.issues)
    docids = state.indexes.docids if state.indexes is not None else {}
    for path in index_dirty:
        page = state.pages.get(path)
        if page is None:
            index.pop(path, None)
            continue
        row = kb.index_row(page, state.history.get(path), layout, zone)
        text = renderer.render_block("index", "page", {"page": row})
        index[path] = [kb.index_folder(page, layout), bool(row["warning"]), text]
    for path in health_dirty:
        page = state.pages.get(path)
        stale.pop(path, None)
        issues.pop(path, None)
        if page is None:
            continue
        history = state.history.get(path)
        found = kb.page_health(page, exists, docids.get(page.docid, []) if page.docid else [], history)
        if found:
            issues[path] = issue_rows(found, layout, renderer)
        late = kb.stale_of(page, history)
        if late is not None:
            text = renderer.render_block("doc-health", "stale_row", {"page": kb.stale_row(late, layout)})
            stale[path] = [late.to_list(), text]
    return RowCache(key, index, stale, issues)


def index_page(rows: RowCache, renderer: KbRenderer) -> str:
    """Return INDEX.md put together from the cached rows (what the whole template renders, byte for byte)."""
    count, warnings, folders = index_groups(rows.index)
    parts = [renderer.render_block("index", "header", {"count": count, "warnings": warnings})]
    for name, texts in folders:
        parts.append(renderer.render_block("index", "folder", {"folder": {"name": name}}))
        parts.extend(texts)
    return "".join(parts).rstrip("\n") + "\n"


def all_issues(rows: RowCache, extra: Sequence[IssueRow]) -> list[IssueRow]:
    """Return every issue row (the pages' and ``extra``: sprint docs, name collisions) in DOC-HEALTH order."""
    return sorted_issues(rows.issues, extra)


def health_page(rows: RowCache, issues: Sequence[IssueRow], pages: int, renderer: KbRenderer) -> str:
    """Return DOC-HEALTH.md put together from the cached rows and ``issues`` (see :func:`all_issues`)."""
    counts = kind_counts(issues)
    header = {"total": len(issues), "pages": pages, "counts": [{"kind": k, "count": n} for k, n in counts.items()]}
    parts = [renderer.render_block("doc-health", "header", header)]
    if rows.stale:
        parts.append(renderer.render_block("doc-health", "stale_head", {}))
        parts.extend(rows.stale[path][1] for path in sorted(rows.stale))
    else:
        parts.append(renderer.render_block("doc-health", "no_stale", {}))
    parts.append(renderer.render_block("doc-health", "issues_head", {}))
    if issues:
        parts.append(renderer.render_block("doc-health", "issues_table", {}))
        parts.extend(row[4] for row in issues)
    else:
        parts.append(renderer.render_block("doc-health", "no_issues", {}))
    return "".join(parts).rstrip("\n") + "\n"


def stale_of_rows(rows: RowCache) -> tuple[kb.Stale, ...]:
    """Return the pages needing review (by path) as the cache holds them."""
    return tuple(kb.Stale.from_list(rows.stale[path][0]) for path in sorted(rows.stale))
