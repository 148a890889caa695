"""The planner's rules on our own fixture team (2026-11 and 2026-12 plans, a summary, both retros)."""

from __future__ import annotations

from datetime import date

from planning_support import FIXTURES, history_in, render

from ceremonies.config import Settings
from ceremonies.domain.model import ONGOING
from ceremonies.domain.parsing import parse_document
from ceremonies.planning import NextSprintPlan, is_due, plan_next_sprint

TODAY = date(2026, 3, 16)


def plan_basic(settings: Settings | None = None) -> NextSprintPlan:
    """Return the plan after SPR-012 of the basic fixture team."""
    return plan_next_sprint(history_in(FIXTURES / "basic"), settings or Settings(), TODAY)


def test_plan_after_2026_12_with_its_retro() -> None:
    """Issue 3, acceptance 2: SPR-013 / 2026-13 from the 2026-12 plan and a retro aiming at 2026-13 and 2026-14."""
    plan = plan_basic()
    sprint = plan.sprint
    assert (sprint.key, sprint.number, sprint.name) == ("SPR-013", "2026-13", "Sprint 2026-13")
    assert sprint.start == plan.previous.end == date(2026, 3, 18)
    assert sprint.end == date(2026, 4, 1)
    assert plan.file_name == "SPR-013-iteration-template.md"
    assert plan.retro is not None and plan.retro.ref == "SPR-012-RETRO"

    from_retro = {(item.id, item.title, item.owners, item.source) for item in plan.from_retro}
    assert from_retro == {
        ("SPR-012-RETRO-1", "Quarantine flaky checkout tests", ("@QA",), "SPR-012-RETRO action 1"),
        ("PAY-220", "Alert on retry storms", ("@Payments", "@SRE"), "SPR-012-RETRO action 5"),
    }
    aimed_at_13 = [a for a in plan.retro.actions if a.target == "2026-13"]
    assert len(aimed_at_13) == len(plan.from_retro) == 2

    assert [(a.text, a.target) for a in plan.future] == [("Document the provider escalation path", "2026-14")]
    assert [(a.text, a.target) for a in plan.ongoing] == [("Keep the error budget review in every planning", ONGOING)]
    assert [a.text for a in plan.open_actions] == [
        "Pin the provider SDK version",
        "Review pull requests within one working day",
    ], "aimed at 2026-12 but never planned (SPR-011 retro), and untargeted (SPR-012 retro); done/planned ones are not"

    carried = {(item.id, item.carried) for item in plan.carried_over}
    assert carried == {("PAY-203", 2), ("PAY-211", 1)}, "unchecked items carry over, counting consecutive carries"
    assert [item.id for item in sprint.items] == ["PAY-203", "PAY-211", "SPR-012-RETRO-1", "PAY-220"]


def test_rendered_plan_reads_back_the_same() -> None:
    """The doc the template renders parses back to the same key, number, dates, items (with carried/source)."""
    settings = Settings()
    plan = plan_basic(settings)
    text = render(plan, settings)
    doc = parse_document(text, plan.file_name)
    assert doc.errors == ()
    back = doc.sprint
    assert back is not None
    sprint = plan.sprint
    assert (back.key, back.number, back.start, back.end) == (sprint.key, sprint.number, sprint.start, sprint.end)
    shape = lambda items: [(i.id, i.title, i.owners, i.points, i.carried, i.source) for i in items]  # noqa: E731
    assert shape(back.items) == shape(sprint.items)
    assert (back.planned_points, back.capacity_points) == (24, 26)
    assert back.retro is None, "the Retrospective section is the empty template"
    assert [(c.kind, c.day, c.start) for c in back.timetable] == [(c.kind, c.day, c.start) for c in sprint.timetable]
    assert {(a.text, a.target) for a in back.future} == {(a.text, a.target) for a in (*plan.future, *plan.ongoing)}
    open_section = text.split("## Follow-through: Open Items from Earlier Retros\n")[1].split("\n\n")[0]
    assert open_section.splitlines() == [
        "- [ ] Pin the provider SDK version — @Backend — Target: Sprint 2026-12 — from SPR-011-RETRO action 1",
        "- [ ] Review pull requests within one working day — @TechLead — from SPR-012-RETRO action 4",
    ]
    assert (doc.frontmatter["docid"], doc.frontmatter["owner"], doc.frontmatter["status"]) == (
        "SPR-013",
        "@Moderator",
        "Planning",
    )


def test_due_window_and_existing_next_plan() -> None:
    history = history_in(FIXTURES / "basic")
    settings = Settings()
    assert is_due(history, settings, date(2026, 3, 10)).due is True, "the 2026-12 retro already exists"
    assert is_due(history, settings, date(2026, 3, 15)).due is True
    assert "SPR-012" in is_due(history, settings, date(2026, 3, 15)).reason
