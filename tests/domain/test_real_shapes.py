"""The document shapes of issue #12 (real team repos), one synthetic fixture per shape, written to imitate them.

Shape numbers follow the issue: 2 identity, 5 retro actions, 6 scope tables, 7 dates, 8 reviews as summaries.
"""

from __future__ import annotations

from datetime import date

import pytest

from ceremonies.domain.identity import Vote, agree, sprint_label
from ceremonies.domain.model import DocKind, Document
from ceremonies.domain.parsing import parse_document

PLACEHOLDER_THEN_BOM = (
    "---\n"
    "docid: SPR-231\n"
    "title: SPR 022 Iteration Template\n"
    'owner: "@Docs"\n'
    "status: Active\n"
    "created: 2026-02-02\n"
    "---\n"
    "\n"
    "\ufeff---\n"
    "docid: SPR-022\n"
    "title: Sprint 2026-22 Planning - Billing cleanup\n"
    "---\n"
    "# SPR-022: Sprint 2026-22 Planning - Billing cleanup\n"
    "\n"
    "- **Sprint Number:** 2026-22\n"
    "- **Start Date:** 2026-05-27\n"
    "- **End Date:** 2026-06-09\n"
    "\n"
    "## Scope\n"
    "- [ ] BIL-4: Drop the legacy invoice path — @Ana — 5 SP\n"
)


def parse(text: str, path: str = "doc.md", kind: DocKind | None = None) -> Document:
    """Return the parsed document, asserting nothing went unreadable."""
    doc = parse_document(text, path, kind=kind)
    assert doc.errors == (), doc.errors
    return doc


# ---------------------------------------------------------------------------------------------------- shape 2


def test_shape2_placeholder_block_behind_bom_loses_the_vote() -> None:
    doc = parse(PLACEHOLDER_THEN_BOM, "sprints/SPR-022-iteration-template.md")
    assert doc.sprint is not None
    assert (doc.sprint.key, doc.sprint.number, doc.sprint.start) == ("SPR-022", "2026-22", date(2026, 5, 27))
    assert doc.frontmatter_blocks == 2 and doc.has_bom
    assert doc.frontmatter["docid"] == "SPR-022"
    assert doc.identity is not None and doc.identity.value == "22"
    assert [(vote.source, vote.raw) for vote in doc.identity.dissent] == [("docid (frontmatter block 1)", "SPR-231")]
    [warning] = doc.warnings
    assert warning.path == "sprints/SPR-022-iteration-template.md" and warning.line == 1
    assert warning.what == (
        "sprint key: docid (frontmatter block 1, line 1) says 'SPR-231', but heading (line 13), file name, "
        "docid (frontmatter block 2, line 9) and title (frontmatter block 1, line 1) say 'SPR-022'; "
        "using 'SPR-022' (majority)"
    )


def test_shape2_heading_after_bom_is_still_the_title() -> None:
    doc = parse(PLACEHOLDER_THEN_BOM, "x.md")
    assert doc.sprint is not None and doc.sprint.title == "SPR-022: Sprint 2026-22 Planning - Billing cleanup"
    assert [item.id for item in doc.sprint.items] == ["BIL-4"]


def test_shape2_majority_beats_a_wrong_docid_even_in_one_block() -> None:
    text = "---\ndocid: SPR-090\n---\n# SPR-011: Sprint plan\n\nStart Date: 2026-03-02\nEnd Date: 2026-03-13\n"
    doc = parse(text, "plans/SPR-011-plan.md")
    assert doc.sprint is not None and doc.sprint.key == "SPR-011"
    assert [warning.line for warning in doc.warnings] == [1]


def test_shape2_folder_and_number_field_agree_without_a_key() -> None:
    text = "# Sprint Plan\n\n- Sprint Number: 4\n- Timespan: 02.03.2026 – 08.03.2026\n"
    doc = parse(text, "sprints/sprint-04/plan.md")
    assert doc.sprint is not None and (doc.sprint.key, doc.sprint.number) == (None, "4")
    assert doc.warnings == ()
    assert doc.number_identity is not None and {v.source for v in doc.number_identity.votes} == {
        "Sprint Number",
        "folder",
    }


