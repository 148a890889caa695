"""Rules for planning the next sprint: pure functions, inputs in, a plan (and the template's context) out.

No I/O and no clock: ``today`` is a parameter. The input is the team's :class:`SprintHistory` (plans, retros,
execution summaries, oldest first) and its :class:`Settings`; the output is a :class:`NextSprintPlan` that
``templates/sprint.md.j2`` renders through :func:`sprint_doc_context`.

Rules, in the words of the docs they produce:

* key and number: the previous plan's with the last number incremented (``SPR-013`` → ``SPR-014``,
  ``2026-13`` → ``2026-14``, ``Sprint 9`` → ``Sprint 10``); a plan without a key gets ``{key_prefix}-NNN``.
* dates: start = previous end (``start_rule = "previous_end"``) or the next working day after it; the length is
  ``sprint.cadence_days`` when the config sets it, else the previous plan's ``Duration (days)``, else its span.
  A start or end on a weekend, public holiday (``holidays`` package, ``holiday_country``/``holiday_subdivision``)
  or ``extra_holidays`` moves forward to the next working day; the end is computed from the unshifted start so
  the cadence grid is kept.
* scope: retro actions targeting the new sprint (by number, key or "next sprint") become items with their own ID
  or ``<retro ref>-<n>`` and a backlink ``from SPR-012-RETRO action 3``; actions aimed later go to ``future``,
  "ongoing" ones to ``ongoing``; unfinished items of the previous plan carry over with ``carried`` + 1.
* follow-through: not-done actions of the last two retros that are neither scheduled nor aimed ahead are open.
* capacity: mean delivered SP of the last ``velocity_window`` completed sprints (summary velocity, else the
  checked items' points); a warning when the planned SP exceed it by more than ``overcommit_warning``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from ceremonies.config import Settings
from ceremonies.domain.dates import format_date, short_weekday
from ceremonies.domain.layout import unit_path
from ceremonies.domain.model import (
    ONGOING,
    Ceremony,
    CeremonyKind,
    ExecutionSummary,
    Retro,
    RetroAction,
    Sprint,
    SprintHistory,
    WorkItem,
    next_label,
)
from ceremonies.errors import SprintDocError
from ceremonies.workdays import DaysOff, team_days_off

SPRINT_TEMPLATE = "sprint.md.j2"
"""Name of the sprint-plan template (team dir first, then ceremonies' ``templates/``)."""

_GERMAN_STYLE_COUNTRIES = {"DE", "AT", "CH", "LI", "LU"}


# ---------------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Velocity:
    """Rolling velocity: mean delivered SP (None without any completed sprint) and the (sprint, SP) samples."""

    points: float | None
    samples: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Due:
    """Whether the next sprint should be planned now, and why (a sentence naming the sprint and dates)."""

    due: bool
    reason: str


@dataclass(frozen=True)
class NextSprintPlan:
    """The next sprint as planned from the history: the new Sprint plus everything the doc shows about it.

    ``sprint.items`` is the whole scope: ``carried_over`` first, then ``from_retro``.
    """

    sprint: Sprint
    previous: Sprint
    retro: Retro | None
    from_retro: tuple[WorkItem, ...]
    carried_over: tuple[WorkItem, ...]
    future: tuple[RetroAction, ...]
    ongoing: tuple[RetroAction, ...]
    open_actions: tuple[RetroAction, ...]
    velocity: Velocity
    working_days: int
    holidays: tuple[tuple[date, str], ...]
    warnings: tuple[str, ...]
    file_name: str
    cadence_days: int = 14
    action_refs: tuple[tuple[str, str], ...] = ()
    """(action text, backlink like ``SPR-012-RETRO action 3``) of the future, ongoing and open actions."""
    measures: tuple[tuple[str, str], ...] = ()
    """(item title, measure of success) of the retro actions that became scope."""
    shifted: tuple[str, ...] = ()
    """Sentences saying which dates moved because of weekends/holidays."""
    retro_paths: tuple[tuple[str, str], ...] = ()
    """(retro ref like ``SPR-012-RETRO``, its repo-relative path) of the history's retros, for backlinks."""

    @property
    def planned_points(self) -> float:
        """Return the story points of the whole scope (items without points count 0)."""
        return self.sprint.scope_points


# ---------------------------------------------------------------------------------------------------- calendar


Calendar = DaysOff
"""The team's working days (see :mod:`ceremonies.workdays`)."""


def team_calendar(settings: Settings, years: Iterable[int]) -> DaysOff:
    """Return the team's days off in ``years``; raise ConfigError for an unknown country or a bad extra holiday."""
    return team_days_off(settings, years)


# ---------------------------------------------------------------------------------------------------- labels


def _numbers(label: str | None) -> tuple[int, ...]:
    """Return the numbers in a sprint label (``2026-13`` → (2026, 13), ``SPR-013`` → (13,))."""
    return tuple(int(n) for n in re.findall(r"\d+", label or ""))


def _is_key(label: str) -> bool:
    """Return True when ``label`` looks like a sprint key (letters, dash, digits) rather than a number."""
    return bool(re.match(r"^[A-Za-z]", label))


def _positions(label: str, sprint: Sprint) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Return the numbers of ``label`` and of ``sprint`` in the same shape, or None when they cannot be compared.

    A key (``SPR-013``) compares with the sprint's key of the same prefix; a full number (``2026-13``) with its
    number; a bare number (``Sprint 13`` → ``13``) with the last number of its number, else of its key.
    """
    numbers = _numbers(label)
    if not numbers:
        return None
    if _is_key(label):
        own = sprint.key
        same_prefix = own and re.sub(r"[\d\W]+", "", label).upper() == re.sub(r"[\d\W]+", "", own).upper()
        return (numbers, _numbers(own)) if own and same_prefix and _numbers(own) else None
    if len(numbers) == 1:
        own_numbers = _numbers(sprint.number) or _numbers(sprint.key)
        return (numbers, own_numbers[-1:]) if own_numbers else None
    return (numbers, _numbers(sprint.number)) if _numbers(sprint.number) else None


def _compare(label: str | None, sprint: Sprint) -> int | None:
    """Return -1/0/1 when ``label`` names a sprint before/equal to/after ``sprint``; None when incomparable."""
    positions = _positions(label, sprint) if label else None
    if positions is None:
        return None
    mine, theirs = positions
    return (mine > theirs) - (mine < theirs)


def _same_sprint(label: str | None, sprint: Sprint) -> bool:
    """Return True when ``label`` (a key, number or bare ``Sprint 9`` number) names ``sprint``."""
    return _compare(label, sprint) == 0


def _next_identity(previous: Sprint, settings: Settings) -> tuple[str, str | None, str | None]:
    """Return (key, number, name) of the sprint after ``previous``."""
    number = next_label(previous.number) if previous.number else None
    name = f"Sprint {number}" if number else None
    if name is None and previous.name and _numbers(previous.name):
        name = next_label(previous.name)
    if previous.key:
        key = next_label(previous.key)
    else:
        digits = _numbers(number or name)
        key = f"{settings.sprint.key_prefix}-{digits[-1] if digits else 1:03d}"
    return key, number, name


# ---------------------------------------------------------------------------------------------------- dates


def _cadence_days(previous: Sprint, settings: Settings) -> int:
    """Return the new sprint's length in days: configured cadence, else the previous Duration, else its span."""
    if "cadence_days" in settings.sprint.model_fields_set:
        return settings.sprint.cadence_days
    if previous.duration_days and previous.duration_days > 0:
        return previous.duration_days
    if previous.start and previous.end and previous.end > previous.start:
        return (previous.end - previous.start).days
    return settings.sprint.cadence_days


@dataclass(frozen=True)
class SprintDates:
    """Start and end of a sprint, its days off and the sentences explaining any shift."""

    start: date
    end: date
    cadence_days: int
    shifted: tuple[str, ...]


def _describe(day: date, calendar: Calendar) -> str:
    """Return why ``day`` is not a working day (holiday name or weekend)."""
    return calendar.name_of(day)


def sprint_dates(previous_end: date, cadence_days: int, settings: Settings, calendar: Calendar) -> SprintDates:
    """Return the dates of the sprint after one ending on ``previous_end`` (see the module rules)."""
    nominal = previous_end
    if settings.sprint.start_rule == "next_working_day":
        nominal = calendar.working_day_on_or_after(previous_end + timedelta(days=1))
    start = calendar.working_day_on_or_after(nominal)
    nominal_end = nominal + timedelta(days=cadence_days)
    end = calendar.working_day_on_or_after(max(nominal_end, start + timedelta(days=1)))
    shifted = []
    if start != nominal:
        shifted.append(f"start moved from {iso_day(nominal)} ({_describe(nominal, calendar)}) to {iso_day(start)}")
    if end != nominal_end:
        shifted.append(f"end moved from {iso_day(nominal_end)} ({_describe(nominal_end, calendar)}) to {iso_day(end)}")
    return SprintDates(start, end, cadence_days, tuple(shifted))


def _counted_last_day(start: date, end: date, settings: Settings) -> date:
    """Return the last day that counts as working time: the end day is the next sprint's first under previous_end."""
    return end - timedelta(days=1) if settings.sprint.start_rule == "previous_end" and end > start else end


def iso_day(day: date) -> str:
    """Return ``day`` as ``Wed 2026-04-01``."""
    return f"{short_weekday(day)} {day.isoformat()}"


# ---------------------------------------------------------------------------------------------------- ceremonies


def _ceremony_day(day: date, start: date, end: date, settings: Settings, calendar: Calendar) -> date | None:
    """Return the day a ceremony planned on ``day`` happens per ``holiday_policy`` (None when skipped)."""
    if calendar.is_working_day(day):
        return day
    policy = settings.ceremonies.holiday_policy
    if policy == "keep":
        return day
    if policy == "skip":
        return None
    moved = (
        calendar.working_day_on_or_before(day)
        if policy == "previous_working_day"
        else calendar.working_day_on_or_after(day)
    )
    if moved < start:
        moved = calendar.working_day_on_or_after(day)
    return moved if moved <= end else calendar.working_day_on_or_before(day)


def _until(start: time, minutes: int) -> time:
    """Return the time ``minutes`` after ``start`` (at most 23:59)."""
    total = min(start.hour * 60 + start.minute + minutes, 23 * 60 + 59)
    return time(total // 60, total % 60)


def ceremonies_of(start: date, end: date, settings: Settings, calendar: Calendar) -> tuple[Ceremony, ...]:
    """Return planning (first day), refinement (start + refinement_day), demo and retro (last day), by date."""
    times = settings.ceremonies
    wanted = (
        ("Sprint Planning", CeremonyKind.PLANNING, start, times.planning, times.planning_minutes),
        (
            "Backlog Refinement",
            CeremonyKind.REFINEMENT,
            min(start + timedelta(days=times.refinement_day), end),
            times.refinement,
            times.refinement_minutes,
        ),
        ("Sprint Review/Demo", CeremonyKind.DEMO, end, times.demo, times.demo_minutes),
        ("Retrospective", CeremonyKind.RETRO, end, times.retro, times.retro_minutes),
    )
    found = []
    for name, kind, day, at, minutes in wanted:
        moved = _ceremony_day(day, start, end, settings, calendar)
        if moved is not None:
            found.append(Ceremony(name, kind, moved, at, _until(at, minutes)))
    return tuple(sorted(found, key=lambda c: (c.day or start, c.start)))


# ---------------------------------------------------------------------------------------------------- matching


@lru_cache(maxsize=4096)
def _words(text: str) -> frozenset[str]:
    """Return the lower-case words of ``text`` (for loose title matching)."""
    return frozenset(re.findall(r"[^\W_]+", text.lower()))


def same_work(a_id: str | None, a_title: str, b_id: str | None, b_title: str) -> bool:
    """Return True when two items are the same work: equal IDs, else titles with mostly the same words
    (or one title's words, at least three, all in the other)."""
    if a_id and b_id:
        return a_id.lower() == b_id.lower()
    left, right = _words(a_title), _words(b_title)
    if not left or not right:
        return False
    smaller = min(len(left), len(right))
    if smaller >= 3 and (left <= right or right <= left):
        return True
    return len(left & right) / len(left | right) >= 0.75


def _find_retro(history: SprintHistory, sprint: Sprint) -> Retro | None:
    """Return the retrospective of ``sprint`` (separate file preferred over the plan's section), else None."""
    matching = [
        retro
        for retro in history.retros
        if _same_sprint(retro.sprint_key, sprint) or _same_sprint(retro.sprint_number, sprint)
    ]
    separate = [retro for retro in matching if retro.path != sprint.path]
    chosen = separate or matching
    return chosen[-1] if chosen else sprint.retro


def _find_summary(history: SprintHistory, sprint: Sprint) -> ExecutionSummary | None:
    """Return the execution summary of ``sprint``, else None."""
    found = [s for s in history.summaries if _same_sprint(s.key, sprint) or _same_sprint(s.number, sprint)]
    return found[-1] if found else None


# ---------------------------------------------------------------------------------------------------- scope


def backlink(ref: str, action: RetroAction) -> str:
    """Return the backlink of an action of the retro (or plan backlog) ``ref``, e.g. ``SPR-012-RETRO action 3``."""
    return f"{ref} action {action.index}"


def _generated_id(ref: str, action: RetroAction, settings: Settings) -> str:
    """Return the ID of a scope item made from an action without one: ``SPR-012-RETRO-3`` (stable across runs)."""
    prefix = ref if _is_key(ref) else f"{settings.sprint.key_prefix}-{ref}"
    return f"{prefix}-{action.index}"


def carried_over(previous: Sprint, summary: ExecutionSummary | None) -> tuple[WorkItem, ...]:
    """Return the previous plan's unfinished items with ``carried`` + 1.

    Unfinished = unchecked and, when the sprint has an execution summary, not among its completed items.
    """
    carried = []
    for item in previous.items:
        if item.done:
            continue
        if summary is not None and any(
            same_work(item.id, item.title, done.id, done.title) for done in summary.completed
        ):
            continue
        carried.append(replace(item, carried=item.carried + 1, done=False, line=None, stretch=False))
    return tuple(carried)


@dataclass(frozen=True)
class _Sourced:
    """An action with the ref of where it was written: ``SPR-012-RETRO``, or ``SPR-013-BACKLOG`` for the future
    actions a plan lists; ``from_retro`` is False for the latter."""

    action: RetroAction
    ref: str
    from_retro: bool


def _still_relevant(action: RetroAction, ref: str, new: Sprint, recent: set[str]) -> bool:
    """Return True when an action can still be placed: not done, and from a recent retro or aimed at ``new``,
    a later sprint, every sprint, or a sprint the planner cannot compare."""
    if action.done:
        return False
    if ref in recent or action.target == ONGOING:
        return True
    order = _compare(action.target, new)
    return (order is not None and order >= 0) or (order is None and action.target is not None)


def _action_pool(history: SprintHistory, previous: Sprint, new: Sprint, recent: set[str]) -> list[_Sourced]:
    """Return the retro actions of the history that can still be placed plus the previous plan's future actions,
    oldest retro first.

    An action raised more than once counts once, as its newest retro wrote it (its target may have moved); an
    action a plan lists is taken from its retro when the history has it (to keep the retro's backlink).
    """
    retros = list(history.retros)
    if previous.retro is not None and all(previous.retro.ref != retro.ref for retro in retros):
        retros.append(previous.retro)
    backlog = f"{previous.key or previous.number or 'PLAN'}-BACKLOG"
    sources = [(order, retro.ref, retro.actions, True) for order, retro in enumerate(retros)]
    newest_first = sorted(sources, key=lambda source: -source[0])
    newest_first.append((len(retros), backlog, previous.future, False))
    kept: list[tuple[int, _Sourced]] = []
    for order, ref, actions, from_retro in newest_first:
        for action in actions:
            if from_retro and not _still_relevant(action, ref, new, recent):
                continue
            if not any(same_work(action.id, action.text, seen.action.id, seen.action.text) for _, seen in kept):
                kept.append((order, _Sourced(action, ref, from_retro)))
    kept.sort(key=lambda entry: (entry[0], entry[1].action.index))
    return [sourced for _, sourced in kept]


def _scope_item(sourced: _Sourced, settings: Settings) -> WorkItem:
    """Return the scope item for an action aimed at the new sprint: its own ID or a generated one, a backlink."""
    action, ref = sourced.action, sourced.ref
    item_id = action.id or _generated_id(ref, action, settings)
    source = backlink(ref, action)
    return WorkItem(title=action.text, id=item_id, owners=action.owners, points=action.points, source=source)


@dataclass(frozen=True)
class _Scope:
    """The sorted retro actions: new scope, carried items (with backlinks added), future, ongoing, open."""

    from_retro: tuple[WorkItem, ...]
    carried: tuple[WorkItem, ...]
    future: tuple[RetroAction, ...]
    ongoing: tuple[RetroAction, ...]
    open_actions: tuple[RetroAction, ...]
    refs: tuple[tuple[str, str], ...]
    measures: tuple[tuple[str, str], ...]


def _scheduled(action: RetroAction, items: Iterable[WorkItem]) -> bool:
    """Return True when a plan item is the same work as ``action``."""
    return any(same_work(action.id, action.text, item.id, item.title) for item in items)


def _recent_retros(history: SprintHistory, previous: Sprint) -> set[str]:
    """Return the refs of the retros whose open actions are followed through: the last two, and previous's own."""
    recent = {retro.ref for retro in history.retros[-2:]}
    latest = _find_retro(history, previous)
    return recent | ({latest.ref} if latest is not None else set())


def placement(action: RetroAction, from_retro: bool, new: Sprint) -> str | None:
    """Return where a not-done action goes: ``scope`` (aimed at ``new``), ``future`` (later), ``ongoing``, or
    ``open`` (no target or an earlier sprint); None for an action a plan listed with an unknown target."""
    if action.target == ONGOING:
        return "ongoing"
    order = _compare(action.target, new)
    if order == 0:
        return "scope"
    if order == 1 or (order is None and action.target and not from_retro):
        return "future"
    return "open" if from_retro else None


def _naive_next(label: str) -> str | None:
    """Return ``label`` with its last number plus one (what a retro writes for "the next sprint"), else None."""
    try:
        return next_label(label)
    except ValueError:
        return None


def _due_day(action: RetroAction) -> date | None:
    """Return the due date of an action (``due`` as ISO), else None."""
    try:
        return date.fromisoformat(action.due) if action.due else None
    except ValueError:
        return None


def _untargeted_place(action: RetroAction, new: Sprint, from_last_retro: bool) -> str:
    """Return where an action that names no sprint goes: by its due date the sprint containing it (``scope`` when
    due by the end of ``new``, ``future`` after it); without one, ``scope`` when it comes from the last retro and
    the team plans those for the next sprint, else ``open``."""
    due = _due_day(action)
    if due is not None and new.end is not None:
        return "scope" if due <= new.end else "future"
    return "scope" if from_last_retro else "open"


def _link_carried(carried: list[WorkItem], action: RetroAction, link: str | None) -> bool:
    """Give the carried item that is ``action``'s work its backlink (when it has none); True when one matched."""
    for index, item in enumerate(carried):
        if same_work(action.id, action.text, item.id, item.title):
            if item.source is None and link is not None:
                carried[index] = replace(item, source=link)
            return True
    return False


def sort_actions(
    history: SprintHistory, previous: Sprint, new: Sprint, carried: tuple[WorkItem, ...], settings: Settings
) -> _Scope:
    """Return the retro actions sorted into new scope, future, ongoing and open (see the module rules).

    An action aimed at ``new`` that is already a carried-over item is not repeated: the item gets its backlink.
    """
    recent = _recent_retros(history, previous)
    linked = list(carried)
    placed: dict[str, list[RetroAction]] = {"future": [], "ongoing": [], "open": []}
    from_retro: list[WorkItem] = []
    refs: list[tuple[str, str]] = []
    measures: list[tuple[str, str]] = []
    own = _find_retro(history, previous)
    after_previous = {_naive_next(label) for label in (previous.number, previous.key) if label} - {None}
    next_up = settings.sprint.untargeted_actions == "next_sprint"
    for sourced in _action_pool(history, previous, new, recent):
        action = sourced.action
        where = None if action.done else placement(action, sourced.from_retro, new)
        if where != "scope" and not action.done and action.target is not None and action.target in after_previous:
            where = "scope"  # "the sprint after" the previous one, also when the new one was renumbered (2027-01)
        if where == "open" and action.target is None:
            where = _untargeted_place(action, new, next_up and own is not None and sourced.ref == own.ref)
        link = backlink(sourced.ref, action)
        if where == "scope":
            if not _link_carried(linked, action, link) and not _scheduled(action, from_retro):
                from_retro.append(_scope_item(sourced, settings))
                if action.measure:
                    measures.append((action.text, action.measure))
            continue
        if where == "open" and (
            sourced.ref not in recent or _scheduled(action, previous.items) or _scheduled(action, linked)
        ):
            continue
        if where is not None:
            placed[where].append(action)
            refs.append((action.text, link))
    return _Scope(
        tuple(from_retro),
        tuple(linked),
        tuple(placed["future"]),
        tuple(placed["ongoing"]),
        tuple(placed["open"]),
        tuple(refs),
        tuple(measures),
    )


# ---------------------------------------------------------------------------------------------------- velocity


def _completed_sprints(history: SprintHistory, today: date) -> Iterator[tuple[str, float, date]]:
    """Yield (label, delivered SP, end) of every completed sprint: summary velocity, else checked items' points."""
    covered: set[str] = set()
    for plan in history.plans:
        summary = _find_summary(history, plan)
        if summary is not None and summary.velocity is not None:
            covered.update(label for label in (summary.key, summary.number) if label)
            yield display_name(plan), summary.velocity, plan.end or summary.end or date.min
        elif plan.end is not None and plan.end <= today and any(item.done for item in plan.items):
            yield display_name(plan), plan.done_points, plan.end
    for summary in history.summaries:
        labels = [label for label in (summary.key, summary.number) if label]
        if summary.velocity is None or any(label in covered for label in labels):
            continue
        if any(_same_sprint(label, plan) for plan in history.plans for label in labels):
            continue
        yield (labels[0] if labels else summary.path or "?"), summary.velocity, summary.end or date.min


def rolling_velocity(history: SprintHistory, settings: Settings, today: date) -> Velocity:
    """Return the mean delivered SP of the last ``velocity_window`` completed sprints, with its samples."""
    completed = sorted(_completed_sprints(history, today), key=lambda entry: entry[2])
    samples = tuple((label, points) for label, points, _ in completed[-settings.sprint.velocity_window :])
    if not samples:
        return Velocity(None, ())
    return Velocity(round(sum(points for _, points in samples) / len(samples), 1), samples)


def overcommit_warning(planned: float, velocity: Velocity, settings: Settings) -> str | None:
    """Return the warning when ``planned`` SP exceed the velocity by more than the configured share, else None."""
    if velocity.points is None or velocity.points <= 0:
        return None
    limit = velocity.points * (1 + settings.sprint.overcommit_warning)
    if planned <= limit:
        return None
    excess = (planned / velocity.points - 1) * 100
    return (
        f"Overcommitment: {points_text(planned)} SP planned exceed the rolling velocity of "
        f"{points_text(velocity.points)} SP by {excess:.0f} % (warning above "
        f"{settings.sprint.overcommit_warning * 100:.0f} %)."
    )


def points_text(points: float | None) -> str:
    """Return story points without a needless ``.0`` (``8``, ``7.5``); ``?`` when unknown."""
    if points is None:
        return "?"
    return str(int(points)) if float(points).is_integer() else f"{points:g}"


# ---------------------------------------------------------------------------------------------------- plan


def _previous_plan(history: SprintHistory, settings: Settings) -> Sprint:
    """Return the latest plan with dates; raise SprintDocError naming the file when there is none to plan from."""
    if not history.plans:
        raise SprintDocError(settings.paths.sprint_dir, None, "no sprint plan found to plan the next sprint from")
    previous = history.plans[-1]
    undated_ok = settings.paths.sprint_unit is not None and previous.start is None and previous.end is None
    if (previous.start is None or previous.end is None) and not undated_ok:
        missing = " and ".join(name for name, value in (("start", previous.start), ("end", previous.end)) if not value)
        raise SprintDocError(
            previous.path or settings.paths.sprint_dir,
            None,
            f"cannot plan after {display_name(previous)}: its plan has no {missing} date",
        )
    if previous.number is None and previous.key is None and not _numbers(previous.name):
        where = previous.path or settings.paths.sprint_dir
        raise SprintDocError(where, None, f"cannot number the sprint after {display_name(previous)!r}")
    return previous


_YEAR_NUMBER = re.compile(r"(?P<year>(?:19|20)\d{2})-(?P<n>\d{1,3})(?!.*\d)")


def _roll_year(label: str | None, start: date) -> str | None:
    """Return ``label`` numbered by year (``2026-26``) as sprint 1 of ``start``'s year when that year is later
    (``2027-01``); any other label unchanged."""
    found = _YEAR_NUMBER.search(label or "")
    if label is None or found is None or int(found["year"]) >= start.year:
        return label
    first = f"{start.year}-{1:0{len(found['n'])}d}"
    return label[: found.start()] + first + label[found.end() :]


def plan_file_name(settings: Settings, key: str, number: str | None) -> str:
    """Return the new plan's path relative to the sprint dir: ``paths.plan_pattern`` with the sprint spelled the
    team's way (``sprint-06/plan.md`` for ``sprint-{n:02}``), or with ``{key}`` (``SPR-014-iteration-template.md``)."""
    paths = settings.paths
    if paths.sprint_unit is None:
        return paths.plan_pattern.replace("{key}", key)
    year_number = _YEAR_NUMBER.search(number or "")
    if year_number is not None:
        return unit_path(paths.plan_pattern, paths.unit_style(), int(year_number["n"]), int(year_number["year"]))
    digits = _numbers(number) or _numbers(key)
    return unit_path(paths.plan_pattern, paths.unit_style(), digits[-1] if digits else 1)


def _undated_warning(previous: Sprint, start: date) -> tuple[str, ...]:
    """Return the warning that the new dates are a guess when the previous plan has none."""
    if previous.end is not None:
        return ()
    return (
        f"{display_name(previous)} has no dates, so this sprint starts on the planning day ({start.isoformat()}); "
        "correct the dates if they are wrong.",
    )


def display_name(sprint: Sprint) -> str:
    """Return how messages name a sprint: its key, else its name (``Sprint 9``), else its label."""
    return sprint.key or sprint.name or sprint.label


def _timezone(previous: Sprint, settings: Settings) -> str:
    """Return the new sprint's time zone: configured explicitly, else the previous plan's, else the default."""
    if "timezone" in settings.sprint.model_fields_set or not previous.timezone:
        return settings.sprint.timezone
    return previous.timezone


def _warnings(
    previous: Sprint, retro: Retro | None, items: tuple[WorkItem, ...], velocity: Velocity, settings: Settings
) -> tuple[str, ...]:
    """Return the warnings the doc shows: overcommitment, missing retro, items without points, no velocity."""
    found = []
    overcommit = overcommit_warning(sum(item.points or 0 for item in items), velocity, settings)
    if overcommit:
        found.append(overcommit)
    if retro is None:
        found.append(f"No retrospective found for {display_name(previous)}; scope holds carried-over work only.")
    unpointed = [item.id or item.title for item in items if item.points is None]
    if unpointed:
        found.append(f"Not estimated yet: {', '.join(unpointed)}.")
    if velocity.points is None:
        found.append("No completed sprint with delivered story points yet; capacity unknown.")
    return tuple(found)


def plan_next_sprint(history: SprintHistory, settings: Settings, today: date) -> NextSprintPlan:
    """Return the plan of the sprint after the latest one in ``history`` (see the module rules).

    Raises SprintDocError naming the file when there is no plan or the latest plan has no dates, and ConfigError
    for an unknown holiday country or a bad extra holiday.
    """
    previous = _previous_plan(history, settings)
    anchor = previous.end or today
    cadence = _cadence_days(previous, settings)
    calendar = team_calendar(settings, range(anchor.year, anchor.year + 2 + cadence // 365))
    dates = sprint_dates(anchor, cadence, settings, calendar)
    by_year = settings.sprint.numbering == "by_year" or settings.paths.unit_style().by_year
    key, number, name = (
        _roll_year(label, dates.start) if by_year else label for label in _next_identity(previous, settings)
    )
    assert key is not None
    retro = _find_retro(history, previous)
    carried = carried_over(previous, _find_summary(history, previous))
    draft = Sprint(key=key, number=number, name=name, start=dates.start, end=dates.end)
    scope = sort_actions(history, previous, draft, carried, settings)
    carried = scope.carried
    items = carried + scope.from_retro
    velocity = rolling_velocity(history, settings, today)
    last_counted = _counted_last_day(dates.start, dates.end, settings)
    timetable = ceremonies_of(dates.start, dates.end, settings, calendar)
    demo = next((c.day for c in timetable if c.kind == CeremonyKind.DEMO), None)
    sprint = Sprint(
        key=key,
        number=number,
        name=name,
        title=f"{key}: {name or 'Sprint'} Planning",
        start=dates.start,
        end=dates.end,
        duration_days=cadence,
        goals=(),
        planned_points=sum(item.points or 0 for item in items),
        capacity_points=velocity.points,
        items=items,
        demo_owner=previous.demo_owner or previous.owner,
        demo_date=demo,
        timetable=timetable,
        timezone=_timezone(previous, settings),
        owner=previous.owner,
        status="Planning",
        future=scope.future + scope.ongoing,
    )
    return NextSprintPlan(
        sprint=sprint,
        previous=previous,
        retro=retro,
        from_retro=scope.from_retro,
        carried_over=carried,
        future=scope.future,
        ongoing=scope.ongoing,
        open_actions=scope.open_actions,
        velocity=velocity,
        working_days=calendar.working_days(dates.start, last_counted),
        holidays=tuple(
            (day, label) for day, label in calendar.holidays_between(dates.start, last_counted) if day.weekday() < 5
        ),
        warnings=_undated_warning(previous, dates.start) + _warnings(previous, retro, items, velocity, settings),
        file_name=plan_file_name(settings, key, number),
        cadence_days=cadence,
        action_refs=scope.refs,
        measures=scope.measures,
        shifted=dates.shifted,
        retro_paths=tuple((r.ref, r.path) for r in history.retros if r.path),
    )


# ---------------------------------------------------------------------------------------------------- due


def is_due(history: SprintHistory, settings: Settings, today: date) -> Due:
    """Return whether to plan the next sprint on ``today``.

    Not due when there is no dated plan or the latest plan starts today or later (the next plan exists); due when
    the latest plan ends within ``due_within_days`` of today (or already ended), or when its retro exists.
    """
    if not history.plans:
        return Due(False, "no sprint plan yet to plan the next sprint from")
    latest = history.plans[-1]
    if latest.end is None or latest.start is None:
        undated_retro = _find_retro(history, latest)
        if undated_retro is not None and undated_retro.path != latest.path:
            return Due(True, f"the retrospective of {display_name(latest)} exists ({undated_retro.path})")
        return Due(False, f"{display_name(latest)} ({latest.path}) has no dates; planned after its retrospective")
    if len(history.plans) > 1 and latest.start >= today:
        return Due(False, f"{display_name(latest)} is already planned (starts {latest.start.isoformat()})")
    days_left = (latest.end - today).days
    window = settings.sprint.due_within_days
    if days_left <= window:
        when = "ended" if days_left < 0 else "ends"
        return Due(True, f"{display_name(latest)} {when} on {latest.end.isoformat()} (within {window} days of {today})")
    retro = _find_retro(history, latest)
    if retro is not None:
        return Due(True, f"the retrospective of {display_name(latest)} exists ({retro.path or retro.ref})")
    ends = f"{display_name(latest)} ends on {latest.end.isoformat()}"
    return Due(False, f"{ends}, {days_left} days away (plans {window} before)")


# ---------------------------------------------------------------------------------------------------- rendering


def _clean(text: str) -> str:
    """Return doc text fit for one scope line: one line, no segment separators the parser would split on."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+(?:—|–|--)\s+", " - ", text)
    text = re.sub(r"\s+-\s+(?=@)", " / ", text)
    return text.replace(" | ", " / ") or "(untitled)"


def german_date(day: date) -> str:
    """Return ``18. März 2026``."""
    return format_date(day, "de")


def english_date(day: date) -> str:
    """Return ``Mar 18, 2026``."""
    return format_date(day, "us")


def _long_date(day: date | None, settings: Settings) -> str:
    """Return ``day`` in the team's style: German for DE/AT/CH teams, English otherwise ('TBD' when None)."""
    if day is None:
        return "TBD"
    german = (settings.sprint.holiday_country or "").upper() in _GERMAN_STYLE_COUNTRIES
    return german_date(day) if german else english_date(day)


def _yaml_text(value: str) -> str:
    """Return ``value`` as a YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def owners_text(owners: Iterable[str]) -> str:
    """Return owners as ``@a/@b`` (a name without ``@`` gets one, so the parser reads it as an owner)."""
    return "/".join(name if name.startswith("@") else "@" + re.sub(r"\s+", "", name) for name in owners)


def item_line(item: WorkItem) -> str:
    """Return the scope line of ``item`` without the list marker: ``[ ] ID: title — @a/@b — 8 SP — marks``."""
    parts = [f"{item.id}: {_clean(item.title)}" if item.id else _clean(item.title)]
    if item.owners:
        parts.append(owners_text(item.owners))
    if item.points is not None:
        parts.append(f"{points_text(item.points)} SP")
    if item.carried:
        parts.append(f"carried over ×{item.carried}")
    if item.source:
        parts.append(f"from {item.source}")
    return f"[{'x' if item.done else ' '}] " + " — ".join(parts)


def _target_text(target: str | None) -> str:
    """Return a target as the doc writes it: ``Sprint 2026-14``, ``SPR-019``, ``ongoing``."""
    if not target:
        return ""
    if target == ONGOING or _is_key(target):
        return target
    return f"Sprint {target}"


def action_line(action: RetroAction, ref: str | None) -> str:
    """Return the line of a future/ongoing/open action: ``[ ] ID: text — @a — Target: Sprint 2026-14 — from …``."""
    parts = [f"{action.id}: {_clean(action.text)}" if action.id else _clean(action.text)]
    if action.owners:
        parts.append(owners_text(action.owners))
    if action.target:
        parts.append(f"Target: {_target_text(action.target)}")
    if action.points is not None:
        parts.append(f"{points_text(action.points)} SP")
    if ref:
        parts.append(f"from {ref}")
    return "[ ] " + " — ".join(parts)


def _ceremony_context(ceremony: Ceremony) -> dict[str, Any]:
    """Return one timetable row: day, times and the ready-made line the parser reads back."""
    assert ceremony.day is not None
    day = ceremony.day
    when = f"{short_weekday(day)} {english_date(day)}"
    times = f"{ceremony.start:%H:%M}" + (f"–{ceremony.end:%H:%M}" if ceremony.end else "")
    return {
        "name": ceremony.name,
        "kind": str(ceremony.kind),
        "date": day.isoformat(),
        "day": when,
        "start": f"{ceremony.start:%H:%M}",
        "end": f"{ceremony.end:%H:%M}" if ceremony.end else "",
        "line": f"**{when} — {times}:** {ceremony.name}.",
    }


def _local_iso(day: date, at: time, timezone: str) -> str:
    """Return the ISO local date-time with the zone name (no offset math: the zone is named separately)."""
    return datetime.combine(day, at).isoformat(timespec="minutes") + f" {timezone}"


def _yaml_key(value: str) -> str:
    """Return ``value`` bare when it is a plain token (``SPR-014``), else YAML-quoted."""
    return value if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value) else _yaml_text(value)


def _identity_context(plan: NextSprintPlan) -> dict[str, Any]:
    """Return the frontmatter and heading values: docid, title, owner, status, key, number, name, previous, retro."""
    sprint = plan.sprint
    key = sprint.key or ""
    name = sprint.name or "Sprint"
    title = f"{name} Planning"
    owner = sprint.owner or "@ScrumMaster"
    return {
        "docid": _yaml_key(key),
        "key": key,
        "number": sprint.number or "",
        "name": name,
        "title": title,
        "title_yaml": _yaml_text(title),
        "heading": f"{key}: {title}",
        "owner": owner,
        "owner_yaml": _yaml_text(owner),
        "status": sprint.status or "Planning",
        "previous": {
            "key": plan.previous.key or "",
            "label": display_name(plan.previous),
            "path": plan.previous.path or "",
        },
        "retro_ref": plan.retro.ref if plan.retro else "",
        "retro_path": (plan.retro.path or "") if plan.retro else "",
        "demo_owner": sprint.demo_owner or owner,
    }


def _calendar_context(plan: NextSprintPlan, settings: Settings) -> dict[str, Any]:
    """Return dates (team style and ISO), length, working days, holidays, shifts, time zone and ceremonies."""
    sprint = plan.sprint
    assert sprint.start is not None and sprint.end is not None
    timezone = sprint.timezone or settings.sprint.timezone
    timetable = [c for c in sprint.timetable if c.day is not None]
    return {
        "start": _long_date(sprint.start, settings),
        "end": _long_date(sprint.end, settings),
        "start_iso": sprint.start.isoformat(),
        "end_iso": sprint.end.isoformat(),
        "duration_days": plan.cadence_days,
        "working_days": plan.working_days,
        "timezone": timezone,
        "holidays": [
            {"date": day.isoformat(), "long": _long_date(day, settings), "name": name} for day, name in plan.holidays
        ],
        "shifted": list(plan.shifted),
        "demo_date": _long_date(sprint.demo_date or sprint.end, settings),
        "ceremonies": [_ceremony_context(c) for c in timetable],
        "ceremony_times": [{"name": c.name, "at": _local_iso(c.day, c.start, timezone)} for c in timetable if c.day],
    }


def _capacity_context(plan: NextSprintPlan, settings: Settings) -> dict[str, Any]:
    """Return planned SP, capacity (= rolling velocity) with its samples, the threshold and the warnings."""
    velocity = plan.velocity
    known = points_text(velocity.points) if velocity.points is not None else ""
    return {
        "planned_points": points_text(plan.planned_points),
        "capacity_points": known,
        "velocity": {
            "points": known,
            "window": settings.sprint.velocity_window,
            "samples": [{"sprint": label, "points": points_text(points)} for label, points in velocity.samples],
            "threshold_percent": f"{settings.sprint.overcommit_warning * 100:.0f}",
        },
        "warnings": list(plan.warnings),
    }


def _scope_context(plan: NextSprintPlan) -> dict[str, Any]:
    """Return the scope lines, the carried-over and retro-sourced items, future/ongoing/open actions, acceptance
    criteria (retro measures) and risks (items carried twice or more, holidays)."""
    refs = dict(plan.action_refs)
    risks = [
        f"{item.id or _clean(item.title)} carried over ×{item.carried} — split it or drop it"
        for item in plan.carried_over
        if item.carried >= 2
    ]
    risks += [f"{day.isoformat()} {name}: no working day" for day, name in plan.holidays]
    return {
        "items": [item_line(item) for item in plan.sprint.items],
        "carried_over": [
            {"line": item_line(item), "id": item.id or "", "title": _clean(item.title), "carried": item.carried}
            for item in plan.carried_over
        ],
        "from_retro": [
            {"line": item_line(item), "id": item.id or "", "title": _clean(item.title), "source": item.source or ""}
            for item in plan.from_retro
        ],
        "future": [action_line(action, refs.get(action.text)) for action in plan.future],
        "ongoing": [action_line(action, refs.get(action.text)) for action in plan.ongoing],
        "open_actions": [action_line(action, refs.get(action.text)) for action in plan.open_actions],
        "acceptance": [f"{_clean(title)}: {_clean(measure)}" for title, measure in plan.measures],
        "risks": risks,
    }


def sprint_doc_context(plan: NextSprintPlan, settings: Settings) -> dict[str, Any]:
    """Return every value ``templates/sprint.md.j2`` uses (plain strings, numbers, lists and dicts only).

    Doc text (titles, owners, actions) is passed as data: the template prints it, never evaluates it. Scope and
    action lines come ready-made (``item_line``/``action_line``) so a team template keeps them parseable.
    """
    return {
        **_identity_context(plan),
        **_calendar_context(plan, settings),
        **_capacity_context(plan, settings),
        **_scope_context(plan),
    }
