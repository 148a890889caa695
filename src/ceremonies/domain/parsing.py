"""Sprint docs (plans, retrospectives, execution summaries) → the domain model.

:func:`parse_document` never raises: whatever cannot be read becomes a :class:`SprintDocError` (path, line,
what) in ``Document.errors`` and the rest of the file is still read. :func:`build_history` puts many
documents together, oldest sprint first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import PurePath
from typing import Any

from ceremonies.domain.dates import find_date, parse_date, parse_date_range
from ceremonies.domain.frontmatter import Frontmatter, is_placeholder, split_frontmatter
from ceremonies.domain.identity import Identity, Vote, agree, sprint_label
from ceremonies.domain.lines import (
    ITEM_ID,
    NUMBER,
    POINTS_UNIT,
    number_in,
    numbered_scope_line,
    parse_ceremony_line,
    parse_scope_line,
    table_columns,
    table_items,
)
from ceremonies.domain.model import (
    Ceremony,
    CeremonyKind,
    DocKind,
    Document,
    ExecutionSummary,
    Retro,
    RetroAction,
    Sprint,
    SprintHistory,
    WorkItem,
)
from ceremonies.domain.outline import ListItem, Section, Table, outline, plain, split_label
from ceremonies.domain.retros import (
    RETRO_ACTIONS_TITLE,
    Context,
    actions_in,
    numbered,
    retro_bucket,
    retro_from,
    texts_of,
)
from ceremonies.errors import SprintDocError

MAX_TEXT = 4 * 1024 * 1024
"""The parser's own ceiling (characters; the same number as the largest ``[limits] max_doc_bytes``)."""
_KEY = re.compile(r"^\s*([A-Z][A-Z0-9]{0,9}-\d{1,6})(?![\w])")
_NUMBER_IN_TEXT = re.compile(r"\bSprint\s+(\d{4}-\d{1,3}|\d{1,4})\b", re.IGNORECASE)
_POINTS_VALUE = re.compile(rf"^~?\s*(?P<n>\d+(?:[.,]\d+)?)\s*{POINTS_UNIT}?(?:\s|$|[(/,;])", re.I)
_TIMEZONE = re.compile(
    r"\((?P<tz>(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)/[A-Za-z_+\-]+"
    r"(?:/[A-Za-z_+\-]+)?|UTC)\)"
)

_PLAN_SECTIONS = re.compile(r"\b(scope|goals?|sprint overview|commitment|backlog|ziele)\b", re.I)
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
_RETRO_SECTION_TITLE = re.compile(r"^\W*(?:\d+\W+)?(?:sprint\s+)?retro(?:spective|spektive)?\b", re.I)
_COMPLETED_TITLE = re.compile(r"\b(completed|done|delivered|erledigt|abgeschlossen)\b", re.I)
_SUMMARY_TITLE = re.compile(r"execution summary|sprint summary|sprint report|sprint review summary", re.I)
_RETRO_TITLE = re.compile(r"\bretro(spective|spektive)?\b", re.I)
_REVIEW_TITLE = re.compile(r"^\W*(?:sprint\b[^:]{0,20}\s)?review\b", re.I)
_REVIEW_NAME = re.compile(r"(?:^|[-_ ])review$", re.I)
_PLAN_TITLE = re.compile(r"\bplan(ning|ned)?\b|\biteration\b|\bsprint\b", re.I)


