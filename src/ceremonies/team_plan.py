"""The next plan in the team's own shape: their headings in their order, their fields, their date format, scope as
a table when theirs is one. Pure: the outline text (their plan form, else their last plan) and the plan in, markdown
out; no I/O, no clock.

Rules, in the words of the doc they produce:

* the title and the ``Label: value`` lines before the first section keep their order; the sprint number, name
  and key are the new sprint's; a date line (``Timespan: a – b``, ``Dates: Thu a to Wed b. Review: c``) gets the
  new start and end in the same format, later dates on it move by as much as the start did; other values are kept
  from the last plan (empty in a blank form);
* each section keeps its heading; the carry-over section (``Previous Sprint Backlog``, ``Carried over``) gets the
  unfinished items, the first scope section (``Sprint Backlog``, ``Planned Items``, ``Added User Stories``) the
  retro actions aimed at this sprint, each with a link back to its retro; a standing/DoD section the standing
  actions; every other section is left for the team (a blank form's text is kept, a last plan's text is not);
* a plan with no date line gets ``**Dates:** start → end`` under its title (the next run reads its dates back);
  actions aimed later, open follow-ups and the planner's warnings go in sections at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePosixPath

from ceremonies.domain.dates import format_date, parse_date, short_weekday
from ceremonies.domain.model import RetroAction, WorkItem
from ceremonies.domain.outline import plain
from ceremonies.planning import NextSprintPlan, owners_text, points_text

PLACEHOLDER = "<!-- to be filled in at sprint planning -->"

_HEADING = re.compile(r"^(?P<marks>#{1,6})\s+(?P<title>.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_FIELD = re.compile(
    r"^(?P<lead>\s*(?:[-*+]\s+)?(?:\*\*|__)?)(?P<label>[^:*_\n|]{1,40}?)(?P<mid>(?:\*\*|__)?:(?:\*\*|__)?\s*)"
    r"(?P<value>.*)$"
)
_CARRY = re.compile(r"previous|carr(?:y|ied)|unfinished|left ?over|spill", re.I)
_SCOPE = re.compile(r"scope|backlog|items|stor(?:y|ies)|tasks|committed|commitment|to-?do|deliverables|work", re.I)
_NOT_SCOPE = re.compile(r"product backlog|out of scope|explanation|selection|chart|burn", re.I)
_RETRO_PLACE = re.compile(r"retro|improvement|kaizen|action", re.I)
_STANDING = re.compile(r"definition of done|\bdod\b|standing|working agreement", re.I)
_NUMBER_LABEL = re.compile(r"^sprint\s*(?:number|no\.?|nr\.?|#)$|^number$", re.I)
_NAME_LABEL = re.compile(r"^sprint(?:\s*name)?$", re.I)
_KEY_LABEL = re.compile(r"^(?:sprint\s*)?(?:key|id|docid)$", re.I)
_DATES_LABEL = re.compile(r"^(?:sprint\s*)?(?:timespan|dates|period|zeitraum|timeline|when)\b", re.I)
_DURATION_LABEL = re.compile(r"^(?:sprint\s*)?(?:duration|dauer|length)\b", re.I)
_START_LABEL = re.compile(r"^(?:sprint\s*)?start(?:\s*date)?$|^beginn", re.I)
_END_LABEL = re.compile(r"^(?:sprint\s*)?end(?:\s*date)?$|^ende", re.I)
_DATE_TOKEN = re.compile(
    r"(?P<wd>\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?"
    r"(?P<date>\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}|\d{1,2}/\d{1,2}/\d{4}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4})"
)
_ID_COLUMN = re.compile(r"^(?:#|id|key|ticket|issue)$", re.I)
_TITLE_COLUMN = re.compile(r"title|item|story|task|description|summary|deliverable|what", re.I)
_POINTS_COLUMN = re.compile(r"estimat|points|\bsp\b|est\.?|size|effort", re.I)
_OWNER_COLUMN = re.compile(r"owner|assignee|who|responsible", re.I)
_NOTE_COLUMN = re.compile(r"note|source|comment|origin", re.I)


@dataclass
class Part:
    """One heading and its body lines (the part before the first heading has ``title`` None)."""

    title: str | None
    marks: str
    lines: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """Return the heading line."""
        return f"{self.marks} {self.title}"


def split_parts(text: str) -> list[Part]:
    """Return ``text`` (frontmatter removed) as parts by heading; headings inside code fences do not split."""
    parts = [Part(None, "")]
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        found = None if fenced else _HEADING.match(line)
        if found:
            parts.append(Part(found["title"], found["marks"]))
        else:
            parts[-1].lines.append(line)
    return parts


def frontmatter_blocks(text: str) -> tuple[list[str], str]:
    """Return the leading YAML frontmatter blocks of ``text`` (their inner lines joined) and the body after them
    (a BOM before or between the blocks is dropped)."""
    rest = text.lstrip("\ufeff")
    blocks: list[str] = []
    while True:
        found = re.match(r"^\s*---\s*\n(.*?)\n---\s*(?:\n|$)", rest, re.DOTALL)
        if not found:
            return blocks, rest.lstrip("\ufeff")
        blocks.append(found.group(1))
        rest = rest[found.end() :].lstrip("\n").lstrip("\ufeff")


def strip_frontmatter(text: str) -> str:
    """Return ``text`` without leading YAML frontmatter blocks (and a BOM before them)."""
    return frontmatter_blocks(text)[1]


_YAML_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)(?P<sep>\s*:\s*)(?P<value>.*)$")
_YAML_KEY = {"docid", "id", "key", "sprint", "sprint_key"}
_YAML_START = {"start", "start_date", "sprint_start"}
_YAML_END = {"end", "end_date", "sprint_end"}


def _frontmatter(text: str, ident: Identity) -> list[str]:
    """Return the team's real frontmatter block (the last one: a generated placeholder may come first) set for the
    new sprint: key fields get the new key, dates the new dates, other values renumbered; [] without one."""
    blocks, _ = frontmatter_blocks(text)
    if not blocks:
        return []
    out = ["---"]
    for line in blocks[-1].splitlines():
        found = _YAML_LINE.match(line)
        if not found:
            out.append(_renumber(line, ident))
            continue
        key, sep, value = found["key"], found["sep"], found["value"]
        lower = key.lower()
        quote = value[:1] if value[:1] in "\"'" else ""
        if lower in _YAML_KEY and ident.key:
            out.append(f"{key}{sep}{quote}{ident.key}{quote}")
        elif lower in _YAML_START or lower in _YAML_END:
            day = ident.start if lower in _YAML_START else ident.end
            out.append(f"{key}{sep}{quote}{day.isoformat()}{quote}")
        else:
            out.append(f"{key}{sep}{_renumber(value, ident)}")
    return [*out, "---", ""]


# ------------------------------------------------------------------------------------------------ dates


def date_writer(sample: str) -> Callable[[date], str]:
    """Return a function writing a date like the first date in ``sample`` (ISO when it has none)."""
    found = _DATE_TOKEN.search(sample)
    if found is None:
        return lambda day: day.isoformat()
    text, weekday = found["date"], found["wd"]

    def with_weekday(formatted: str, day: date) -> str:
        """Return ``formatted`` with the weekday in front when the sample had one."""
        return f"{short_weekday(day)} {formatted}" if weekday else formatted

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return lambda day: with_weekday(day.isoformat(), day)
    if "." in text:
        padded = bool(re.match(r"0\d\.|\d\d\.0\d", text)) or len(text) == 10
        return lambda day: with_weekday(
            f"{day.day:02d}.{day.month:02d}.{day.year}" if padded else f"{day.day}.{day.month}.{day.year}", day
        )
    if "/" in text:
        return lambda day: with_weekday(f"{day.month:02d}/{day.day:02d}/{day.year}", day)
    return lambda day: with_weekday(format_date(day, "us"), day)


_SHORT_RANGE = re.compile(
    r"(?P<m1>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?) (?P<d1>\d{1,2})(?P<sep>\s*[-–—]\s*|\s+to\s+)"
    r"(?P<m2>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? )?(?P<d2>\d{1,2}), (?P<y>\d{4})"
)


def _short_range(start: date, end: date, sep: str) -> str:
    """Return ``Jan 21 - Feb 4, 2026`` (the start's year too when the years differ)."""
    first = f"{start:%b} {start.day}" + (f", {start.year}" if start.year != end.year else "")
    return f"{first}{sep}{end:%b} {end.day}, {end.year}"


def redate(line: str, start: date, end: date) -> str:
    """Return ``line`` with its first date set to ``start``, its second to ``end`` and later ones moved by as much
    as the start moved (each written the way the line writes it); ``Jan 21 - Feb 4, 2026`` is one range."""
    short = _SHORT_RANGE.search(line)
    if short is not None:
        return line[: short.start()] + _short_range(start, end, short["sep"]) + line[short.end() :]
    tokens = list(_DATE_TOKEN.finditer(line))
    if not tokens:
        return line
    first = parse_date(tokens[0]["date"])
    shift = (start - first) if first else timedelta(0)
    out, last = [], 0
    for index, token in enumerate(tokens):
        old = parse_date(token["date"])
        new = start if index == 0 else end if index == 1 else (old + shift if old else None)
        out.append(line[last : token.start()])
        out.append(date_writer(token.group(0))(new) if new else token.group(0))
        last = token.end()
    out.append(line[last:])
    return "".join(out)


def shift_dates(text: str, by: timedelta) -> str:
    """Return ``text`` with every date moved by ``by`` (each written the way the text writes it)."""

    def moved(token: re.Match[str]) -> str:
        """Return one date token moved."""
        old = parse_date(token["date"])
        return date_writer(token.group(0))(old + by) if old else token.group(0)

    return _DATE_TOKEN.sub(moved, text)


# ------------------------------------------------------------------------------------------------ the details block


@dataclass(frozen=True)
class Identity:
    """What the details block says about the new sprint."""

    number: str
    name: str
    key: str
    old_numbers: tuple[str, ...]
    old_key: str | None
    start: date
    end: date
    date_sample: str
    shift: timedelta | None = None
    """How far the new sprint starts after the previous one (None when the previous had no dates)."""


def _field_line(line: str, ident: Identity, previous: dict[str, str]) -> tuple[str, bool]:
    """Return ``line`` with its value set for the new sprint, and whether it holds the dates."""
    found = _FIELD.match(line)
    if not found or ":" not in found["mid"]:
        return _renumber(line, ident), False
    label = plain(found["label"]).strip()
    value = found["value"]
    head = found["lead"] + found["label"] + found["mid"]
    spacer = "" if head.endswith(" ") else " "
    if _NUMBER_LABEL.match(label):
        return f"{head}{spacer}{ident.number}", False
    if _KEY_LABEL.match(label):
        return f"{head}{spacer}{ident.key}", False
    if _NAME_LABEL.match(label):
        return f"{head}{spacer}{ident.name}", False
    if _START_LABEL.match(label):
        return f"{head}{spacer}{date_writer(value or ident.date_sample)(ident.start)}", True
    if _END_LABEL.match(label):
        return f"{head}{spacer}{date_writer(value or ident.date_sample)(ident.end)}", True
    if _DATES_LABEL.search(label) or (_DURATION_LABEL.search(label) and _DATE_TOKEN.search(value)):
        if _DATE_TOKEN.search(value):
            return f"{head}{spacer}{redate(value, ident.start, ident.end)}".rstrip(), True
        writer = date_writer(ident.date_sample)
        return f"{head}{spacer}{writer(ident.start)} – {writer(ident.end)}", True
    if _DATE_TOKEN.search(value) and ident.shift is not None:
        return f"{head}{spacer}{shift_dates(value, ident.shift)}", False
    if not value.strip() and previous.get(label.lower()):
        return f"{head}{spacer}{previous[label.lower()]}", False
    return _renumber(line, ident), False


def _renumber(text: str, ident: Identity) -> str:
    """Return ``text`` with the previous sprint's key and ``Sprint <old number>`` written as the new sprint's."""
    if ident.old_key and ident.key and ident.old_key != ident.key:
        text = re.sub(rf"(?<![\w-]){re.escape(ident.old_key)}(?![\w])", ident.key, text)
    for old in ident.old_numbers:
        text = re.sub(rf"(?i)\b(sprint\s*)0*{re.escape(old.lstrip('0') or '0')}\b", rf"\g<1>{ident.number}", text)
    return text


def previous_fields(text: str) -> dict[str, str]:
    """Return label (lower case) → value of the ``Label: value`` lines of a plan's first part and first section."""
    values: dict[str, str] = {}
    for part in split_parts(strip_frontmatter(text))[:2]:
        for line in part.lines:
            found = _FIELD.match(line)
            if found and found["value"].strip():
                values.setdefault(plain(found["label"]).strip().lower(), found["value"].strip())
    return values


# ------------------------------------------------------------------------------------------------ scope


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


# ------------------------------------------------------------------------------------------------ the document


@dataclass(frozen=True)
class TeamOutline:
    """The inputs of a team-style plan: the outline (their form or their last plan), whether it is a blank form,
    the last plan's text (values and date format) and where the new plan and the retro live (for links)."""

    text: str
    blank_form: bool
    previous_text: str
    new_path: str
    retro_path: str | None
    retro_paths: dict[str, str] = field(default_factory=dict)
    """Retro ref (``sprint-05-RETRO``) → repo-relative path, for the backlinks of older retros' actions."""

    def retro_of(self, backlink: str) -> str | None:
        """Return the path of the retro a backlink like ``sprint-05-RETRO action 3`` names (the last retro's when
        unknown)."""
        ref = backlink.rsplit(" action ", 1)[0].removeprefix("from ")
        return self.retro_paths.get(ref, self.retro_path)


def _link(path: str | None, new_path: str, label: str) -> str:
    """Return a markdown link from the doc at ``new_path`` to ``path`` (just ``label`` without a path)."""
    if not path:
        return label
    target = PurePosixPath(path)
    base = PurePosixPath(new_path).parent
    common = len([a for a, b in zip(base.parts, target.parts, strict=False) if a == b])
    relative = "/".join([".."] * (len(base.parts) - common) + list(target.parts[common:]))
    return f"[{label}](<{relative}>)" if " " in relative else f"[{label}]({relative})"


def _section_role(title: str) -> str | None:
    """Return what a section of the team's plan holds: ``carry``, ``retro``, ``standing``, ``scope`` or None."""
    text = plain(title)
    if _STANDING.search(text):
        return "standing"
    if _CARRY.search(text):
        return "carry"
    if _RETRO_PLACE.search(text) and not _SCOPE.search(text):
        return "retro"
    if _SCOPE.search(text) and not _NOT_SCOPE.search(text):
        return "scope"
    return None


_STRONG_SCOPE = re.compile(r"scope|backlog|items|stor(?:y|ies)|tasks|deliverables", re.I)


def _roles(parts: list[Part]) -> dict[int, str]:
    """Return part index → role: the first carry-over, standing and retro section, and the scope section — the first
    one named like scope, backlog, items, stories or tasks, else the first like commitment, to-do or work."""
    roles: dict[int, str] = {}
    scopes: list[tuple[int, int]] = []
    for index, part in enumerate(parts):
        role = _section_role(part.title) if part.title else None
        if role == "scope":
            scopes.append((0 if _STRONG_SCOPE.search(plain(part.title or "")) else 1, index))
        elif role is not None and role not in roles.values():
            roles[index] = role
    if scopes:
        roles[min(scopes)[1]] = "scope"
    elif "retro" in roles.values():
        roles = {index: ("scope" if role == "retro" else role) for index, role in roles.items()}
    return dict(sorted(roles.items()))


def _action_entry(action: RetroAction, refs: dict[str, str], outline: TeamOutline) -> str:
    """Return the list line of a future/ongoing/open action with its backlink."""
    text = re.sub(r"\s+", " ", action.text)
    label = refs.get(action.text, "retrospective")
    link = _link(outline.retro_of(label), outline.new_path, label)
    target = f" — by {action.target_text or action.target}" if (action.target_text or action.target) else ""
    owners = f" ({owners_text(action.owners)})" if action.owners else ""
    return f"- [ ] {text}{owners}{target} — {link}"


def _identity(plan: NextSprintPlan, outline: TeamOutline) -> Identity:
    """Return the new sprint's identity and dates for the details block."""
    sprint, previous = plan.sprint, plan.previous
    assert sprint.start is not None and sprint.end is not None
    number = sprint.number or re.sub(r"^\D+", "", sprint.key or "") or "?"
    old = tuple(label for label in (previous.number,) if label)
    sample = next((line for line in outline.previous_text.splitlines() if _DATE_TOKEN.search(line)), "")
    name = sprint.name or f"Sprint {number}"
    moved = sprint.start - previous.start if previous.start else None
    return Identity(number, name, sprint.key or "", old, previous.key, sprint.start, sprint.end, sample, moved)


def _is_details(lines: list[str]) -> bool:
    """Return True when ``lines`` hold the sprint's identity or dates as ``Label: value`` lines."""
    for line in lines:
        found = _FIELD.match(line)
        if found is None or ":" not in found["mid"]:
            continue
        label = plain(found["label"]).strip()
        if any(p.search(label) for p in (_NUMBER_LABEL, _NAME_LABEL, _KEY_LABEL, _START_LABEL, _END_LABEL)):
            return True
        if _DATES_LABEL.search(label):
            return True
    return False


def _details(lines: list[str], ident: Identity, previous: dict[str, str]) -> tuple[list[str], bool]:
    """Return the lines of a part's field lines set for the new sprint, and whether a date line was among them."""
    out, dated = [], False
    for line in lines:
        new, has_dates = _field_line(line, ident, previous) if line.strip() else (line, False)
        out.append(new)
        dated = dated or has_dates
    return out, dated


def _body(part: Part, role: str | None, outline: TeamOutline, fill: list[str]) -> list[str]:
    """Return the body of one section: ``fill`` (scope lines) where the role wants them, else the form's text
    (blank form) or a placeholder (last plan)."""
    if fill:
        return ["", *fill, ""]
    if role is not None or not outline.blank_form:
        kept = [line for line in part.lines if line.strip().startswith("|")][:2]
        return ["", PLACEHOLDER, *(["", *kept] if len(kept) == 2 else []), ""]
    return part.lines


def render(plan: NextSprintPlan, outline: TeamOutline) -> str:
    """Return the new plan's markdown in the team's shape (see the module rules)."""
    ident = _identity(plan, outline)
    previous = {} if outline.blank_form else previous_fields(outline.previous_text)
    parts = split_parts(strip_frontmatter(outline.text))
    front = _frontmatter(outline.text, ident)
    roles = _roles(parts)
    retro_label = plan.retro.ref if plan.retro else "retrospective"
    refs = dict(plan.action_refs)

    def linked(items: tuple[WorkItem, ...]) -> list[Entry]:
        """Return the entries of ``items`` with their backlinks."""
        entries = []
        for item in items:
            link = ""
            if item.source:
                link = _link(outline.retro_of(item.source), outline.new_path, f"from {item.source}")
            elif item.carried:
                link = f"carried over ×{item.carried}"
            entries.append(Entry(item, link))
        return entries

    carry = linked(plan.carried_over)
    scope = linked(plan.from_retro)
    if "carry" not in roles.values():
        scope = carry + scope
    fills: dict[str, list[Entry]] = {"carry": carry, "scope": scope}
    out: list[str] = []
    dated = False
    for index, part in enumerate(parts):
        role = roles.get(index)
        if role is None and (part.title is None or part.marks == "#" or _is_details(part.lines)):
            lines, has_dates = _details(part.lines, ident, previous)
            dated = dated or has_dates
            if part.title is not None:
                out.append(_renumber(part.heading, ident))
            out += lines
            continue
        entries = fills.get(role or "", [])
        style = list_style(part.lines) if entries else None
        lines = render_entries(entries, style) if entries else []
        if role == "standing" and plan.ongoing:
            lines = [_action_entry(action, refs, outline) for action in plan.ongoing]
        out.append(_renumber(part.heading, ident))
        out += _body(part, role, outline, lines)
    if not dated:
        out = _insert_dates(out, ident)
    if "scope" not in roles.values() and scope:
        out += ["", f"## From the {retro_label}", "", *render_entries(scope, None)]
    out += _tail(plan, refs, outline, "standing" in roles.values())
    return "\n".join(front + _squeeze(out)).strip("\n") + "\n"


def _insert_dates(lines: list[str], ident: Identity) -> list[str]:
    """Return ``lines`` with ``**Dates:** start → end`` after the title (the first heading, else at the top)."""
    writer = date_writer(ident.date_sample)
    dates = f"**Dates:** {writer(ident.start)} → {writer(ident.end)}"
    at = next((i for i, line in enumerate(lines) if _HEADING.match(line)), -1)
    return [*lines[: at + 1], "", dates, "", *lines[at + 1 :]]


def _tail(plan: NextSprintPlan, refs: dict[str, str], outline: TeamOutline, standing_done: bool) -> list[str]:
    """Return the closing sections: later and standing actions, open follow-ups, the planner's notes."""
    out: list[str] = []
    if plan.future:
        out += ["", "## Retrospective actions for later sprints", ""]
        out += [_action_entry(action, refs, outline) for action in plan.future]
    if plan.ongoing and not standing_done:
        out += ["", "## Standing agreements (from retrospectives)", ""]
        out += [_action_entry(action, refs, outline) for action in plan.ongoing]
    if plan.open_actions:
        out += ["", "## Open retrospective actions (follow up)", ""]
        out += [_action_entry(action, refs, outline) for action in plan.open_actions]
    if plan.warnings:
        out += ["", "## Notes from planning", ""] + [f"- {warning}" for warning in plan.warnings]
    return out


def _squeeze(lines: list[str]) -> list[str]:
    """Return ``lines`` with runs of blank lines collapsed to one."""
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line.rstrip())
    return out
