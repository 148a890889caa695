"""The one "now" of the test suite: a pinned instant, never the machine's clock.

Tests that need "now" or "today" take it from here (or from the ``now``/``today`` fixtures of tests/conftest.py),
build their team repos around it and hand it to the jobs and flows (``today=`` / ``now=``), so the suite gives the same
result whatever day the machine thinks it is.

``CEREMONIES_TEST_NOW`` (an ISO instant with offset, e.g. ``2027-03-28T00:40:00+00:00``) moves the pinned instant:
``make test-dates`` runs the date-sensitive tests (marker ``dates``) once per instant of ``TEST_DATES``.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TEST_NOW_ENV = "CEREMONIES_TEST_NOW"
"""Environment variable that moves the pinned instant (ISO 8601 with offset)."""

DEFAULT_TEST_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
"""The pinned instant when ``CEREMONIES_TEST_NOW`` is unset: an ordinary working Tuesday."""

TEAM_ZONE = "Europe/Berlin"
"""Time zone of the synthetic teams the e2e and any-day tests build."""

TEST_DATES = {
    "saturday": "2026-11-28T15:00:00+00:00",
    "berlin-dst-sunday": "2027-03-28T00:40:00+00:00",
    "new-year-in-berlin": "2026-12-31T23:20:00+00:00",
    "christmas-holiday": "2026-12-25T09:00:00+00:00",
}
"""The instants ``make test-dates`` pins "now" to (the Makefile reads them from ``python tests/pinned_clock.py``)."""


def pinned_now() -> datetime:
    """Return the pinned instant (timezone-aware, UTC): ``CEREMONIES_TEST_NOW`` when set, else DEFAULT_TEST_NOW.

    Raises ValueError naming the variable when it is set but not an ISO instant with an offset.
    """
    raw = os.environ.get(TEST_NOW_ENV, "").strip()
    if not raw:
        return DEFAULT_TEST_NOW
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"{TEST_NOW_ENV}={raw!r} is not an ISO 8601 instant like 2027-03-28T00:40:00+00:00") from exc
    if moment.tzinfo is None:
        raise ValueError(f"{TEST_NOW_ENV}={raw!r} has no UTC offset; write it like 2027-03-28T00:40:00+00:00")
    return moment.astimezone(UTC)


def pinned_today(zone: str = TEAM_ZONE) -> date:
    """Return the pinned instant's calendar date in ``zone`` (the team's "today")."""
    return pinned_now().astimezone(ZoneInfo(zone)).date()



if __name__ == "__main__":
    print(" ".join(TEST_DATES.values()))  # for the Makefile's test-dates loop