@dataclass
class _Doc:
    """Working state while parsing one file: its parts and the problems found so far."""

    path: str
    front: Frontmatter
    root: Section
    errors: list[SprintDocError] = field(default_factory=list)
    key_hint: str | None = None
    warnings: list[SprintDocError] = field(default_factory=list)
    identity: Identity = field(default_factory=lambda: Identity(None))
    number_identity: Identity = field(default_factory=lambda: Identity(None))

    def error(self, line: int | None, what: str) -> None:
        """Record one problem at ``line`` of this file (a part of it could not be read)."""
        self.errors.append(SprintDocError(self.path, line, what))

    def warn(self, line: int | None, what: str) -> None:
        """Record one warning at ``line`` of this file (read, but something is missing or contradicts itself)."""
        self.warnings.append(SprintDocError(self.path, line, what))

    @property
    def meta(self) -> dict[str, Any]:
        """Return the merged frontmatter."""
        return self.front.meta

    @cached_property
    def fields(self) -> dict[str, tuple[str, int]]:
        """Return the ``label → (value, line)`` fields of the whole document (see :func:`_fields`), read once."""
        return _fields(self.root)

    @property
    def heading(self) -> Section | None:
        """Return the first level-1 section (the document title), else the first section."""
        sections = [section for section in self.root.walk() if section.level]
        level_one = [section for section in sections if section.level == 1]
        candidates = level_one or sections
        return candidates[0] if candidates else None

    @property
    def title(self) -> str:
        """Return the document title: the first heading's plain text, else the frontmatter title."""
        heading = self.heading
        if heading is not None and heading.title:
            return plain(heading.title)
        value = self.meta.get("title")
        return str(value) if isinstance(value, str) else ""


# ---------------------------------------------------------------------------------------------------- helpers


def _meta_text(meta: dict[str, Any], *keys: str) -> str | None:
    """Return the first of ``keys`` in ``meta`` as text, skipping placeholders."""
    for key in keys:
        value = meta.get(key)
        if value is not None and not is_placeholder(value):
            return str(value)
    return None


def _fields(section: Section) -> dict[str, tuple[str, int]]:
    """Return ``label → (value, line)`` of every ``Label: value`` item/paragraph in ``section`` (first wins)."""
    found: dict[str, tuple[str, int]] = {}

    def add(text: str, line: int) -> None:
        """Record ``text`` as a field when it is ``Label: value`` and the label is new."""
        split = split_label(text)
        if split is not None and split[0] not in found:
            found[split[0]] = (split[1], line)

    def add_items(items: Iterable[ListItem]) -> None:
        """Record the fields of ``items`` and of their nested items."""
        for item in items:
            add(item.text, item.line)
            add_items(item.children)

    for part in section.walk():
        for paragraph in part.paragraphs:
            for offset, line in enumerate(paragraph.text.split("\n")):
                add(line, paragraph.line + offset)
        add_items(part.items)
    for part in section.walk():  # ``| Metric | Value |`` tables: after the text, so text fields win
        for table in part.tables:
            if len(table.header) == 2:
                for row, row_line in zip(table.rows, table.row_lines, strict=False):
                    if len(row) >= 2 and plain(row[0]):
                        found.setdefault(plain(row[0]).lower(), (plain(row[1]), row_line))
    return found


def _field(fields: dict[str, tuple[str, int]], *labels: str) -> tuple[str, int] | None:
    """Return (value, line) of the first of ``labels`` present with a non-placeholder value, else None."""
    for label in labels:
        if label in fields and not is_placeholder(fields[label][0]):
            return fields[label]
    return None


def _sections(root: Section, title: re.Pattern[str], exclude: re.Pattern[str] | None = None) -> list[Section]:
    """Return the outermost sections whose titles match ``title`` (and not ``exclude``)."""
    matched: list[Section] = []
    covered: set[int] = set()
    for section in root.find(title):
        if exclude is not None and exclude.search(plain(section.title)):
            continue
        if id(section) in covered:
            continue
        matched.append(section)
        covered.update(id(inner) for inner in section.walk())
    return matched


def _scope(doc: _Doc) -> tuple[tuple[WorkItem, ...], tuple[str, ...]]:
    """Return the scope items of a plan (scope lines, numbered items and backlog tables of its scope/backlog
    sections) and the header of its first scope table (empty when the scope is a list)."""
    items: list[WorkItem] = []
    columns: tuple[str, ...] = ()
    for section in _sections(doc.root, _SCOPE_TITLE, _NOT_SCOPE_TITLE):
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


# ---------------------------------------------------------------------------------------------------- identity


