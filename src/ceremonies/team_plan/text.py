"""Text tools for team-shaped plans: parts by heading, leading frontmatter blocks, and dates written the way a
sample line writes them (moved, re-dated). Pure: strings in, strings out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from ceremonies.domain.dates import format_date, parse_date, short_weekday

HEADING = re.compile(r"^(?P<marks>#{1,6})\s+(?P<title>.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
DATE_TOKEN = re.compile(
    r"(?P<wd>\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?"
    r"(?P<date>\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}|\d{1,2}/\d{1,2}/\d{4}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4})"
)


@dataclass
class Part:
    """One heading and its body lines (the part before the first heading has ``title`` None)."""

    title: str | None
    marks: str
    lines: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """Return the heading line."""
        return f"{self.marks} {self.title}"


def split_parts(text: str) -> list[Part]:
    """Return ``text`` (frontmatter removed) as parts by heading; headings inside code fences do not split."""
    parts = [Part(None, "")]
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        found = None if fenced else HEADING.match(line)
        if found:
            parts.append(Part(found["title"], found["marks"]))
        else:
            parts[-1].lines.append(line)
    return parts


def frontmatter_blocks(text: str) -> tuple[list[str], str]:
    """Return the leading YAML frontmatter blocks of ``text`` (their inner lines joined) and the body after them
    (a BOM before or between the blocks is dropped)."""
    rest = text.lstrip("\ufeff")
    blocks: list[str] = []
    while True:
        found = re.match(r"^\s*---\s*\n(.*?)\n---\s*(?:\n|$)", rest, re.DOTALL)
        if not found:
            return blocks, rest.lstrip("\ufeff")
        blocks.append(found.group(1))
        rest = rest[found.end() :].lstrip("\n").lstrip("\ufeff")


def strip_frontmatter(text: str) -> str:
    """Return ``text`` without leading YAML frontmatter blocks (and a BOM before them)."""
    return frontmatter_blocks(text)[1]



# ------------------------------------------------------------------------------------------------ dates


def date_writer(sample: str) -> Callable[[date], str]:
    """Return a function writing a date like the first date in ``sample`` (ISO when it has none)."""
    found = DATE_TOKEN.search(sample)
    if found is None:
        return lambda day: day.isoformat()
    text, weekday = found["date"], found["wd"]

    def with_weekday(formatted: str, day: date) -> str:
        """Return ``formatted`` with the weekday in front when the sample had one."""
        return f"{short_weekday(day)} {formatted}" if weekday else formatted

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return lambda day: with_weekday(day.isoformat(), day)
    if "." in text:
        padded = bool(re.match(r"0\d\.|\d\d\.0\d", text)) or len(text) == 10
        return lambda day: with_weekday(
            f"{day.day:02d}.{day.month:02d}.{day.year}" if padded else f"{day.day}.{day.month}.{day.year}", day
        )
    if "/" in text:
        return lambda day: with_weekday(f"{day.month:02d}/{day.day:02d}/{day.year}", day)
    return lambda day: with_weekday(format_date(day, "us"), day)


_SHORT_RANGE = re.compile(
    r"(?P<m1>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?) (?P<d1>\d{1,2})(?P<sep>\s*[-–—]\s*|\s+to\s+)"
    r"(?P<m2>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? )?(?P<d2>\d{1,2}), (?P<y>\d{4})"
)


def _short_range(start: date, end: date, sep: str) -> str:
    """Return ``Jan 21 - Feb 4, 2026`` (the start's year too when the years differ)."""
    first = f"{start:%b} {start.day}" + (f", {start.year}" if start.year != end.year else "")
    return f"{first}{sep}{end:%b} {end.day}, {end.year}"


def redate(line: str, start: date, end: date) -> str:
    """Return ``line`` with its first date set to ``start``, its second to ``end`` and later ones moved by as much
    as the start moved (each written the way the line writes it); ``Jan 21 - Feb 4, 2026`` is one range."""
    short = _SHORT_RANGE.search(line)
    if short is not None:
        return line[: short.start()] + _short_range(start, end, short["sep"]) + line[short.end() :]
    tokens = list(DATE_TOKEN.finditer(line))
    if not tokens:
        return line
    first = parse_date(tokens[0]["date"])
    shift = (start - first) if first else timedelta(0)
    out, last = [], 0
    for index, token in enumerate(tokens):
        old = parse_date(token["date"])
        new = start if index == 0 else end if index == 1 else (old + shift if old else None)
        out.append(line[last : token.start()])
        out.append(date_writer(token.group(0))(new) if new else token.group(0))
        last = token.end()
    out.append(line[last:])
    return "".join(out)


def shift_dates(text: str, by: timedelta) -> str:
    """Return ``text`` with every date moved by ``by`` (each written the way the text writes it)."""

    def moved(token: re.Match[str]) -> str:
        """Return one date token moved."""
        old = parse_date(token["date"])
        return date_writer(token.group(0))(old + by) if old else token.group(0)

    return DATE_TOKEN.sub(moved, text)
