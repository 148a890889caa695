"""Dates and ceremonies of the next sprint: cadence, start rule, public holidays (holidays pkg), extra days off."""

from __future__ import annotations

from datetime import date, time

import pytest
from planning_support import history_of, plan_text

from ceremonies.config import parse_config
from ceremonies.domain.model import CeremonyKind
from ceremonies.domain.parsing import build_history, parse_document
from ceremonies.errors import ConfigError, SprintDocError
from ceremonies.planning import NextSprintPlan, plan_next_sprint


def plan_after(start: str, end: str, config: str = "", duration: int | None = 14) -> NextSprintPlan:
    """Return the plan after a one-item fixture sprint SPR-020 running from ``start`` to ``end``."""
    history = history_of(
        {
            "SPR-020-iteration-template.md": plan_text(
                "SPR-020", "2026-20", start, end, ["[x] A-1: Done — 3 SP"], duration=duration
            )
        }
    )
    return plan_next_sprint(history, parse_config(config), date.fromisoformat("2026-01-01"))


def test_start_on_a_german_public_holiday_moves_past_easter() -> None:
    """The previous sprint ends on Good Friday: the new one starts on the Tuesday after Easter Monday."""
    plan = plan_after("20. März 2026", "3. April 2026")
    assert (plan.sprint.start, plan.sprint.end) == (date(2026, 4, 7), date(2026, 4, 17)), "end keeps the cadence grid"
    assert plan.shifted == ("start moved from Fri 2026-04-03 (Good Friday) to Tue 2026-04-07",)
    assert plan.working_days == 8, "Tue 7 – Thu 16 April; the end day is the next sprint's first"
    planning = next(c for c in plan.sprint.timetable if c.kind == CeremonyKind.PLANNING)
    assert (planning.day, planning.start, planning.end) == (date(2026, 4, 7), time(10), time(11, 30))


def test_end_on_a_holiday_moves_to_the_next_working_day() -> None:
    plan = plan_after("6. März 2026", "20. März 2026")
    assert (plan.sprint.start, plan.sprint.end) == (date(2026, 3, 20), date(2026, 4, 7))
    assert plan.shifted == ("end moved from Fri 2026-04-03 (Good Friday) to Tue 2026-04-07",)
    demo = next(c for c in plan.sprint.timetable if c.kind == CeremonyKind.DEMO)
    assert demo.day == date(2026, 4, 7)


def test_holidays_inside_the_sprint_are_listed_and_not_counted() -> None:
    plan = plan_after("15. April 2026", "29. April 2026")
    assert (plan.sprint.start, plan.sprint.end) == (date(2026, 4, 29), date(2026, 5, 13))
    assert plan.holidays == ((date(2026, 5, 1), "Labor Day"),)
    assert plan.working_days == 9


@pytest.mark.parametrize(
    ("policy", "refinement_day"),
    [("previous_working_day", date(2026, 4, 30)), ("next_working_day", date(2026, 5, 4)), ("skip", None)],
)
def test_ceremony_on_a_day_off_follows_the_holiday_policy(policy: str, refinement_day: date | None) -> None:
    """Refinement is start + 4 days = Sunday 3 May; Friday 1 May is Labour Day."""
    plan = plan_after("15. April 2026", "29. April 2026", f'[ceremonies]\nholiday_policy = "{policy}"\n')
    days = {c.kind: c.day for c in plan.sprint.timetable}
    assert days.get(CeremonyKind.REFINEMENT) == refinement_day
    assert days[CeremonyKind.RETRO] == plan.sprint.end


def test_subdivision_holidays_count() -> None:
    """Corpus Christi (4 June 2026) is a holiday in Bavaria, not in all of Germany."""
    federal = plan_after("21. Mai 2026", "4. Juni 2026")
    bavaria = plan_after("21. Mai 2026", "4. Juni 2026", '[sprint]\nholiday_subdivision = "BY"\n')
    assert federal.sprint.start == date(2026, 6, 4)
    assert bavaria.sprint.start == date(2026, 6, 5)


def test_extra_holidays_and_next_working_day_rule() -> None:
    config = '[sprint]\nstart_rule = "next_working_day"\nextra_holidays = ["2026-03-19"]\n'
    plan = plan_after("4. März 2026", "18. März 2026", config)
    assert plan.sprint.start == date(2026, 3, 20), "the day after the end is a team day off"
    assert plan.sprint.end == date(2026, 4, 7), "20 March + 14 days is Good Friday"
    assert plan.working_days == 11, "20 March – 7 April inclusive, without Good Friday and Easter Monday"


def test_cadence_from_config_else_previous_duration_else_span() -> None:
    assert plan_after("4. März 2026", "18. März 2026", "[sprint]\ncadence_days = 7\n").sprint.end == date(2026, 3, 25)
    assert plan_after("4. März 2026", "18. März 2026", duration=21).sprint.end == date(2026, 4, 8)
    assert plan_after("4. März 2026", "13. März 2026", duration=None).sprint.end == date(2026, 3, 23)


def test_time_zone_and_ceremony_times_come_from_config() -> None:
    config = '[sprint]\ntimezone = "America/Denver"\n[ceremonies]\nplanning = "09:30:00"\nplanning_minutes = 60\n'
    plan = plan_after("4. März 2026", "18. März 2026", config)
    assert plan.sprint.timezone == "America/Denver"
    planning = plan.sprint.timetable[0]
    assert (planning.kind, planning.day, planning.start, planning.end) == (
        CeremonyKind.PLANNING,
        date(2026, 3, 18),
        time(9, 30),
        time(10, 30),
    )


def test_bad_calendar_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="'XX'"):
        plan_after("4. März 2026", "18. März 2026", '[sprint]\nholiday_country = "XX"\n')
    with pytest.raises(ConfigError, match="'DE' / 'XX'"):
        plan_after("4. März 2026", "18. März 2026", '[sprint]\nholiday_subdivision = "XX"\n')
    with pytest.raises(ConfigError, match="'next friday'"):
        plan_after("4. März 2026", "18. März 2026", '[sprint]\nextra_holidays = ["next friday"]\n')


def test_history_without_a_usable_plan_names_the_file() -> None:
    with pytest.raises(SprintDocError, match=r"\.ai/sprint.*no sprint plan"):
        plan_next_sprint(history_of({}), parse_config(""), date(2026, 1, 1))
    undated = plan_text("SPR-020", "2026-20", "soon", "later", ["[ ] A-1: x — 3 SP"])
    history = build_history([parse_document(undated, "SPR-020-iteration-template.md")])
    with pytest.raises(SprintDocError, match=r"SPR-020-iteration-template\.md.*no start and end date"):
        plan_next_sprint(history, parse_config(""), date(2026, 1, 1))
