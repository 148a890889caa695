"""Ceremony reminders and the sprint calendar: one recipe each, for the CLI and the flow alike.

``run_remind`` (:class:`RemindRequest`) opens the docs repo (:func:`~ceremonies.jobs.recipe.opened`: lock, pull,
settings, notifier), loads the sprint docs, takes the current and the next sprint for ``now``, computes the reminders
due in ``[now, now + horizon]``, renders each from ``templates/slack/<ceremony>.md.j2`` (a team's own template dir
first), sends them (``effects.send``: Slack schedules each exactly once, see :mod:`ceremonies.adapters.slack`) and
withdraws the scheduled ones no longer wanted (``effects.withdraw``). ``run_calendar`` writes one sprint's
ceremonies as an iCalendar file (read only: no lock, no pull).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ceremonies import reminders as rules
from ceremonies.adapters.files import load_history
from ceremonies.adapters.ics import IcsEvent, to_ics, write_ics
from ceremonies.adapters.notify import Delivery, Notifier, slack_markdown
from ceremonies.adapters.slack_render import SlackRenderer, render_message
from ceremonies.config import Settings
from ceremonies.domain.messages import Message
from ceremonies.domain.model import Sprint, SprintHistory
from ceremonies.errors import UsageError
from ceremonies.jobs.recipe import DIRECT, Effects, Opened, in_team_time, opened, say

JOB_NAME = "remind"
"""Name of the job (its repo-lock holder name)."""

DRY_RUN = "dry-run"
CALENDAR_JOB = "calendar"
"""Name of the read-only calendar job."""


@dataclass(frozen=True)
class RemindRequest:
    """What a reminder run is asked to do: the docs ``repo`` (work tree path or git URL) and ``branch``; ``channel``
    replaces ``slack.channel``; ``now`` pretends it is that moment (naive: the team's time zone; None: the current
    time); ``horizon`` how far ahead to schedule (``48h``, ``7d``, hours; None: ``reminders.horizon_hours``);
    ``dry_run`` renders the messages and sends nothing (no lock, no pull); ``lock_wait`` bounds the wait for another
    run on the work tree (seconds); ``to_stderr`` prints console messages on stderr (``--json`` keeps stdout clean)."""

    repo: str
    branch: str | None = None
    channel: str | None = None
    now: datetime | None = None
    horizon: timedelta | str | float | None = None
    dry_run: bool = False
    lock_wait: float | None = None
    to_stderr: bool = False


@dataclass(frozen=True)
class RemindPlan:
    """What a reminder run computed: the sprints looked at, their ceremonies, and the reminders due now."""

    now: datetime
    horizon: timedelta
    sprints: tuple[Sprint, ...]
    calendar: tuple[rules.CeremonyEvent, ...]
    due: tuple[rules.Reminder, ...]


@dataclass
class RemindResult:
    """The outcome of one reminder run (``to_json()`` is what ``--json`` prints)."""

    repo: str
    channel: str
    dry_run: bool
    plan: RemindPlan
    messages: list[Message]
    deliveries: list[Delivery]
    issues: list[str] = field(default_factory=list)
    withdrawn: list[Delivery] = field(default_factory=list)

    def _keys(self, status: str) -> list[str]:
        return [d.key or "" for d in self.deliveries if d.status == status]

    @property
    def reminders(self) -> list[dict[str, Any]]:
        """Return one row per due reminder: key, ceremony, sprint, start, send time and what happened to it."""
        statuses = [d.status for d in self.deliveries] or [DRY_RUN] * len(self.plan.due)
        return [
            {
                "key": reminder.key,
                "sprint": reminder.event.sprint_key,
                "ceremony": reminder.event.ceremony,
                "name": reminder.event.name,
                "starts_at": reminder.event.start.isoformat(),
                "send_at": reminder.send_at.isoformat(),
                "status": status,
            }
            for reminder, status in zip(self.plan.due, statuses, strict=False)
        ]

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict: the due reminders with their status, and keys scheduled / skipped / posted."""
        return {
            "repo": self.repo,
            "channel": self.channel,
            "dry_run": self.dry_run,
            "now": self.plan.now.isoformat(),
            "horizon_hours": self.plan.horizon.total_seconds() / 3600,
            "sprints": [rules.sprint_key(s) for s in self.plan.sprints],
            "reminders": self.reminders,
            "scheduled": self._keys("scheduled"),
            "skipped": self._keys("skipped"),
            "posted": self._keys("posted"),
            "printed": self._keys("printed"),
            "expired": self._keys("expired"),
            "withdrawn": [d.key or "" for d in self.withdrawn],
            "messages": [{"key": m.key, "text": m.text, "shown": m.reader_text()} for m in self.messages]
            if self.dry_run
            else [],
            "slack": [delivery.to_json() for delivery in self.deliveries],
            "issues": self.issues,
        }

    def summary_markdown(self) -> str:
        """Return a short markdown summary of the run (for the flow's artifact and the CLI)."""
        plan = self.plan
        hours = plan.horizon.total_seconds() / 3600
        lines = [f"# Reminders{' (dry run)' if self.dry_run else ''}", ""]
        lines.append(f"- Now: `{plan.now.isoformat()}`, horizon {hours:g} h, channel `{self.channel}`")
        lines.append(f"- Sprints: {', '.join(rules.sprint_key(s) for s in plan.sprints) or 'none found'}")
        lines.append(f"- Reminders due: {len(plan.due)}")
        if plan.due:
            lines += ["", "| Reminder | Ceremony starts | Send at | Status |", "| --- | --- | --- | --- |"]
            lines += [
                f"| `{row['key']}` | {row['starts_at']} | {row['send_at']} | {row['status']} |"
                for row in self.reminders
            ]
        if self.withdrawn:
            lines.append(
                f"- Withdrawn (no longer wanted at that time): {', '.join(d.key or '' for d in self.withdrawn)}"
            )
        lines += [f"- Problem: {issue}" for issue in self.issues]
        return "\n".join(lines) + "\n" + slack_markdown(self.deliveries, self.messages if self.dry_run else ())


