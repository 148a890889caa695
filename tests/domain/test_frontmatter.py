"""Frontmatter of real sprint docs: BOM, CRLF, several blocks, trailing junk, bad YAML."""

from __future__ import annotations

import pytest

from ceremonies.domain.frontmatter import is_placeholder, merge_meta, split_frontmatter
from ceremonies.errors import SprintDocError

PLAN = "---\ndocid: SPR-013\nowner: @ScrumMaster\nstatus: Planning\n---\n\n# SPR-013: Sprint\n\nBody text.\n"


def test_single_block_is_split_from_the_body() -> None:
    front = split_frontmatter(PLAN)
    assert front.meta == {"docid": "SPR-013", "owner": "@ScrumMaster", "status": "Planning"}
    assert (front.blocks, front.block_lines, front.body_line) == (1, (1,), 6)
    assert front.body.splitlines()[1] == "# SPR-013: Sprint"
    assert (front.has_bom, front.newline, front.junk_line) == (False, "\n", None)


def test_bom_and_crlf_are_handled_and_reported() -> None:
    front = split_frontmatter("\ufeff" + PLAN.replace("\n", "\r\n"))
    assert front.meta["docid"] == "SPR-013"
    assert (front.has_bom, front.newline, front.body_line) == (True, "\r\n", 6)
    assert "\r" not in front.body


def test_two_blocks_merge_later_wins_unless_placeholder() -> None:
    first = "---\ntitle: Real title\nstatus: Planned\nowner: '@A'\n---\n"
    text = first + "\n---\ntitle: TBD\nstatus: Done\nowner: ''\n---\n# H\n"
    front = split_frontmatter(text)
    assert front.meta == {"title": "Real title", "status": "Done", "owner": "@A"}
    assert (front.blocks, front.block_lines, front.body_line) == (2, (1, 7), 12)
    assert front.body == "# H\n"


def test_horizontal_rule_in_the_body_is_not_a_second_block() -> None:
    text = "---\ndocid: X-1\n---\n---\n\n## 1) Goal\n\nBy Friday.\n---\n"
    front = split_frontmatter(text)
    assert front.blocks == 1
    assert "## 1) Goal" in front.body


def test_document_starting_with_a_rule_and_prose_has_no_frontmatter() -> None:
    text = "---\n\nJust prose, then a rule.\n\n---\n# Title\n"
    front = split_frontmatter(text)
    assert (front.blocks, front.meta, front.body_line) == (0, {}, 1)


def test_trailing_tool_junk_is_cut_and_its_line_reported() -> None:
    text = PLAN + 'Last line</content>\n<parameter name="filePath">/x/SPR-013.md'
    front = split_frontmatter(text)
    assert front.junk_line == 10
    assert front.body.endswith("Last line\n")
    assert "filePath" not in front.body


def test_junk_like_tags_followed_by_headings_are_kept() -> None:
    text = "# A\n\n<content> is a word here\n\n## B\n"
    assert split_frontmatter(text).junk_line is None


def test_invalid_yaml_raises_with_path_and_original_line() -> None:
    text = "---\ndocid: SPR-1\ntitle: [broken\nowner: x\n---\n# H\n"
    with pytest.raises(SprintDocError) as caught:
        split_frontmatter(text, path="plan.md")
    assert caught.value.path == "plan.md"
    assert caught.value.line in (3, 4)
    assert "invalid YAML" in caught.value.what


def test_lenient_mode_keeps_the_body_and_the_error() -> None:
    text = "---\ndocid: SPR-1\ntitle: [broken\n---\n# H\n"
    front = split_frontmatter(text, path="plan.md", strict=False)
    assert front.body == "# H\n"
    assert [error.path for error in front.errors] == ["plan.md"]


def test_a_leading_rule_around_a_list_is_body_not_frontmatter() -> None:
    front = split_frontmatter("---\n- a: 1\n---\n")
    assert (front.blocks, front.body_line) == (0, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("TBD", True),
        ("", True),
        (None, True),
        ("<title>", True),
        ("{{ owner }}", True),
        ([], True),
        ("Sprint 2026-13", False),
        (45, False),
        (["a"], False),
    ],
)
def test_placeholders(value: object, expected: bool) -> None:
    assert is_placeholder(value) is expected


def test_merge_keeps_first_value_over_a_later_placeholder() -> None:
    assert merge_meta([{"a": "x", "b": "TBD"}, {"a": "N/A", "b": "y", "c": "z"}]) == {"a": "x", "b": "y", "c": "z"}