_INTRO_CHARS = 40
_NUMBER_LABELS = ("sprint number", "sprint no", "sprint no.", "sprint nr", "sprint #", "number")
_NAME_LABELS = ("sprint name", "name")


def _votes(doc: _Doc, fields: dict[str, tuple[str, int]]) -> tuple[list[Vote], list[Vote]]:
    """Return what each part of the document says its sprint is, most trusted source first: the votes for the key
    (``SPR-014``) and those for the number (``Sprint 2026-14``, ``sprint-05``), kept apart because a team may key
    its docs independently of the sprint numbers (``SPR-030`` for sprint 14).

    Sources: the ``Sprint Number:`` field, the H1, the file name, the folder name, each frontmatter block's
    ``docid``/``sprint`` (last block first), the ``Sprint Name:`` field and each block's ``title``.
    """
    keys: list[Vote] = []
    numbers: list[Vote] = []

    def add(source: str, text: Any, line: int | None, bare: bool = False) -> None:
        """Record the sprint ``text`` names (if any) as the vote of ``source``."""
        if text is None or is_placeholder(text):
            return
        found = sprint_label(plain(str(text)), bare=bare)
        if found is not None:
            (keys if found.prefixed else numbers).append(Vote(source, str(found.ordinal), found.label, line))

    number = _field(fields, *_NUMBER_LABELS)
    if number is not None:
        add("Sprint Number", number[0], number[1], bare=True)
    if doc.heading is not None:
        add("heading", doc.heading.title, doc.heading.line)
    path = PurePath(doc.path)
    add("file name", path.stem, None)
    if doc.key_hint and not any(vote.source == "file name" for vote in keys + numbers):
        add("file name", doc.key_hint, None, bare=True)
    add("folder", path.parent.name, None)
    blocks = list(enumerate(doc.front.block_metas, start=1))
    for index, meta in reversed(blocks):
        line = doc.front.block_lines[index - 1] if index <= len(doc.front.block_lines) else None
        suffix = f" (frontmatter block {index})" if len(blocks) > 1 else ""
        add(f"docid{suffix}", meta.get("docid") or meta.get("id") or meta.get("key"), line)
        add(f"sprint{suffix}", meta.get("sprint") or meta.get("sprint_number"), line, bare=True)
    name = _field(fields, *_NAME_LABELS)
    if name is not None:
        add("Sprint Name", name[0], name[1])
    for index, meta in reversed(blocks):
        line = doc.front.block_lines[index - 1] if index <= len(doc.front.block_lines) else None
        add(f"title{f' (frontmatter block {index})' if len(blocks) > 1 else ''}", meta.get("title"), line)
    return keys, numbers


def _agrees(text: str | None, winner: str | None, bare: bool = False) -> bool:
    """Return True when the sprint ``text`` names is the ``winner`` of the vote (or there was no vote)."""
    if winner is None or text is None:
        return True
    found = sprint_label(plain(text), bare=bare)
    return found is None or str(found.ordinal) == winner


def _key(doc: _Doc, winner: str | None) -> str | None:
    """Return the sprint key (``SPR-013``) from the docids, the title, the file or folder name, agreeing with
    the identity vote's ``winner``."""
    docids = [_meta_text(meta, "docid", "id", "key", "sprint", "sprint_key") for meta in doc.front.block_metas]
    path = PurePath(doc.path)
    candidates = [
        *reversed(docids),
        _meta_text(doc.meta, "docid", "id", "key", "sprint", "sprint_key"),
        doc.heading.title if doc.heading else None,
        _meta_text(doc.meta, "title"),
        doc.key_hint,
        path.name,
        path.parent.name,
    ]
    for candidate in candidates:
        match = _KEY.match(plain(candidate)) if candidate else None
        if match and _agrees(match.group(1), winner):
            return match.group(1)
    return None


