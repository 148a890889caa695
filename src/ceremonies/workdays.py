"""The team's working days: weekends, public holidays of the configured country/subdivision (``holidays``
package) and ``extra_holidays``. Pure (no I/O, no clock); shared by the planning and the reminder rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import holidays as holiday_calendars

from ceremonies.config import CONFIG_FILE, Settings
from ceremonies.errors import ConfigError, Problem


@dataclass(frozen=True)
class DaysOff:
    """The team's days off (day → name); weekends are always off."""

    days: dict[date, str]

    def is_working_day(self, day: date) -> bool:
        """Return True when ``day`` is neither a weekend nor a day off."""
        return day.weekday() < 5 and day not in self.days

    def previous_working_day(self, day: date) -> date:
        """Return the last working day strictly before ``day``."""
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def working_day_on_or_before(self, day: date) -> date:
        """Return ``day`` when it is a working day, else the last working day before it."""
        return day if self.is_working_day(day) else self.previous_working_day(day)

    def working_day_on_or_after(self, day: date) -> date:
        """Return ``day`` when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def name_of(self, day: date) -> str:
        """Return why ``day`` is off: the holiday's name, else ``weekend`` (or ``working day``)."""
        return self.days.get(day) or ("weekend" if day.weekday() >= 5 else "working day")

    def holidays_between(self, first: date, last: date) -> tuple[tuple[date, str], ...]:
        """Return (day, name) of the days off from ``first`` to ``last`` inclusive, in date order."""
        return tuple((day, name) for day, name in sorted(self.days.items()) if first <= day <= last)

    def working_days(self, first: date, last: date) -> int:
        """Return the number of working days from ``first`` to ``last`` inclusive (0 when last < first)."""
        return sum(1 for offset in range((last - first).days + 1) if self.is_working_day(first + timedelta(offset)))


def team_days_off(settings: Settings, years: Iterable[int]) -> DaysOff:
    """Return the team's days off in ``years``; raise ConfigError for an unknown country/subdivision or an extra
    holiday that is not an ISO date."""
    sprint = settings.sprint
    found: dict[date, str] = {}
    wanted = sorted(set(years))
    if sprint.holiday_country and wanted:
        try:
            public = holiday_calendars.country_holidays(
                sprint.holiday_country, subdiv=sprint.holiday_subdivision, years=wanted
            )
        except NotImplementedError as exc:
            where = repr(sprint.holiday_country) + (
                f" / {sprint.holiday_subdivision!r}" if sprint.holiday_subdivision else ""
            )
            problem = Problem("sprint.holiday_country", f"no public holidays known for {where}: {exc}")
            raise ConfigError(CONFIG_FILE, [problem]) from None
        found.update({day: str(name) for day, name in public.items()})
    for text in sprint.extra_holidays:
        try:
            found[date.fromisoformat(text)] = "Team day off"
        except ValueError:
            problem = Problem("sprint.extra_holidays", f"{text!r} is not an ISO date (YYYY-MM-DD)")
            raise ConfigError(CONFIG_FILE, [problem]) from None
    return DaysOff(found)
