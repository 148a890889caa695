"""Shape 4: a folder per sprint and other key styles. init recognises the layout; the new plan goes where the
team's next one would, named and numbered their way; the docs next to the sprints (templates, formation and
finalization folders, stand-ups, grading) never stop a run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from repo_shapes import padded_folders, spaced_folders, unpadded_with_periods

from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.config import parse_config
from ceremonies.domain.layout import (
    UnitStyle,
    classify_path,
    next_unit,
    role_patterns_of,
    sprint_candidates,
    style_of,
    unit_path,
)
from ceremonies.jobs.init import inspect_repo, write_config
from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
from ceremonies.jobs.recipe import Effects
from support.gitrepo import TeamRepo, commit_as_human, make_team_repo


def _initialised(tmp_path: Path, files: dict[str, str]) -> TeamRepo:
    """Return a team repo of ``files`` with the config init proposes committed."""
    team = make_team_repo(tmp_path, files)
    report = inspect_repo(team.work)
    assert report.recognised, report.text()
    write_config(report)
    commit_as_human(team.work, {"ceremonies.toml": report.config}, "ceremonies init")
    return team


@pytest.mark.parametrize(
    ("style", "text", "number", "year"),
    [
        ("sprint-{n:02}", "sprint-05", 5, None),
        ("sprint-{n:02}", "Sprint_5", 5, None),
        ("Sprint {n}", "Sprint 5", 5, None),
        ("Sprint {year}-{n:02}", "Sprint 2026-13", 13, 2026),
        ("SPR-{n:03}", "SPR-013", 13, None),
        ("SPR-{n:03}*", "SPR-009-search-rework", 9, None),
    ],
)
def test_shape4_unit_styles_read_the_sprint_number(style: str, text: str, number: int, year: int | None) -> None:
    unit = UnitStyle(style).match(text)
    assert unit is not None and (unit.number, unit.year) == (number, year)


def test_shape4_unit_styles_spell_the_next_sprint_their_way() -> None:
    assert unit_path("{key}/plan.md", UnitStyle("sprint-{n:02}"), 6) == "sprint-06/plan.md"
    assert unit_path("{key}/Sprint_Planning.md", UnitStyle("Sprint {n}"), 4) == "Sprint 4/Sprint_Planning.md"
    assert unit_path("{key}/sprint-plan.md", UnitStyle("SPR-{n:03}*"), 10) == "SPR-010/sprint-plan.md"
    style = UnitStyle("Sprint {year}-{n:02}")
    last = style.match("Sprint 2026-26")
    assert last is not None
    assert next_unit(last, style, starts_in_year=2027) == (1, 2027)
    assert style.format(*next_unit(last, style, starts_in_year=2027)) == "Sprint 2027-01"
    assert next_unit(last, style, starts_in_year=2026) == (27, 2026)


def test_shape4_file_names_that_repeat_the_sprint_number_become_one_pattern() -> None:
    paths = [f"docs/Sprint_{n}/sprint{n}_plan.md" for n in (1, 2, 3)] + ["docs/Sprint_3/sprint3_retro.md"]
    candidates = sprint_candidates(paths)
    assert style_of(candidates) == "Sprint_{n}"
    assert role_patterns_of(candidates) == {"plan": "{key}/sprint*_plan.md", "retro": "{key}/sprint*_retro.md"}
    assert unit_path("{key}/sprint*_plan.md", UnitStyle("Sprint_{n}"), 4) == "Sprint_4/sprint4_plan.md"
    assert classify_path("Sprint_4/sprint4_plan.md", {"plan": "{key}/sprint*_plan.md"}, UnitStyle("Sprint_{n}")).role


def test_shape4_classify_by_path() -> None:
    patterns = {"plan": "{key}/plan.md", "retro": "{key}/retrospective.md", "summary": "{key}/review.md"}
    style = UnitStyle("sprint-{n:02}")
    assert classify_path("sprint-05/plan.md", patterns, style).role == "plan"
    other = classify_path("sprint-05/notes/standup.md", patterns, style)
    assert other.role is None and other.unit is not None and other.unit.number == 5
    assert classify_path("templates/plan.md", patterns, style).unit is None


def test_shape4_padded_folders_plan_goes_to_the_next_folder_with_the_retro_action(
    tmp_path: Path, quiet: ConsoleNotifier
) -> None:
    team = _initialised(tmp_path, padded_folders(3, ["Add a smoke test for login — @kim — Sprint 4"]))
    config = parse_config((team.work / "ceremonies.toml").read_text(encoding="utf-8"))
    assert config.paths.sprint_dir == "docs/sprints" and config.paths.sprint_unit == "sprint-{n:02}"
    assert config.paths.plan_outline == "docs/sprints/templates/plan.md"
    result = run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 3, 22)), Effects(notifier=quiet))
    assert result.status == "created" and result.path == "docs/sprints/sprint-04/plan.md"
    assert result.start == date(2026, 3, 23)
    text = (team.work / result.path).read_text(encoding="utf-8")
    assert "Add a smoke test for login" in text
    again = run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 3, 22)), Effects(notifier=quiet))
    assert again.status == "unchanged"


def test_shape4_spaced_folders_without_dates_plan_from_the_planning_day(tmp_path: Path, quiet: ConsoleNotifier) -> None:
    team = _initialised(tmp_path, spaced_folders(2, ["We will pair on every backend change."]))
    config = parse_config((team.work / "ceremonies.toml").read_text(encoding="utf-8"))
    assert config.paths.sprint_dir == "." and config.paths.sprint_unit == "Sprint {n}"
    assert config.paths.plan_pattern == "{key}/Sprint_Planning.md"
    result = run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 4, 14)), Effects(notifier=quiet))
    assert result.status == "created" and result.path == "Sprint 3/Sprint_Planning.md"
    assert result.start == date(2026, 4, 14)
    assert any("has no dates" in warning for warning in result.warnings)
    text = (team.work / result.path).read_text(encoding="utf-8")
    assert "We will pair on every backend change" in text


def test_shape4_periods_next_to_sprints_are_not_sprints(tmp_path: Path, quiet: ConsoleNotifier) -> None:
    team = _initialised(tmp_path, unpadded_with_periods(2, ["Review PRs within a day — Sprint 3"]))
    report = inspect_repo(team.work)
    not_placed = dict(report.not_placed)
    assert "docs/sprints/00-formation/planning.md" in not_placed
    assert "docs/sprints/finalization/checklist.md" in not_placed
    result = run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 3, 15)), Effects(notifier=quiet))
    assert result.status == "created" and result.path == "docs/sprints/sprint-3/planning.md"
    assert "Review PRs within a day" in (team.work / result.path).read_text(encoding="utf-8")
