"""Sprint plans: dates, scope, goals, risks, timetable, points and the plan's own retro section."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from ceremonies.domain.dates import find_date, parse_date, parse_date_range
from ceremonies.domain.doc_identity import number_and_name, sprint_key
from ceremonies.domain.docparts import DocParts, field_value, meta_text, sections_titled
from ceremonies.domain.lines import (
    POINTS_UNIT,
    number_in,
    numbered_scope_line,
    parse_ceremony_line,
    parse_scope_line,
    table_items,
)
from ceremonies.domain.model import (
    Ceremony,
    CeremonyKind,
    Retro,
    RetroAction,
    Sprint,
    WorkItem,
)
from ceremonies.domain.outline import ListItem, Table, plain, split_label
from ceremonies.domain.retros import (
    RETRO_ACTIONS_TITLE,
    Context,
    actions_in,
    numbered,
    retro_from,
    texts_of,
)

_POINTS_VALUE = re.compile(rf"^~?\s*(?P<n>\d+(?:[.,]\d+)?)\s*{POINTS_UNIT}?(?:\s|$|[(/,;])", re.I)
_TIMEZONE = re.compile(
    r"\((?P<tz>(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)/[A-Za-z_+\-]+"
    r"(?:/[A-Za-z_+\-]+)?|UTC)\)"
)
_SCOPE_TITLE = re.compile(
    r"\b(scope|backlog|planned items|committed( items)?|sprint items|umfang|added (user )?stories|added tasks"
    r"|(planned )?user stories|planned tasks)\b",
    re.I,
)
_NOT_SCOPE_TITLE = re.compile(r"out[- ]of[- ]scope|retro|future|next sprint|product backlog|backlog refinement", re.I)
_GOALS_TITLE = re.compile(r"\b(goals?|ziele?)\b", re.I)
_ACCEPTANCE_TITLE = re.compile(r"\bacceptance\b|\babnahme", re.I)
_RISK_TITLE = re.compile(r"\brisks?\b|\brisiken\b|\bblockers?\b", re.I)
_TIMETABLE_TITLE = re.compile(r"\b(timeline|ceremon\w*|schedule|calendar|meetings|termine|zeitplan)\b", re.I)
RETRO_SECTION_TITLE = re.compile(r"^\W*(?:\d+\W+)?(?:sprint\s+)?retro(?:spective|spektive)?\b", re.I)


def _scope(doc: DocParts) -> tuple[tuple[WorkItem, ...], tuple[str, ...]]:
    """Return the scope items of a plan (scope lines, numbered items and backlog tables of its scope/backlog
    sections) and the header of its first scope table (empty when the scope is a list)."""
    items: list[WorkItem] = []
    columns: tuple[str, ...] = ()
    for section in sections_titled(doc.root, _SCOPE_TITLE, _NOT_SCOPE_TITLE):
        for part in section.walk():
            stretch = bool(re.search(r"stretch", part.title, re.I))
            for block in part.blocks:
                if isinstance(block, Table):
                    found = table_items(block)
                    columns = columns or (block.header if found else ())
                    items += found
                elif isinstance(block, ListItem):
                    items += _scope_from_item(block, stretch)
                elif re.search(r"\bstretch\b", block.text, re.I):
                    stretch = True
                elif split_label(block.text) is not None:
                    stretch = False
    return tuple(items), columns


def _scope_from_item(item: ListItem, stretch: bool) -> list[WorkItem]:
    """Return the work item of ``item`` (or of its children when it is a label like ``Committed:``)."""
    found = parse_scope_line(item.text, item.line)
    if found is None and item.ordered:
        found = numbered_scope_line(item.text, item.line)
    if found is not None:
        return [replace(found, stretch=stretch)]
    label = item.text.strip().rstrip(":").lower()
    nested_stretch = stretch or "stretch" in label
    return [
        replace(child_item, stretch=nested_stretch)
        for child in item.children
        if (child_item := parse_scope_line(child.text, child.line)) is not None
    ]



_RANGE_LABELS = (
    "dates",
    "sprint dates",
    "date",
    "zeitraum",
    "timeline",
    "period",
    "sprint period",
    "timespan",
    "time span",
    "duration",
    "sprint duration",
    "date range",
)


def plan_dates(doc: DocParts, fields: dict[str, tuple[str, int]]) -> tuple[date | None, date | None]:
    """Return (start, end) from ``Start Date:``/``End Date:`` fields, frontmatter, a range in the title, or a range
    field (``Dates:``, ``Timespan:``, ``Duration: Jan 21 - Feb 4, 2026 (15 working days)``)."""
    start = _dated_field(doc, fields, "start date", "start", "sprint start", "beginn", "startdatum")
    end = _dated_field(doc, fields, "end date", "end", "sprint end", "ende", "enddatum")
    start = start or _meta_date(doc, "start", "start_date", "sprint_start")
    end = end or _meta_date(doc, "end", "end_date", "sprint_end")
    if start is None or end is None:
        texts = [doc.title, meta_text(doc.meta, "title") or ""]
        texts += [value[0] for label in _RANGE_LABELS if (value := field_value(fields, label)) is not None]
        for text in texts:
            found = parse_date_range(text)
            if found is not None:
                start, end = start or found[0], end or found[1]
                break
    return start, end


def _meta_date(doc: DocParts, *keys: str) -> date | None:
    """Return the date under one of ``keys`` of the frontmatter (YAML date or text), else None."""
    for key in keys:
        value = doc.meta.get(key)
        if isinstance(value, date):
            return value
        if isinstance(value, str) and (found := parse_date(value)) is not None:
            return found
    return None


def _dated_field(
    doc: DocParts, fields: dict[str, tuple[str, int]], *labels: str, year: int | None = None
) -> date | None:
    """Return the date in the first present field of ``labels``; record an error when it is unreadable."""
    found = field_value(fields, *labels)
    if found is None:
        return None
    value, line = found
    parsed = parse_date(value, year) or find_date(value, year)
    if parsed is None:
        doc.error(line, f"cannot read the date {value!r} ({labels[0]})")
    return parsed


def _timezone(doc: DocParts, fields: dict[str, tuple[str, int]]) -> str | None:
    """Return the IANA time zone named in the title (``(America/Denver)``), frontmatter or a field."""
    for text in (doc.title, meta_text(doc.meta, "title") or ""):
        match = _TIMEZONE.search(text)
        if match:
            return match["tz"]
    value = meta_text(doc.meta, "timezone", "time_zone", "tz")
    found = field_value(fields, "time zone", "timezone", "zeitzone")
    return value or (found[0] if found else None)


def _timetable(doc: DocParts, start: date | None, end: date | None) -> tuple[Ceremony, ...]:
    """Return the ceremonies listed in the plan's timeline/ceremonies section(s)."""
    ceremonies = []
    known = start or end
    year = known.year if known else None
    for section in sections_titled(doc.root, _TIMETABLE_TITLE):
        for item in section.all_items():
            try:
                ceremony = parse_ceremony_line(item.text, item.line, year, start)
            except ValueError as exc:
                doc.error(item.line, str(exc))
                continue
            if ceremony is not None:
                ceremonies.append(ceremony)
    return tuple(ceremonies)


