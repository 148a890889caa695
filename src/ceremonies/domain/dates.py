"""Dates as teams write them: German (``18. März 2026``), English with dots, US (``Feb 4, 2026``), ISO, ranges.

Month and weekday names come from locale data (babel's CLDR month names for the common shapes, dateparser for the
rest; German and English), not from a table here.
Parsing is deterministic: no clock is read (a fixed ``RELATIVE_BASE``), and text without a year is rejected
unless the caller passes the year it belongs to.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from itertools import pairwise
from typing import Any

LANGUAGES = ("de", "en")
_RELATIVE_BASE = datetime(2000, 1, 1)
_SETTINGS: dict[str, Any] = {
    "PREFER_DATES_FROM": "past",
    "RELATIVE_BASE": _RELATIVE_BASE,
    "REQUIRE_PARTS": ["day", "month", "year"],
    "STRICT_PARSING": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PARSERS": ["absolute-time"],
}
_MAX_DATE_TEXT = 48
_MAX_FIND_TEXT = 200
_ISO = re.compile(r"^\s*(?:[^\W\d]{2,10}\.?,?\s+)?(\d{4})-(\d{2})-(\d{2})\s*$")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_DAY = re.compile(r"(?<!\d)\d{1,2}(?!\d)")
_DAY_MONTH_DOTS = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.?$")
_DECORATION = re.compile(r"[*_`]+")
_RANGE_SEPARATOR = re.compile(
    r"\s*(?:–|—|\s-\s|(?<=[\d.])\s*-\s*(?=\s*[^\W\d])|\bto\b|\bbis\b|\buntil\b|\bthrough\b|→|->)\s*", re.IGNORECASE
)
_PARENTHETICAL = re.compile(r"\(([^()]*)\)")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\.?\s+([^\W\d]+)\.?,?\s+(\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^(?:[^\W\d]+\.?,?\s+)?([^\W\d]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_NUMERIC_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SPRINT_NUMBER = re.compile(r"^(?:sprint\s+)?\d{4}-\d{1,3}$", re.IGNORECASE)
"""A sprint number (``2026-13``, ``Sprint 2026-13``): two numbers and no word dateparser reads, so never a date
with day, month and year (tests/domain/test_dates_fast_path.py checks this against dateparser). Docs name sprints
this way often; answering here spares dateparser's ~2 ms per text and its locale loading."""


@lru_cache(maxsize=1)
def _dateparser() -> Any:
    """Return the dateparser module (imported lazily: it loads locale data on first use)."""
    import dateparser

    return dateparser


def clean_date_text(text: str) -> str:
    """Return ``text`` without markdown decoration, surrounding punctuation and doubled spaces."""
    text = _DECORATION.sub("", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" \t:;|()[]")


@lru_cache(maxsize=1)
def _month_numbers() -> dict[str, int]:
    """Return lower-case month name → number for German and English, wide and abbreviated (babel's CLDR data)."""
    from babel.dates import get_month_names

    names: dict[str, int] = {}
    for locale in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    names[str(name).lower().rstrip(".")] = number
    return names


def _safe_date(year: str, month: int | None, day: str) -> date | None:
    """Return the date, or None when the month is unknown or the day does not exist."""
    if month is None:
        return None
    try:
        return date(int(year), month, int(day))
    except ValueError:
        return None


def _common_shape(text: str) -> date | bool | None:
    """Return the date of the common shapes (``18. März 2026``, ``Fri Apr 24, 2026``, ``18.03.2026``); None when
    the shape matches but is no date; False when the text has another shape (then dateparser decides)."""
    months = _month_numbers()
    if (match := _NUMERIC_DMY.match(text)) and (day_first := _safe_date(match[3], int(match[2]), match[1])):
        return day_first
    if (match := _DAY_MONTH_YEAR.match(text)) and match[2].lower() in months:
        return _safe_date(match[3], months[match[2].lower()], match[1])
    if (match := _MONTH_DAY_YEAR.match(text)) and match[1].lower() in months:
        return _safe_date(match[3], months[match[1].lower()], match[2])
    return False


