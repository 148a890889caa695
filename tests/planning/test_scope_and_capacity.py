"""Scope (carry-over, retro actions), capacity (rolling velocity, overcommitment) and due-ness of the next sprint."""

from __future__ import annotations

from datetime import date

import pytest
from planning_support import FIXTURES, history_in, history_of, plan_text, render, retro_text, summary_text

from ceremonies.config import Settings, parse_config
from ceremonies.domain.lines import parse_scope_line
from ceremonies.domain.model import ONGOING, RetroAction, Sprint, WorkItem
from ceremonies.domain.parsing import build_history, parse_document
from ceremonies.ledger import Velocity, rolling_velocity
from ceremonies.planning import Due, is_due, overcommit_warning, placement, plan_next_sprint

SPRINT_30 = plan_text(
    "SPR-030",
    "2026-30",
    "1. Juli 2026",
    "15. Juli 2026",
    [
        "[ ] SRCH-1: Query cache for facets — @Search — 8 SP",
        "[x] SRCH-2: Synonym list — @Search — 3 SP",
        "[ ] SRCH-3: Ranking experiment — @Data — 5 SP",
    ],
)


def test_carried_over_counts_consecutive_sprints_through_rendered_docs() -> None:
    """SPR-030's unchecked item is carried ×1 into SPR-031 (rendered, parsed back) and ×2 into SPR-032."""
    settings = Settings()
    files = {"SPR-030-iteration-template.md": SPRINT_30}
    first = plan_next_sprint(history_of(files), settings, date(2026, 7, 14))
    assert [(item.id, item.carried) for item in first.carried_over] == [("SRCH-1", 1), ("SRCH-3", 1)]

    second_text = render(first, settings).replace("- [ ] SRCH-3:", "- [x] SRCH-3:")
    files[first.file_name] = second_text
    second = plan_next_sprint(history_of(files), settings, date(2026, 7, 28))
    assert second.sprint.key == "SPR-032"
    assert [(item.id, item.title, item.carried) for item in second.carried_over] == [
        ("SRCH-1", "Query cache for facets", 2)
    ]
    assert "SRCH-1 carried over ×2 — split it or drop it" in render(second, settings)


def test_an_item_in_the_execution_summary_is_done_even_when_unchecked() -> None:
    files = {
        "SPR-030-iteration-template.md": SPRINT_30,
        "SPR-030-execution-summary.md": summary_text("SPR-030", "2026-30", [("Query cache for facets", 8)]),
    }
    plan = plan_next_sprint(history_of(files), Settings(), date(2026, 7, 15))
    assert [item.id for item in plan.carried_over] == ["SRCH-3"]


def test_retro_action_already_carried_over_gets_the_backlink_not_a_duplicate() -> None:
    files = {
        "SPR-030-iteration-template.md": SPRINT_30,
        "SPR-030-retrospective.md": retro_text(
            "SPR-030",
            "2026-30",
            [
                "[ ] SRCH-1: Query cache for facets — @Search — next sprint",
                "[ ] Pair on ranking reviews — @Data — Sprint 2026-31 — 2 SP",
                "[ ] Write the search glossary — @Docs — SPR-033",
                "[x] Clean up the dashboards — @Search",
                "[ ] Tidy the search config — @Search — Sprint 31",
            ],
        ),
    }
    plan = plan_next_sprint(history_of(files), Settings(), date(2026, 7, 15))
    assert [(i.id, i.carried, i.source) for i in plan.carried_over] == [
        ("SRCH-1", 1, "SPR-030-RETRO action 1"),
        ("SRCH-3", 1, None),
    ]
    assert [(i.id, i.owners, i.points, i.source) for i in plan.from_retro] == [
        ("SPR-030-RETRO-2", ("@Data",), 2, "SPR-030-RETRO action 2"),
        ("SPR-030-RETRO-5", ("@Search",), None, "SPR-030-RETRO action 5"),
    ], "'Sprint 31' names 2026-31 by its last number"
    assert "Not estimated yet: SPR-030-RETRO-5." in plan.warnings
    assert [(a.text, a.target) for a in plan.future] == [("Write the search glossary", "SPR-033")]
    assert plan.open_actions == (), "the done action is not open"