def _number_and_name(doc: _Doc, fields: dict[str, tuple[str, int]]) -> tuple[str | None, str | None]:
    """Return (number ``2026-13``, name ``Sprint 2026-13``) from the overview fields, title, intro text or path,
    agreeing with the identity vote."""
    winner = doc.number_identity.value
    number_field = _field(fields, *_NUMBER_LABELS)
    name_field = _field(fields, *_NAME_LABELS)
    number = None
    if number_field is not None:
        match = re.search(r"\d{4}-\d{1,3}|\d+", number_field[0])
        number = match.group() if match and _agrees(match.group(), winner, bare=True) else None
    # an intro names the sprint up front (``Context: Sprint 14 — …``), not in passing (``… move it into Sprint 1``)
    intro = [plain(p.text)[:_INTRO_CHARS] for p in doc.heading.paragraphs[:3]] if doc.heading else []
    for text in [doc.title, _meta_text(doc.meta, "title") or "", name_field[0] if name_field else "", *intro]:
        if number is not None:
            break
        match = _NUMBER_IN_TEXT.search(plain(text))
        number = match.group(1) if match and _agrees(match.group(1), winner, bare=True) else None
    if number is None:
        agreeing = doc.number_identity.agreeing
        number = next((_plain_number(v.raw) for v in agreeing if v.source in ("folder", "file name")), None)
    name = name_field[0] if name_field else (f"Sprint {number}" if number else None)
    return number, name


def _plain_number(label: str) -> str | None:
    """Return the number of a path label that is not a key: ``sprint-05`` → ``5``, ``Sprint 2026-3`` → ``2026-3``."""
    found = sprint_label(label)
    if found is None or found.prefixed:
        return None
    return f"{found.year}-{found.ordinal}" if found.year else str(found.ordinal)


def _identify(doc: _Doc) -> tuple[Identity, Identity]:
    """Return the sprint key and number the document's parts agree on; a disagreement becomes a warning naming
    the sources."""
    keys, numbers = _votes(doc, doc.fields)
    found = agree(keys), agree(numbers)
    for what, identity in zip(("key", "number"), found, strict=True):
        if identity.dissent:
            line = next((vote.line for vote in identity.dissent if vote.line), None)
            doc.warn(line or 1, f"sprint {what}: {identity.describe()}")
    return found


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


def _dates(doc: _Doc, fields: dict[str, tuple[str, int]]) -> tuple[date | None, date | None]:
    """Return (start, end) from ``Start Date:``/``End Date:`` fields, frontmatter, a range in the title, or a range
    field (``Dates:``, ``Timespan:``, ``Duration: Jan 21 - Feb 4, 2026 (15 working days)``)."""
    start = _dated_field(doc, fields, "start date", "start", "sprint start", "beginn", "startdatum")
    end = _dated_field(doc, fields, "end date", "end", "sprint end", "ende", "enddatum")
    start = start or _meta_date(doc, "start", "start_date", "sprint_start")
    end = end or _meta_date(doc, "end", "end_date", "sprint_end")
    if start is None or end is None:
        texts = [doc.title, _meta_text(doc.meta, "title") or ""]
        texts += [value[0] for label in _RANGE_LABELS if (value := _field(fields, label)) is not None]
        for text in texts:
            found = parse_date_range(text)
            if found is not None:
                start, end = start or found[0], end or found[1]
                break
    return start, end


def _meta_date(doc: _Doc, *keys: str) -> date | None:
    """Return the date under one of ``keys`` of the frontmatter (YAML date or text), else None."""
    for key in keys:
        value = doc.meta.get(key)
        if isinstance(value, date):
            return value
        if isinstance(value, str) and (found := parse_date(value)) is not None:
            return found
    return None


def _dated_field(doc: _Doc, fields: dict[str, tuple[str, int]], *labels: str, year: int | None = None) -> date | None:
    """Return the date in the first present field of ``labels``; record an error when it is unreadable."""
    found = _field(fields, *labels)
    if found is None:
        return None
    value, line = found
    parsed = parse_date(value, year) or find_date(value, year)
    if parsed is None:
        doc.error(line, f"cannot read the date {value!r} ({labels[0]})")
    return parsed


