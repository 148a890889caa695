"""The parser on the five real seed documents (skipped when ../shared/seeds is absent)."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from ceremonies.domain import CeremonyKind, DocKind, Document
from ceremonies.domain.parsing import build_history, parse_document

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"no seeds at {SEEDS}")


def seed(prefix: str) -> Document:
    """Return the parsed seed whose file name starts with ``prefix``."""
    [path] = sorted(SEEDS.glob(f"{prefix}_*"))
    return parse_document(path.read_bytes().decode("utf-8"), path.name)


def test_seed_000_plan() -> None:
    doc = seed("000")
    sprint = doc.sprint
    assert doc.kind == DocKind.PLAN and doc.errors == () and sprint is not None
    assert (sprint.key, sprint.number) == ("SPR-013", "2026-13")
    assert (sprint.start, sprint.end) == (date(2026, 3, 18), date(2026, 4, 1))
    assert len(sprint.items) == 6 and sprint.scope_points == 45
    assert [item.owners for item in sprint.items] == [
        ("@Architect", "@Backend"),
        ("@Backend", "@QA"),
        ("@DevOps", "@Backend"),
        ("@DevOps", "@QA"),
        ("@DevOps", "@Architect"),
        ("@DocMaintainer",),
    ]
    assert [item.id for item in sprint.items][:2] == ["ML-GOV-001", "ML-GOV-002"]
    assert sprint.retro is None, "the template's placeholder retro is not a retro"
    assert [(action.id, action.target, action.priority) for action in sprint.future] == [
        ("ML-GOV-002", "2026-14", "medium"),
        ("ML-GOV-003", "2026-14", "medium"),
    ]


@pytest.mark.parametrize(
    ("prefix", "key", "start", "end"),
    [
        ("001", "SPR-011", date(2026, 2, 18), date(2026, 3, 4)),
        ("002", "SPR-012", date(2026, 3, 4), date(2026, 3, 18)),
    ],
)
def test_seed_001_002_plans(prefix: str, key: str, start: date, end: date) -> None:
    doc = seed(prefix)
    assert doc.errors == () and doc.sprint is not None
    assert (doc.sprint.key, doc.sprint.start, doc.sprint.end) == (key, start, end)
    assert (len(doc.sprint.items), doc.sprint.scope_points, doc.sprint.planned_points) == (6, 45, 45)


def test_seed_001_trailing_junk_is_not_in_the_model() -> None:
    doc = seed("001")
    assert "filePath" not in repr(doc) and "</content>" not in repr(doc)


def test_seed_003_execution_summary() -> None:
    doc = seed("003")
    summary = doc.summary
    assert doc.kind == DocKind.SUMMARY and doc.errors == () and summary is not None
    assert (summary.key, summary.number) == ("SPR-012", "2026-12")
    assert len(summary.completed) == 6
    assert sum(item.points or 0 for item in summary.completed) == 45
    assert (summary.velocity, summary.planned_points) == (45, 45)


def test_seed_004_us_plan_with_timetable() -> None:
    doc = seed("004")
    sprint = doc.sprint
    assert doc.kind == DocKind.PLAN and doc.errors == () and sprint is not None
    assert (sprint.start, sprint.end, sprint.timezone) == (date(2026, 4, 13), date(2026, 4, 24), "America/Denver")
    assert [(c.day, c.start, c.end, c.kind) for c in sprint.timetable] == [
        (date(2026, 4, 13), time(9, 30), time(11), CeremonyKind.PLANNING),
        (None, time(9, 15), time(9, 30), CeremonyKind.STANDUP),
        (date(2026, 4, 16), time(14), time(14, 45), CeremonyKind.REFINEMENT),
        (date(2026, 4, 23), time(15), time(16), CeremonyKind.OTHER),
        (date(2026, 4, 24), time(10), time(11), CeremonyKind.DEMO),
        (date(2026, 4, 24), time(11, 15), time(12), CeremonyKind.RETRO),
    ]
    assert [item.id for item in sprint.items][:3] == ["PERF-901", "PERF-902", "PERF-903"]
    assert (len(sprint.items), sprint.scope_points, sprint.planned_points) == (9, 43, 43)


def test_seed_history_orders_plans_by_start() -> None:
    history = build_history(seed(prefix) for prefix in ("004", "000", "003", "001", "002"))
    assert [plan.start for plan in history.plans] == sorted(plan.start for plan in history.plans if plan.start)
    assert [plan.key for plan in history.plans][:3] == ["SPR-011", "SPR-012", "SPR-013"]
    assert history.errors == ()
