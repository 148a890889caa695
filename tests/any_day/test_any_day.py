"""Planning, reminders and the calendar on a team built around the pinned "today", whatever day that is.

``make test-dates`` runs these (marker ``dates``) with "now" pinned to a Saturday, the Sunday Berlin changes its clocks,
New Year's Eve late in the evening UTC (already the next year in Berlin) and a public holiday. The checks hold on any
day: the new sprint starts after the current one on a working day, ceremonies sit on working days at the team's local
wall-clock time (the same on both sides of a DST change), reminders lie ahead of "now", and a re-run changes nothing.
The working-day oracle here is the ``holidays`` package asked directly, not the product's calendar code.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from icalendar import Calendar

from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.adapters.slack import SlackNotifier, make_client
from ceremonies.domain.parsing import parse_document
from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
from ceremonies.jobs.recipe import Effects
from ceremonies.jobs.remind import RemindRequest, run_calendar, run_remind
from support.gitrepo import TeamRepo, git, make_team_repo
from support.slack import SlackEmulator, running_emulator

pytestmark = pytest.mark.dates

ZONE = ZoneInfo("Europe/Berlin")
TOKEN = "xoxb-any-day-0000000000-secret"
CHANNEL = "C0ANYDAY"
LOCAL_TIMES = {"planning": time(10, 0), "demo": time(14, 0), "retro": time(15, 30)}
GERMAN_HOLIDAYS = holidays.country_holidays("DE", subdiv="BE", years=range(2020, 2035))


def is_working_day(day: date) -> bool:
    """Return True on a Monday-to-Friday that is no public holiday in Berlin."""
    return day.weekday() < 5 and day not in GERMAN_HOLIDAYS


def _plan(key: str, number: int, start: date, end: date, status: str, scope: str) -> str:
    return (
        f"---\ndocid: {key}\ntitle: Sprint {number}\nowner: '@lead'\nstatus: {status}\n---\n"
        f"# {key}: Sprint {number} Planning\n\n"
        f"Start Date: {start.isoformat()}\nEnd Date: {end.isoformat()}\n\n"
        f"## Sprint Goals\n- Keep the shop running\n\n## Scope\n{scope}\n"
    )


def _retro(key: str, action: str) -> str:
    return (
        f"---\ndocid: {key}-retro\ntitle: {key} retrospective\nowner: '@lead'\nstatus: done\n---\n"
        f"# {key} Retrospective\n\n## What went well\n- Pairing\n\n## What could be improved\n- Flaky tests\n\n"
        f"## Action items\n- [ ] {action} — @qa — next sprint\n"
    )


def team_files(today: date, ends_in_days: int) -> dict[str, str]:
    """Return a Berlin team's docs repo built around ``today``: a finished sprint and the current one, which ends
    ``ends_in_days`` after ``today`` (dates written as they fall, weekends and holidays included)."""
    end = today + timedelta(days=ends_in_days)
    start = end - timedelta(days=14)
    before_start = start - timedelta(days=14)
    lines = LOCAL_TIMES
    return {
        "ceremonies.toml": (
            '[sprint]\ncadence_days = 14\ntimezone = "Europe/Berlin"\nholiday_country = "DE"\n'
            'holiday_subdivision = "BE"\ndue_within_days = 3\n\n'
            f"[ceremonies]\nplanning = {lines['planning']:%H:%M:%S}\ndemo = {lines['demo']:%H:%M:%S}\n"
            f'retro = {lines["retro"]:%H:%M:%S}\n\n[slack]\nchannel = "{CHANNEL}"\n\n[reminders]\nhorizon_hours = 480\n'
        ),
        ".ai/sprint/SPR-001-iteration-template.md": _plan(
            "SPR-001", 1, before_start, start, "done", "- [x] WEB-1: Login form — @ana — 5 SP\n"
        ),
        ".ai/sprint/SPR-001-retrospective.md": _retro("SPR-001", "Pin the test clock"),
        ".ai/sprint/SPR-002-iteration-template.md": _plan(
            "SPR-002",
            2,
            start,
            end,
            "active",
            "- [x] WEB-2: Password reset — @ben — 3 SP\n- [ ] WEB-3: Session timeout — @ana — 2 SP\n",
        ),
        ".ai/sprint/SPR-002-retrospective.md": _retro("SPR-002", "Quarantine flaky tests"),
    }


def _team(path: Path, today: date, ends_in_days: int) -> TeamRepo:
    return make_team_repo(path, team_files(today, ends_in_days), message="docs: sprints around today")


@pytest.fixture()
def slack(now: datetime) -> Iterator[SlackEmulator]:
    """Return a started Slack emulator whose clock is the pinned "now"."""
    with running_emulator(TOKEN, {CHANNEL: "team"}) as emulator:
        emulator.set_now(now)
        yield emulator


def _notifier(slack: SlackEmulator, now: datetime) -> SlackNotifier:
    client = make_client(TOKEN, slack.url, timeout=5, retries=2, backoff=0.01)
    return SlackNotifier(client, CHANNEL, now=lambda: now)


def _assert_at_local_time(event_start: datetime, kind: str) -> None:
    local = event_start.astimezone(ZONE)
    assert is_working_day(local.date()), f"{kind} on a day off: {local.date()} ({local:%A})"
    if kind in LOCAL_TIMES:
        assert local.time() == LOCAL_TIMES[kind], f"{kind} at {local.time()} local, not {LOCAL_TIMES[kind]}"


def test_next_sprint_starts_after_the_current_on_a_working_day_and_a_rerun_changes_nothing(
    tmp_path: Path, today: date
) -> None:
    team = _team(tmp_path / "team", today, ends_in_days=1)
    first = run_next_sprint(
        NextSprintRequest(str(team.work), today=today), Effects(notifier=ConsoleNotifier(CHANNEL, io.StringIO()))
    )
    assert first.status == "created" and first.sprint == "SPR-003" and first.pushed, first
    assert first.start is not None and first.end is not None
    assert first.start >= today + timedelta(days=1), "the new sprint starts before the current one ends"
    assert is_working_day(first.start) and is_working_day(first.end), (first.start, first.end)
    assert first.end > first.start
    text = (team.work / first.path).read_text(encoding="utf-8")
    sprint = parse_document(text, first.path).sprint
    assert sprint is not None and (sprint.start, sprint.end) == (first.start, first.end)
    assert "Quarantine flaky tests" in text and "WEB-3" in text
    head = git(team.remote, "rev-parse", "main")

    again = run_next_sprint(
        NextSprintRequest(str(team.work), today=today), Effects(notifier=ConsoleNotifier(CHANNEL, io.StringIO()))
    )
    assert again.status == "unchanged" and not again.committed, again
    assert git(team.remote, "rev-parse", "main") == head


def test_reminders_lie_ahead_on_working_days_at_local_time_and_are_scheduled_once(
    tmp_path: Path, now: datetime, today: date, slack: SlackEmulator
) -> None:
    team = _team(tmp_path / "team", today, ends_in_days=7)  # a week always holds a working day for review/retro
    first = run_remind(RemindRequest(str(team.work), now=now), Effects(notifier=_notifier(slack, now)))
    scheduled = first.to_json()["scheduled"]
    assert scheduled, f"nothing was due within 480 h of {now.isoformat()}: {first.to_json()}"
    for reminder in first.plan.due:
        assert reminder.send_at > now, f"{reminder.key} due in the past: {reminder.send_at}"
        assert reminder.send_at <= reminder.event.start
        _assert_at_local_time(reminder.event.start, reminder.event.ceremony)
    pending = sorted((m["text"], m["post_at"]) for m in slack.scheduled)
    assert len(pending) == len(scheduled)

    again = run_remind(RemindRequest(str(team.work), now=now), Effects(notifier=_notifier(slack, now)))
    assert again.to_json()["scheduled"] == [] and sorted(again.to_json()["skipped"]) == sorted(scheduled)
    assert sorted((m["text"], m["post_at"]) for m in slack.scheduled) == pending and slack.posted == []


def test_calendar_puts_every_ceremony_on_a_working_day_at_local_time(
    tmp_path: Path, now: datetime, today: date
) -> None:
    team = _team(tmp_path / "team", today, ends_in_days=7)
    out = tmp_path / "sprint.ics"
    result = run_calendar(str(team.work), out, now=now)
    assert result.sprint == "SPR-002"
    events = list(Calendar.from_ical(out.read_bytes()).walk("VEVENT"))
    kinds = {str(event["UID"]).split("@")[0].removeprefix("SPR-002-"): event for event in events}
    assert {"planning", "demo", "retro"} <= set(kinds), sorted(kinds)
    for kind, event in kinds.items():
        _assert_at_local_time(event.decoded("DTSTART"), kind)