# ------------------------------------------------------------------------------------------------ load


def load_sprints(root: Path, settings: Settings) -> SprintHistory:
    """Return the recent sprint history of the docs repo at ``root`` (the newest ``sprints_to_read()`` sprints;
    errors collected, never raised)."""
    return load_history(root, settings, recent_sprints=settings.sprint.sprints_to_read())


# ------------------------------------------------------------------------------------------------ compute


def aware_now(now: datetime | None) -> datetime:
    """Return ``now`` timezone-aware (naive means UTC), or the current time."""
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def plan_reminders(
    history: SprintHistory, settings: Settings, now: datetime, horizon: timedelta | str | float | None = None
) -> RemindPlan:
    """Return the current and next sprint for ``now``, their ceremonies and the reminders due in the horizon."""
    now = aware_now(now)
    window = rules.parse_horizon(horizon, settings.reminders.horizon_hours)
    today = now.astimezone(rules.team_zone(None, settings)).date()
    sprints = rules.current_and_next(history, today)
    calendar = rules.ceremony_calendar(sprints, settings)
    return RemindPlan(now, window, sprints, calendar, rules.due_reminders(calendar, settings, now, window))


def render_messages(
    root: Path, settings: Settings, history: SprintHistory, due: tuple[rules.Reminder, ...], channel: str | None
) -> list[Message]:
    """Return one Slack message per due reminder, rendered from the team's (or the default) templates."""
    renderer = SlackRenderer.for_settings(root, settings)
    return [
        render_message(
            renderer,
            rules.template_name(reminder),
            rules.message_context(reminder, history, settings),
            key=reminder.key,
            post_at=reminder.send_at,
            channel=channel,
            header=f"{reminder.event.name} · {reminder.event.sprint_key}",
        )
        for reminder in due
    ]


# ------------------------------------------------------------------------------------------------ send


def stale_keys(notifier: Notifier, plan: RemindPlan, settings: Settings, channel: str | None) -> list[str]:
    """Return the keys of reminders of the plan's sprints scheduled in Slack but no longer wanted at their time (a
    ceremony moved or dropped); none when the notifier schedules nothing (the console)."""
    scheduled = getattr(notifier, "scheduled", None)
    if not callable(scheduled) or not plan.sprints:
        return []
    pending = [(item.key, item.post_at) for item in scheduled(channel) if item.key]
    return list(rules.stale_keys(plan.calendar, settings, [rules.sprint_key(s) for s in plan.sprints], pending))


def issues_of(history: SprintHistory) -> list[str]:
    """Return the problems found in the sprint docs, one line each (``path:line: what``)."""
    return [str(error) for error in history.errors]


# ------------------------------------------------------------------------------------------------ compose


def run_remind(request: RemindRequest, effects: Effects = DIRECT) -> RemindResult:
    """Schedule the reminders due in ``[now, now + horizon]`` once each: open → load → compute → render → send →
    withdraw the stale ones; return what was scheduled / skipped / posted (a flow also gets it as an artifact).

    Holds the repo lock from the pull until the last Slack call (RepoBusyError, exit code 0, when another run keeps
    it longer than ``request.lock_wait``); a dry run takes no lock, pulls nothing and sends nothing. The notifier is
    the team's (:func:`~ceremonies.jobs.recipe.opened`): Slack with a token, else the console.
    """
    with opened(
        request.repo,
        request.branch,
        job=JOB_NAME,
        dry_run=request.dry_run,
        lock_wait=request.lock_wait,
        channel=request.channel,
        to_stderr=request.to_stderr,
        now=request.now,
        effects=effects,
    ) as repo:
        result = _remind(request, repo, effects)
    effects.publish("remind", result.summary_markdown(), "Reminders scheduled")
    return result


