"""The pure reminder rules: ceremony calendar, reminder policy (weekends, holidays, DST), horizon, keys."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from remind_support import NOW, config_text, team_files, us_plan

from ceremonies import reminders as rules
from ceremonies.config import Settings, parse_config
from ceremonies.domain.model import Sprint, SprintHistory
from ceremonies.domain.parsing import build_history, parse_document
from ceremonies.errors import ConfigError, UsageError

DENVER = ZoneInfo("America/Denver")


def history_of(files: dict[str, str]) -> SprintHistory:
    """Return the history of the fixture's sprint docs (each must parse cleanly)."""
    docs = [parse_document(text, path) for path, text in sorted(files.items()) if path.startswith(".ai/sprint/")]
    assert all(doc.ok for doc in docs), [doc.errors for doc in docs]
    return build_history(docs)


def due_for(files: dict[str, str], now: datetime = NOW, horizon: str = "7d") -> tuple[rules.Reminder, ...]:
    settings = parse_config(files["ceremonies.toml"])
    sprints = rules.current_and_next(history_of(files), now.astimezone(DENVER).date())
    calendar = rules.ceremony_calendar(sprints, settings)
    return rules.due_reminders(calendar, settings, now, rules.parse_horizon(horizon, 48))


def test_planning_is_reminded_the_working_day_before_at_16_and_an_hour_before() -> None:
    due = {r.key: r.send_at for r in due_for(team_files())}
    assert due["SPR-009/planning/day-before"] == datetime(2026, 4, 10, 16, 0, tzinfo=DENVER)
    assert due["SPR-009/planning/60m"] == datetime(2026, 4, 13, 8, 30, tzinfo=DENVER)
    assert due["SPR-009/planning/60m"].utcoffset() == timedelta(hours=-6), "MDT"
    assert due["SPR-008/demo/60m"] == datetime(2026, 4, 10, 9, 0, tzinfo=DENVER)


def test_nothing_is_sent_on_the_weekend_or_a_configured_day_off() -> None:
    files = team_files(extra=["2026-04-10"])  # Friday off: SPR-008's demo and retro move to Thursday
    due = due_for(files, now=datetime(2026, 4, 8, 8, 0, tzinfo=DENVER))
    days = {r.send_at.date() for r in due}
    assert date(2026, 4, 10) not in days
    assert all(day.weekday() < 5 for day in days), days
    keyed = {r.key: r for r in due}
    assert keyed["SPR-009/planning/day-before"].send_at == datetime(2026, 4, 9, 16, 0, tzinfo=DENVER)
    demo = keyed["SPR-008/demo/60m"].event
    assert demo.start == datetime(2026, 4, 9, 10, 0, tzinfo=DENVER) and demo.moved_from == date(2026, 4, 10)
    assert keyed["SPR-008/demo/day-before"].send_at == datetime(2026, 4, 8, 16, 0, tzinfo=DENVER)


def test_holiday_policy_skip_drops_the_ceremony_and_its_reminders() -> None:
    files = team_files(extra=["2026-04-10"], policy="skip")
    keys = {r.key for r in due_for(files, now=datetime(2026, 4, 8, 8, 0, tzinfo=DENVER))}
    assert not any(key.startswith(("SPR-008/demo", "SPR-008/retro")) for key in keys)
    assert "SPR-009/planning/day-before" in keys


def test_a_public_holiday_moves_a_configured_ceremony_to_the_next_working_day() -> None:
    settings = parse_config(config_text(policy="next_working_day"))
    sprint = Sprint(key="SPR-020", start=date(2026, 5, 25), end=date(2026, 6, 5), timezone="America/Denver")
    events = {e.ceremony: e for e in rules.ceremony_calendar([sprint], settings)}
    assert events["planning"].start == datetime(2026, 5, 26, 10, 0, tzinfo=DENVER), "Memorial Day moves planning"
    assert events["planning"].moved_from == date(2026, 5, 25)
    reminders = rules.reminders_for(events["planning"], settings, rules.days_off(settings, [2026]))
    assert [r.send_at for r in reminders] == [
        datetime(2026, 5, 22, 16, 0, tzinfo=DENVER),  # Friday: the weekend and Memorial Day are skipped
        datetime(2026, 5, 26, 9, 0, tzinfo=DENVER),
    ]


def test_dst_week_keeps_wall_clock_times() -> None:
    """US DST starts Sun Mar 8 2026: Friday's reminder is MST (-7), Monday's planning and its reminder MDT (-6)."""
    settings = parse_config(config_text())
    sprint = Sprint(key="SPR-007", start=date(2026, 3, 9), end=date(2026, 3, 20), timezone="America/Denver")
    calendar = rules.ceremony_calendar([sprint], settings)
    planning = next(e for e in calendar if e.ceremony == "planning")
    sends = {r.lead: r.send_at for r in rules.reminders_for(planning, settings, rules.days_off(settings, [2026]))}
    assert sends["day-before"].utcoffset() == timedelta(hours=-7) and sends["day-before"].hour == 16
    assert sends["60m"].utcoffset() == timedelta(hours=-6) and sends["60m"].time() == time(9, 0)
    assert sends["60m"] - sends["day-before"] == timedelta(hours=65), "one hour less than the wall clock says"


def test_a_ceremony_in_the_dst_gap_moves_forward_by_the_gap() -> None:
    moment = rules.local_datetime(date(2026, 3, 29), time(2, 30), ZoneInfo("Europe/Berlin"))
    assert moment.time() == time(3, 30) and moment.utcoffset() == timedelta(hours=2)


