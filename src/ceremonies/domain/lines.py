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
_ONGOING = re.compile(
    r"\b(ongoing|continuous|every sprint|all sprints|laufend|permanent|dauerhaft|standing|always)\b", re.I
)
_NEXT_SPRINT = re.compile(
    r"\b(next sprint|nächste[rn]? sprint|following sprint|immediately|asap|right away|sofort|next iteration)\b", re.I
)
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
    names = [name.strip() for name in re.split(r"[/,&;]| and | with ", plain(text))]
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


_OWNER_PARENTHESES = re.compile(r"\s*[-–—]?\s*\((?P<owners>[^()]{1,60})\)\s*$")


def numbered_scope_line(text: str, line: int | None = None) -> WorkItem | None:
    """Return the work item of a numbered scope entry without ID or points, e.g. ``Feature 4: Favorites list -
    (Mahum)`` (owners in trailing parentheses); only the first line counts (the rest is detail). None for blank or
    placeholder text."""
    first = plain(text).split("\n")[0].strip()
    owners: tuple[str, ...] = ()
    match = _OWNER_PARENTHESES.search(first)
    if match:
        owners = owners_in(match["owners"])
        first = first[: match.start()].strip()
    title = first.strip(" —–-:")
    if not title or is_placeholder(title):
        return None
    return WorkItem(title=title, owners=owners, line=line)


POINTS_TAIL = re.compile(rf"\s*[(\[]?\s*\d+(?:[.,]\d+)?\s*{POINTS_UNIT}\s*[)\]]?\s*[✅✔️]*\s*$", re.I)


_TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": (r"^(?:id|key|ticket|#|no\.?|nr\.?|item id|task id|issue id)$", r"^(?:issue|issue #|story)$"),
    "title": (
        r"^(?!.*\b(?:id|#|no\.?)$)(?:title|item|story|summary|name|task|titel|description|user story|deliverable"
        r"|feature|action)\b",
        r"^(?!.*\b(?:id|#|no\.?)$)(?:backlog item|work item|.*\b(?:title|task|item)s?)$",
    ),
    "owner": (r"^(?:owners?|assignees?|who|verantwortlich|responsible|assigned(?: to)?|developer|dev)$",),
    "points": (
        r"^(?:est\.?|estimates?|estimation|sp|points|story points|pts|punkte|size|effort|t-?shirt(?: size)?)\b",
        r"\b(?:story points|points|sp)\b",
    ),
    "status": (r"^(?:status|done|state|progress|stand)$",),
}
DONE_STATUSES = frozenset(
    ("done", "x", "[x]", "✅", "✔", "✔️", "closed", "erledigt", "yes", "completed", "complete", "finished", "merged")
)
OPEN_STATUSES = frozenset(
    (
        "in progress",
        "code review",
        "in review",
        "review",
        "not started",
        "todo",
        "to do",
        "open",
        "blocked",
        "planned",
        "cancelled",
        "canceled",
        "wip",
        "testing",
        "in testing",
        "qa",
        "[ ]",
        "no",
        "offen",
        "in arbeit",
    )
)
_T_SHIRT = re.compile(r"^(?:XXS|XS|S|M|L|XL|XXL)$", re.I)
_FRACTION = re.compile(r"^~?\s*(?P<a>\d+(?:[.,]\d+)?)\s*/\s*(?P<b>\d+(?:[.,]\d+)?)$")


def status_of(text: str) -> str | None:
    """Return the normalized status word of a cell (``Done``, ``In Progress``, ``code review`` → lower case), else
    None when the cell is no known status."""
    value = re.sub(r"\s+", " ", plain(text).strip(" .").lower())
    return value if value in DONE_STATUSES or value in OPEN_STATUSES else None


def points_value(text: str) -> float | None:
    """Return the story points written in an estimate cell: ``3``, ``0.5``, ``82,5``, ``1/2`` (a half), ``~5 SP``;
    None for T-shirt sizes, placeholders and anything else."""
    value = plain(text).strip()
    fraction = _FRACTION.match(value)
    if fraction:
        denominator = float(fraction["b"].replace(",", "."))
        return float(fraction["a"].replace(",", ".")) / denominator if denominator else None
    match = re.match(rf"^~?\s*(?P<n>\d+(?:[.,]\d+)?)\s*(?:{POINTS_UNIT})?$", value, re.I)
    return float(match["n"].replace(",", ".")) if match else None


def t_shirt_size(text: str) -> str | None:
    """Return the T-shirt size in an estimate cell (``S``, ``m``, ``XL`` → upper case), else None."""
    value = plain(text).strip()
    return value.upper() if _T_SHIRT.match(value) else None


def table_columns(header: tuple[str, ...]) -> dict[str, int | None]:
    """Return the index of the column playing each role (id, title, owner, points, status), None when absent.

    Each role's patterns are tried in order, each against the columns left to right; a column plays one role.
    """
    names = [plain(cell).lower().strip(" .:") for cell in header]
    found: dict[str, int | None] = {}
    taken: set[int] = set()
    for role, patterns in _TABLE_COLUMNS.items():
        found[role] = None
        for pattern in patterns:
            index = next((i for i, n in enumerate(names) if i not in taken and re.search(pattern, n)), None)
            if index is not None:
                found[role] = index
                taken.add(index)
                break
    return found


def _cell(row: tuple[str, ...], index: int | None) -> str:
    """Return the plain text of cell ``index`` of ``row`` ('' when absent)."""
    return plain(row[index]) if index is not None and 0 <= index < len(row) else ""


def _aligned(row: tuple[str, ...], width: int, after: int) -> tuple[str, ...]:
    """Return ``row`` shifted back into a ``width``-column table: cells written beyond (or missing before) the
    header are taken to be right after column ``after`` (a ``User Story ID`` the header lacks, or leaves out)."""
    cells = list(row)
    while len(cells) > width and re.fullmatch(r"[`'\s]*", cells[-1]):
        cells.pop()  # a stray trailing `|` or backtick
    if len(cells) > width:
        extra = len(cells) - width
        return (*cells[: after + 1], *cells[after + 1 + extra :])
    if len(cells) < width:
        missing = width - len(cells)
        return (*cells[: after + 1], *([""] * missing), *cells[after + 1 :])
    return tuple(cells)


def table_items(table: Table) -> list[WorkItem]:
    """Return the work items of a backlog table with ID/Title/Owner/Est/Status-like columns (none if it has no
    title or id column).

    Points may be ``1/2`` or ``0.5``; a T-shirt size (``S``/``M``/``L``) goes to ``size``; ``status`` is the
    status cell as written (``Done`` → ``done=True``). Rows with extra or missing cells are realigned.
    """
    columns = table_columns(table.header)
    if columns["title"] is None and columns["id"] is None:
        return []
    anchor = columns["id"] if columns["id"] is not None else 0
    items = []
    for written, line in zip(table.rows, table.row_lines, strict=False):
        row = _aligned(written, len(table.header), anchor)
        title = _cell(row, columns["title"]) or _cell(row, columns["id"])
        if not title or is_placeholder(title):
            continue
        status_text = _cell(row, columns["status"])
        status = status_of(status_text)
        estimate = _cell(row, columns["points"])
        items.append(
            WorkItem(
                title=title,
                id=_cell(row, columns["id"]).lstrip("#").strip() or None,
                owners=owners_in(_cell(row, columns["owner"])),
                points=points_value(estimate),
                done=status in DONE_STATUSES,
                line=line,
                status=status_text or None,
                size=t_shirt_size(estimate),
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
