"""Planning the next sprint: the plan (key, dates, scope, capacity, warnings) and whether it is due.

Pure: ``today`` is a parameter (no I/O, no clock). The sprint facts it reads (same-sprint matching, summaries and
retros, velocity, ceremony days) come from :mod:`ceremonies.ledger`; scope from :mod:`.scope`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ceremonies.config import Settings
from ceremonies.domain.dates import short_weekday
from ceremonies.domain.layout import unit_path
from ceremonies.domain.model import CeremonyKind, Retro, RetroAction, Sprint, SprintHistory, WorkItem, next_label
from ceremonies.errors import SprintDocError
from ceremonies.ledger import (
    Velocity,
    display_name,
    label_numbers,
    points_text,
    retro_of,
    rolling_velocity,
    summary_of,
    timetable,
)
from ceremonies.planning.scope import carried_over, sort_actions
from ceremonies.workdays import DaysOff, team_days_off

# ---------------------------------------------------------------------------------------------------- results


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


team_calendar = team_days_off
"""Return the team's days off in ``years`` (see :func:`ceremonies.workdays.team_days_off`)."""


# ---------------------------------------------------------------------------------------------------- labels


def _next_identity(previous: Sprint, settings: Settings) -> tuple[str, str | None, str | None]:
    """Return (key, number, name) of the sprint after ``previous``."""
    number = next_label(previous.number) if previous.number else None
    name = f"Sprint {number}" if number else None
    if name is None and previous.name and label_numbers(previous.name):
        name = next_label(previous.name)
    if previous.key:
        key = next_label(previous.key)
    else:
        digits = label_numbers(number or name)
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


# ---------------------------------------------------------------------------------------------------- velocity


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


# ---------------------------------------------------------------------------------------------------- plan


def _plan_to_follow(history: SprintHistory, settings: Settings) -> Sprint:
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
    if previous.number is None and previous.key is None and not label_numbers(previous.name):
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
    digits = label_numbers(number) or label_numbers(key)
    return unit_path(paths.plan_pattern, paths.unit_style(), digits[-1] if digits else 1)


def _undated_warning(previous: Sprint, start: date) -> tuple[str, ...]:
    """Return the warning that the new dates are a guess when the previous plan has none."""
    if previous.end is not None:
        return ()
    return (
        f"{display_name(previous)} has no dates, so this sprint starts on the planning day ({start.isoformat()}); "
        "correct the dates if they are wrong.",
    )


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
    previous = _plan_to_follow(history, settings)
    anchor = previous.end or today
    cadence = _cadence_days(previous, settings)
    calendar = team_calendar(settings, range(anchor.year, anchor.year + 2 + cadence // 365))
    dates = sprint_dates(anchor, cadence, settings, calendar)
    by_year = settings.sprint.numbering == "by_year" or settings.paths.unit_style().by_year
    key, number, name = (
        _roll_year(label, dates.start) if by_year else label for label in _next_identity(previous, settings)
    )
    assert key is not None
    retro = retro_of(history, previous)
    carried = carried_over(previous, summary_of(history, previous))
    draft = Sprint(key=key, number=number, name=name, start=dates.start, end=dates.end)
    scope = sort_actions(history, previous, draft, carried, settings)
    carried = scope.carried
    items = carried + scope.from_retro
    velocity = rolling_velocity(history, settings.sprint.velocity_window, today)
    last_counted = _counted_last_day(dates.start, dates.end, settings)
    ceremonies = timetable(dates.start, dates.end, settings, calendar)
    demo = next((c.day for c in ceremonies if c.kind == CeremonyKind.DEMO), None)
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
        timetable=ceremonies,
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
        undated_retro = retro_of(history, latest)
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
    retro = retro_of(history, latest)
    if retro is not None:
        return Due(True, f"the retrospective of {display_name(latest)} exists ({retro.path or retro.ref})")
    ends = f"{display_name(latest)} ends on {latest.end.isoformat()}"
    return Due(False, f"{ends}, {days_left} days away (plans {window} before)")