def _timezone(doc: _Doc, fields: dict[str, tuple[str, int]]) -> str | None:
    """Return the IANA time zone named in the title (``(America/Denver)``), frontmatter or a field."""
    for text in (doc.title, _meta_text(doc.meta, "title") or ""):
        match = _TIMEZONE.search(text)
        if match:
            return match["tz"]
    value = _meta_text(doc.meta, "timezone", "time_zone", "tz")
    found = _field(fields, "time zone", "timezone", "zeitzone")
    return value or (found[0] if found else None)


def _timetable(doc: _Doc, start: date | None, end: date | None) -> tuple[Ceremony, ...]:
    """Return the ceremonies listed in the plan's timeline/ceremonies section(s)."""
    ceremonies = []
    known = start or end
    year = known.year if known else None
    for section in _sections(doc.root, _TIMETABLE_TITLE):
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


def _list_texts(doc: _Doc, title: re.Pattern[str], exclude: re.Pattern[str] | None = None) -> tuple[str, ...]:
    """Return the item texts of the sections titled like ``title``; paragraphs when they have no list."""
    texts: list[str] = []
    for section in _sections(doc.root, title, exclude):
        items = texts_of(section.all_items())
        texts += items or [plain(p.text) for p in section.paragraphs if len(plain(p.text)) > 25]
    return tuple(texts)


def _risks(doc: _Doc) -> tuple[str, ...]:
    """Return the risks: list items of risk sections, or the first column of a risk table."""
    risks = list(_list_texts(doc, _RISK_TITLE))
    for section in _sections(doc.root, _RISK_TITLE):
        for table in section.tables:
            risks += [plain(row[0]) for row in table.rows if row and plain(row[0])]
    return tuple(dict.fromkeys(risks))


def _plan_retro(doc: _Doc, key: str | None, number: str | None) -> Retro | None:
    """Return the filled-in ``Retrospective`` section of a plan (None for the blank template)."""
    for section in _sections(doc.root, _RETRO_SECTION_TITLE):
        retro = retro_from(section, key, number, doc.path)
        if retro is not None:
            return retro
    return None


def _future_actions(doc: _Doc, key: str | None, number: str | None) -> tuple[RetroAction, ...]:
    """Return retro actions listed in the plan (e.g. ``Backlog Creation from Retrospective Action Items``)
    that target a sprint other than this one, or every sprint (ONGOING)."""
    actions: list[RetroAction] = []
    for section in _sections(doc.root, RETRO_ACTIONS_TITLE, _RETRO_SECTION_TITLE):
        actions += actions_in(section, Context(), key)
    own = {key, number, None}
    return numbered([action for action in actions if action.target not in own])


def _points_field(fields: dict[str, tuple[str, int]], *labels: str) -> float | None:
    """Return the story points in the first of ``labels`` whose value starts with points (``45``, ``~43 pts``)."""
    for label in labels:
        found = _field(fields, label)
        match = _POINTS_VALUE.match(found[0]) if found else None
        if match:
            return float(match["n"].replace(",", "."))
    return None


def _duration(doc: _Doc, fields: dict[str, tuple[str, int]]) -> int | None:
    """Return the sprint length in days as written in a ``Duration`` field (weeks × 7), else None."""
    found = _field(fields, "duration (days)", "duration", "dauer", "dauer (tage)", "length")
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


def _check_dates(doc: _Doc, start: date | None, end: date | None, quiet: bool) -> None:
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


