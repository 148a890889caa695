"""Property tests: the parser never raises on arbitrary text, and points/owners survive format → parse."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceremonies.domain.dates import format_date
from ceremonies.domain.lines import parse_scope_line
from ceremonies.domain.parsing import build_history, parse_document
from ceremonies.errors import SprintDocError

_FRAGMENTS = st.sampled_from(
    [
        "---\n",
        "docid: SPR-013\n",
        "title: [x\n",
        "owner: @A\n",
        "\ufeff",
        "\r\n",
        "\n",
        "# SPR-013: Sprint 2026-13\n",
        "## Scope\n",
        "## Retrospective (End of Sprint)\n",
        "- What went well:\n",
        "- Action items:\n",
        "  - [ ] Action 1 — Owner — Due\n",
        "- [ ] A-1: thing — @a/@b — 8 SP\n",
        "- [x] done — @c — 3 SP\n",
        "1. **B-2: title**\n",
        "   - Target: Sprint 2026-14\n",
        "   - Owner: @d\n",
        "### High Priority (SPR-019)\n",
        "- **Start Date:** 18. März 2026\n",
        "- **End Date:** Apr 24, 2026\n",
        "| ID | Title | Est |\n",
        "| -- | -- | --: |\n",
        "| X-1 | y | 5 |\n",
        "## 7) Timeline & Ceremonies\n",
        "- **Mon Apr 13 — 09:30–11:00:** Sprint Planning.\n",
        "- **Daily — 25:99–09:30:** Stand-up.\n",
        "#### 1. Thing - 8 SP ✅\n",
        "## Completed Work\n",
        "- **Story Points Completed:** 45/45\n",
        '</content>\n<parameter name="filePath">x',
        "> quote\n",
        "```\ncode\n",
        "\x00",
        "[",
        "*",
        "|",
        "@",
    ]
)


def _assert_only_doc_errors(text: str) -> None:
    """Parse ``text`` and check that every problem is a SprintDocError naming the file, none a parser bug."""
    doc = parse_document(text, "doc.md")
    for error in doc.errors:
        assert isinstance(error, SprintDocError)
        assert error.path == "doc.md"
        assert "internal parser error" not in error.what, error.what
    build_history([doc])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_arbitrary_text_never_raises(text: str) -> None:
    _assert_only_doc_errors(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=20)), max_size=40).map("".join))
def test_doc_like_text_never_raises(text: str) -> None:
    _assert_only_doc_errors(text)


_IDS = st.from_regex(r"[A-Z]{2,5}-[0-9]{1,4}", fullmatch=True)
_OWNERS = st.lists(st.from_regex(r"@[A-Za-z][A-Za-z0-9]{0,11}", fullmatch=True), min_size=1, max_size=3, unique=True)
_TITLES = st.from_regex(r"[A-Za-z][A-Za-z ,&()+/]{0,40}[A-Za-z)]", fullmatch=True).filter(lambda t: "  " not in t)
_POINTS = st.one_of(
    st.integers(min_value=0, max_value=200).map(float), st.integers(min_value=1, max_value=99).map(lambda n: n + 0.5)
)


@settings(max_examples=200, deadline=None)
@given(_IDS, _TITLES, _OWNERS, _POINTS, st.booleans())
def test_scope_line_round_trip(item_id: str, title: str, owners: list[str], points: float, done: bool) -> None:
    line = f"[{'x' if done else ' '}] {item_id}: {title} — {'/'.join(owners)} — {points:g} SP"
    item = parse_scope_line(line)
    assert item is not None
    assert (item.id, item.title, item.owners, item.points, item.done) == (item_id, title, tuple(owners), points, done)


@settings(max_examples=60, deadline=None)
@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 1, 1)),
    st.integers(min_value=1, max_value=28),
    st.sampled_from(["de", "us", "en-dot", "iso"]),
    st.lists(st.tuples(_IDS, _POINTS), min_size=1, max_size=6, unique_by=lambda pair: pair[0]),
)
def test_plan_dates_and_points_round_trip(start: date, length: int, style: str, items: list[tuple[str, float]]) -> None:
    end = start + timedelta(days=length)
    scope = "\n".join(f"- [ ] {item_id}: work — @team — {points:g} SP" for item_id, points in items)
    text = (
        f"---\ndocid: SPR-077\n---\n# SPR-077: Sprint Planning\n\n## Sprint Overview\n"
        f"- **Start Date:** {format_date(start, style)}\n- **End Date:** {format_date(end, style)}\n\n"
        f"## Scope (Planned Items)\n{scope}\n"
    )
    doc = parse_document(text, "plan.md")
    assert doc.errors == ()
    assert doc.sprint is not None
    assert (doc.sprint.start, doc.sprint.end) == (start, end)
    assert [(item.id, item.points) for item in doc.sprint.items] == items
