"""Execution summaries and sprint reviews: completed and unfinished items, velocity and planned points."""

from __future__ import annotations

import re
from dataclasses import replace

from ceremonies.domain.doc_identity import number_and_name, sprint_key
from ceremonies.domain.docparts import DocParts, field_value, sections_titled
from ceremonies.domain.lines import (
    ITEM_ID,
    NUMBER,
    parse_scope_line,
    table_columns,
    table_items,
)
from ceremonies.domain.model import (
    ExecutionSummary,
    WorkItem,
)
from ceremonies.domain.outline import plain
from ceremonies.domain.plan_doc import plan_dates, points_field

_COMPLETED_TITLE = re.compile(r"\b(completed|done|delivered|erledigt|abgeschlossen)\b", re.I)

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


def _completed(doc: DocParts) -> tuple[WorkItem, ...]:
    """Return the completed items: sub-headings of ``Completed Work`` sections, or their scope-like list items."""
    items: list[WorkItem] = []
    for section in sections_titled(doc.root, _COMPLETED_TITLE):
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


def _status_items(doc: DocParts) -> tuple[WorkItem, ...]:
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


def _velocity(doc: DocParts, fields: dict[str, tuple[str, int]]) -> tuple[float | None, float | None]:
    """Return (velocity, planned) from ``Completed Story Points: 35``, ``Story Points Completed: 45/45``
    (completed first) or ``Planned/Completed Story Points: 45/35``, ``Points planned / completed: 22 / 15``."""
    planned_first = next(((label, found) for label, found in fields.items() if _PLANNED_THEN_DONE.search(label)), None)
    found = field_value(fields, *_VELOCITY_LABELS) or (planned_first[1] if planned_first else None)
    if found is None:
        return None, None
    numbers = [float(n.replace(",", ".")) for n in NUMBER.findall(found[0].split("(")[0])]
    if not numbers:
        doc.error(found[1], f"cannot read story points from {found[0]!r}")
        return None, None
    if planned_first is not None and found is planned_first[1]:
        return (numbers[1], numbers[0]) if len(numbers) > 1 else (None, numbers[0])
    return numbers[0], numbers[1] if len(numbers) > 1 else None


def read_summary(doc: DocParts) -> ExecutionSummary:
    """Return the ExecutionSummary written in a summary document or a sprint review.

    Completed items come from ``Completed`` sections, else from tables with a Status column (whose other rows are
    ``unfinished``); velocity from a completed-points field, else the sum of the completed items' points.
    """
    fields = doc.fields
    start, end = plan_dates(doc, fields)
    number, _ = number_and_name(doc, fields)
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
        planned = points_field(fields, "planned story points", "capacity", "team capacity", "committed")
    key = sprint_key(doc, doc.identity.value)
    return ExecutionSummary(key, number, start, end, completed, velocity, planned, doc.path, unfinished)