def _plan(doc: _Doc) -> Sprint:
    """Return the Sprint written in a plan document."""
    fields = doc.fields
    key = _key(doc, doc.identity.value)
    number, name = _number_and_name(doc, fields)
    known_errors = len(doc.errors)
    start, end = _dates(doc, fields)
    _check_dates(doc, start, end, quiet=len(doc.errors) > known_errors)
    demo_owner = _field(fields, "demo owner", "demo by", "presenter")
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
        planned_points=_points_field(
            fields,
            "planned story points",
            "planned sp",
            "planned points",
            "committed story points",
            "commitment",
            "planned",
        ),
        capacity_points=_points_field(fields, "team capacity", "capacity", "kapazität"),
        items=items,
        scope_columns=scope_columns,
        acceptance=_list_texts(doc, _ACCEPTANCE_TITLE),
        risks=_risks(doc),
        demo_owner=demo_owner[0] if demo_owner else None,
        demo_date=_dated_field(doc, fields, "demo date", "review date", year=year) or _demo_day(timetable),
        timetable=timetable,
        timezone=_timezone(doc, fields),
        owner=_meta_text(doc.meta, "owner"),
        status=_meta_text(doc.meta, "status"),
        future=_future_actions(doc, key, number),
        retro=_plan_retro(doc, key, number),
        path=doc.path,
    )


# ---------------------------------------------------------------------------------------------------- summaries


_COMPLETED_HEADING = re.compile(
    r"^\s*(?:\d+[.)]\s*)?(?P<title>.+?)\s*(?:[-–—(:]\s*(?P<points>\d+(?:[.,]\d+)?)\s*SP\)?)?\s*[✅✔️☑]*\s*$", re.I
)


def _completed_item(title: str, line: int) -> WorkItem | None:
    """Return the completed item in a heading like ``1. ML Model Versioning - 8 SP ✅``."""
    match = _COMPLETED_HEADING.match(plain(title))
    if not match or not match["title"]:
        return None
    text = match["title"].strip(" -–—")
    item_id = None
    id_match = ITEM_ID.match(text)
    if id_match:
        item_id, text = id_match["id"], id_match["title"].strip()
    points = float(match["points"].replace(",", ".")) if match["points"] else None
    return WorkItem(title=text, id=item_id, points=points, done=True, line=line)


def _completed(doc: _Doc) -> tuple[WorkItem, ...]:
    """Return the completed items: sub-headings of ``Completed Work`` sections, or their scope-like list items."""
    items: list[WorkItem] = []
    for section in _sections(doc.root, _COMPLETED_TITLE):
        headed = [item for child in section.children if (item := _completed_item(child.title, child.line))]
        if headed:
            items += headed
            continue
        for list_item in section.all_items():
            found = parse_scope_line(list_item.text, list_item.line)
            if found is not None:
                items.append(replace(found, done=True))
        for table in section.tables:
            items += [replace(item, done=True) for item in table_items(table)]
    return tuple(items)


def _status_items(doc: _Doc) -> tuple[WorkItem, ...]:
    """Return the items of every table with a Status column (a review: ``| ID | Title | … | Status |``)."""
    items: list[WorkItem] = []
    for section in doc.root.walk():
        for table in section.tables:
            if table_columns(table.header)["status"] is not None:
                items += table_items(table)
    return tuple(items)


_VELOCITY_LABELS = (
    "story points completed",
    "completed story points",
    "velocity",
    "completed sp",
    "completed points",
    "delivered story points",
    "delivered",
)
_PLANNED_THEN_DONE = re.compile(r"(planned|committed|commitment).*(completed|done|delivered)", re.I)


def _velocity(doc: _Doc, fields: dict[str, tuple[str, int]]) -> tuple[float | None, float | None]:
    """Return (velocity, planned) from ``Completed Story Points: 35``, ``Story Points Completed: 45/45``
    (completed first) or ``Planned/Completed Story Points: 45/35``, ``Points planned / completed: 22 / 15``."""
    planned_first = next(((label, found) for label, found in fields.items() if _PLANNED_THEN_DONE.search(label)), None)
    found = _field(fields, *_VELOCITY_LABELS) or (planned_first[1] if planned_first else None)
    if found is None:
        return None, None
    numbers = [float(n.replace(",", ".")) for n in NUMBER.findall(found[0].split("(")[0])]
    if not numbers:
        doc.error(found[1], f"cannot read story points from {found[0]!r}")
        return None, None
    if planned_first is not None and found is planned_first[1]:
        return (numbers[1], numbers[0]) if len(numbers) > 1 else (None, numbers[0])
    return numbers[0], numbers[1] if len(numbers) > 1 else None