def test_shape2_sprint_number_from_the_folder_alone() -> None:
    doc = parse("# Sprint Planning Meeting\n\n## Items\n1. Search page (Ana)\n", "Sprint 3/Sprint_Planning.md")
    assert doc.sprint is not None and doc.sprint.number == "3"


def test_shape2_a_key_unrelated_to_the_sprint_number_is_no_disagreement() -> None:
    text = "# SPR-030: Sprint plan\n\n- Sprint Number: 14\n- Dates: 2026-09-28 to 2026-10-09\n"
    doc = parse(text, "SPR-030-iteration-template.md")
    assert doc.sprint is not None and (doc.sprint.key, doc.sprint.number) == ("SPR-030", "14")
    assert doc.warnings == ()


def test_shape2_agree_is_a_pure_majority_with_ties_to_the_first_vote() -> None:
    kb = agree([Vote("docid", "KB-7", "KB-7"), Vote("title", "KB-9", "KB 9 page")])
    assert kb.value == "KB-7" and [vote.source for vote in kb.dissent] == ["title"]
    three = agree([Vote("a", "1", "1"), Vote("b", "2", "2"), Vote("c", "2", "2")])
    assert three.value == "2" and [vote.source for vote in three.agreeing] == ["b", "c"]
    assert agree([]).value is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SPR-014: Sprint 2026-14 Planning", (14, "SPR-014", True)),
        ("SPR 014 Iteration Template", (14, "SPR 014", True)),
        ("sprint-05", (5, "sprint-05", False)),
        ("Sprint 2026-13", (13, "Sprint 2026-13", False)),
        ("Sprint1_GradingTable", (1, "Sprint1", False)),
        ("2026-09-28-standup-week", None),
        ("Sprint Plan", None),
        ("ISO 8601 dates", None),
    ],
)
def test_shape2_sprint_labels(text: str, expected: tuple[int, str, bool] | None) -> None:
    found = sprint_label(text)
    assert (None if found is None else (found.ordinal, found.label, found.prefixed)) == expected


# ---------------------------------------------------------------------------------------------------- shape 7


@pytest.mark.parametrize(
    ("line", "start", "end"),
    [
        ("**Dates:** 2026-08-21 → 2026-08-22 · **Capacity:** 6 SP", date(2026, 8, 21), date(2026, 8, 22)),
        ("- Timespan: 15.01.2026 – 21.01.2026", date(2026, 1, 15), date(2026, 1, 21)),
        ("- Timespan: 24.12.2025 - 13.01.2026", date(2025, 12, 24), date(2026, 1, 13)),
        (
            "Dates: Thu 2026-09-17 to Wed 2026-10-07. Review: Wed 2026-10-07. Check-in: Thu 2026-09-24.",
            date(2026, 9, 17),
            date(2026, 10, 7),
        ),
        ("**Duration:** Jan 21 - Feb 4, 2026 (15 working days)", date(2026, 1, 21), date(2026, 2, 4)),
        ("- Timespan: 09.04.2026 – 09.04.2026", date(2026, 4, 9), date(2026, 4, 9)),
    ],
)
def test_shape7_date_lines(line: str, start: date, end: date) -> None:
    doc = parse(f"# Sprint Plan\n\n{line}\n", "sprints/sprint-07/plan.md", kind=DocKind.PLAN)
    assert doc.sprint is not None and (doc.sprint.start, doc.sprint.end) == (start, end)
    assert doc.warnings == ()


def test_shape7_duration_range_is_not_a_day_count() -> None:
    doc = parse("# SPR-009 plan\n\n**Duration:** Mar 2 - Mar 20, 2026 (15 working days)\n", "SPR-009-x/sprint-plan.md")
    assert doc.sprint is not None and doc.sprint.duration_days is None and doc.sprint.end == date(2026, 3, 20)


def test_shape7_grades_are_not_dates_and_a_plan_without_dates_only_warns() -> None:
    text = "# Sprint Planning Meeting\n\n- Sprint: 2\n- Grade: 12.0/12\n- Score: 82.9/400\n"
    doc = parse(text, "Sprint 2/Sprint_Planning.md", kind=DocKind.PLAN)
    assert doc.sprint is not None and (doc.sprint.start, doc.sprint.end) == (None, None)
    assert [warning.what.split(" (")[0] for warning in doc.warnings] == ["no sprint start and end date found"]


