"""The line shapes of sprint docs: scope lines, backlog tables, ceremony timetable lines, sprint references.

Each function reads one line (or one table) already found by heading; none of them scans a whole file.
"""

from __future__ import annotations

import re
from datetime import date, time

from ceremonies.domain.dates import parse_date
from ceremonies.domain.frontmatter import is_placeholder
from ceremonies.domain.model import ONGOING, Ceremony, CeremonyKind, WorkItem, next_label
from ceremonies.domain.outline import Table, plain

_SPRINT_REF = re.compile(
    r"\b(?:Sprint\s+)?(\d{4}-\d{1,3})(?![-\d.])|\b([A-Z][A-Z0-9]{0,9}-\d{1,6})\b|\bSprint\s+(\d{1,4})\b"
)
_ONGOING = re.compile(r"\b(ongoing|continuous|every sprint|all sprints|laufend|permanent|dauerhaft)\b", re.I)
_NEXT_SPRINT = re.compile(r"\b(next sprint|nächste[rn]? sprint|following sprint)\b", re.I)
ITEM_ID = re.compile(r"^(?P<id>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+|#\d+)\s*[:—–-]\s*(?P<title>.+)$", re.DOTALL)
_POINTS = re.compile(r"(?<![\w.])(?P<n>\d+(?:[.,]\d+)?)\s*(?:SP|story\s*points?|pts?\.?|points?|Punkte)(?!\w)", re.I)
CHECKBOX = re.compile(r"^\[(?P<mark>[ xX✓✔])\]\s*")
SEGMENT_SPLIT = re.compile(r"\s+(?:—|–|--|\|)\s+|\s+-\s+(?=@)")
OWNER = re.compile(r"@[\w.\-]*\w")
POINTS_UNIT = r"(?:SP|story\s*points?|pts?\.?|points?|Punkte)"
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_CEREMONY_LINE = re.compile(
    r"^(?P<when>[^:]+?)\s*(?:—|–|-|,)\s*(?P<start>\d{1,2}[:.]\d{2})\s*(?:(?:–|—|-|to|bis)\s*"
    r"(?P<end>\d{1,2}[:.]\d{2}))?\s*(?:Uhr|h)?\s*:?\s+(?P<name>.+?)\.?$"
)
_CEREMONY_NAME_FIRST = re.compile(
    r"^(?P<name>[^:—–]+?)\s*(?::|—|–)\s*(?P<when>[^:]*?[\w.]),?\s+(?P<start>\d{1,2}[:.]\d{2})\s*(?:–|—|-|to|bis)\s*"
    r"(?P<end>\d{1,2}[:.]\d{2})\s*(?:Uhr|h)?\.?$"
)
_CARRIED_MARK = re.compile(r"^carried over\s*[×x]\s*(?P<k>\d+)$", re.I)
_SOURCE_MARK = re.compile(r"^from\s+(?P<source>\S+\s+action\s+\d+)$", re.I)
_RECURRING = re.compile(r"^(daily|every ?day|each day|täglich|weekdays|werktags)$", re.I)


def number_in(text: str) -> float | None:
    """Return the first number in ``text`` (comma decimals accepted), else None."""
    match = NUMBER.search(text)
    return float(match.group().replace(",", ".")) if match else None


def points_in(text: str) -> float | None:
    """Return the story points written in ``text`` (``8 SP``, ``(5 SP)``, ``3 pts``), last mention wins."""
    found = list(_POINTS.finditer(text))
    return float(found[-1]["n"].replace(",", ".")) if found else None


def sprint_ref(text: str, current_key: str | None = None) -> str | None:
    """Return the sprint a text points at: ``2026-13`` (from ``Sprint 2026-13``), a key ``SPR-019``, ONGOING.

    ``next sprint`` resolves to the sprint after ``current_key`` when it is known; otherwise None.
    """
    text = plain(text)
    if _ONGOING.search(text):
        return ONGOING
    if _NEXT_SPRINT.search(text):
        try:
            return next_label(current_key) if current_key else None
        except ValueError:
            return None
    match = _SPRINT_REF.search(text)
    if not match or parse_date(text) is not None:
        return None
    return match.group(1) or match.group(2) or match.group(3)


def owners_in(text: str) -> tuple[str, ...]:
    """Return the ``@owners`` in ``text``; without any ``@``, the names split on ``/ , &`` (placeholders dropped)."""
    found = OWNER.findall(text)
    if found:
        return tuple(dict.fromkeys(found))
    names = [name.strip() for name in re.split(r"[/,&]| and ", plain(text))]
    return tuple(name for name in names if name and not is_placeholder(name) and len(name) <= 40)