def _iso(text: str) -> date | None:
    """Return the ISO date ``YYYY-MM-DD`` in ``text`` (the whole text), else None."""
    match = _ISO.match(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _parse_cached(text: str, year: int | None) -> date | None:
    """Return the date written in ``text`` (see :func:`parse_date`); cached because docs repeat dates."""
    text = clean_date_text(text)
    if not text or len(text) > _MAX_DATE_TEXT or not _DAY.search(text):
        return None
    iso = _iso(text)
    if iso is not None:
        return iso
    if not _YEAR.search(text):
        if year is None:
            return None
        text = f"{text.rstrip('.')}.{year}" if _DAY_MONTH_DOTS.search(text) else f"{text.rstrip(',. ')} {year}"
    if _SPRINT_NUMBER.match(text):
        return None
    common = _common_shape(text)
    if common is not False:
        return common if isinstance(common, date) else None
    try:
        parsed = _dateparser().parse(text, languages=list(LANGUAGES), settings=_SETTINGS)
    except Exception:  # dateparser raises assorted errors on odd input; unreadable is None here
        return None
    if parsed is None:
        return None
    return date(parsed.year, parsed.month, parsed.day)


def parse_date(text: str, year: int | None = None) -> date | None:
    """Return the date written in ``text``, or None when it is not (exactly) a date.

    Accepts ``18. März 2026``, ``14. October 2026``, ``Feb 4, 2026``, ``Fri Apr 24, 2026``, ``March 18, 2026``,
    ``2026-03-18``, ``18.03.2026``. Without a year in the text the result is None unless ``year`` is given.
    """
    if not isinstance(text, str):
        return None
    return _parse_cached(text, year)


_MAX_EDGE_WORDS = 5


def _edge_date(text: str, year: int | None, leading: bool) -> date | None:
    """Return the date that ``text`` starts with (``leading``) or ends with, trying the longest word window first.

    So ``2026-08-22 · Capacity: 20 SP`` gives 2026-08-22 and ``Dates: Thu 2026-09-17`` gives 2026-09-17.
    """
    whole = parse_date(text, year)
    if whole is not None:
        return whole
    words = text.split()
    for size in range(min(len(words) - 1, _MAX_EDGE_WORDS), 0, -1):
        window = " ".join(words[:size] if leading else words[-size:]).strip(".,;·|")
        found = parse_date(window, year) if _DAY.search(window) else None
        if found is not None:
            return found
    return None


def _range_from_parts(left: str, right: str, year: int | None) -> tuple[date, date] | None:
    """Return (start, end) from the two sides of a range; the left side may borrow year and month from the right.

    Text before the start (``Dates: Thu``) and after the end (``· Capacity: …``, ``. Review: …``) is ignored.
    """
    end = _edge_date(right, year, leading=True)
    if end is None:
        return None
    start = _edge_date(left, end.year, leading=False)
    if start is None:
        return None
    if start > end:
        start = _edge_date(left, end.year - 1, leading=False)
        if start is None or start > end:
            return None
    return start, end


def _borrow_month(left: str, right: str) -> str:
    """Return ``right`` prefixed with the month word of ``left`` when ``right`` has none (``Apr 13–24, 2026``)."""
    if re.search(r"[^\W\d]{3,}", right):
        return right
    words = re.findall(r"[^\W\d]{3,}\.?", left)
    return f"{words[-1]} {right}" if words else right


def _candidates(text: str) -> list[str]:
    """Return the texts a range may hide in: the whole, each parenthetical, and the text without parentheticals."""
    found = [text]
    found += [inner for inner in _PARENTHETICAL.findall(text) if _DAY.search(inner)]
    without = _PARENTHETICAL.sub(" ", text)
    if without != text:
        found.append(without)
    return found


def parse_date_range(text: str, year: int | None = None) -> tuple[date, date] | None:
    """Return (start, end) of a date range written in ``text``, or None.

    Accepts ``7. Januar - 21. Januar 2026``, ``Apr 13–Apr 24, 2026``, ``Mar 18-Apr 1, 2026``, ``Apr 13–24, 2026``,
    ``2026-03-18 to 2026-04-01`` and finds a range inside a title such as
    ``Sprint Plan — Apr 13–Apr 24, 2026 (America/Denver)``.
    """
    if not isinstance(text, str) or len(text) > 1000:
        return None
    for candidate in _candidates(text):
        parts = [clean_date_text(part) for part in _RANGE_SEPARATOR.split(candidate)]
        for left, right in pairwise(parts):
            if not left or not right:
                continue
            found = _range_from_parts(left, right, year) or _range_from_parts(left, _borrow_month(left, right), year)
            if found is not None:
                return found
    return None


def find_date(text: str, year: int | None = None) -> date | None:
    """Return the first date written somewhere in ``text`` (a sentence or field value), else None.

    Tries the whole text, then shorter windows of words, so ``Green light on 18. März 2026.`` gives 2026-03-18.
    """
    whole = parse_date(text, year)
    if whole is not None:
        return whole
    words = clean_date_text(text[:_MAX_FIND_TEXT]).split()
    for size in (4, 3, 2, 1):
        for start in range(len(words) - size + 1):
            window = " ".join(words[start : start + size]).strip(".,;")
            if (_YEAR.search(window) or year is not None) and _DAY.search(window):
                found = parse_date(window, year)
                if found is not None:
                    return found
    return None


def short_weekday(value: date) -> str:
    """Return the English short weekday name of ``value`` (``Mon``), from babel's CLDR data."""
    from babel.dates import format_date as babel_format

    return str(babel_format(value, "EEE", locale="en"))


def format_date(value: date, style: str = "iso") -> str:
    """Return ``value`` written in a doc style: ``iso`` (2026-03-18), ``de`` (18. März 2026), ``us`` (Mar 18, 2026).

    Month names come from babel's CLDR data, so the output parses back with :func:`parse_date`.
    """
    if style == "iso":
        return value.isoformat()
    from babel.dates import format_date as babel_format

    if style == "de":
        return babel_format(value, "d. MMMM y", locale="de")
    if style == "us":
        return babel_format(value, "MMM d, y", locale="en_US")
    if style == "en-dot":
        return babel_format(value, "d. MMMM y", locale="en")
    raise ValueError(f"unknown date style {style!r} (use iso, de, us or en-dot)")