def test_timetable_entries_win_and_recurring_ones_are_left_out() -> None:
    files = team_files()
    spr9 = next(p for p in history_of(files).plans if p.key == "SPR-009")
    events = rules.ceremony_calendar([spr9], parse_config(files["ceremonies.toml"]))
    assert [(e.ceremony, e.start.strftime("%m-%d %H:%M")) for e in events] == [
        ("planning", "04-13 09:30"),
        ("refinement", "04-16 14:00"),
        ("demo", "04-24 10:00"),
        ("retro", "04-24 11:15"),
    ]
    assert events[0].uid == "SPR-009-planning@ceremonies"


def test_a_demo_date_field_moves_the_timetable_demo() -> None:
    files = team_files()
    spr9 = next(p for p in history_of(files).plans if p.key == "SPR-009")
    moved = Sprint(**{**spr9.__dict__, "demo_date": date(2026, 4, 23)})
    demo = next(e for e in rules.ceremony_calendar([moved], Settings()) if e.ceremony == "demo")
    assert demo.start == datetime(2026, 4, 23, 10, 0, tzinfo=DENVER)


def test_other_timetable_entries_get_slug_ids_and_only_configured_ceremonies_are_reminded() -> None:
    timetable = [
        "Mon Apr 13 — 09:30–11:00:** Sprint Planning.",
        "Thu Apr 23 — 15:00–16:00:** Perf review & gate dry-run.",
    ]
    plan = us_plan("Apr 13–Apr 24, 2026", 9, timetable, [("X-1", "Thing", "Ana", 3)])
    history = build_history([parse_document(plan, ".ai/sprint/SPR-009-iteration-template.md")])
    settings = parse_config(config_text())
    calendar = rules.ceremony_calendar(history.plans, settings)
    assert "perf-review-gate-dry-run" in {e.ceremony for e in calendar}
    keys = {r.key for r in rules.all_reminders(calendar, settings)}
    assert not any("perf-review" in key or "refinement" in key for key in keys)
    assert {"SPR-009/demo/60m", "SPR-009/retro/day-before"} <= keys, "demo and retro come from the configured times"


def test_current_and_next_sprint() -> None:
    history = history_of(team_files())
    assert [p.key for p in rules.current_and_next(history, date(2026, 4, 9))] == ["SPR-008", "SPR-009"]
    assert [p.key for p in rules.current_and_next(history, date(2026, 4, 13))] == ["SPR-009"]
    assert [p.key for p in rules.current_and_next(history, date(2026, 3, 1))] == ["SPR-008"]
    handover = Sprint(key="SPR-010", start=date(2026, 4, 24), end=date(2026, 5, 8))
    both = SprintHistory(plans=(*history.plans, handover))
    assert [p.key for p in rules.current_and_next(both, date(2026, 4, 24))] == ["SPR-009", "SPR-010"]
    assert rules.pick_sprint(history, "spr-008", date(2026, 4, 20)).key == "SPR-008"  # type: ignore[union-attr]
    assert rules.pick_sprint(history, "SPR-404", date(2026, 4, 20)) is None


@pytest.mark.parametrize(
    ("text", "hours"), [("48h", 48), ("7d", 168), ("90m", 1.5), ("2w", 336), ("12", 12), (None, 48), (6.5, 6.5)]
)
def test_parse_horizon(text: str | float | None, hours: float) -> None:
    assert rules.parse_horizon(text, 48) == timedelta(hours=hours)


@pytest.mark.parametrize("text", ["soon", "-1h", "0", "121d", "4 fortnights"])
def test_parse_horizon_refuses_nonsense(text: str) -> None:
    with pytest.raises(UsageError, match="horizon"):
        rules.parse_horizon(text, 48)


def test_now_without_offset_is_refused() -> None:
    with pytest.raises(UsageError, match="time zone"):
        rules.due_reminders((), Settings(), datetime(2026, 4, 9, 12), timedelta(hours=1))


def test_bad_extra_holiday_is_a_config_error() -> None:
    settings = Settings.model_validate({"sprint": {"extra_holidays": ["next friday"]}})
    with pytest.raises(ConfigError, match="extra_holidays"):
        rules.days_off(settings, [2026])


@hsettings(max_examples=150, deadline=None)
@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    at=st.times(),
    zone=st.sampled_from(["America/Denver", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata"]),
    leads=st.lists(st.integers(min_value=1, max_value=24 * 60), min_size=1, max_size=3),
    policy=st.sampled_from(["skip", "previous_working_day", "next_working_day", "keep"]),
)
def test_reminders_are_on_working_days_and_before_the_ceremony(
    start: date, at: time, zone: str, leads: list[int], policy: str
) -> None:
    settings = Settings.model_validate(
        {
            "sprint": {"timezone": zone, "holiday_country": "US", "extra_holidays": [start.isoformat()]},
            "ceremonies": {"planning": at, "holiday_policy": policy},
            "reminders": {"lead_minutes": leads},
        }
    )
    sprint = Sprint(key="SPR-001", start=start, end=start + timedelta(days=13))
    calendar = rules.ceremony_calendar([sprint], settings)
    off = rules.days_off(settings, [start.year - 1, start.year, start.year + 1])
    for reminder in rules.all_reminders(calendar, settings):
        assert reminder.send_at < reminder.event.start
        assert off.is_working_day(reminder.send_at.date()), reminder
        assert reminder.send_at.tzinfo is not None
    assert len({r.key for r in rules.all_reminders(calendar, settings)}) == len(rules.all_reminders(calendar, settings))
