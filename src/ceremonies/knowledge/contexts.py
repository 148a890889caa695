"""Template contexts of the generated pages INDEX, WHATS-NEW and SPRINT-HISTORY (DOC-HEALTH: :mod:`.health`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any

from ceremonies.knowledge.commits import TYPE_TITLES, summarize
from ceremonies.knowledge.layout import Layout
from ceremonies.knowledge.pages import KbPage
from ceremonies.knowledge.sprints import SprintRow, sprint_of
from ceremonies.knowledge.state import WHATS_NEW_LIMIT, KbState, PageHistory
from ceremonies.knowledge.text import cell, points, relative_link, short_date


def _link_ref(ref: str, docs: Mapping[str, str], from_dir: str) -> str:
    """Return ``ref`` as a markdown link to its doc when known, else as plain text."""
    target = docs.get(ref)
    return f"[{ref}]({relative_link(from_dir, target)})" if target else ref


def id_docs(state: KbState) -> dict[str, str]:
    """Return id → repo path for every known id: sprint keys/numbers, scope items, KB page docids (first page by
    path wins; looked up in the state's docid index when it has one)."""
    if state.indexes is not None:
        return {**state.indexes.first_with_docid(), **state.sprints.docs}
    docs = dict(state.sprints.docs)
    for page in sorted(state.pages.values(), key=lambda p: p.path):
        if page.docid and page.docid not in docs:
            docs[page.docid] = page.path
    return docs


def index_folder(page: KbPage, layout: Layout) -> str:
    """Return the INDEX.md section of ``page``: its folder below the KB dir, ``(top level)`` for none."""
    folder = page.folder[len(layout.kb_dir) + 1 :] if page.folder.startswith(layout.kb_dir + "/") else ""
    return folder or "(top level)"


def index_row(page: KbPage, history: PageHistory | None, layout: Layout, zone: tzinfo) -> dict[str, str]:
    """Return the INDEX.md row of ``page``: link, name, docid, title, owner, status, last change, warning."""
    last = history.last if history else None
    warning = "" if page.has_frontmatter else "⚠ no frontmatter"
    if any(issue.kind == "invalid-yaml" for issue in page.issues):
        warning = "⚠ invalid YAML"
    return {
        "link": relative_link(layout.generated_dir, page.path),
        "name": cell(page.path.rpartition("/")[2]),
        "docid": cell(page.docid),
        "title": cell(page.title),
        "owner": cell(page.owner),
        "status": cell(page.status),
        "changed": short_date(last.date, zone) if last else "—",
        "warning": warning,
    }


def index_context(state: KbState, layout: Layout, zone: tzinfo) -> dict[str, Any]:
    """Return the template context of INDEX.md: pages grouped by folder, sorted by path, with last change dates."""
    folders: dict[str, list[dict[str, str]]] = {}
    warnings = 0
    for path in sorted(state.pages):
        page = state.pages[path]
        row = index_row(page, state.history.get(path), layout, zone)
        warnings += bool(row["warning"])
        folders.setdefault(index_folder(page, layout), []).append(row)
    groups = [{"name": name, "pages": folders[name]} for name in sorted(folders)]
    return {"folders": groups, "count": len(state.pages), "warnings": warnings}


def whats_new_context(state: KbState, layout: Layout, zone: tzinfo) -> dict[str, Any]:
    """Return the context of WHATS-NEW.md: recent merged work by sprint window, then day, then type (newest first)."""
    here = layout.generated_dir
    docs = id_docs(state)
    sprints: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for commit in reversed(state.work):
        local = commit.date.astimezone(zone)
        row = sprint_of(local.date(), state.sprints.rows)
        label = row.label if row else "Outside any sprint window"
        if label not in sprints:
            window = f"{row.start.isoformat()} – {row.end.isoformat()}" if row and row.start and row.end else ""
            link = relative_link(here, row.path) if row and row.path else ""
            heading = f"[{label}]({link})" if link else label
            sprints[label] = {
                "label": label,
                "window": window,
                "link": link,
                "days": {},
                "heading": heading + (f" ({window})" if window else ""),
            }
            order.append(label)
        days = sprints[label]["days"]
        day = days.setdefault(local.date().isoformat(), {})
        work = summarize(commit)
        refs = [_link_ref(ref, docs, here) for ref in work.refs]
        scope = f"**{work.scope}:** " if work.scope else ""
        breaking = " ⚠ BREAKING" if work.breaking else ""
        line = f"{scope}{cell(work.title)}{breaking} (`{commit.short}`, {cell(commit.author)})"
        if refs:
            line += " — " + ", ".join(refs)
        day.setdefault(work.type, []).append(line)
    groups = []
    for label in order:
        entry = sprints[label]
        days = [
            {
                "date": day,
                "types": [
                    {"title": TYPE_TITLES[kind], "entries": items[kind]} for kind in TYPE_TITLES if kind in items
                ],
            }
            for day, items in sorted(entry["days"].items(), reverse=True)
        ]
        groups.append({**entry, "days": days})
    return {"sprints": groups, "count": len(state.work), "limit": WHATS_NEW_LIMIT}


def velocity_chart(rows: Sequence[SprintRow]) -> str:
    """Return a Mermaid ``xychart-beta`` of planned (bars) vs delivered (line) story points per sprint."""
    shown = [row for row in rows if row.planned is not None or row.delivered is not None]
    if not shown:
        return ""
    labels = ", ".join(f'"{row.label}"' for row in shown)
    planned = ", ".join(points(row.planned or 0) for row in shown)
    delivered = ", ".join(points(row.delivered or 0) for row in shown)
    top = max(max(row.planned or 0, row.delivered or 0) for row in shown)
    return "\n".join(
        [
            "xychart-beta",
            '    title "Velocity: planned (bars) vs delivered (line) story points"',
            f"    x-axis [{labels}]",
            f'    y-axis "Story points" 0 --> {points(float(int(top * 1.2) + 1))}',
            f"    bar [{planned}]",
            f"    line [{delivered}]",
        ]
    )


def sprint_history_context(state: KbState, layout: Layout) -> dict[str, Any]:
    """Return the context of SPRINT-HISTORY.md: every sprint (newest first) and the velocity chart (oldest first)."""
    here = layout.generated_dir
    sprints = []
    for row in reversed(state.sprints.rows):
        sprints.append(
            {
                "label": cell(row.label),
                "link": relative_link(here, row.path) if row.path else "",
                "start": row.start.isoformat() if row.start else "—",
                "end": row.end.isoformat() if row.end else "—",
                "goals": list(row.goals),
                "planned": points(row.planned),
                "delivered": points(row.delivered),
                "done": list(row.done),
                "carried": list(row.carried),
                "dropped": list(row.dropped),
                "open": list(row.open),
            }
        )
    return {"sprints": sprints, "chart": velocity_chart(state.sprints.rows), "count": len(sprints)}
