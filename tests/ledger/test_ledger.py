"""The sprint ledger: one answer for which sprint a label names, its summary and retro, what it delivered, the
rolling velocity, and on which day a ceremony happens. Planning, reminders and the KB read these."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from ceremonies import ledger, planning, reminders
from ceremonies.adapters.files import scan_sprint_dir
from ceremonies.adapters.templates import TemplateRenderer, default_template_dir
from ceremonies.config import Settings, load_config, parse_config
from ceremonies.domain.model import CeremonyKind, ExecutionSummary, Retro, Sprint, SprintHistory, WorkItem
from ceremonies.domain.parsing import build_history, parse_document
from ceremonies.workdays import DaysOff

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "team-repo"

KEYED = Sprint(key="SPR-013", number="2026-13", name="Sprint 2026-13", start=date(2026, 3, 18), end=date(2026, 4, 1))


def done(title: str, points: float) -> WorkItem:
    """Return a checked scope item."""
    return WorkItem(title=title, points=points, done=True)


def plan(key: str, start: date, days: int = 14, items: tuple[WorkItem, ...] = (), **fields: object) -> Sprint:
    """Return a plan ``key`` from ``start``, ``days`` long."""
    return Sprint(key=key, start=start, end=start + timedelta(days=days), items=items, **fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------- naming


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("SPR-013", True),
        ("SPR-13", True),  # the key without zero padding
        ("spr-0013", True),
        ("2026-13", True),
        ("13", True),  # a bare number names the last number of the sprint's number
        ("SPR-014", False),
        ("OPS-013", False),  # another prefix is another sequence
        ("2025-13", False),
        ("14", False),
        ("", False),
        (None, False),
    ],
)
def test_same_sprint_reads_a_key_or_number_however_it_is_spelled(label: str | None, expected: bool) -> None:
    assert ledger.same_sprint(label, KEYED) is expected


def test_a_bare_number_names_a_key_only_sprint_by_its_last_number() -> None:
    only_key = Sprint(key="SPR-013")
    assert ledger.same_sprint("13", only_key) and ledger.same_sprint("SPR-13", only_key)
    assert not ledger.same_sprint("2026-13", only_key), "a full number needs the sprint's number to compare with"
    assert ledger.compare_label("SPR-12", only_key) == -1 and ledger.compare_label("SPR-20", only_key) == 1


LABELS = ("SPR-13", "SPR-013", "spr-7", "OPS-13", "13", "7", "2026-13", "2025-13", "2026-7", "x", "", "Q1-2026-13")
SPRINTS = (
    KEYED,
    Sprint(key="SPR-013"),
    Sprint(number="2026-13"),
    Sprint(number="13"),
    Sprint(key="SPR-007", number="7"),
    Sprint(key="Q1-2026-13"),
    Sprint(name="Sprint 13"),
)


def test_same_sprint_is_compare_label_saying_equal() -> None:
    """Matching (by tokens, indexable) and ordering (by numbers) are one rule: they agree on every pair."""
    for sprint in SPRINTS:
        for label in LABELS:
            assert ledger.same_sprint(label, sprint) == (ledger.compare_label(label, sprint) == 0), (label, sprint)


def test_the_label_index_finds_what_a_pairwise_scan_finds() -> None:
    index = ledger.LabelIndex((label, (label,)) for label in LABELS)
    for sprint in SPRINTS:
        assert index.naming(sprint) == [label for label in LABELS if ledger.same_sprint(label, sprint)]


def test_display_name_and_sprint_key() -> None:
    assert ledger.display_name(KEYED) == "SPR-013"
    assert ledger.display_name(Sprint(name="Sprint 9", number="9")) == "Sprint 9"
    assert ledger.sprint_key(Sprint(name="Sprint 9 ")) == "Sprint-9"


# ---------------------------------------------------------------------------------------------------- lookup


def test_summary_of_finds_a_summary_spelling_the_sprint_differently() -> None:
    """Behaviour change: the reminders matched summaries by exact key/number only (``SPR-13`` missed ``SPR-013``)."""
    summary = ExecutionSummary(key="SPR-13", velocity=21, completed=(done("Refunds", 8),))
    by_number = ExecutionSummary(number="13", velocity=20)
    other = ExecutionSummary(key="SPR-012", velocity=5)
    assert ledger.summary_of(SprintHistory((KEYED,), (), (other, summary)), KEYED) is summary
    assert ledger.summary_of(SprintHistory((KEYED,), (), (by_number, other)), KEYED) is by_number
    assert ledger.summary_of(SprintHistory((KEYED,), (), (other,)), KEYED) is None


def test_retro_of_prefers_a_separate_file_over_the_plans_own_section() -> None:
    own = Retro("SPR-013", None, path="sprint/SPR-013-iteration-template.md")
    separate = Retro("SPR-13", None, path="sprint/SPR-013-retrospective.md")
    sprint = Sprint(key="SPR-013", path="sprint/SPR-013-iteration-template.md", retro=own)
    assert ledger.retro_of(SprintHistory((sprint,), (separate, own), ()), sprint) is separate
    assert ledger.retro_of(SprintHistory((sprint,), (own,), ()), sprint) is own
    assert ledger.retro_of(SprintHistory((sprint,), (), ()), sprint) is own, "the plan's section without a file"
    assert ledger.retro_of(SprintHistory((), (), ()), Sprint(key="SPR-001")) is None


def test_previous_plan_is_the_one_that_ended_last_before_the_sprint_starts() -> None:
    first = plan("SPR-001", date(2026, 1, 7))
    second = plan("SPR-002", date(2026, 1, 21))
    third = plan("SPR-003", date(2026, 2, 4))
    history = SprintHistory((first, second, third), (), ())
    assert ledger.previous_plan(history, third) is second
    assert ledger.previous_plan(history, first) is None
    assert ledger.previous_plan(history, Sprint(key="SPR-009")) is None, "no start, no previous"


# ---------------------------------------------------------------------------------------------------- points


def test_delivered_points_from_the_summary_else_checked_items() -> None:
    checked = plan("SPR-001", date(2026, 1, 7), items=(done("a", 5), done("b", 3), WorkItem("c", points=8)))
    unchecked = plan("SPR-002", date(2026, 1, 21), items=(WorkItem("d", points=8),))
    assert ledger.delivered_points(checked, ExecutionSummary(key="SPR-001", velocity=13)) == 13
    assert ledger.delivered_points(checked, ExecutionSummary(key="SPR-001")) == 8, "a summary without velocity"
    assert ledger.delivered_points(checked, None) == 8
    assert ledger.delivered_points(unchecked, None) is None
    assert ledger.delivered_points(unchecked, None, closed=True) == 0, "its retro was held: nothing delivered"


def velocity_history() -> SprintHistory:
    """Return three two-week sprints (summary, checked items, summary spelled ``SPR-3``) and a summary without plan."""
    return SprintHistory(
        (
            plan("SPR-001", date(2026, 1, 7), items=(done("a", 99),)),
            plan("SPR-002", date(2026, 1, 21), items=(done("b", 10), WorkItem("c", points=5))),
            plan("SPR-003", date(2026, 2, 4)),
        ),
        (),
        (
            ExecutionSummary(key="SPR-001", velocity=20),
            ExecutionSummary(key="SPR-3", velocity=15),
            ExecutionSummary(key="SPR-000", velocity=30, end=date(2026, 1, 7)),
        ),
    )


def test_rolling_velocity_counts_sprints_completed_as_of_the_day() -> None:
    history = velocity_history()
    assert ledger.rolling_velocity(history, 3, date(2026, 2, 18)) == ledger.Velocity(
        15.0, (("SPR-001", 20), ("SPR-002", 10), ("SPR-003", 15))
    ), "summary velocity first; the summary without a plan is older than the window"
    assert ledger.rolling_velocity(history, 5, date(2026, 2, 4)) == ledger.Velocity(
        18.8, (("SPR-000", 30), ("SPR-001", 20), ("SPR-002", 10), ("SPR-003", 15))
    ), "the summary without a plan counts; SPR-003's summary counts before it ends"
    early = ledger.rolling_velocity(history, 5, date(2026, 2, 3))
    assert early.samples == (("SPR-000", 30), ("SPR-001", 20), ("SPR-003", 15)), "SPR-002 ends on Feb 4"
    assert ledger.rolling_velocity(SprintHistory((), (), ()), 3, date(2026, 2, 3)) == ledger.Velocity(None, ())


def test_velocity_before_a_sprint_leaves_out_it_and_the_sprint_ending_on_its_first_day() -> None:
    history = velocity_history()
    third = history.plans[2]
    before = ledger.velocity_before(history, third, 3)
    assert before.samples == (("SPR-000", 30), ("SPR-001", 20)), "SPR-002 ends on SPR-003's first day"
    fourth = plan("SPR-004", date(2026, 2, 19))
    assert ledger.velocity_before(history, fourth, 2).samples == (("SPR-002", 10), ("SPR-003", 15))


def test_the_planning_reminder_reads_the_velocity_the_planner_wrote_into_the_plan() -> None:
    """The planner (as of the day before the last sprint ends) and the reminder of the new sprint's planning
    (sprints ended before it starts) compute the velocity with one rule, so they state the same number."""
    settings = load_config(EXAMPLE)
    documents = scan_sprint_dir(EXAMPLE, settings)
    history = build_history(documents)
    today = max(p.end for p in history.plans if p.end) - timedelta(days=1)
    next_plan = planning.plan_next_sprint(history, settings, today)
    text = TemplateRenderer([default_template_dir()]).render(
        planning.SPRINT_TEMPLATE, planning.sprint_doc_context(next_plan, settings)
    )
    document = parse_document(text, f"{settings.paths.sprint_dir}/{next_plan.file_name}")
    assert document.sprint is not None and not document.errors
    later = build_history([*documents, document])

    velocity = ledger.velocity_before(later, document.sprint, settings.sprint.velocity_window)
    context = reminders.planning_context(document.sprint, later, settings)

    assert next_plan.velocity.points is not None and velocity == next_plan.velocity
    assert context["velocity"] == ledger.points_text(next_plan.velocity.points)
    assert context["velocity_samples"] == len(next_plan.velocity.samples)
    assert len(context["carried_over"]) == len(next_plan.carried_over)
    sourced = len(next_plan.from_retro) + sum(1 for item in next_plan.carried_over if item.source)
    assert len(context["from_retro"]) == sourced


def test_reminders_find_the_summary_and_retro_of_a_sprint_spelled_differently() -> None:
    """Behaviour change: ``SPR-12``/``12`` now name ``SPR-012``/``2026-12`` for the reminders too."""
    previous = Sprint(key="SPR-012", number="2026-12", start=date(2026, 3, 4), end=date(2026, 3, 17))
    current = Sprint(
        key="SPR-013", number="2026-13", start=date(2026, 3, 18), end=date(2026, 4, 1), items=(done("Refunds", 5),)
    )
    retro = Retro("SPR-12", None, path="SPR-012-retrospective.md")
    history = SprintHistory(
        (previous, current),
        (retro,),
        (
            ExecutionSummary(number="12", velocity=17),
            ExecutionSummary(key="SPR-13", velocity=5, completed=(WorkItem("Search", points=3),)),
        ),
    )
    assert reminders.last_retro(history, current) is retro
    assert reminders.planning_context(current, history, Settings())["velocity"] == "17"
    demo = reminders.demo_context(current, history, Settings())
    assert [item["title"] for item in demo["completed"]] == ["Refunds", "Search"]


def test_points_text() -> None:
    assert [ledger.points_text(p) for p in (8, 8.0, 7.5, 0, None)] == ["8", "8", "7.5", "0", "?"]


# ---------------------------------------------------------------------------------------------------- ceremonies

# A sprint from Wed 2026-04-01 to Wed 2026-04-15 with Good Friday (Apr 3) and Easter Monday (Apr 6) off.
START, END = date(2026, 4, 1), date(2026, 4, 15)
EASTER = DaysOff({date(2026, 4, 3): "Good Friday", date(2026, 4, 6): "Easter Monday"})


def policy(name: str) -> Settings:
    """Return settings with ``holiday_policy`` ``name``."""
    return parse_config(f'[ceremonies]\nholiday_policy = "{name}"\n')


@pytest.mark.parametrize(
    ("name", "day", "expected"),
    [
        ("keep", date(2026, 4, 6), date(2026, 4, 6)),
        ("skip", date(2026, 4, 6), None),
        ("next_working_day", date(2026, 4, 3), date(2026, 4, 7)),
        ("previous_working_day", date(2026, 4, 6), date(2026, 4, 2)),
        ("previous_working_day", date(2026, 4, 8), date(2026, 4, 8)),  # a working day stays
    ],
)
def test_a_day_off_moves_or_skips_a_ceremony_per_policy(name: str, day: date, expected: date | None) -> None:
    assert ledger.ceremony_day(day, policy(name), EASTER, START, END) == expected


def test_a_moved_ceremony_stays_inside_its_sprint() -> None:
    off = DaysOff({date(2026, 4, 1): "Team day off", date(2026, 4, 15): "Team day off"})
    assert ledger.ceremony_day(START, policy("previous_working_day"), off, START, END) == date(2026, 4, 2)
    assert ledger.ceremony_day(END, policy("next_working_day"), off, START, END) == date(2026, 4, 14)
    assert ledger.ceremony_day(END, policy("next_working_day"), off) == date(2026, 4, 16), "no end given"


def test_default_ceremonies_at_the_configured_days_and_times() -> None:
    settings = parse_config("[ceremonies]\nrefinement_day = 30\nplanning = 09:00:00\nplanning_minutes = 90\n")
    found = ledger.default_ceremonies(START, END, settings, demo=date(2026, 4, 14))
    assert [(c.kind, c.day) for c in found] == [
        (CeremonyKind.PLANNING, START),
        (CeremonyKind.REFINEMENT, END),  # 30 days in is after the end: the last day
        (CeremonyKind.DEMO, date(2026, 4, 14)),
        (CeremonyKind.RETRO, END),
    ]
    assert (found[0].start, found[0].end) == (time(9, 0), time(10, 30))
    assert [c.kind for c in ledger.default_ceremonies(None, END, settings)] == [CeremonyKind.DEMO, CeremonyKind.RETRO]
    assert ledger.ceremony_end(time(23, 0), 120) == time(23, 59)


def test_timetable_moves_the_default_ceremonies_off_holidays_in_date_order() -> None:
    settings = parse_config('[ceremonies]\nrefinement_day = 5\nholiday_policy = "next_working_day"\n')
    found = ledger.timetable(START, END, settings, EASTER)
    assert [(c.kind, c.day) for c in found] == [
        (CeremonyKind.PLANNING, START),
        (CeremonyKind.REFINEMENT, date(2026, 4, 7)),  # Apr 6 is Easter Monday
        (CeremonyKind.DEMO, END),
        (CeremonyKind.RETRO, END),
    ]


def test_the_kb_sprint_history_reads_delivered_points_through_the_ledger() -> None:
    """Behaviour change: the KB matched summaries and retros by exact key/number (``SPR-13`` missed ``SPR-013``)."""
    from ceremonies.knowledge import sprint_facts

    held = Retro("SPR-14", None, path="SPR-014-retrospective.md")
    history = SprintHistory(
        (
            plan("SPR-013", date(2026, 3, 18), items=(done("Refunds", 5), WorkItem("Search", points=8))),
            plan("SPR-014", date(2026, 4, 1), items=(WorkItem("Export", points=3),)),
            plan("SPR-015", date(2026, 4, 15), items=(WorkItem("Import", points=2),)),
        ),
        (held,),
        (ExecutionSummary(key="SPR-13", velocity=12),),
    )
    rows = sprint_facts(history).rows
    assert [row.delivered for row in rows] == [12, None, None]
    closed = SprintHistory((*history.plans[:1], replace(history.plans[1], retro=held)), (held,), ())
    assert [row.delivered for row in sprint_facts(closed).rows] == [5, 0], "a held retro with nothing checked: 0"
