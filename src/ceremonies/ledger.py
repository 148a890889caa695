"""The sprint ledger: what the team's sprint docs say about each sprint, read one way for planning, reminders and
the knowledge base. Pure: history, settings and dates in, answers out (no I/O, no clock).

Each rule lives here once:

* **naming** — :func:`same_sprint`/:func:`compare_label`: a key compares with a key of the same prefix by its
  numbers (``SPR-13`` = ``SPR-013``), a full number with the number (``2026-13``), a bare number with the last
  number of the number or key (``13``, as the reader takes it from ``Sprint 13``, names ``2026-13`` and ``SPR-013``);
  :func:`display_name` (how messages name a sprint), :func:`sprint_key` (reminder keys and calendar UIDs).
* **lookup** — :func:`summary_of` (the sprint's execution summary), :func:`retro_of` (its retrospective: a
  separate file before the plan's own section), :func:`previous_plan` (the plan that ended last before a sprint).
* **points** — :func:`delivered_points` (the summary's velocity, else the checked items' points),
  :func:`rolling_velocity` (mean of the last ``window`` completed sprints as known on a day), :func:`points_text`.
* **ceremonies** — :func:`default_ceremonies` (planning on the first day, refinement ``refinement_day`` later,
  demo and retro on the last day, at the configured times), :func:`ceremony_day` (a day off moves or skips a
  ceremony per ``holiday_policy``), :func:`timetable` (both together, in date order).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache
from typing import Generic, TypeVar

from ceremonies.config import Settings
from ceremonies.domain.model import Ceremony, CeremonyKind, ExecutionSummary, Retro, Sprint, SprintHistory
from ceremonies.workdays import DaysOff

T = TypeVar("T")

# ---------------------------------------------------------------------------------------------------- naming


@lru_cache(maxsize=8192)
def label_numbers(label: str | None) -> tuple[int, ...]:
    """Return the numbers in a sprint label (``2026-13`` → (2026, 13), ``SPR-013`` → (13,))."""
    return tuple(int(n) for n in re.findall(r"\d+", label or ""))


def is_key(label: str) -> bool:
    """Return True when ``label`` looks like a sprint key (starts with a letter) rather than a number."""
    return bool(re.match(r"^[A-Za-z]", label))


def _prefix(label: str) -> str:
    """Return the letters of a key, upper-cased (``spr-013`` → ``SPR``)."""
    return re.sub(r"[\d\W]+", "", label).upper()


def _positions(label: str, sprint: Sprint) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Return the numbers of ``label`` and of ``sprint`` in the same shape, or None when they cannot be compared.

    A key (``SPR-013``) compares with the sprint's key of the same prefix; a full number (``2026-13``) with its
    number; a bare number (``13``, what the reader makes of ``Sprint 13``) with the last number of its number, else
    of its key.
    """
    numbers = label_numbers(label)
    if not numbers:
        return None
    if is_key(label):
        own = sprint.key
        comparable = own and _prefix(label) == _prefix(own) and label_numbers(own)
        return (numbers, label_numbers(own)) if comparable else None
    if len(numbers) == 1:
        own_numbers = label_numbers(sprint.number) or label_numbers(sprint.key)
        return (numbers, own_numbers[-1:]) if own_numbers else None
    return (numbers, label_numbers(sprint.number)) if label_numbers(sprint.number) else None


def compare_label(label: str | None, sprint: Sprint) -> int | None:
    """Return -1/0/1 when ``label`` names a sprint before/equal to/after ``sprint``; None when incomparable."""
    positions = _positions(label, sprint) if label else None
    if positions is None:
        return None
    mine, theirs = positions
    return (mine > theirs) - (mine < theirs)


@lru_cache(maxsize=8192)
def _label_token(label: str | None) -> tuple[object, ...] | None:
    """Return what ``label`` says about a sprint, in a form equal for every spelling of the same sprint:
    ``("key", "SPR", (13,))`` for ``SPR-013``/``spr-13``, ``("last", 13)`` for ``13``, ``("number", (2026, 13))``
    for ``2026-13``; None for a label without numbers."""
    numbers = label_numbers(label)
    if not label or not numbers:
        return None
    if is_key(label):
        return ("key", _prefix(label), numbers)
    return ("last", numbers[0]) if len(numbers) == 1 else ("number", numbers)