def _summary(doc: _Doc) -> ExecutionSummary:
    """Return the ExecutionSummary written in a summary document or a sprint review.

    Completed items come from ``Completed`` sections, else from tables with a Status column (whose other rows are
    ``unfinished``); velocity from a completed-points field, else the sum of the completed items' points.
    """
    fields = doc.fields
    start, end = _dates(doc, fields)
    number, _ = _number_and_name(doc, fields)
    completed = _completed(doc)
    unfinished: tuple[WorkItem, ...] = ()
    if not completed:
        reviewed = _status_items(doc)
        completed = tuple(item for item in reviewed if item.done)
        unfinished = tuple(item for item in reviewed if not item.done)
    velocity, planned = _velocity(doc, fields)
    if velocity is None and completed:
        velocity = sum(item.points or 0 for item in completed)
    if planned is None:
        planned = _points_field(fields, "planned story points", "capacity", "team capacity", "committed")
    key = _key(doc, doc.identity.value)
    return ExecutionSummary(key, number, start, end, completed, velocity, planned, doc.path, unfinished)


# ---------------------------------------------------------------------------------------------------- documents


def detect_kind(doc: _Doc) -> DocKind:
    """Return the kind of a document from its frontmatter type, title, file name, then its sections."""
    declared = str(doc.meta.get("type") or doc.meta.get("kind") or "").lower()
    for kind, words in ((DocKind.SUMMARY, "summary"), (DocKind.RETRO, "retro"), (DocKind.PLAN, "plan")):
        if words in declared:
            return kind
    for text in (doc.title, _meta_text(doc.meta, "title") or "", _meta_text(doc.meta, "docid") or ""):
        if _SUMMARY_TITLE.search(text):
            return DocKind.SUMMARY
        if _RETRO_TITLE.search(text) and not re.search(r"planning|plan\b", text, re.I):
            return DocKind.RETRO
    name = PurePath(doc.path).name.lower()
    if "summary" in name:
        return DocKind.SUMMARY
    if "retro" in name:
        return DocKind.RETRO
    if _REVIEW_TITLE.search(doc.title) or _REVIEW_NAME.search(PurePath(doc.path).stem):
        return DocKind.SUMMARY
    titles = [plain(section.title) for section in doc.root.walk() if section.level]
    if any(_PLAN_TITLE.search(text) for text in (doc.title, name)) or any(_PLAN_SECTIONS.search(t) for t in titles):
        return DocKind.PLAN
    if any(retro_bucket(title) for title in titles):
        return DocKind.RETRO
    return DocKind.UNKNOWN


def _retro_document(doc: _Doc) -> Retro:
    """Return the Retro of a separate retrospective file (an empty one, e.g. a blank template, is a warning)."""
    fields = doc.fields
    number, _ = _number_and_name(doc, fields)
    key = _key(doc, doc.identity.value)
    retro = retro_from(doc.root, key, number, doc.path)
    if retro is None:
        doc.warn(doc.heading.line if doc.heading else 1, "retrospective has no went-well, to-improve or actions")
        return Retro(key, number, path=doc.path)
    return retro


def _split(text: str, path: str) -> tuple[Frontmatter, list[SprintDocError]]:
    """Return the frontmatter split of ``text``; on invalid YAML, the body after the blocks and the error."""
    front = split_frontmatter(text, path, strict=False)
    return front, list(front.errors)


