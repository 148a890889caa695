"""Dates in the styles teams write: German, English with dots, US, ISO, and ranges; deterministic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceremonies.domain.dates import find_date, format_date, parse_date, parse_date_range


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18. März 2026", date(2026, 3, 18)),
        ("1. April 2026", date(2026, 4, 1)),
        ("14. October 2026", date(2026, 10, 14)),
        ("Feb 4, 2026", date(2026, 2, 4)),
        ("Fri Apr 24, 2026", date(2026, 4, 24)),
        ("March 18, 2026", date(2026, 3, 18)),
        ("2026-04-13", date(2026, 4, 13)),
        ("18.03.2026", date(2026, 3, 18)),
        ("**1. April 2026**", date(2026, 4, 1)),
    ],
)
def test_single_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["Apr 13", "7. Januar", "yesterday", "tomorrow", "in 3 days", "soon", "", "2026"])
def test_no_year_or_no_day_means_no_date(text: str) -> None:
    assert parse_date(text) is None


def test_year_context_completes_a_date_without_year() -> None:
    assert parse_date("Mon Apr 13", 2026) == date(2026, 4, 13)
    assert parse_date("29. Februar", 2028) == date(2028, 2, 29)
    assert parse_date("29. Februar", 2026) is None


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("7. Januar - 21. Januar 2026", date(2026, 1, 7), date(2026, 1, 21)),
        ("Apr 13–Apr 24, 2026", date(2026, 4, 13), date(2026, 4, 24)),
        ("Mar 18-Apr 1, 2026", date(2026, 3, 18), date(2026, 4, 1)),
        ("Apr 13–24, 2026", date(2026, 4, 13), date(2026, 4, 24)),
        ("2026-03-18 to 2026-04-01", date(2026, 3, 18), date(2026, 4, 1)),
        ("Dec 28 – Jan 8, 2027", date(2026, 12, 28), date(2027, 1, 8)),
        ("Sprint Plan — Apr 13–Apr 24, 2026 (America/Denver)", date(2026, 4, 13), date(2026, 4, 24)),
        ("2 weeks (Mar 18-Apr 1, 2026) - Realistic", date(2026, 3, 18), date(2026, 4, 1)),
    ],
)
def test_ranges(text: str, start: date, end: date) -> None:
    assert parse_date_range(text) == (start, end)


@pytest.mark.parametrize("text", ["Sprint 2026-13 Planning", "Apr 24 – Apr 13", "no dates here", ""])
def test_not_ranges(text: str) -> None:
    assert parse_date_range(text) is None


def test_find_date_in_a_sentence() -> None:
    assert find_date("Green light given on 17. März 2026 by the PO.") == date(2026, 3, 17)
    assert find_date("nach Absprache") is None


_DATES = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))


@settings(max_examples=150, deadline=None)
@given(_DATES, st.sampled_from(["iso", "de", "us", "en-dot"]))
def test_format_then_parse_round_trip(value: date, style: str) -> None:
    assert parse_date(format_date(value, style)) == value


@settings(max_examples=100, deadline=None)
@given(_DATES, st.integers(min_value=1, max_value=60), st.sampled_from(["de", "us", "iso"]))
def test_range_round_trip(start: date, length: int, style: str) -> None:
    end = start + timedelta(days=length)
    separator = {"de": " - ", "us": "–", "iso": " to "}[style]
    left = format_date(start, style)
    if style == "de" and start.year == end.year:
        left = left.rsplit(" ", 1)[0]  # "7. Januar - 21. Januar 2026"
    if style == "us" and start.year == end.year:
        left = left.rsplit(",", 1)[0]  # "Apr 13–Apr 24, 2026"
    assert parse_date_range(f"{left}{separator}{format_date(end, style)}") == (start, end)


def test_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="'fr'"):
        format_date(date(2026, 1, 1), "fr")


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)),
    st.sampled_from(["de", "en"]),
    st.sampled_from(["wide", "abbreviated"]),
    st.sampled_from(["{d}. {m} {y}", "{m} {d}, {y}", "{w} {m} {d}, {y}", "{d} {m} {y}", "{d:02}.{n:02}.{y}"]),
)
def test_common_shapes_read_like_dateparser_reads_them(day: date, locale: str, width: str, shape: str) -> None:
    """The fast path for common shapes (CLDR month names) gives what dateparser gives, and the written date."""
    from babel.dates import format_date as babel_format_date
    from babel.dates import get_month_names

    from ceremonies.domain.dates import _SETTINGS, LANGUAGES, _common_shape, _dateparser

    month = get_month_names(width, "format", locale)[day.month]
    weekday = babel_format_date(day, "EEE", locale="en")
    text = shape.format(d=day.day, m=month, y=day.year, w=weekday, n=day.month)
    fast = _common_shape(text)
    slow = _dateparser().parse(text, languages=list(LANGUAGES), settings=_SETTINGS)
    assert fast == day
    # dateparser reads an ambiguous ``02.01.2000`` month first (Feb 1); teams writing dotted dates mean day first
    if slow is not None and not shape.startswith("{d:02}"):  # elsewhere, where dateparser reads it, it agrees
        assert slow.date() == day


def test_dotted_numeric_dates_are_day_first() -> None:
    assert parse_date("02.01.2026") == date(2026, 1, 2)
    assert parse_date("18.03.2026") == date(2026, 3, 18)