def _sprint_tokens(sprint: Sprint) -> frozenset[tuple[object, ...]]:
    """Return the tokens of every label that names ``sprint`` (see :func:`_positions`)."""
    tokens: set[tuple[object, ...]] = set()
    key_numbers, own_numbers = label_numbers(sprint.key), label_numbers(sprint.number)
    if sprint.key and key_numbers:
        tokens.add(("key", _prefix(sprint.key), key_numbers))
    if own_numbers or key_numbers:
        tokens.add(("last", (own_numbers or key_numbers)[-1]))
    if own_numbers:
        tokens.add(("number", own_numbers))
    return frozenset(tokens)


def same_sprint(label: str | None, sprint: Sprint) -> bool:
    """Return True when ``label`` (a key, a number or a bare number) names ``sprint`` (``compare_label`` == 0)."""
    token = _label_token(label)
    return token is not None and token in _sprint_tokens(sprint)


def names_sprint(labels: Iterable[str | None], sprint: Sprint) -> bool:
    """Return True when any of ``labels`` (e.g. a summary's key and number) names ``sprint``."""
    return any(same_sprint(label, sprint) for label in labels)


class LabelIndex(Generic[T]):
    """Values (summaries, retros) by the sprint labels they carry, to find those naming a sprint without comparing
    every pair (a KB of 500 sprints would compare 250,000)."""

    def __init__(self, entries: Iterable[tuple[T, Iterable[str | None]]]) -> None:
        self._values: list[T] = []
        self._by_token: dict[tuple[object, ...], list[int]] = {}
        for position, (value, labels) in enumerate(entries):
            self._values.append(value)
            for token in {_label_token(label) for label in labels}:
                if token is not None:
                    self._by_token.setdefault(token, []).append(position)

    def naming(self, sprint: Sprint) -> list[T]:
        """Return the values with a label naming ``sprint``, in the order they were given."""
        positions = {p for token in _sprint_tokens(sprint) for p in self._by_token.get(token, ())}
        return [self._values[p] for p in sorted(positions)]


def display_name(sprint: Sprint) -> str:
    """Return how messages name a sprint: its key, else its name (``Sprint 9``), else its label."""
    return sprint.key or sprint.name or sprint.label


def sprint_key(sprint: Sprint) -> str:
    """Return the sprint's key as used in reminder keys and UIDs (``SPR-014``; else number, name or title)."""
    return re.sub(r"\s+", "-", sprint.label.strip())


# ---------------------------------------------------------------------------------------------------- lookup


@dataclass(frozen=True)
class SprintIndex:
    """A history's summaries and retros by the sprints they name: build once (:meth:`of`), ask per sprint."""

    summaries: LabelIndex[ExecutionSummary]
    retros: LabelIndex[Retro]

    @classmethod
    def of(cls, history: SprintHistory) -> SprintIndex:
        """Return the index of ``history``'s summaries and retros."""
        return cls(
            LabelIndex((summary, (summary.key, summary.number)) for summary in history.summaries),
            LabelIndex((retro, (retro.sprint_key, retro.sprint_number)) for retro in history.retros),
        )

    def summary_of(self, sprint: Sprint) -> ExecutionSummary | None:
        """Return the (last written) execution summary of ``sprint``, else None."""
        found = self.summaries.naming(sprint)
        return found[-1] if found else None

    def retros_of(self, sprint: Sprint) -> list[Retro]:
        """Return every retro naming ``sprint`` (separate files and plan sections), oldest first."""
        return self.retros.naming(sprint)

    def retro_of(self, sprint: Sprint) -> Retro | None:
        """Return the retrospective of ``sprint``: a separate file before the plan's own section, else the plan's
        ``retro``, else None."""
        matching = self.retros_of(sprint)
        chosen = [retro for retro in matching if retro.path != sprint.path] or matching
        return chosen[-1] if chosen else sprint.retro


