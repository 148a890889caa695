"""The team's working days, shared by the planner and the reminders."""

from __future__ import annotations

from datetime import date

import pytest

from ceremonies.config import parse_config
from ceremonies.errors import ConfigError
from ceremonies.workdays import team_days_off


def test_weekends_public_holidays_and_extra_days_are_off() -> None:
    settings = parse_config('[sprint]\nholiday_country = "DE"\nextra_holidays = ["2026-12-28"]\n')
    off = team_days_off(settings, [2026])
    assert not off.is_working_day(date(2026, 12, 25)) and off.name_of(date(2026, 12, 25)) == "Christmas Day"
    assert not off.is_working_day(date(2026, 12, 26)) and not off.is_working_day(date(2026, 12, 28))
    assert off.name_of(date(2026, 12, 27)) == "weekend" and off.name_of(date(2026, 12, 28)) == "Team day off"
    assert off.working_day_on_or_after(date(2026, 12, 24)) == date(2026, 12, 24)
    assert off.working_day_on_or_after(date(2026, 12, 25)) == date(2026, 12, 29)
    assert off.working_day_on_or_before(date(2026, 12, 28)) == date(2026, 12, 24)
    assert off.previous_working_day(date(2026, 12, 24)) == date(2026, 12, 23)
    assert off.working_days(date(2026, 12, 21), date(2026, 12, 31)) == 7  # 21–24 and 29–31


def test_unknown_country_is_a_config_error_naming_the_key() -> None:
    settings = parse_config('[sprint]\nholiday_country = "XX"\n')
    with pytest.raises(ConfigError, match=r"sprint\.holiday_country.*'XX'"):
        team_days_off(settings, [2026])