# ---------------------------------------------------------------------------------------------------- shape 5

RETRO_BY_TABLE = """# Sprint 5 Retrospective

## Went well
- Pairing on the importer

## Action items

| Action | Owner | By |
|---|---|---|
| Add a smoke test for the export job | Ana | Sprint 6 |
| Book the demo room earlier | Ben | Sprint 6 planning |
| Keep the WIP limit at three | Team | Standing |
| Fix the flaky CI runner | Cleo | Immediately |
| | | |
"""


def test_shape5_action_table_with_by_column() -> None:
    doc = parse(RETRO_BY_TABLE, "docs/sprints/sprint-05/retrospective.md")
    assert doc.kind == DocKind.RETRO and doc.retro is not None
    actions = doc.retro.actions
    assert [(a.index, a.text, a.owners, a.target, a.target_text) for a in actions] == [
        (1, "Add a smoke test for the export job", ("Ana",), "6", "Sprint 6"),
        (2, "Book the demo room earlier", ("Ben",), "6", "Sprint 6 planning"),
        (3, "Keep the WIP limit at three", ("Team",), "ongoing", "Standing"),
        (4, "Fix the flaky CI runner", ("Cleo",), "6", "Immediately"),
    ]
    assert [a.line for a in actions] == [10, 11, 12, 13]


def test_shape5_kaizen_table_with_iso_due_dates() -> None:
    text = (
        "# Sprint 1 retrospective\n\nDate: 2026-10-07.\n\n## 6. Kaizen actions\n\n"
        "| Action | Owner | Kaizen issue # | Due | How we will know it worked |\n|---|---|---|---|---|\n"
        "| Write a one-page review checklist | Proposed: Dana, with Eli | #31 | 2026-10-09 | Everyone used it |\n"
        "| Name a reviewer on every PR | PR authors | To be created | Start 2026-10-08; check in Sprint 2 | |\n"
    )
    doc = parse(text, "docs/sprints/sprint-1/retrospective.md")
    assert doc.retro is not None
    first, second = doc.retro.actions
    assert (first.owners, first.id, first.due, first.target, first.measure) == (
        ("Dana", "Eli"),
        "#31",
        "2026-10-09",
        None,
        "Everyone used it",
    )
    assert (second.id, second.due, second.target, second.target_text) == (
        None,
        "2026-10-08",
        "2",
        "Start 2026-10-08; check in Sprint 2",
    )


def test_shape5_numbered_bold_items_under_what_we_are_changing() -> None:
    text = (
        "# Retro: sprint 2026-13\n\n## What we're changing\n\n"
        "1. **Smaller pull requests.** Nothing over 400 lines; @Fay watches it.\n"
        "2. **Demo prep on Thursday.** So the review is not rushed.\n"
    )
    doc = parse(text, "retros/2026-13-retro.md")
    assert doc.retro is not None
    assert [(a.text, a.owners, a.detail) for a in doc.retro.actions] == [
        ("Smaller pull requests", ("@Fay",), "Nothing over 400 lines; @Fay watches it"),
        ("Demo prep on Thursday", (), "So the review is not rushed"),
    ]


def test_shape5_unowned_we_will_bullets_under_process_improvements() -> None:
    text = (
        "# Sprint Retrospective\nThe contents of this file are described in the course manual.\n\n"
        "## Summary of Process Improvements\nWhich process aspects will change, and why?\n"
        "- We will ask a second person to check the tests before each commit.\n"
        "- We will close our own issues and say so in the group chat.\n\n"
        "## Summary of Sprint Review Feedback\n"
        "- We will polish the search results page."
    )
    doc = parse(text, "Sprint 2/Retrospective.md")
    assert doc.retro is not None and doc.retro.sprint_number == "2"
    assert [(a.text[:30], a.owners, a.target) for a in doc.retro.actions] == [
        ("We will ask a second person to", (), None),
        ("We will close our own issues a", (), None),
        ("We will polish the search resu", (), None),
    ]


