"""The job on the real seed documents (German plans with trailing junk, a summary, a US-style plan); skipped when
``../shared/seeds`` is not there."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.domain.parsing import parse_document
from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
from ceremonies.jobs.recipe import Effects
from support.gitrepo import make_team_repo

SEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds"
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not available")


def seed(prefix: str) -> bytes:
    """Return the bytes of the seed file whose name starts with ``prefix``."""
    (path,) = SEEDS.glob(f"{prefix}_*")
    return path.read_bytes()


def quiet() -> ConsoleNotifier:
    """Return a console notifier writing into a throwaway buffer."""
    return ConsoleNotifier("#sprint", io.StringIO())


def test_seed_plans_without_a_retro_wait_then_force_plans_spr_014(tmp_path: Path) -> None:
    files = {
        ".ai/sprint/SPR-011-iteration-template.md": seed("001"),
        ".ai/sprint/SPR-012-iteration-template.md": seed("002"),
        ".ai/sprint/SPR-012-execution-summary.md": seed("003"),
        ".ai/sprint/SPR-013-iteration-template.md": seed("000"),
    }
    team = make_team_repo(tmp_path, files)
    waiting = run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 3, 31)), Effects(notifier=quiet()))
    assert waiting.status == "not-due" and "SPR-013-retrospective.md" in waiting.reason

    forced = run_next_sprint(
        NextSprintRequest(str(team.work), today=date(2026, 3, 31), force=True), Effects(notifier=quiet())
    )
    assert forced.status == "created" and forced.path == ".ai/sprint/SPR-014-iteration-template.md"
    assert forced.start == date(2026, 4, 1) and forced.committed
    sprint = parse_document((team.work / forced.path).read_text(encoding="utf-8"), forced.path).sprint
    assert sprint is not None and sprint.number == "2026-14"
    carried = {item.id for item in sprint.items if item.carried == 1}
    assert {"ML-GOV-001", "PERF-001", "DOC-001"} <= carried


def test_us_style_seed_plan_numbers_the_next_sprint_in_its_time_zone(tmp_path: Path) -> None:
    files = {".ai/sprint/sprint-09-plan.md": seed("004"), "ceremonies.toml": '[sprint]\nholiday_country = "US"\n'}
    team = make_team_repo(tmp_path, files)
    result = run_next_sprint(
        NextSprintRequest(str(team.work), today=date(2026, 4, 23), force=True), Effects(notifier=quiet())
    )
    assert result.status == "created" and result.start == date(2026, 4, 24)
    text = (team.work / str(result.path)).read_text(encoding="utf-8")
    assert "Sprint 10" in text and "America/Denver" in text
    again = run_next_sprint(
        NextSprintRequest(str(team.work), today=date(2026, 4, 23), force=True), Effects(notifier=quiet())
    )
    assert again.status == "unchanged" and not again.committed
