"""Rules for reminders: pure functions, inputs in, new text or messages out (no I/O, no clock).

- **Ceremony calendar** — :func:`ceremony_calendar` turns sprints (their own timetable first, then the configured
  times for planning, refinement, demo and retro) into :class:`CeremonyEvent` values with timezone-aware start and
  end in the sprint's time zone (zoneinfo, so DST is handled), moved or skipped on days off per
  ``settings.ceremonies.holiday_policy``.
- **Reminder policy** — :func:`reminders_for` gives each reminded ceremony its send times (``lead_minutes`` before,
  and ``day_before_at`` on the previous working day), never on a weekend or a day off; :func:`due_reminders` keeps
  those in ``[now, now + horizon]``.
- **Sprint facts** — same-sprint matching, summaries, retros, velocity, default ceremonies and their holiday moves
  come from :mod:`ceremonies.ledger` (the planner reads the same).
- **Messages** — :func:`message_context` is what ``templates/slack/<ceremony>.md.j2`` renders: doc text as
  written (the Slack template environment escapes every value, see :mod:`ceremonies.adapters.slack_render`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ceremonies.config import Settings
from ceremonies.domain.model import Ceremony, CeremonyKind, Retro, Sprint, SprintHistory, WorkItem
from ceremonies.errors import UsageError
from ceremonies.ledger import (
    ceremony_day,
    ceremony_minutes,
    default_ceremonies,
    points_text,
    previous_plan,
    retro_of,
    sprint_key,
    summary_of,
    velocity_before,
)
from ceremonies.workdays import DaysOff, team_days_off

DAY_BEFORE = "day-before"
TEMPLATE_DIR = "slack"


# ---------------------------------------------------------------------------------------------------- days off


days_off = team_days_off
"""Return the team's days off in ``years`` (see :func:`ceremonies.workdays.team_days_off`)."""


# ---------------------------------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class CeremonyEvent:
    """One ceremony of one sprint, at a timezone-aware ``start``/``end`` in the sprint's time zone.

    ``ceremony`` is the kind (``planning``, ``demo``, ``retro``, ``refinement``) or a slug of the timetable
    entry's name for other entries; ``moved_from`` is the planned day when a day off moved the ceremony.
    """

    sprint: Sprint
    sprint_key: str
    ceremony: str
    kind: CeremonyKind
    name: str
    start: datetime
    end: datetime
    moved_from: date | None = None
    line: int | None = None

    @property
    def uid(self) -> str:
        """Return the stable calendar UID, e.g. ``SPR-014-planning@ceremonies`` (same across runs)."""
        return f"{re.sub(r'[^A-Za-z0-9._-]+', '-', self.sprint_key).strip('-')}-{self.ceremony}@ceremonies"