# ---------------------------------------------------------------------------------------------------- plans


def _list_texts(doc: DocParts, title: re.Pattern[str], exclude: re.Pattern[str] | None = None) -> tuple[str, ...]:
    """Return the item texts of the sections titled like ``title``; paragraphs when they have no list."""
    texts: list[str] = []
    for section in sections_titled(doc.root, title, exclude):
        items = texts_of(section.all_items())
        texts += items or [plain(p.text) for p in section.paragraphs if len(plain(p.text)) > 25]
    return tuple(texts)


def _risks(doc: DocParts) -> tuple[str, ...]:
    """Return the risks: list items of risk sections, or the first column of a risk table."""
    risks = list(_list_texts(doc, _RISK_TITLE))
    for section in sections_titled(doc.root, _RISK_TITLE):
        for table in section.tables:
            risks += [plain(row[0]) for row in table.rows if row and plain(row[0])]
    return tuple(dict.fromkeys(risks))


def _plan_retro(doc: DocParts, key: str | None, number: str | None) -> Retro | None:
    """Return the filled-in ``Retrospective`` section of a plan (None for the blank template)."""
    for section in sections_titled(doc.root, RETRO_SECTION_TITLE):
        retro = retro_from(section, key, number, doc.path)
        if retro is not None:
            return retro
    return None