def parse_scope_line(text: str, line: int | None = None) -> WorkItem | None:
    """Return the work item in a scope line, or None when the line is not one.

    Shapes: ``[ ] ID: title — @a/@b — 8 SP``, ``[x] title — @a — 3 SP`` (no ID), ``**ID: title** (5 SP)``.
    A line counts when it has a checkbox, an ID or points. Trailing segments ``carried over ×2`` and
    ``from SPR-012-RETRO action 3`` set ``carried`` and ``source``.
    """
    checkbox = CHECKBOX.match(text)
    done = bool(checkbox and checkbox["mark"] != " ")
    body = text[checkbox.end() :] if checkbox else text
    bold = re.match(r"^\s*\*\*(?P<inner>.+?)\*\*(?P<rest>.*)$", body, re.DOTALL)
    head, rest = (bold["inner"], bold["rest"]) if bold else (body, "")
    segments = SEGMENT_SPLIT.split(plain(head))
    head_text, extra = segments[0], [*segments[1:], plain(rest)]
    points = points_in(" ".join(extra)) if points_in(" ".join(extra)) is not None else points_in(head_text)
    title = POINTS_TAIL.sub("", head_text).strip(" —–-:")
    item_id = None
    id_match = ITEM_ID.match(title)
    if id_match:
        item_id, title = id_match["id"], id_match["title"].strip()
    owner_text = " ".join(segment for segment in extra if OWNER.search(segment))
    if not (checkbox or item_id or points is not None) or not title:
        return None
    carried = next((int(m["k"]) for segment in extra if (m := _CARRIED_MARK.match(segment.strip()))), 0)
    source = next((m["source"] for segment in extra if (m := _SOURCE_MARK.match(segment.strip()))), None)
    return WorkItem(
        title=title,
        id=item_id,
        owners=owners_in(owner_text) if owner_text else (),
        points=points,
        done=done,
        line=line,
        carried=carried,
        source=source,
    )


POINTS_TAIL = re.compile(rf"\s*[(\[]?\s*\d+(?:[.,]\d+)?\s*{POINTS_UNIT}\s*[)\]]?\s*[✅✔️]*\s*$", re.I)


_TABLE_COLUMNS = {
    "id": ("id", "key", "ticket", "issue"),
    "title": ("title", "item", "story", "summary", "name", "task", "titel"),
    "owner": ("owner", "owners", "assignee", "who", "verantwortlich"),
    "points": ("est", "estimate", "sp", "points", "story points", "pts", "punkte", "size"),
    "status": ("status", "done", "state"),
}


def _column(header: tuple[str, ...], role: str) -> int | None:
    """Return the index of the table column playing ``role`` (id, title, owner, points, status), else None."""
    names = [plain(cell).lower().strip(" .") for cell in header]
    for wanted in _TABLE_COLUMNS[role]:
        if wanted in names:
            return names.index(wanted)
    return None


def _cell(row: tuple[str, ...], index: int | None) -> str:
    """Return the plain text of cell ``index`` of ``row`` ('' when absent)."""
    return plain(row[index]) if index is not None and index < len(row) else ""


def table_items(table: Table) -> list[WorkItem]:
    """Return the work items of a backlog table with ID/Title/Owner/Est-like columns (none if it has no title)."""
    columns = {role: _column(table.header, role) for role in _TABLE_COLUMNS}
    if columns["title"] is None and columns["id"] is None:
        return []
    items = []
    for row, line in zip(table.rows, table.row_lines, strict=False):
        title = _cell(row, columns["title"]) or _cell(row, columns["id"])
        if not title:
            continue
        status = _cell(row, columns["status"]).lower()
        items.append(
            WorkItem(
                title=title,
                id=_cell(row, columns["id"]) or None,
                owners=owners_in(_cell(row, columns["owner"])),
                points=number_in(_cell(row, columns["points"])),
                done=status in ("done", "x", "✅", "closed", "erledigt", "yes"),
                line=line,
            )
        )
    return items


def ceremony_kind(name: str) -> CeremonyKind:
    """Return the kind of a ceremony by its name: planning, demo/review, retro, refinement, stand-up, other."""
    text = name.lower()
    if "retro" in text:
        return CeremonyKind.RETRO
    if "planning" in text or "planung" in text:
        return CeremonyKind.PLANNING
    if "demo" in text or "sprint review" in text or text.strip(" .") == "review":
        return CeremonyKind.DEMO
    if re.search(r"refinement|grooming|checkpoint", text):
        return CeremonyKind.REFINEMENT
    if re.search(r"stand-?\s?up|daily scrum|daily", text):
        return CeremonyKind.STANDUP
    return CeremonyKind.OTHER


def _clock(text: str | None) -> time | None:
    """Return ``HH:MM`` (or ``HH.MM``) as a time, None when absent; raise ValueError when out of range."""
    if not text:
        return None
    hours, minutes = re.split(r"[:.]", text)
    return time(int(hours), int(minutes))


def parse_ceremony_line(text: str, line: int | None, year: int | None, after: date | None = None) -> Ceremony | None:
    """Return the ceremony in a timetable line such as ``**Mon Apr 13 — 09:30–11:00:** Sprint Planning.``.

    Also ``Sprint Planning: Mon Apr 13, 09:30–11:00`` (name first). ``Daily — 09:15–09:30: Stand-up`` gives
    ``day=None``. A day without a year takes ``year`` (the following year when that would fall well before
    ``after``). Raises ValueError when the line matches but its day/time is bad.
    """
    text = plain(text)
    match = _CEREMONY_LINE.match(text) or _CEREMONY_NAME_FIRST.match(text)
    if not match:
        return None
    when, name = match["when"].strip(), match["name"].strip()
    day = None
    if not _RECURRING.match(when):
        day = parse_date(when, year)
        if day is None:
            raise ValueError(f"cannot read the day {when!r} of ceremony {name!r}")
        if after is not None and year is not None and (after - day).days > 180:
            day = parse_date(when, year + 1)
    return Ceremony(name, ceremony_kind(name), day, _clock(match["start"]) or time(0), _clock(match["end"]), line)
