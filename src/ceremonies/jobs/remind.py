"""Ceremony reminders and the sprint calendar, direct path: load → compute → render → send (or write the .ics).

``run_remind`` reads the sprint docs, takes the current and the next sprint for ``now``, computes the reminders due
in ``[now, now + horizon]``, renders each from ``templates/slack/<ceremony>.md.j2`` (a team's own template dir
first) and hands them to the notifier, which schedules each exactly once (see :mod:`ceremonies.adapters.slack`).
``run_calendar`` writes one sprint's ceremonies as an iCalendar file.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from ceremonies import reminders as rules
from ceremonies.adapters.files import load_history
from ceremonies.adapters.git import DocsRepo
from ceremonies.adapters.ics import IcsEvent, to_ics, write_ics
from ceremonies.adapters.notify import ConsoleNotifier, Delivery, Notifier, slack_markdown
from ceremonies.adapters.slack import SlackNotifier, cache_channels, make_client
from ceremonies.adapters.slack_render import SlackRenderer, render_message
from ceremonies.config import Settings, load_config
from ceremonies.domain.messages import Message
from ceremonies.domain.model import Sprint, SprintHistory
from ceremonies.errors import UsageError
from ceremonies.jobs.branch import open_docs

JOB_NAME = "remind"
"""Name of the job (its repo-lock holder name)."""

DRY_RUN = "dry-run"


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


def open_repo(repo: str, branch: str | None = None, pull: bool = True) -> tuple[DocsRepo, Settings]:
    """Return the docs repo (cloned when ``repo`` is a URL, pulled when it has a remote) and its settings."""
    docs = open_docs(repo, branch)
    if pull and docs.has_remote():
        docs.pull()
    return docs, load_config(docs.root)


def with_channel(settings: Settings, channel: str | None) -> Settings:
    """Return ``settings`` with ``slack.channel`` replaced by ``channel`` (unchanged when None or empty)."""
    if not channel:
        return settings
    return settings.model_copy(update={"slack": settings.slack.model_copy(update={"channel": channel})})


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


def make_remind_notifier(
    settings: Settings,
    token: str | None,
    now: datetime | None = None,
    stream: TextIO | None = None,
    log: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None,
) -> Notifier:
    """Return Slack (whose clock is ``now`` when given, so ``--now`` runs agree with Slack) with a token, else the
    console (``log``, e.g. a flow run's logger, else ``stream``). The API base URL comes from env SLACK_API_URL."""
    if not token:
        return ConsoleNotifier(settings.slack.channel, stream, log=log)
    clock = (lambda: now) if now is not None else None
    lookup = settings.slack.lookup_emails
    return SlackNotifier(make_client(token), settings.slack.channel, now=clock, lookup_emails=lookup)


def send_reminders(notifier: Notifier, messages: list[Message]) -> list[Delivery]:
    """Send (schedule) ``messages``; return what happened to each, in order."""
    return notifier.send(messages) if messages else []


def withdraw_stale(notifier: Notifier, plan: RemindPlan, settings: Settings, channel: str | None) -> list[Delivery]:
    """Delete scheduled reminders of the plan's sprints that are no longer wanted at their time (Slack only);
    return a ``withdrawn`` Delivery each."""
    if not isinstance(notifier, SlackNotifier) or not plan.sprints:
        return []
    pending = [(item.key, item.post_at) for item in notifier.scheduled(channel) if item.key]
    keys = rules.stale_keys(plan.calendar, settings, [rules.sprint_key(s) for s in plan.sprints], pending)
    return notifier.withdraw(keys, channel) if keys else []


def issues_of(history: SprintHistory) -> list[str]:
    """Return the problems found in the sprint docs, one line each (``path:line: what``)."""
    return [str(error) for error in history.errors]


# ------------------------------------------------------------------------------------------------ compose


def run_remind(
    repo: str,
    branch: str | None = None,
    channel: str | None = None,
    now: datetime | None = None,
    horizon: timedelta | str | float | None = None,
    dry_run: bool = False,
    notifier: Notifier | None = None,
    lock_wait: float | None = None,
) -> RemindResult:
    """Schedule the reminders due in ``[now, now + horizon]`` once each; return what was scheduled/skipped/posted.

    Holds the repo lock from the pull until the last Slack call (RepoBusyError, exit code 0, when another run keeps
    it longer than ``lock_wait`` seconds); a dry run takes no lock.

    Without ``notifier``: Slack when SLACK_BOT_TOKEN is set, else the console. ``dry_run`` renders the messages
    and sends nothing.
    """
    docs = open_docs(repo, branch)
    with docs, contextlib.nullcontext() if dry_run else docs.lock(JOB_NAME, lock_wait):
        if not dry_run and docs.has_remote():
            docs.pull()
        settings = with_channel(load_config(docs.root), channel)
        history = load_sprints(docs.root, settings)
        plan = plan_reminders(history, settings, aware_now(now), horizon)
        messages = render_messages(docs.root, settings, history, plan.due, channel)
        deliveries: list[Delivery] = []
        withdrawn: list[Delivery] = []
        if not dry_run:
            sender = notifier or make_remind_notifier(settings, os.environ.get("SLACK_BOT_TOKEN"), now)
            cache_channels(sender, docs.git_dir)
            deliveries = send_reminders(sender, messages)
            withdrawn = withdraw_stale(sender, plan, settings, channel)
    issues = issues_of(history)
    return RemindResult(repo, settings.slack.channel, dry_run, plan, messages, deliveries, issues, withdrawn)


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
    docs, settings = open_repo(repo, pull=False)
    with docs:
        history = load_history(docs.root, settings) if sprint else load_sprints(docs.root, settings)
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