def _read(text: str, path: str, kind: DocKind | None, key: str | None) -> Document:
    """Return the Document in ``text`` (the body of :func:`parse_document`, which adds the safety net)."""
    if len(text) > MAX_TEXT:
        what = f"too large: {len(text):,} characters, over the limit of {MAX_TEXT:,} ([limits] max_doc_bytes)"
        return Document(path, DocKind.UNKNOWN, errors=(SprintDocError(path, None, what),))
    front, errors = _split(text, path)
    if not front.body.strip() and not front.meta:
        return Document(
            path,
            DocKind.UNKNOWN,
            front.meta,
            front.blocks,
            front.has_bom,
            errors=tuple(errors) or (SprintDocError(path, 1, "empty document"),),
        )
    doc = _Doc(path, front, outline(front.body, front.body_line), list(errors), key)
    doc.identity, doc.number_identity = _identify(doc)
    kind = kind if kind not in (None, DocKind.UNKNOWN) else detect_kind(doc)
    sprint = _plan(doc) if kind == DocKind.PLAN else None
    retro = _retro_document(doc) if kind == DocKind.RETRO else (sprint.retro if sprint else None)
    summary = _summary(doc) if kind == DocKind.SUMMARY else None
    problems = tuple(sorted(doc.errors, key=lambda error: error.line or 0))
    warnings = tuple(sorted(doc.warnings, key=lambda warning: warning.line or 0))
    return Document(
        path,
        kind,
        front.meta,
        front.blocks,
        front.has_bom or front.inner_bom,
        sprint,
        retro,
        summary,
        problems,
        warnings=warnings,
        identity=doc.identity,
        number_identity=doc.number_identity,
    )


def parse_document(text: str, path: str, kind: DocKind | None = None, key: str | None = None) -> Document:
    """Return the Document read from ``text`` (the content of the file at ``path``); never raises.

    Unreadable parts become SprintDocError(path, line, what) in ``errors``; the rest is still read. ``kind`` and
    ``key`` are hints from the file name (see ``Settings.paths``): ``kind`` overrides detection, ``key`` is used
    when the document itself names no sprint key.
    """
    try:
        return _read(text, path, kind, key)
    except Exception as exc:  # a parser bug must not stop the other files; it is reported like bad input
        return Document(path, DocKind.UNKNOWN, errors=(SprintDocError(path, None, f"internal parser error: {exc!r}"),))


# ---------------------------------------------------------------------------------------------------- history


def _label_numbers(label: str | None) -> tuple[int, ...]:
    """Return the numbers in a sprint label (``2026-13`` → (2026, 13), ``SPR-013`` → (13,)) for sorting."""
    return tuple(int(n) for n in re.findall(r"\d+", label or ""))[:4]


def _sprint_order(sprint: Sprint) -> tuple[Any, ...]:
    """Return the sort key of a plan: start date, then number, then key, then path."""
    return (sprint.start or date.max, _label_numbers(sprint.number), _label_numbers(sprint.key), sprint.path or "")


def build_history(docs: Iterable[Document]) -> SprintHistory:
    """Return plans, retros (separate files and filled-in plan sections) and summaries, oldest first, with all errors.

    Retros and summaries are ordered by the start date of the plan with the same key or number when known.
    """
    docs = list(docs)
    plans = sorted((d.sprint for d in docs if d.sprint is not None), key=_sprint_order)
    starts: dict[str, date] = {}
    for plan in plans:
        for label in (plan.key, plan.number):
            if label and plan.start:
                starts.setdefault(label, plan.start)

    def order(key: str | None, number: str | None, start: date | None, path: str | None) -> tuple[Any, ...]:
        """Return the sort key: start of the sprint (own or its plan's), then number, key and path."""
        known = start or starts.get(key or "") or starts.get(number or "") or date.max
        return (known, _label_numbers(number), _label_numbers(key), path or "")

    retros = sorted(
        (d.retro for d in docs if d.retro is not None), key=lambda r: order(r.sprint_key, r.sprint_number, None, r.path)
    )
    summaries = sorted(
        (d.summary for d in docs if d.summary is not None), key=lambda s: order(s.key, s.number, s.start, s.path)
    )
    errors = tuple(error for d in docs for error in d.errors)
    return SprintHistory(tuple(plans), tuple(retros), tuple(summaries), errors)
