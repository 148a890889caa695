"""Every document of the real teams' corpora (../shared/corpora, test data only) read by the parser.

Skipped when the corpora are absent. Checks what the corpora's SOURCE.md says each layout holds — sprint numbers from
the path, dates, scope, review statuses and retro actions — without copying any of their text here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ceremonies.domain.model import DocKind, Document
from ceremonies.domain.parsing import parse_document

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"

pytestmark = pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora is not here")


def _docs(corpus: str) -> dict[str, Document]:
    """Return every markdown doc of ``corpus`` parsed, keyed by its path inside the corpus."""
    root = CORPORA / corpus
    if not root.is_dir():
        pytest.skip(f"corpus {corpus} is not here")
    return {
        path.relative_to(root).as_posix(): parse_document(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(root.rglob("*.md"))
    }


def _folder_number(path: str) -> str:
    """Return the sprint number a folder like ``sprint-05`` or ``Sprint 3`` gives (``5``, ``3``)."""
    match = re.search(r"(?i)sprint[ _-]*0*(\d+)/", path)
    assert match, path
    return match.group(1)


@pytest.mark.parametrize("corpus", ["kzi-team8", "park-explorer", "csc580-group9"])
def test_every_corpus_doc_is_read_without_an_internal_error(corpus: str) -> None:
    for path, doc in _docs(corpus).items():
        assert not any("internal parser error" in error.what for error in doc.errors), (path, doc.errors)
        assert all(error.line for error in doc.errors), (path, doc.errors)


def test_kzi_team8_plans_reviews_and_retros() -> None:
    docs = {path: doc for path, doc in _docs("kzi-team8").items() if re.match(r"docs/sprints/sprint-\d+/", path)}
    assert len(docs) == 24
    for path, doc in docs.items():
        assert doc.ok and doc.warnings == (), (path, doc.errors, doc.warnings)
        number = _folder_number(path)
        if path.endswith("plan.md"):
            assert doc.kind == DocKind.PLAN and doc.sprint is not None
            assert doc.sprint.number == number and doc.sprint.start and doc.sprint.end, path
            assert doc.sprint.start <= doc.sprint.end
        elif path.endswith("review.md"):
            assert doc.kind == DocKind.SUMMARY and doc.summary is not None, path
            assert doc.summary.number == number and doc.summary.velocity, path
            assert doc.summary.completed, path
        else:
            assert doc.kind == DocKind.RETRO and doc.retro is not None and doc.retro.sprint_number == number
    plans = [doc.sprint for path, doc in docs.items() if path.endswith("plan.md") and doc.sprint]
    assert sum(bool(plan.items) for plan in plans) >= 7
    assert all(item.points is None or item.points > 0 for plan in plans for item in plan.items)
    assert any(item.points == 0.5 for plan in plans for item in plan.items)  # written 1/2 and 0.5
    three_weeks = next(plan for plan in plans if plan.number == "3")
    assert three_weeks.start is not None and three_weeks.end is not None
    assert (three_weeks.end - three_weeks.start).days == 20  # over the holidays, written with an ASCII hyphen
    statuses = {item.status for path, doc in docs.items() if doc.summary for item in doc.summary.unfinished}
    assert {"Not started", "Code Review"} <= statuses


def test_park_explorer_numbers_from_the_path_and_unowned_actions() -> None:
    docs = _docs("park-explorer")
    plans = {path: doc for path, doc in docs.items() if path.endswith("Sprint_Planning.md")}
    retros = {path: doc for path, doc in docs.items() if path.endswith("Retrospective.md")}
    assert len(plans) == 4 and len(retros) == 3
    for path, doc in plans.items():
        assert doc.ok and doc.sprint is not None and doc.sprint.number == _folder_number(path)
        assert doc.sprint.items and (doc.sprint.start, doc.sprint.end) == (None, None)
        assert all(f"({owner})" not in item.title for item in doc.sprint.items for owner in item.owners)
    assert sum(bool(item.owners) for doc in plans.values() if doc.sprint for item in doc.sprint.items) >= 10
    for path, doc in retros.items():
        assert doc.ok and doc.retro is not None and doc.retro.sprint_number == _folder_number(path)
        assert doc.retro.actions and all(action.owners == () for action in doc.retro.actions)
    grading = [doc for path, doc in docs.items() if "_grading/" in path]
    assert grading and all(doc.sprint is None or doc.sprint.start is None for doc in grading)  # 12.0/12 is no date


def test_csc580_group9_weekday_dates_kaizen_table_and_metric_velocity() -> None:
    docs = _docs("csc580-group9")
    for number in ("1", "2", "3"):
        plan = docs[f"docs/sprints/sprint-{number}/planning.md"]
        assert plan.ok and plan.sprint is not None and plan.sprint.number == number
        assert plan.sprint.start is not None and plan.sprint.end is not None and plan.sprint.items
    retro = docs["docs/sprints/sprint-1/retrospective.md"].retro
    assert retro is not None and len(retro.actions) == 4
    assert all(action.due and action.owners and action.measure for action in retro.actions)
    review = docs["docs/sprints/sprint-1/review.md"]
    assert review.kind == DocKind.SUMMARY and review.summary is not None
    assert review.summary.velocity is not None and review.summary.planned_points is not None
    assert review.summary.velocity < review.summary.planned_points
    blank = docs["docs/sprints/sprint-2/retrospective.md"]
    assert blank.ok and blank.retro is not None and blank.retro.actions == ()