def summary_of(history: SprintHistory, sprint: Sprint) -> ExecutionSummary | None:
    """Return the (last written) execution summary of ``sprint``, else None (see :class:`SprintIndex`)."""
    return SprintIndex.of(history).summary_of(sprint)


def retro_of(history: SprintHistory, sprint: Sprint) -> Retro | None:
    """Return the retrospective of ``sprint`` (see :meth:`SprintIndex.retro_of`)."""
    return SprintIndex.of(history).retro_of(sprint)


def previous_plan(history: SprintHistory, sprint: Sprint) -> Sprint | None:
    """Return the plan that ended last on or before the day ``sprint`` starts (None when it has no start)."""
    if sprint.start is None:
        return None
    before = [
        plan
        for plan in history.plans
        if plan.end is not None and plan.end <= sprint.start and plan is not sprint and not _same_doc(plan, sprint)
    ]
    return max(before, key=lambda plan: plan.end or date.min) if before else None


def _same_doc(plan: Sprint, sprint: Sprint) -> bool:
    """Return True when ``plan`` is ``sprint`` under another file (same reminder key)."""
    return sprint_key(plan) == sprint_key(sprint)


# ---------------------------------------------------------------------------------------------------- points


@dataclass(frozen=True)
class Velocity:
    """Rolling velocity: mean delivered SP (None without any completed sprint) and the (sprint, SP) samples."""

    points: float | None
    samples: tuple[tuple[str, float], ...] = ()


def points_text(points: float | None) -> str:
    """Return story points without a needless ``.0`` (``8``, ``7.5``); ``?`` when unknown."""
    if points is None:
        return "?"
    return str(int(points)) if float(points).is_integer() else f"{points:g}"


def delivered_points(plan: Sprint, summary: ExecutionSummary | None, closed: bool = False) -> float | None:
    """Return what a sprint delivered: its summary's velocity, else the points of its checked items when any is
    checked (or when ``closed``, i.e. its retro was held: then no checked item means 0), else None."""
    if summary is not None and summary.velocity is not None:
        return summary.velocity
    if closed or any(item.done for item in plan.items):
        return plan.done_points
    return None


def _counts_before(plan: Sprint, before: Sprint | None) -> bool:
    """Return True when ``plan`` may count for the velocity of ``before``: not ``before`` itself, and ended before
    it starts (a sprint ending on that day still runs while the next one is planned)."""
    if before is None:
        return True
    if plan is before or _same_doc(plan, before) or plan.end is None:
        return False
    return before.start is None or plan.end < before.start


def completed_sprints(
    history: SprintHistory, as_of: date, before: Sprint | None = None
) -> Iterator[tuple[str, float, date]]:
    """Yield (name, delivered SP, end) of every sprint completed as of ``as_of``, in history order.

    Completed = its execution summary states the velocity, or it ended by ``as_of`` with checked items. Summaries
    of sprints without a plan count too. With ``before``, only sprints that ended before ``before`` starts.
    """
    covered: set[str] = set()
    index = SprintIndex.of(history)
    for plan in history.plans:
        if not _counts_before(plan, before):
            continue
        summary = index.summary_of(plan)
        if summary is not None and summary.velocity is not None:
            covered.update(label for label in (summary.key, summary.number) if label)
            yield display_name(plan), summary.velocity, plan.end or summary.end or date.min
        elif plan.end is not None and plan.end <= as_of and any(item.done for item in plan.items):
            yield display_name(plan), plan.done_points, plan.end
    for summary in history.summaries:
        labels = [label for label in (summary.key, summary.number) if label]
        if summary.velocity is None or any(label in covered for label in labels):
            continue
        if any(names_sprint(labels, plan) for plan in history.plans):  # few: summaries without a velocity'd plan
            continue
        if before is not None and (summary.end is None or (before.start is not None and summary.end >= before.start)):
            continue
        yield (labels[0] if labels else summary.path or "?"), summary.velocity, summary.end or date.min


