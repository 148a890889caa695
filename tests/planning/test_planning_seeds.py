"""The planner on the real seed documents in ../shared/seeds (skipped when they are absent)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from planning_support import SEEDS, render

from ceremonies.config import Settings, parse_config
from ceremonies.domain.model import SprintHistory
from ceremonies.domain.parsing import build_history, parse_document
from ceremonies.planning import is_due, plan_next_sprint

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="seeds not available (../shared/seeds)")


def seed_history(*prefixes: str) -> SprintHistory:
    """Return the history of the seed files whose names start with ``prefixes``."""
    paths: list[Path] = sorted(path for path in SEEDS.iterdir() if path.name.startswith(prefixes))
    if len(paths) != len(prefixes):
        pytest.skip(f"seed files {prefixes} not all present")
    return build_history(parse_document(path.read_bytes().decode("utf-8"), path.name) for path in paths)


def test_german_seeds_give_sprint_2026_14() -> None:
    history = seed_history("000", "001", "002", "003")
    settings = Settings()
    assert is_due(history, settings, date(2026, 3, 30)).due is True
    plan = plan_next_sprint(history, settings, date(2026, 3, 30))
    sprint = plan.sprint
    assert (sprint.key, sprint.number, sprint.start, sprint.end) == (
        "SPR-014",
        "2026-14",
        date(2026, 4, 1),
        date(2026, 4, 15),
    )
    assert plan.holidays == ((date(2026, 4, 3), "Good Friday"), (date(2026, 4, 6), "Easter Monday"))
    assert plan.working_days == 8
    assert plan.velocity.samples == (("SPR-012", 45.0),), "the execution summary's delivered points"
    assert {item.id for item in plan.carried_over} >= {"ML-GOV-001", "PERF-001", "COST-001", "DOC-001"}
    doc = parse_document(render(plan, settings), plan.file_name)
    assert doc.errors == () and doc.sprint is not None
    assert [(i.id, i.carried, i.source) for i in doc.sprint.items] == [
        (i.id, i.carried, i.source) for i in sprint.items
    ]


def test_us_seed_sprint_9_gives_sprint_10() -> None:
    history = seed_history("004")
    settings = parse_config('[sprint]\nstart_rule = "next_working_day"\nholiday_country = "US"\n')
    plan = plan_next_sprint(history, settings, date(2026, 4, 24))
    sprint = plan.sprint
    assert (sprint.key, sprint.name, sprint.start, sprint.end) == (
        "SPR-010",
        "Sprint 10",
        date(2026, 4, 27),
        date(2026, 5, 8),
    )
    assert sprint.timezone == "America/Denver"
    assert [item.id for item in plan.carried_over][:3] == ["PERF-901", "PERF-902", "PERF-903"]
    back = parse_document(render(plan, settings), plan.file_name)
    assert back.errors == () and back.sprint is not None and back.sprint.name == "Sprint 10"