def test_velocity_from_summaries_else_checked_items() -> None:
    files = {
        "SPR-040-iteration-template.md": plan_text(
            "SPR-040", "2026-40", "2. September 2026", "16. September 2026", ["[x] A-1: one — 20 SP"]
        ),
        "SPR-041-iteration-template.md": plan_text(
            "SPR-041",
            "2026-41",
            "16. September 2026",
            "30. September 2026",
            ["[x] A-2: two — 13 SP", "[ ] A-3: three — 8 SP"],
        ),
        "SPR-041-execution-summary.md": summary_text("SPR-041", "2026-41", [("two", 13), ("three", 8)], "21/21"),
        "SPR-042-iteration-template.md": plan_text(
            "SPR-042",
            "2026-42",
            "30. September 2026",
            "14. Oktober 2026",
            ["[x] A-4: four — 8 SP", "[x] A-5: five — 5 SP", "[ ] A-6: six — 13 SP"],
        ),
    }
    history = history_of(files)
    settings = parse_config("[sprint]\nvelocity_window = 2\n")
    assert rolling_velocity(history, settings.sprint.velocity_window, date(2026, 10, 14)) == Velocity(
        17.0, (("SPR-041", 21), ("SPR-042", 13))
    )
    assert rolling_velocity(history, Settings().sprint.velocity_window, date(2026, 10, 14)) == Velocity(
        18.0, (("SPR-040", 20), ("SPR-041", 21), ("SPR-042", 13))
    )
    assert rolling_velocity(history, Settings().sprint.velocity_window, date(2026, 10, 13)) == Velocity(
        20.5, (("SPR-040", 20), ("SPR-041", 21))
    )
    assert rolling_velocity(history_of({}), Settings().sprint.velocity_window, date(2026, 10, 13)) == Velocity(None, ())

    plan = plan_next_sprint(history, Settings(), date(2026, 10, 14))
    assert (plan.planned_points, plan.velocity.points) == (13, 18.0)
    text = render(plan, Settings())
    assert "SPR-040: 20 SP delivered" in text and "SPR-042: 13 SP delivered" in text
    assert "Team Capacity: 18 Story Points" in text


def test_overcommit_warning_above_the_threshold_only() -> None:
    settings = Settings()
    velocity = Velocity(30.0, (("SPR-001", 30.0),))
    assert overcommit_warning(33, velocity, settings) is None, "exactly 10 % more is fine"
    warning = overcommit_warning(40, velocity, settings)
    assert warning == "Overcommitment: 40 SP planned exceed the rolling velocity of 30 SP by 33 % (warning above 10 %)."
    assert overcommit_warning(40, Velocity(None), settings) is None

    files = {
        "SPR-030-iteration-template.md": SPRINT_30,
        "SPR-030-execution-summary.md": summary_text("SPR-030", "2026-30", [("Synonym list", 3)]),
    }
    plan = plan_next_sprint(history_of(files), settings, date(2026, 7, 15))
    assert plan.planned_points == 13 and plan.velocity.points == 3
    assert plan.warnings[0].startswith("Overcommitment: 13 SP planned exceed the rolling velocity of 3 SP")
    assert "> ⚠️ Overcommitment: 13 SP" in render(plan, settings)


def test_us_sprint_9_becomes_sprint_10() -> None:
    """A plan in the US shape (no key, 'Sprint 9' in the intro, table backlog, America/Denver)."""
    settings = parse_config('[sprint]\nstart_rule = "next_working_day"\nholiday_country = "US"\n')
    plan = plan_next_sprint(history_in(FIXTURES / "us"), settings, date(2026, 4, 9))
    sprint = plan.sprint
    assert (sprint.key, sprint.number, sprint.name) == ("SPR-010", "10", "Sprint 10")
    assert (sprint.start, sprint.end, plan.working_days) == (date(2026, 4, 13), date(2026, 4, 24), 10)
    assert sprint.timezone == "America/Denver"
    assert plan.file_name == "SPR-010-iteration-template.md"
    assert [(i.id, i.owners, i.points, i.carried) for i in plan.carried_over] == [
        ("ONB-101", ("FE",), 8, 1),
        ("ONB-102", ("BE",), 5, 1),
        ("ONB-103", ("Data",), 3, 1),
    ]
    assert "No retrospective found for Sprint 9; scope holds carried-over work only." in plan.warnings
    back = parse_document(render(plan, settings), plan.file_name)
    assert back.errors == () and back.sprint is not None
    assert (back.sprint.key, back.sprint.number, back.sprint.start, back.sprint.end) == (
        "SPR-010",
        "10",
        date(2026, 4, 13),
        date(2026, 4, 24),
    )
    assert "Apr 13, 2026" in render(plan, settings), "US teams get US-style dates"


