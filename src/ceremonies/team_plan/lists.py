"""Scope lines in the team's own list style: a table with their columns, or list items (ordered, checkboxes)
with owners, points and backlinks. Pure: entries in, markdown lines out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ceremonies.domain.model import WorkItem
from ceremonies.domain.outline import plain
from ceremonies.ledger import points_text
from ceremonies.planning import owners_text

_ID_COLUMN = re.compile(r"^(?:#|id|key|ticket|issue)$", re.I)
_TITLE_COLUMN = re.compile(r"title|item|story|task|description|summary|deliverable|what", re.I)
_POINTS_COLUMN = re.compile(r"estimat|points|\bsp\b|est\.?|size|effort", re.I)
_OWNER_COLUMN = re.compile(r"owner|assignee|who|responsible", re.I)
_NOTE_COLUMN = re.compile(r"note|source|comment|origin", re.I)


@dataclass(frozen=True)
class ListStyle:
    """How a section lists things: as a table (its header) or as list items (ordered, checkboxes)."""

    header: tuple[str, ...] = ()
    ordered: bool = False
    checkbox: bool = False


def list_style(lines: list[str]) -> ListStyle | None:
    """Return how ``lines`` list things (the first table, else the first list items), None when they do not."""
    for index, line in enumerate(lines):
        if line.strip().startswith("|") and index + 1 < len(lines) and re.match(r"^\s*\|?\s*:?-{2,}", lines[index + 1]):
            cells = tuple(cell.strip() for cell in line.strip().strip("|").split("|"))
            return ListStyle(header=cells)
    items = [line for line in lines if re.match(r"^\s*(?:[-*+]|\d+[.)])\s+", line)]
    if not items:
        return None
    return ListStyle(ordered=bool(re.match(r"^\s*\d", items[0])), checkbox=any("[ ]" in i or "[x]" in i for i in items))


def _cell(text: str) -> str:
    """Return ``text`` fit for one table cell (one line, pipes escaped)."""
    return re.sub(r"\s+", " ", text).replace("|", "\\|").strip()


@dataclass(frozen=True)
class Entry:
    """One scope line: the item and its backlink (markdown link to the retro, or ``carried over ×k``)."""

    item: WorkItem
    link: str


def _first(header: tuple[str, ...], pattern: re.Pattern[str], taken: set[int]) -> int | None:
    """Return the index of the first column of ``header`` matching ``pattern`` and not yet taken."""
    return next((i for i, name in enumerate(header) if i not in taken and pattern.search(plain(name))), None)


_EXACT_TITLE = re.compile(r"^(?:title|item|name|task|story|summary|description|deliverable)s?\b", re.I)


def table_columns(header: tuple[str, ...]) -> dict[str, int]:
    """Return role (``id``, ``title``, ``points``, ``owner``, ``note``) → column index of a scope table's header;
    an exact ``Title``/``Item`` column wins over one that only mentions a story (``User Story ID``)."""
    roles: dict[str, int] = {}
    for role, pattern in (
        ("id", _ID_COLUMN),
        ("title", _EXACT_TITLE),
        ("title", _TITLE_COLUMN),
        ("points", _POINTS_COLUMN),
        ("owner", _OWNER_COLUMN),
        ("note", _NOTE_COLUMN),
    ):
        if role in roles:
            continue
        index = _first(header, pattern, set(roles.values()))
        if index is not None and not (role == "title" and re.search(r"\bid\b|#", header[index], re.I)):
            roles[role] = index
    roles.setdefault("title", min(1, len(header) - 1) if "id" in roles else 0)
    return roles


def _table_row(entry: Entry, header: tuple[str, ...]) -> str:
    """Return ``entry`` as a row of a table with ``header``: ID, title, points, owner by column name; the backlink
    in a notes/source column when there is one, else after the title."""
    item = entry.item
    columns = table_columns(header)
    cells = [""] * len(header)
    if "id" in columns and item.id:
        cells[columns["id"]] = _cell(item.id)
    title = item.title if "note" in columns or not entry.link else f"{item.title} ({entry.link})"
    cells[columns["title"]] = _cell(title)
    if "points" in columns and item.points is not None:
        cells[columns["points"]] = points_text(item.points)
    if "owner" in columns and item.owners:
        cells[columns["owner"]] = owners_text(item.owners)
    if "note" in columns and entry.link:
        cells[columns["note"]] = _cell(entry.link)
    return "| " + " | ".join(cells) + " |"


def _list_line(entry: Entry, style: ListStyle, number: int) -> str:
    """Return ``entry`` as a list item in ``style``: ``- [ ] ID: title (@a) — link``."""
    item = entry.item
    marker = f"{number}." if style.ordered else "-"
    box = "[ ] " if style.checkbox else ""
    generated = bool(item.id and item.source and re.search(r"-RETRO-\d+$", item.id))
    text = f"{item.id}: {item.title}" if item.id and not generated else item.title
    if item.owners:
        text += f" ({owners_text(item.owners)})"
    if item.points is not None:
        text += f" — {points_text(item.points)} SP"
    if entry.link:
        text += f" — {entry.link}"
    text = re.sub(r"\s+", " ", text)
    return f"{marker} {box}{text}"


def render_entries(entries: list[Entry], style: ListStyle | None) -> list[str]:
    """Return the lines listing ``entries`` in ``style`` (a table keeps its header; default: a bullet list)."""
    style = style or ListStyle()
    if style.header:
        header = style.header
        return [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" for _ in header) + "|",
            *(_table_row(entry, header) for entry in entries),
        ]
    return [_list_line(entry, style, number) for number, entry in enumerate(entries, start=1)]
