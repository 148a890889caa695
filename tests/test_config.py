"""ceremonies.toml: every key optional, typed, and every bad field reported at once with file and line."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from ceremonies.config import CONFIG_FILE, Settings, load_config, parse_config
from ceremonies.errors import ConfigError


def test_defaults_fit_the_seed_team(tmp_path: Path) -> None:
    settings = load_config(tmp_path)
    assert settings == Settings()
    assert settings.paths.sprint_dir == ".ai/sprint"
    assert settings.paths.kb_dir == ".ai/knowledgebase"
    assert settings.paths.plan_pattern.format(key="SPR-013") == "SPR-013-iteration-template.md"
    assert settings.paths.retro_pattern.format(key="SPR-012") == "SPR-012-retrospective.md"
    assert settings.sprint.cadence_days == 14


def test_values_are_typed(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text(
        '[sprint]\ntimezone = "America/Denver"\ncadence_days = 10\n[ceremonies]\nplanning = "09:30:00"\n'
        '[slack]\nchannel = "#team-b2x"\n',
        encoding="utf-8",
    )
    settings = load_config(tmp_path)
    assert settings.sprint.timezone == "America/Denver"
    assert settings.sprint.cadence_days == 10
    assert settings.ceremonies.planning == time(9, 30)
    assert settings.slack.channel == "#team-b2x"


def test_every_bad_field_is_reported_with_file_and_line(tmp_path: Path) -> None:
    text = (
        "[sprint]\n"
        "cadence_days = 0\n"
        'timezone = "Mars/Olympus"\n'
        "[bot]\n"
        'email = "not-an-email"\n'
        "colour = 3\n"
    )
    (tmp_path / CONFIG_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    error = caught.value
    assert [(p.key, p.line) for p in error.problems] == [
        ("sprint.cadence_days", 2),
        ("sprint.timezone", 3),
        ("bot.email", 5),
        ("bot.colour", 6),
    ]
    message = str(error)
    assert str(tmp_path / CONFIG_FILE) in message
    assert "'Mars/Olympus'" in message
    assert "'not-an-email'" in message


def test_invalid_toml_names_file_and_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("[sprint]\ncadence_days = = 3\n", "team/ceremonies.toml")
    assert caught.value.problems[0].line == 2
    assert str(caught.value).startswith("team/ceremonies.toml")


def test_file_patterns_need_the_key_placeholder() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config('[paths]\nplan_pattern = "plan.md"\n')
    assert "{key}" in str(caught.value)