def test_due_rules() -> None:
    settings = Settings()
    files = {"SPR-030-iteration-template.md": SPRINT_30}
    history = history_of(files)
    assert is_due(history, settings, date(2026, 7, 11)).due is False
    assert "2026-07-15, 4 days away" in is_due(history, settings, date(2026, 7, 11)).reason
    assert is_due(history, settings, date(2026, 7, 12)).due is True
    assert is_due(history, settings, date(2026, 7, 20)).reason.startswith("SPR-030 ended on 2026-07-15")

    files["SPR-030-retrospective.md"] = retro_text("SPR-030", "2026-30", ["[ ] Pair more — @Data — next sprint"])
    early = is_due(history_of(files), settings, date(2026, 7, 2))
    assert early.due is True and "retrospective of SPR-030" in early.reason

    plan = plan_next_sprint(history_of(files), settings, date(2026, 7, 14))
    files[plan.file_name] = render(plan, settings)
    planned = is_due(history_of(files), settings, date(2026, 7, 14))
    assert planned == Due(False, "SPR-031 is already planned (starts 2026-07-15)")
    assert is_due(history_of({}), settings, date(2026, 7, 14)).due is False


def test_doc_text_is_data_never_template_code() -> None:
    text = SPRINT_30.replace("Query cache for facets", "Cache {{ 7 * 7 }} and {% raw %} keys")
    settings = Settings()
    plan = plan_next_sprint(
        build_history([parse_document(text, "SPR-030-iteration-template.md")]), settings, date(2026, 7, 14)
    )
    rendered = render(plan, settings)
    assert "- [ ] SRCH-1: Cache {{ 7 * 7 }} and {% raw %} keys — @Search — 8 SP — carried over ×1" in rendered
    back = parse_document(rendered, plan.file_name).sprint
    assert back is not None and back.items[0].title == "Cache {{ 7 * 7 }} and {% raw %} keys"


@pytest.mark.parametrize(
    ("target", "from_retro", "expected"),
    [
        ("2026-31", True, "scope"),
        ("SPR-031", True, "scope"),
        ("31", True, "scope"),
        ("2026-32", True, "future"),
        ("SPR-040", True, "future"),
        ("2027-01", True, "future"),
        ("2026-30", True, "open"),
        (None, True, "open"),
        ("OPS-031", True, "open"),
        ("OPS-031", False, "future"),
        (None, False, None),
        (ONGOING, True, "ongoing"),
    ],
)
def test_placement_of_an_action_by_its_target(target: str | None, from_retro: bool, expected: str | None) -> None:
    new = Sprint(key="SPR-031", number="2026-31")
    assert placement(RetroAction("Do it", 1, target=target), from_retro, new) == expected


def test_parser_reads_the_marks_the_template_writes() -> None:
    line = "[ ] PAY-203: Split the adapter — @Payments/@Backend — 8 SP — carried over ×3 — from SPR-012-RETRO action 4"
    item = parse_scope_line(line, 7)
    assert item == WorkItem(
        "Split the adapter", "PAY-203", ("@Payments", "@Backend"), 8, line=7, carried=3, source="SPR-012-RETRO action 4"
    )
    assert parse_scope_line("[x] Plain item — @QA — 2 SP") == WorkItem("Plain item", None, ("@QA",), 2, done=True)


def test_an_action_raised_again_counts_once_as_the_newest_retro_wrote_it() -> None:
    files = {
        "SPR-029-iteration-template.md": plan_text(
            "SPR-029", "2026-29", "17. Juni 2026", "1. Juli 2026", ["[x] SRCH-0: Index warmup — @Search — 3 SP"]
        ),
        "SPR-029-retrospective.md": retro_text(
            "SPR-029", "2026-29", ["[ ] Pin the search client version — @Backend — Sprint 2026-30"]
        ),
        "SPR-030-iteration-template.md": SPRINT_30,
        "SPR-030-retrospective.md": retro_text(
            "SPR-030", "2026-30", ["[ ] Pin the search client version — @Search — Sprint 2026-31 — 1 SP"]
        ),
    }
    plan = plan_next_sprint(history_of(files), Settings(), date(2026, 7, 15))
    assert [(i.title, i.owners, i.source) for i in plan.from_retro] == [
        ("Pin the search client version", ("@Search",), "SPR-030-RETRO action 1")
    ]
    assert plan.open_actions == (), "the 2026-30 version of the action was superseded, not left open"
