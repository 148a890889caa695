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
    assert "docid (frontmatter block 1) ('SPR-231'" in warning.what and "using 22" in warning.what


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
