"""Managed blocks: only the text between the markers changes; every byte outside stays identical (CRLF and LF)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ceremonies.knowledge import find_blocks, newline_of, replace_blocks

BEGIN = "<!-- ceremonies:begin recent-changes -->"
END = "<!-- ceremonies:end recent-changes -->"

LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
human_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=LINE_BREAKS),
    max_size=40,
).filter(lambda line: "ceremonies:" not in line)
human_text = st.lists(human_line, max_size=6)
generated = st.lists(human_line, max_size=5).map("\n".join)


@st.composite
def pages(draw: st.DrawFn) -> tuple[str, list[str], str]:
    """Return (page, the human parts around the blocks, newline) with 1-3 managed blocks."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    parts = [newline.join(draw(human_text)) for _ in range(draw(st.integers(1, 3)) + 1)]
    old_contents = [newline.join(draw(human_text)) for _ in parts[1:]]
    page = parts[0]
    for part, old in zip(parts[1:], old_contents, strict=True):
        page += newline + BEGIN + newline + old + newline + END + newline + part
    if draw(st.booleans()):
        page += newline
    return page, parts, newline


@given(pages(), generated)
@settings(max_examples=300, deadline=None)
def test_text_outside_markers_is_byte_identical(case: tuple[str, list[str], str], content: str) -> None:
    page, _, newline = case
    new = replace_blocks(page, lambda name, args: content)
    old_spans, new_spans = find_blocks(page), find_blocks(new)
    assert len(old_spans) == len(new_spans)
    outside_old, outside_new, position_old, position_new = [], [], 0, 0
    for old, fresh in zip(old_spans, new_spans, strict=True):
        outside_old.append(page[position_old : old.content_start])
        outside_new.append(new[position_new : fresh.content_start])
        position_old, position_new = old.content_end, fresh.content_end
        inside = new[fresh.content_start : fresh.content_end]
        assert inside.replace(newline, "") == content.replace("\n", "")
        if newline == "\r\n":
            assert "\n" not in inside.replace("\r\n", ""), "generated lines use the page's CRLF"
    outside_old.append(page[position_old:])
    outside_new.append(new[position_new:])
    assert outside_new == outside_old
    assert replace_blocks(new, lambda name, args: content) == new, "rendering again changes nothing"


@given(pages())
@settings(max_examples=100, deadline=None)
def test_unknown_blocks_and_unchanged_renders_leave_the_page_alone(case: tuple[str, list[str], str]) -> None:
    page, _, _ = case
    assert replace_blocks(page, lambda name, args: None) == page


def test_begin_without_end_is_left_alone() -> None:
    page = f"# Title\n{BEGIN}\nold\nno end here\n"
    assert replace_blocks(page, lambda name, args: "new") == page
    assert find_blocks(page)[0].end is None


def test_arguments_and_newline_style() -> None:
    page = "a\r\n<!-- ceremonies:begin recent-changes limit=3 -->\r\nx\r\n<!-- ceremonies:end recent-changes -->\r\nb"
    [span] = find_blocks(page)
    assert span.args == {"limit": "3"} and newline_of(page) == "\r\n"
    assert replace_blocks(page, lambda name, args: "one\ntwo") == (
        "a\r\n<!-- ceremonies:begin recent-changes limit=3 -->\r\none\r\ntwo\r\n"
        "<!-- ceremonies:end recent-changes -->\r\nb"
    )
