"""Small domain vocabulary rules that every job relies on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceremonies.domain import Sprint, WorkItem, next_label


@pytest.mark.parametrize(
    ("label", "expected"),
    [("SPR-013", "SPR-014"), ("2026-13", "2026-14"), ("Sprint 9", "Sprint 10"), ("SPR-099", "SPR-100")],
)
def test_next_label(label: str, expected: str) -> None:
    assert next_label(label) == expected


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["SPR-", "Sprint ", "2026-", "S"]))
def test_next_label_increments_the_number(number: int, prefix: str) -> None:
    following = next_label(f"{prefix}{number:03d}")
    assert following.startswith(prefix)
    assert int(following[len(prefix):]) == number + 1


def test_next_label_needs_a_number() -> None:
    with pytest.raises(ValueError, match="'Kickoff'"):
        next_label("Kickoff")


def test_sprint_points() -> None:
    sprint = Sprint(
        key="SPR-001",
        items=(WorkItem("a", points=8, done=True), WorkItem("b", points=5), WorkItem("c")),
    )
    assert sprint.scope_points == 13
    assert sprint.done_points == 8
    assert sprint.label == "SPR-001"