def _slug(text: str) -> str:
    """Return ``text`` as lowercase words joined by dashes (keeps letters, digits and dashes)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "ceremony"


def team_zone(sprint: Sprint | None, settings: Settings) -> ZoneInfo:
    """Return the sprint's own IANA time zone when it names a valid one, else the configured one."""
    for name in ((sprint.timezone if sprint else None), settings.sprint.timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_datetime(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return ``day`` at wall-clock ``at`` in ``zone``; a time skipped by DST moves forward by the gap."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(ZoneInfo("UTC")).astimezone(zone)


def _entries(sprint: Sprint, settings: Settings) -> list[Ceremony]:
    """Return the dated timetable entries of ``sprint`` plus configured ceremonies of kinds it does not list.

    A ``Demo Date`` field that disagrees with the timetable's demo wins (the demo keeps the timetable's time).
    """
    dated = [entry for entry in sprint.timetable if entry.day is not None]
    listed = {entry.kind for entry in dated}
    entries = []
    for entry in dated:
        if entry.kind == CeremonyKind.DEMO and sprint.demo_date and entry.day != sprint.demo_date:
            entry = Ceremony(entry.name, entry.kind, sprint.demo_date, entry.start, entry.end, entry.line)
        entries.append(entry)
    entries += [
        c for c in default_ceremonies(sprint.start, sprint.end, settings, sprint.demo_date) if c.kind not in listed
    ]
    return entries


def _ceremony_id(entry: Ceremony, taken: set[str]) -> str:
    """Return the ceremony id of a timetable entry (its kind, or a slug of its name), unique within ``taken``."""
    base = entry.kind.value if entry.kind != CeremonyKind.OTHER else _slug(entry.name)
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def sprint_events(sprint: Sprint, settings: Settings, off: DaysOff) -> list[CeremonyEvent]:
    """Return the ceremonies of one sprint (recurring entries like the daily stand-up left out), by start."""
    zone = team_zone(sprint, settings)
    key = sprint_key(sprint)
    taken: set[str] = set()
    events = []
    for entry in sorted(_entries(sprint, settings), key=lambda c: (c.day or date.min, c.start, c.name)):
        assert entry.day is not None
        day = ceremony_day(entry.day, settings, off, sprint.start, sprint.end)
        ceremony = _ceremony_id(entry, taken)
        if day is None:
            continue
        start = local_datetime(day, entry.start, zone)
        minutes = ceremony_minutes(entry.kind, settings)
        end = local_datetime(day, entry.end, zone) if entry.end else start + timedelta(minutes=minutes)
        if end <= start:
            end = start + timedelta(minutes=minutes)
        moved = entry.day if day != entry.day else None
        events.append(CeremonyEvent(sprint, key, ceremony, entry.kind, entry.name, start, end, moved, entry.line))
    return sorted(events, key=lambda e: (e.start, e.ceremony))


def _years(sprints: Sequence[Sprint]) -> set[int]:
    """Return the years the sprints' ceremonies and reminders may touch (one either side)."""
    years: set[int] = set()
    for sprint in sprints:
        for day in (sprint.start, sprint.end, sprint.demo_date, *(c.day for c in sprint.timetable)):
            if day is not None:
                years |= {day.year - 1, day.year, day.year + 1}
    return years


def ceremony_calendar(sprints: Sequence[Sprint], settings: Settings) -> tuple[CeremonyEvent, ...]:
    """Return the ceremonies of ``sprints`` in start order; raise ConfigError for bad holiday settings."""
    off = days_off(settings, _years(sprints))
    events = [event for sprint in sprints for event in sprint_events(sprint, settings, off)]
    return tuple(sorted(events, key=lambda e: (e.start, e.sprint_key, e.ceremony)))


def current_and_next(history: SprintHistory, today: date) -> tuple[Sprint, ...]:
    """Return the sprints running on ``today`` (two on a handover day) and the first one starting after it.

    Plans without start and end dates are left out; when two plans share a key, the later file wins.
    """
    dated = {sprint_key(p): p for p in history.plans if p.start is not None and p.end is not None}
    plans = sorted(dated.values(), key=lambda p: p.start or date.min)
    running = [p for p in plans if p.start and p.end and p.start <= today <= p.end]
    upcoming = [p for p in plans if p.start and p.start > today]
    return tuple(running + upcoming[:1])


def pick_sprint(history: SprintHistory, key: str | None, today: date) -> Sprint | None:
    """Return the sprint called ``key`` (key, number or name), else the current one, the next one or the latest."""
    plans = [p for p in history.plans if p.start is not None or p.timetable]
    if key is not None:
        wanted = key.strip().lower()
        for plan in reversed(plans):
            if wanted in {(v or "").lower() for v in (plan.key, plan.number, plan.name, sprint_key(plan))}:
                return plan
        return None
    chosen = current_and_next(history, today)
    return chosen[0] if chosen else (plans[-1] if plans else None)


# ---------------------------------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class Reminder:
    """One reminder of one ceremony: ``key`` ``{sprint_key}/{ceremony}/{lead}``, sent at ``send_at``."""

    event: CeremonyEvent
    lead: str
    send_at: datetime

    @property
    def key(self) -> str:
        """Return the stable idempotency key, e.g. ``SPR-014/planning/day-before`` or ``SPR-014/planning/60m``."""
        return f"{self.event.sprint_key}/{self.event.ceremony}/{self.lead}"


def lead_label(minutes: int) -> str:
    """Return the lead part of a reminder key for ``minutes`` before a ceremony (``60m``)."""
    return f"{minutes}m"


def _reminded(event: CeremonyEvent, settings: Settings) -> bool:
    """Return True when ``settings.reminders.ceremonies`` names the event's ceremony or kind."""
    wanted = {name.strip().lower() for name in settings.reminders.ceremonies}
    return event.ceremony in wanted or event.kind.value in wanted


def reminders_for(event: CeremonyEvent, settings: Settings, off: DaysOff) -> list[Reminder]:
    """Return the reminders of one ceremony (none when it is not reminded), never on a weekend or day off.

    ``day_before_at`` is on the working day before the ceremony's day; each of ``lead_minutes`` is that long
    before the start. A reminder that would fall on a day off, or not before the start, is left out.
    """
    if not _reminded(event, settings):
        return []
    zone = event.start.tzinfo
    assert isinstance(zone, ZoneInfo)
    found: list[Reminder] = []
    policy = settings.reminders
    if policy.day_before_at is not None:
        day = off.previous_working_day(event.start.date())
        found.append(Reminder(event, DAY_BEFORE, local_datetime(day, policy.day_before_at, zone)))
    for minutes in sorted(set(policy.lead_minutes), reverse=True):
        if minutes > 0:
            send_at = (event.start - timedelta(minutes=minutes)).astimezone(zone)
            found.append(Reminder(event, lead_label(minutes), send_at))
    return [r for r in found if r.send_at < event.start and off.is_working_day(r.send_at.date())]


def all_reminders(calendar: Sequence[CeremonyEvent], settings: Settings) -> tuple[Reminder, ...]:
    """Return every reminder of the ceremonies in ``calendar``, in send order."""
    years = {e.start.year + d for e in calendar for d in (-1, 0, 1)}
    off = days_off(settings, years)
    found = [reminder for event in calendar for reminder in reminders_for(event, settings, off)]
    return tuple(sorted(found, key=lambda r: (r.send_at, r.key)))


def due_reminders(
    calendar: Sequence[CeremonyEvent], settings: Settings, now: datetime, horizon: timedelta
) -> tuple[Reminder, ...]:
    """Return the reminders whose send time is in ``[now, now + horizon]`` (``now`` timezone-aware), in order."""
    if now.tzinfo is None:
        raise UsageError(f"now {now.isoformat()!r} needs a time zone offset")
    until = now + horizon
    return tuple(r for r in all_reminders(calendar, settings) if now <= r.send_at <= until)


def stale_keys(
    calendar: Sequence[CeremonyEvent],
    settings: Settings,
    sprint_keys: Iterable[str],
    pending: Iterable[tuple[str, datetime]],
    tolerance: timedelta = timedelta(seconds=60),
) -> list[str]:
    """Return the keys among ``pending`` (key, post_at of messages already scheduled) that are wrong now.

    Only keys of ``sprint_keys`` are judged: one whose reminder no longer exists (ceremony dropped or skipped,
    lead time removed), or whose reminder now goes out at another time (e.g. the demo moved beyond the horizon,
    where this run does not reschedule it), is stale.
    """
    wanted = {reminder.key: reminder.send_at for reminder in all_reminders(calendar, settings)}
    prefixes = tuple(f"{key}/" for key in sprint_keys)
    stale = []
    for key, post_at in pending:
        if not key.startswith(prefixes):
            continue
        send_at = wanted.get(key)
        if send_at is None or abs(send_at - post_at) > tolerance:
            stale.append(key)
    return sorted(set(stale))


_HORIZON = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>[mhdw]?)\s*$", re.I)
_UNITS = {"m": 1 / 60, "h": 1.0, "": 1.0, "d": 24.0, "w": 24.0 * 7}


def parse_horizon(value: str | float | timedelta | None, default_hours: float) -> timedelta:
    """Return a horizon: a timedelta, hours as a number, or text like ``48h``, ``7d``, ``90m``, ``2w``.

    None gives ``default_hours``; raise UsageError for anything else, or a horizon of zero or above 120 days.
    """
    if value is None:
        hours = float(default_hours)
    elif isinstance(value, timedelta):
        hours = value.total_seconds() / 3600
    elif isinstance(value, int | float):
        hours = float(value)
    else:
        match = _HORIZON.match(str(value))
        if not match:
            raise UsageError(f"horizon {value!r} is not a duration like 48h, 7d, 90m or a number of hours")
        hours = float(match["n"]) * _UNITS[match["unit"].lower()]
    if not 0 < hours <= 24 * 120:
        raise UsageError(f"horizon {value!r} must be more than 0 and at most 120 days (Slack's scheduling limit)")
    return timedelta(hours=hours)


# ---------------------------------------------------------------------------------------------------- messages


def _item(item: WorkItem) -> dict[str, Any]:
    """Return a work item as template data (doc text as written; the Slack templates escape it)."""
    return {
        "id": item.id or None,
        "title": item.title,
        "owners": list(item.owners),
        "points": _points(item.points),
        "done": item.done,
        "carried": item.carried,
        "source": item.source or None,
    }


def _points(points: float | None) -> str | None:
    """Return story points as short text (``5``, ``2.5``), or None."""
    return None if points is None else points_text(points)


def last_retro(history: SprintHistory, sprint: Sprint) -> Retro | None:
    """Return the retro held before ``sprint``: the previous sprint's retro (separate file or plan section)."""
    previous = previous_plan(history, sprint)
    return retro_of(history, previous) if previous is not None else None


def doc_link(sprint: Sprint, settings: Settings) -> str | None:
    """Return the web link of the sprint's doc (``slack.docs_url`` + path), else its repo path, else None."""
    if not sprint.path:
        return None
    base = settings.slack.docs_url
    return f"{base.rstrip('/')}/{sprint.path.lstrip('/')}" if base else sprint.path


def _event_context(reminder: Reminder) -> dict[str, Any]:
    """Return what every reminder template shows about the ceremony itself."""
    event = reminder.event
    return {
        "key": reminder.key,
        "lead": reminder.lead,
        "ceremony": event.ceremony,
        "name": event.name,
        "sprint_key": event.sprint_key,
        "sprint_title": event.sprint.name or event.sprint.title or event.sprint_key,
        "day": f"{event.start:%a %b} {event.start.day}",
        "start": event.start.strftime("%H:%M"),
        "end": event.end.strftime("%H:%M"),
        "timezone": event.start.tzname() or "",
        "starts_at": event.start.isoformat(),
        "ends_at": event.end.isoformat(),
        "moved_from": event.moved_from.isoformat() if event.moved_from else None,
        "when": _when_words(reminder),
    }


def _when_words(reminder: Reminder) -> str:
    """Return when the ceremony is, seen from the reminder: ``in 60 minutes``, ``tomorrow``, ``on Monday``."""
    start, sent = reminder.event.start, reminder.send_at.astimezone(reminder.event.start.tzinfo)
    days = (start.date() - sent.date()).days
    if days == 0:
        return f"in {_lead_words(reminder)}"
    return "tomorrow" if days == 1 else f"on {start:%A}"


def _lead_words(reminder: Reminder) -> str:
    """Return how long before the start the reminder goes out, in words (``60 minutes``, ``2 hours``)."""
    minutes = round((reminder.event.start - reminder.send_at).total_seconds() / 60)
    if minutes % 60 == 0 and minutes >= 120:
        return f"{minutes // 60} hours"
    return f"{minutes} minutes"


def _owners(items: Iterable[WorkItem]) -> list[str]:
    """Return the distinct owners of ``items`` in order of first mention."""
    return list(dict.fromkeys(owner for item in items for owner in item.owners))


def planning_context(sprint: Sprint, history: SprintHistory, settings: Settings) -> dict[str, Any]:
    """Return the planning facts: plan link, goals, planned SP vs rolling velocity, carry-overs, retro scope, owners."""
    rolling = velocity_before(history, sprint, settings.sprint.velocity_window)
    velocity = rolling.points
    planned = sprint.planned_points if sprint.planned_points is not None else (sprint.scope_points or None)
    return {
        "plan_link": doc_link(sprint, settings),
        "link_url": doc_link(sprint, settings) if settings.slack.docs_url and sprint.path else None,
        "plan_is_url": bool(settings.slack.docs_url and sprint.path),
        "goals": list(sprint.goals),
        "planned_points": _points(planned),
        "velocity": _points(velocity),
        "velocity_samples": len(rolling.samples),
        "over_velocity": bool(planned and velocity and planned > velocity * (1 + settings.sprint.overcommit_warning)),
        "carried_over": [_item(item) for item in sprint.items if item.carried > 0],
        "from_retro": [_item(item) for item in sprint.items if item.source],
        "owners": _owners(sprint.items),
        "items": len(sprint.items),
    }


def demo_context(sprint: Sprint, history: SprintHistory, settings: Settings) -> dict[str, Any]:
    """Return the demo facts: completed items with owners, the demo owner, what is still open."""
    summary = summary_of(history, sprint)
    done = [item for item in sprint.items if item.done]
    if summary is not None:
        seen = {(item.id or item.title).lower() for item in done}
        done += [item for item in summary.completed if (item.id or item.title).lower() not in seen]
    return {
        "plan_link": doc_link(sprint, settings),
        "link_url": doc_link(sprint, settings) if settings.slack.docs_url and sprint.path else None,
        "plan_is_url": bool(settings.slack.docs_url and sprint.path),
        "demo_owner": sprint.demo_owner or None,
        "completed": [_item(item) for item in done],
        "open": [_item(item) for item in sprint.items if not item.done and not _listed(item, done)],
        "owners": _owners(done),
    }


def _listed(item: WorkItem, items: Sequence[WorkItem]) -> bool:
    """Return True when ``item`` (by id, else title) is among ``items``."""
    return any((other.id or other.title).lower() == (item.id or item.title).lower() for other in items)


def retro_context(sprint: Sprint, history: SprintHistory, settings: Settings) -> dict[str, Any]:
    """Return the retro facts: the last retro's actions with status (done/open), owners and target."""
    retro = last_retro(history, sprint)
    actions = []
    for action in retro.actions if retro else ():
        ref = f"{retro.ref} action {action.index}" if retro else ""
        linked = [item for item in sprint.items if item.source == ref]
        done = action.done or bool(linked and all(item.done for item in linked))
        actions.append(
            {
                "index": action.index,
                "text": action.text,
                "owners": list(action.owners),
                "status": "done" if done else ("in scope" if linked else "open"),
                "target": action.target or None,
            }
        )
    return {
        "retro_ref": retro.ref if retro else None,
        "actions": actions,
        "open_actions": sum(1 for action in actions if action["status"] != "done"),
    }


_CONTEXTS = {"planning": planning_context, "demo": demo_context, "retro": retro_context}


def template_name(reminder: Reminder) -> str:
    """Return the template of a reminder: ``slack/<ceremony kind>.md.j2`` (``slack/other.md.j2`` otherwise)."""
    kind = reminder.event.kind.value
    return f"{TEMPLATE_DIR}/{kind if kind in _CONTEXTS else 'other'}.md.j2"


def message_context(reminder: Reminder, history: SprintHistory, settings: Settings) -> dict[str, Any]:
    """Return the template context of a reminder: the ceremony facts plus its kind's digest (doc text as written)."""
    context = _event_context(reminder)
    build = _CONTEXTS.get(reminder.event.kind.value)
    if build is not None:
        context.update(build(reminder.event.sprint, history, settings))
    return context