def _future_actions(doc: DocParts, key: str | None, number: str | None) -> tuple[RetroAction, ...]:
    """Return retro actions listed in the plan (e.g. ``Backlog Creation from Retrospective Action Items``)
    that target a sprint other than this one, or every sprint (ONGOING)."""
    actions: list[RetroAction] = []
    for section in sections_titled(doc.root, RETRO_ACTIONS_TITLE, RETRO_SECTION_TITLE):
        actions += actions_in(section, Context(), key)
    own = {key, number, None}
    return numbered([action for action in actions if action.target not in own])


def points_field(fields: dict[str, tuple[str, int]], *labels: str) -> float | None:
    """Return the story points in the first of ``labels`` whose value starts with points (``45``, ``~43 pts``)."""
    for label in labels:
        found = field_value(fields, label)
        match = _POINTS_VALUE.match(found[0]) if found else None
        if match:
            return float(match["n"].replace(",", "."))
    return None


def _duration(doc: DocParts, fields: dict[str, tuple[str, int]]) -> int | None:
    """Return the sprint length in days as written in a ``Duration`` field (weeks × 7), else None."""
    found = field_value(fields, "duration (days)", "duration", "dauer", "dauer (tage)", "length")
    if found is None:
        return None
    if parse_date_range(found[0]) is not None:  # ``Duration: Jan 21 - Feb 4, 2026 (15 working days)`` are dates
        return None
    value = number_in(found[0])
    if value is None:
        doc.error(found[1], f"cannot read the duration {found[0]!r}")
        return None
    return int(value) * 7 if re.search(r"week|woche", found[0], re.I) else int(value)


def _demo_day(timetable: tuple[Ceremony, ...]) -> date | None:
    """Return the day of the first demo/review in a timetable, else None."""
    return next((c.day for c in timetable if c.kind == CeremonyKind.DEMO and c.day), None)


def _check_dates(doc: DocParts, start: date | None, end: date | None, quiet: bool) -> None:
    """Record an error when a plan ends before it starts; a warning when it has no start/end date (unless an
    unreadable date was already reported)."""
    line = doc.heading.line if doc.heading else 1
    if start is not None and end is not None:
        if end < start:
            doc.error(line, f"sprint ends ({end}) before it starts ({start})")
        return
    if not quiet:
        missing = " and ".join(name for name, value in (("start", start), ("end", end)) if value is None)
        doc.warn(line, f"no sprint {missing} date found (Start Date:/End Date: or a range in the title)")


def read_plan(doc: DocParts) -> Sprint:
    """Return the Sprint written in a plan document."""
    fields = doc.fields
    key = sprint_key(doc, doc.identity.value)
    number, name = number_and_name(doc, fields)
    known_errors = len(doc.errors)
    start, end = plan_dates(doc, fields)
    _check_dates(doc, start, end, quiet=len(doc.errors) > known_errors)
    demo_owner = field_value(fields, "demo owner", "demo by", "presenter")
    known = start or end
    year = known.year if known else None
    timetable = _timetable(doc, start, end)
    items, scope_columns = _scope(doc)
    return Sprint(
        key=key,
        number=number,
        name=name,
        title=doc.title or None,
        start=start,
        end=end,
        duration_days=_duration(doc, fields),
        goals=_list_texts(doc, _GOALS_TITLE),
        planned_points=points_field(
            fields,
            "planned story points",
            "planned sp",
            "planned points",
            "committed story points",
            "commitment",
            "planned",
        ),
        capacity_points=points_field(fields, "team capacity", "capacity", "kapazität"),
        items=items,
        scope_columns=scope_columns,
        acceptance=_list_texts(doc, _ACCEPTANCE_TITLE),
        risks=_risks(doc),
        demo_owner=demo_owner[0] if demo_owner else None,
        demo_date=_dated_field(doc, fields, "demo date", "review date", year=year) or _demo_day(timetable),
        timetable=timetable,
        timezone=_timezone(doc, fields),
        owner=meta_text(doc.meta, "owner"),
        status=meta_text(doc.meta, "status"),
        future=_future_actions(doc, key, number),
        retro=_plan_retro(doc, key, number),
        path=doc.path,
    )
