"""The vocabulary of ceremonies: frozen dataclasses for sprints, work items, retros and summaries.

No I/O and no clock here. Parsing lives in :mod:`ceremonies.domain.parsing`, formatting in the templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum
from typing import Any

from ceremonies.domain.identity import Identity
from ceremonies.errors import SprintDocError


class DocKind(StrEnum):
    """What a sprint-dir document is."""

    PLAN = "plan"
    RETRO = "retro"
    SUMMARY = "summary"
    UNKNOWN = "unknown"


class CeremonyKind(StrEnum):
    """The ceremonies we know; anything else from a timetable is OTHER."""

    PLANNING = "planning"
    DEMO = "demo"
    RETRO = "retro"
    REFINEMENT = "refinement"
    STANDUP = "standup"
    OTHER = "other"


ONGOING = "ongoing"
"""Target of a retro action that applies to every sprint rather than a particular one."""


_TRAILING_NUMBER = re.compile(r"^(?P<head>.*?)(?P<num>\d+)(?P<tail>\D*)$")


def next_label(label: str) -> str:
    """Return ``label`` with its last number incremented, keeping zero padding.

    ``SPR-013`` → ``SPR-014``, ``2026-13`` → ``2026-14``, ``Sprint 9`` → ``Sprint 10``, ``SPR-099`` → ``SPR-100``.
    """
    match = _TRAILING_NUMBER.match(label)
    if not match:
        raise ValueError(f"no number to increment in {label!r}")
    digits = match["num"]
    return f"{match['head']}{int(digits) + 1:0{len(digits)}d}{match['tail']}"


@dataclass(frozen=True)
class WorkItem:
    """One scope item of a sprint (or one completed item of an execution summary).

    ``carried`` counts consecutive sprints the item was carried over; ``source`` is a backlink such as
    ``SPR-012-RETRO action 3`` when the item came from a retro action. ``status`` is a table's status cell as
    written (``In progress``); ``size`` a T-shirt size (``S``/``M``/``L``) written instead of points.
    """

    title: str
    id: str | None = None
    owners: tuple[str, ...] = ()
    points: float | None = None
    done: bool = False
    line: int | None = None
    carried: int = 0
    source: str | None = None
    stretch: bool = False
    status: str | None = None
    size: str | None = None


@dataclass(frozen=True)
class RetroAction:
    """One action item of a retrospective.

    ``target`` is a normalized sprint number (``2026-13``), a sprint key (``SPR-019``), :data:`ONGOING`, or
    ``None`` when the retro did not say. ``index`` is the 1-based position of the action within its retro.
    ``target_text`` is the target as written (``Sprint 6 planning``, ``Standing``, ``Immediately``, ``2026-10-09``)
    so a planner can map what ``target`` could not (a due date maps to the sprint containing it); ``detail`` is
    the prose after a bold lead (``**Pair on reviews.** Every PR gets …``).
    """

    text: str
    index: int
    owners: tuple[str, ...] = ()
    target: str | None = None
    measure: str | None = None
    priority: str | None = None
    due: str | None = None
    id: str | None = None
    points: float | None = None
    done: bool = False
    line: int | None = None
    detail: str | None = None
    target_text: str | None = None


@dataclass(frozen=True)
class Retro:
    """A retrospective: separate file (``SPR-012-retrospective.md``) or the filled-in section of a plan."""

    sprint_key: str | None
    sprint_number: str | None
    went_well: tuple[str, ...] = ()
    to_improve: tuple[str, ...] = ()
    actions: tuple[RetroAction, ...] = ()
    path: str | None = None

    @property
    def ref(self) -> str:
        """Return the id used in backlinks to this retro, e.g. ``SPR-012-RETRO``."""
        return f"{self.sprint_key or self.sprint_number or 'UNKNOWN'}-RETRO"


@dataclass(frozen=True)
class Ceremony:
    """One entry of a sprint's ceremony timetable.

    ``day`` is ``None`` for recurring entries (``Daily — 09:15–09:30: Stand-up``).
    """

    name: str
    kind: CeremonyKind
    day: date | None
    start: time
    end: time | None = None
    line: int | None = None


@dataclass(frozen=True)
class Sprint:
    """A sprint plan as written in the team's docs.

    ``scope_columns`` is the header of the plan's first scope table (``ID | Item | Est. | Owner``), empty when the
    scope is a list, so the next plan can be written as a table in the same columns.
    """

    key: str | None = None
    number: str | None = None
    name: str | None = None
    title: str | None = None
    start: date | None = None
    end: date | None = None
    duration_days: int | None = None
    goals: tuple[str, ...] = ()
    planned_points: float | None = None
    capacity_points: float | None = None
    items: tuple[WorkItem, ...] = ()
    scope_columns: tuple[str, ...] = ()
    acceptance: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    demo_owner: str | None = None
    demo_date: date | None = None
    timetable: tuple[Ceremony, ...] = ()
    timezone: str | None = None
    owner: str | None = None
    status: str | None = None
    future: tuple[RetroAction, ...] = ()
    retro: Retro | None = None
    path: str | None = None

    @property
    def label(self) -> str:
        """Return the best human id of this sprint: key, else number, else name, else title."""
        return self.key or self.number or self.name or self.title or "unnamed sprint"

    @property
    def scope_points(self) -> float:
        """Return the sum of the points of all scope items (items without points count 0)."""
        return sum(item.points or 0 for item in self.items)

    @property
    def done_points(self) -> float:
        """Return the sum of the points of checked scope items."""
        return sum(item.points or 0 for item in self.items if item.done)


@dataclass(frozen=True)
class ExecutionSummary:
    """What a sprint delivered: completed items with points; ``velocity`` is the delivered story points.

    A sprint review with a Status column is a summary too: its ``Done`` rows are ``completed``, the others
    (``In progress``, ``Code Review``, ``Not started``) are ``unfinished`` (each with its ``status``).
    """

    key: str | None = None
    number: str | None = None
    start: date | None = None
    end: date | None = None
    completed: tuple[WorkItem, ...] = ()
    velocity: float | None = None
    planned_points: float | None = None
    path: str | None = None
    unfinished: tuple[WorkItem, ...] = ()


@dataclass(frozen=True)
class Document:
    """One parsed file of the sprint dir: its kind, its frontmatter, the model read from it, and problems.

    ``errors`` holds problems that made parts of the file unreadable (the rest was still read); a file
    that could not be read at all has ``kind == UNKNOWN`` and at least one error. ``warnings`` are problems that
    lose nothing (no dates written, sources disagreeing on the sprint); ``identity`` and ``number_identity`` are the
    votes (:func:`ceremonies.domain.identity.agree`) on the sprint key (``SPR-014``) and on the sprint number
    (``Sprint 2026-14``, ``sprint-05``), each with every source and the dissenting ones.
    """

    path: str
    kind: DocKind
    frontmatter: dict[str, Any] = field(default_factory=dict)
    frontmatter_blocks: int = 0
    has_bom: bool = False
    sprint: Sprint | None = None
    retro: Retro | None = None
    summary: ExecutionSummary | None = None
    errors: tuple[SprintDocError, ...] = ()
    warnings: tuple[SprintDocError, ...] = ()
    identity: Identity | None = None
    number_identity: Identity | None = None

    @property
    def ok(self) -> bool:
        """Return True when the file was read without any problem."""
        return not self.errors


@dataclass(frozen=True)
class SprintHistory:
    """Everything the sprint dir says, oldest sprint first; the input of the planner and reminders."""

    plans: tuple[Sprint, ...] = ()
    retros: tuple[Retro, ...] = ()
    summaries: tuple[ExecutionSummary, ...] = ()
    errors: tuple[SprintDocError, ...] = ()
