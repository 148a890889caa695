"""The date reader's fast paths answer exactly what dateparser would (they only spare its cost)."""

from __future__ import annotations

import dateparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceremonies.domain import dates
from ceremonies.domain.dates import LANGUAGES, parse_date


def _dateparser_says(text: str) -> object:
    """Return what dateparser itself reads in ``text`` with the reader's settings (None: no full date)."""
    return dateparser.parse(text, languages=list(LANGUAGES), settings=dates._SETTINGS)


_EDGES = ["1212-12", "0101-01", "3112-1", "2026-13", "1231-31", "0000-0", "9999-999", "0112-12", "2026-1"]


@pytest.mark.parametrize("number", _EDGES)
@pytest.mark.parametrize("prefix", ["", "Sprint ", "sprint ", "SPRINT  "])
def test_sprint_numbers_are_no_dates_for_dateparser_either(prefix: str, number: str) -> None:
    text = prefix + number
    assert dates._SPRINT_NUMBER.match(text)
    assert _dateparser_says(text) is None
    assert parse_date(text) is None


@settings(max_examples=60, deadline=None)
@given(
    year=st.integers(min_value=0, max_value=9999),
    number=st.integers(min_value=0, max_value=999),
    width=st.integers(min_value=1, max_value=3),
    prefix=st.sampled_from(["", "Sprint ", "sprint "]),
)
def test_any_sprint_number_shape_is_no_date_for_dateparser(year: int, number: int, width: int, prefix: str) -> None:
    text = f"{prefix}{year:04d}-{number:0{width}d}"
    assert dates._SPRINT_NUMBER.match(text)
    assert _dateparser_says(text) is None


def test_words_dateparser_reads_as_numbers_keep_the_slow_path() -> None:
    """``a 2018-02`` is 2018-01-02 for dateparser (``a`` = 1): such texts are not the fast path's to answer."""
    for text in ("a 2018-02", "ein 2018-02", "12 2018-02"):
        assert not dates._SPRINT_NUMBER.match(text)
        assert parse_date(text) is not None