def rolling_velocity(history: SprintHistory, window: int, as_of: date, before: Sprint | None = None) -> Velocity:
    """Return the mean delivered SP (one decimal) of the last ``window`` sprints completed as of ``as_of`` (and,
    with ``before``, ended before that sprint starts), oldest sample first."""
    completed = sorted(completed_sprints(history, as_of, before), key=lambda entry: entry[2])
    samples = tuple((name, points) for name, points, _ in completed[-window:]) if window > 0 else ()
    if not samples:
        return Velocity(None, ())
    return Velocity(round(sum(points for _, points in samples) / len(samples), 1), samples)


def velocity_before(history: SprintHistory, sprint: Sprint, window: int) -> Velocity:
    """Return the rolling velocity as the planner saw it for ``sprint``: sprints ended before it starts."""
    as_of = sprint.start - timedelta(days=1) if sprint.start else date.max
    return rolling_velocity(history, window, as_of, before=sprint)


# ---------------------------------------------------------------------------------------------------- ceremonies


def ceremony_end(start: time, minutes: int) -> time:
    """Return the time ``minutes`` after ``start`` (at most 23:59)."""
    total = min(start.hour * 60 + start.minute + minutes, 23 * 60 + 59)
    return time(total // 60, total % 60)


def ceremony_minutes(kind: CeremonyKind, settings: Settings) -> int:
    """Return the configured length of ``kind`` in minutes (60 for other entries)."""
    times = settings.ceremonies
    return {
        CeremonyKind.PLANNING: times.planning_minutes,
        CeremonyKind.DEMO: times.demo_minutes,
        CeremonyKind.RETRO: times.retro_minutes,
        CeremonyKind.REFINEMENT: times.refinement_minutes,
    }.get(kind, 60)


def default_ceremonies(
    start: date | None, end: date | None, settings: Settings, demo: date | None = None
) -> tuple[Ceremony, ...]:
    """Return planning (``start``), refinement (``refinement_day`` after it, at most ``end``), demo (``demo``, else
    ``end``) and retro (``end``) at the configured times, before any day off moves them; undated ones left out."""
    times = settings.ceremonies
    refinement = start + timedelta(days=times.refinement_day) if start else None
    if refinement is not None and end is not None:
        refinement = min(refinement, end)
    wanted = (
        ("Sprint Planning", CeremonyKind.PLANNING, start, times.planning),
        ("Backlog Refinement", CeremonyKind.REFINEMENT, refinement, times.refinement),
        ("Sprint Review/Demo", CeremonyKind.DEMO, demo or end, times.demo),
        ("Retrospective", CeremonyKind.RETRO, end, times.retro),
    )
    return tuple(
        Ceremony(name, kind, day, at, ceremony_end(at, ceremony_minutes(kind, settings)))
        for name, kind, day, at in wanted
        if day is not None
    )


def ceremony_day(
    day: date, settings: Settings, off: DaysOff, start: date | None = None, end: date | None = None
) -> date | None:
    """Return the day a ceremony planned on ``day`` happens per ``holiday_policy`` (None when skipped).

    ``previous_working_day`` moves it back, forward instead when that is before the sprint's ``start``;
    ``next_working_day`` moves it forward, back instead when that is after the sprint's ``end``.
    """
    if off.is_working_day(day):
        return day
    policy = settings.ceremonies.holiday_policy
    if policy == "keep":
        return day
    if policy == "skip":
        return None
    if policy == "previous_working_day":
        moved = off.working_day_on_or_before(day)
        return off.working_day_on_or_after(day) if start and moved < start else moved
    moved = off.working_day_on_or_after(day)
    return off.working_day_on_or_before(day) if end and moved > end else moved


def timetable(start: date, end: date, settings: Settings, off: DaysOff) -> tuple[Ceremony, ...]:
    """Return the default ceremonies of a sprint from ``start`` to ``end`` on the days they happen, by date."""
    found = []
    for ceremony in default_ceremonies(start, end, settings):
        assert ceremony.day is not None
        moved = ceremony_day(ceremony.day, settings, off, start, end)
        if moved is not None:
            found.append(Ceremony(ceremony.name, ceremony.kind, moved, ceremony.start, ceremony.end))
    return tuple(sorted(found, key=lambda c: (c.day or start, c.start)))