def test_shape5_unfilled_template_labels_are_no_actions() -> None:
    text = "# Retro\n\n## Went well\n- ok\n\n## Kaizen actions\n\n- Improvement:\n- KPI affected:\n"
    doc = parse(text, "sprint-3/retrospective.md")
    assert doc.retro is not None and doc.retro.actions == ()


# ---------------------------------------------------------------------------------------------------- shape 6


def test_shape6_committed_table_with_t_shirt_sizes() -> None:
    text = (
        "# Sprint 6 plan\n\n**Dates:** 2026-03-02 → 2026-03-13 · **Capacity:** 3 people\n\n## Committed\n\n"
        "| ID | Item | Est. | Owner |\n|---|---|---|---|\n"
        "| W-1 | Export to CSV | M | Ana |\n| W-2 | Fix login redirect | S | Ben |\n"
        "## Stretch\n- nothing\n"
    )
    doc = parse(text, "docs/sprints/sprint-06/plan.md")
    assert doc.sprint is not None
    assert [(i.id, i.title, i.size, i.points, i.owners) for i in doc.sprint.items] == [
        ("W-1", "Export to CSV", "M", None, ("Ana",)),
        ("W-2", "Fix login redirect", "S", None, ("Ben",)),
    ]
    assert doc.sprint.scope_columns == ("ID", "Item", "Est.", "Owner")


def test_shape6_story_table_with_fractions_and_ragged_rows() -> None:
    text = (
        "# Sprint Plan\n\n- Sprint Number: 5\n- Timespan: 21.01.2026 – 28.01.2026\n\n"
        "## Previous Sprint Backlog Review\n\n"
        "| ID | User Story ID | Title | Priority | Estimation (Story Points) |\n|----|----|----|----|----|\n"
        "| B1 | - | Phone number check | Low | 1/2 |\n"
        "| B6 | - | End ride fix | Low | 0.5 |\n"
        "| T2 | Search page | Low | 3|\n"
        "|T3-1|T3|Search page - mobile|Low|2|`\n"
        "## Added Tasks\n\n"
        "| ID | User Story ID | Title | Priority | Estimation (Story Points) |\n|----|----|----|----|----|\n"
        "| T4-1 | T4 | Reset password - mobile | Low | 82.5 |\n"
    )
    doc = parse(text, "docs/sprints/sprint-05/plan.md")
    assert doc.sprint is not None
    assert [(i.id, i.title, i.points) for i in doc.sprint.items] == [
        ("B1", "Phone number check", 0.5),
        ("B6", "End ride fix", 0.5),
        ("T2", "Search page", 3.0),
        ("T3-1", "Search page - mobile", 2.0),
        ("T4-1", "Reset password - mobile", 82.5),
    ]
    assert doc.sprint.scope_points == 88.5
    assert doc.sprint.scope_columns[2] == "Title"


def test_shape6_numbered_list_scope_with_owners_in_parentheses_and_no_dates() -> None:
    text = (
        "# Sprint Planning Meeting \nThe required contents are described in the manual.\n\n"
        "## List of Meeting Participants\n1. Ana Example (Present)\n\n"
        "## List of Items on Product Backlog\n1.  Search for a park\n\n"
        "## List of Items on this Sprint's Backlog\n"
        "1. Feature 1: Search for a place\nwrite scenarios in the feature file\n"
        "2. Feature 4: Favorite list - (Mahra)\n"
        "2. Compare favorite lists (Chen)\n"
    )
    doc = parse(text, "Sprint 3/Sprint_Planning.md")
    assert doc.sprint is not None and doc.sprint.number == "3" and doc.sprint.start is None
    assert [(i.title, i.owners) for i in doc.sprint.items] == [
        ("Feature 1: Search for a place", ()),
        ("Feature 4: Favorite list", ("Mahra",)),
        ("Compare favorite lists", ("Chen",)),
    ]
    assert doc.sprint.scope_columns == ()


# ---------------------------------------------------------------------------------------------------- shape 8

