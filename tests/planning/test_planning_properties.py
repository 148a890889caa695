"""Properties of the planner: dates always follow the cadence and calendar; output is deterministic."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st
from planning_support import render

from ceremonies.config import Settings, parse_config
from ceremonies.domain.model import Sprint, SprintHistory, WorkItem
from ceremonies.domain.parsing import parse_document
from ceremonies.planning import plan_next_sprint, team_calendar

CONFIGS = st.builds(
    lambda rule, country, cadence, policy: parse_config(
        f'[sprint]\nstart_rule = "{rule}"\ncadence_days = {cadence}\n'
        + (f'holiday_country = "{country}"\n' if country else 'holiday_country = ""\n')
        + f'[ceremonies]\nholiday_policy = "{policy}"\n'
    ),
    st.sampled_from(["previous_end", "next_working_day"]),
    st.sampled_from(["DE", "US", "GB", None]),
    st.integers(min_value=5, max_value=28),
    st.sampled_from(["skip", "previous_working_day", "next_working_day", "keep"]),
)
TITLES = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)


def previous_sprint(end: date, number: int, titles: list[str]) -> Sprint:
    """Return a previous sprint ending on ``end`` with unchecked items titled ``titles``."""
    items = tuple(WorkItem(title=t, id=f"IT-{n}", owners=("@Team",), points=n) for n, t in enumerate(titles, 1))
    return Sprint(
        key=f"SPR-{number:03d}",
        number=f"2026-{number}",
        name=f"Sprint 2026-{number}",
        start=end - timedelta(days=14),
        end=end,
        items=items,
        path=f"SPR-{number:03d}-iteration-template.md",
    )


@settings(max_examples=60, deadline=None)
@given(
    end=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    config=CONFIGS,
    number=st.integers(min_value=1, max_value=998),
)
def test_dates_follow_cadence_and_calendar(end: date, config: Settings, number: int) -> None:
    plan = plan_next_sprint(SprintHistory(plans=(previous_sprint(end, number, ["x"]),)), config, end)
    sprint = plan.sprint
    assert sprint.start is not None and sprint.end is not None
    calendar = team_calendar(config, range(end.year, end.year + 2))
    assert calendar.is_working_day(sprint.start) and calendar.is_working_day(sprint.end)
    cadence = timedelta(days=config.sprint.cadence_days)
    nominal = end if config.sprint.start_rule == "previous_end" else end + timedelta(days=1)
    assert nominal <= sprint.start < nominal + timedelta(days=10), "start moves only past days off"
    anchor = end if config.sprint.start_rule == "previous_end" else sprint.start
    assert anchor + cadence <= sprint.end < anchor + cadence + timedelta(days=10), "end stays on the cadence grid"
    assert sprint.duration_days == plan.cadence_days == config.sprint.cadence_days
    assert 0 < plan.working_days <= (sprint.end - sprint.start).days + 1
    assert all(sprint.start <= c.day <= sprint.end for c in sprint.timetable if c.day is not None)
    assert all(
        calendar.is_working_day(c.day) for c in sprint.timetable if c.day and config.ceremonies.holiday_policy != "keep"
    )
    assert (sprint.key, sprint.number) == (f"SPR-{number + 1:03d}", f"2026-{number + 1}")


@settings(max_examples=40, deadline=None)
@given(
    titles=st.lists(TITLES, min_size=1, max_size=4),
    end=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
)
@example(titles=["  ", "x — @Evil — 99 SP", "# heading", "{{ x }} | {% if %}", "[x] done?"], end=date(2026, 3, 18))
def test_rendering_is_deterministic_and_reads_back(titles: list[str], end: date) -> None:
    config = Settings()
    history = SprintHistory(plans=(previous_sprint(end, 12, titles),))
    first = plan_next_sprint(history, config, end)
    again = plan_next_sprint(history, config, end)
    assert first == again
    text = render(first, config)
    assert text == render(again, config)
    doc = parse_document(text, first.file_name)
    assert doc.sprint is not None and doc.errors == ()
    assert (doc.sprint.key, doc.sprint.start, doc.sprint.end) == ("SPR-013", first.sprint.start, first.sprint.end)
    assert [(i.id, i.points, i.carried) for i in doc.sprint.items] == [(i.id, i.points, 1) for i in first.sprint.items]


PLAIN_TITLES = st.text(alphabet="abcXYZ019 .,;!?()'&+{}%#/", min_size=1, max_size=30).filter(
    lambda t: t.strip(" .,;!?")
)


@settings(max_examples=60, deadline=None)
@given(titles=st.lists(PLAIN_TITLES, min_size=1, max_size=3))
def test_item_titles_read_back(titles: list[str]) -> None:
    config = Settings()
    plan = plan_next_sprint(
        SprintHistory(plans=(previous_sprint(date(2026, 3, 18), 12, titles),)), config, date(2026, 3, 18)
    )
    doc = parse_document(render(plan, config), plan.file_name)
    assert doc.sprint is not None
    assert [i.title for i in doc.sprint.items] == [" ".join(t.split()) for t in titles]
