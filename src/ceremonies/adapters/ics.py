"""iCalendar files (``icalendar`` package): one VEVENT per ceremony, stable UIDs, TZID with VTIMEZONE, atomic write.

A stable UID (``SPR-014-planning@ceremonies``) makes a calendar re-import update an event instead of adding a
second one; SEQUENCE grows with the export time, so a re-exported (e.g. moved) ceremony counts as a newer version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from icalendar import Calendar, Event

from ceremonies.adapters.files import write_atomic

PRODID = "-//ceremonies//sprint ceremonies//EN"


@dataclass(frozen=True)
class IcsEvent:
    """One calendar entry: ``start``/``end`` timezone-aware (their zone becomes the TZID)."""

    uid: str
    summary: str
    start: datetime
    end: datetime
    description: str = ""
    url: str | None = None


def _sequence(stamp: datetime) -> int:
    """Return the SEQUENCE of a file made at ``stamp``: minutes since 2020, so a later export is a newer revision."""
    return max(0, int((stamp - datetime(2020, 1, 1, tzinfo=UTC)).total_seconds() // 60))


def to_ics(events: Sequence[IcsEvent], name: str, stamp: datetime | None = None) -> bytes:
    """Return an iCalendar file (bytes, CRLF lines) with one VEVENT per event and the VTIMEZONEs they use.

    ``stamp`` is the DTSTAMP of every event (default: now, UTC).
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    when = (stamp or datetime.now(UTC)).astimezone(UTC)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", when)
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("summary", item.summary)
        event.add("sequence", _sequence(when))
        if item.description:
            event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        calendar.add_component(event)
    if events:
        first = min(item.start for item in events).year
        last = max(item.end for item in events).year
        calendar.add_missing_timezones(first_date=date(first - 1, 1, 1), last_date=date(last + 2, 1, 1))
    return calendar.to_ical()


def write_ics(path: str | Path, events: Sequence[IcsEvent], name: str, stamp: datetime | None = None) -> Path:
    """Write the iCalendar file of ``events`` to ``path`` atomically; return the path."""
    return write_atomic(path, to_ics(events, name, stamp))