def _remind(request: RemindRequest, repo: Opened, effects: Effects) -> RemindResult:
    """Run the reminder steps on the opened repo; return the result."""
    docs, settings, channel = repo.docs, repo.settings, request.channel
    history = load_sprints(docs.root, settings)
    issues = issues_of(history)
    for issue in issues:
        say(effects, logging.WARNING, "Sprint doc problem: %s", issue)
    plan = plan_reminders(history, settings, aware_now(in_team_time(request.now, settings)), request.horizon)
    say(effects, logging.INFO, "%d reminder(s) due in %g h from %s", len(plan.due), _hours(plan), plan.now)
    messages = render_messages(docs.root, settings, history, plan.due, channel)
    if request.dry_run:
        return RemindResult(request.repo, settings.slack.channel, True, plan, messages, [], issues)
    deliveries = effects.send(repo.notifier, messages)
    withdrawn = effects.withdraw(repo.notifier, stale_keys(repo.notifier, plan, settings, channel), channel)
    return RemindResult(request.repo, settings.slack.channel, False, plan, messages, deliveries, issues, withdrawn)


def _hours(plan: RemindPlan) -> float:
    """Return the plan's horizon in hours."""
    return plan.horizon.total_seconds() / 3600


# ------------------------------------------------------------------------------------------------ calendar


@dataclass
class CalendarResult:
    """The outcome of writing a sprint's .ics file."""

    path: str
    sprint: str
    events: list[dict[str, str]]
    issues: list[str] = field(default_factory=list)
    dry_run: bool = False
    ics: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict: file, sprint, one row per event (uid, summary, start, end), and in a dry run
        the .ics text that would have been written."""
        payload = {"path": self.path, "sprint": self.sprint, "events": self.events, "issues": self.issues}
        return payload | ({"dry_run": True, "ics": self.ics} if self.dry_run else {})


def ics_events(calendar: tuple[rules.CeremonyEvent, ...], settings: Settings) -> list[IcsEvent]:
    """Return the calendar entries of ``calendar``'s ceremonies (summary ``SPR-014: Sprint Planning``)."""
    entries = []
    for event in calendar:
        link = rules.doc_link(event.sprint, settings)
        moved = f"\nMoved from {event.moved_from.isoformat()} (day off)." if event.moved_from else ""
        entries.append(
            IcsEvent(
                uid=event.uid,
                summary=f"{event.sprint_key}: {event.name}",
                start=event.start,
                end=event.end,
                description=f"{event.name} of {event.sprint_key}.{moved}" + (f"\nPlan: {link}" if link else ""),
                url=link if link and "://" in link else None,
            )
        )
    return entries


def run_calendar(
    repo: str, out: str | Path, sprint: str | None = None, now: datetime | None = None, dry_run: bool = False
) -> CalendarResult:
    """Write the ceremonies of ``sprint`` (key; default: the current, else the next, else the latest sprint) to
    ``out`` as an iCalendar file (``dry_run``: write nothing, the result holds the text); return what was written.
    Raise UsageError when there is no such sprint."""
    with opened(str(repo), None, job=CALENDAR_JOB, dry_run=True, pull=False) as opened_repo:  # read only
        settings, root = opened_repo.settings, opened_repo.docs.root
        history = load_history(root, settings) if sprint else load_sprints(root, settings)
    moment = aware_now(now)
    chosen = rules.pick_sprint(history, sprint, moment.astimezone(rules.team_zone(None, settings)).date())
    if chosen is None:
        known = ", ".join(rules.sprint_key(p) for p in history.plans) or "none"
        wanted = f"sprint {sprint!r}" if sprint else "a sprint with dates"
        raise UsageError(f"no {wanted} in {settings.paths.sprint_dir} (sprints found: {known})")
    calendar = rules.ceremony_calendar([chosen], settings)
    entries = ics_events(calendar, settings)
    name = f"{rules.sprint_key(chosen)} ceremonies"
    text = to_ics(entries, name, moment).decode("utf-8") if dry_run else ""
    path = Path(out) if dry_run else write_ics(out, entries, name, moment)
    rows = [
        {"uid": e.uid, "summary": e.summary, "start": e.start.isoformat(), "end": e.end.isoformat()} for e in entries
    ]
    return CalendarResult(str(path), rules.sprint_key(chosen), rows, issues_of(history), dry_run, text)