REVIEW = (
    "# Sprint Review\r\n\r\n## Sprint Details\r\n\r\n- Sprint Number: 3\r\n- Timespan: 24.12.2025 - 13.01.2026\r\n\r\n"
    "## Planned User Stories / Tasks\r\n\r\n"
    "| ID | Title | Priority | Estimation (Story Points) | Status | Notes |\r\n|----|----|----|----|----|----|\r\n"
    "| A.1 | Web refactor | Low | 5 | Not started | - |\r\n"
    "| A.2 | - | Backend models | High | 3 | Done | - |\r\n"
    "| #A.3 | Login endpoint | Medium | 2 | done | - |\r\n"
    "| A.4 | Price page | Low | 1 | Code Review | - |\r\n"
    "| A.5 | Profile page | Low | 2 | In Progress | - |\r\n\r\n"
    "## Metrics & Progress\r\n\r\n- Planned/Completed Story Points: 13/5\r\n\r\n"
    "## Challenges\r\n\r\n- Праздники заняли больше времени, чем ожидалось"
)


def test_shape8_review_with_status_column_is_the_sprint_summary() -> None:
    doc = parse(REVIEW, "docs/sprints/sprint-03/review.md")
    assert doc.kind == DocKind.SUMMARY and doc.summary is not None
    summary = doc.summary
    assert (summary.number, summary.start, summary.end) == ("3", date(2025, 12, 24), date(2026, 1, 13))
    assert [(i.id, i.title, i.points) for i in summary.completed] == [
        ("A.2", "Backend models", 3.0),
        ("A.3", "Login endpoint", 2.0),
    ]
    assert [(i.id, i.status) for i in summary.unfinished] == [
        ("A.1", "Not started"),
        ("A.4", "Code Review"),
        ("A.5", "In Progress"),
    ]
    assert (summary.velocity, summary.planned_points) == (5.0, 13.0)


def test_shape8_velocity_from_a_metric_table() -> None:
    text = "# Sprint 1 review: foundations\n\n## Velocity\n\n| Metric | Value |\n|---|---|\n"
    text += "| Points planned / completed | 22 / 15 for Sprint 1 |\n| Issues closed | 12 |\n"
    doc = parse(text, "docs/sprints/sprint-1/review.md")
    assert doc.summary is not None and (doc.summary.velocity, doc.summary.planned_points) == (15.0, 22.0)


# ---------------------------------------------------------------------------------------------------- robustness


def test_crlf_cyrillic_and_no_final_newline_keep_lines() -> None:
    doc = parse(REVIEW, "review.md")
    assert doc.summary is not None and [i.line for i in doc.summary.completed] == [13, 14]


def test_shape3_blank_template_retro_is_a_warning_and_prose_mentions_are_no_number() -> None:
    blank = parse("# Sprint 2 retrospective\n\n## What went well\n\n- \n\n## Kaizen actions\n\n- Owner:\n", "r.md")
    assert blank.ok and blank.retro is not None and blank.retro.actions == ()
    assert [warning.what for warning in blank.warnings] == ["retrospective has no went-well, to-improve or actions"]
    text = "# Formation planning\n\nKeep this list current; move anything unfinished into Sprint 1 planning.\n"
    formation = parse(text + "\nPeriod: Thu 2026-09-10 to Wed 2026-09-16.\n", "sprints/00-formation/planning.md")
    assert formation.sprint is not None and formation.sprint.number is None
    assert formation.sprint.start == date(2026, 9, 10)


def test_shape5_owner_named_in_prose_and_row_numbers_are_no_ids() -> None:
    text = (
        "# Sprint 4 retro\n\n## What we will change\n\n"
        "1. **Rotate the facilitator.** Owner: Gil; starts at the next retro.\n\n"
        "## Actions\n\n| # | Action | Owner | Due |\n|---|---|---|---|\n"
        "| 1 | Archive stale tickets | Hana | Sprint 5 |\n| 2 | Track flaky tests | Ivo | KZ-7 |\n"
    )
    doc = parse(text, "sprint-04/retro.md")
    assert doc.retro is not None
    assert [(a.text, a.owners, a.id, a.target) for a in doc.retro.actions] == [
        ("Rotate the facilitator", ("Gil",), None, None),
        ("Archive stale tickets", ("Hana",), None, "5"),
        ("Track flaky tests", ("Ivo",), None, "KZ-7"),
    ]
