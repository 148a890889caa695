"""Helpers of the planner tests: parse fixture docs into a SprintHistory, render the sprint template."""

from __future__ import annotations

from pathlib import Path

from ceremonies.adapters.templates import TemplateRenderer, default_template_dir
from ceremonies.config import Settings
from ceremonies.domain.model import SprintHistory
from ceremonies.domain.parsing import build_history, parse_document
from ceremonies.planning import SPRINT_TEMPLATE, NextSprintPlan, sprint_doc_context

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


def history_of(files: dict[str, str]) -> SprintHistory:
    """Return the history of in-memory docs (file name → text), parsed like the sprint dir would be."""
    docs = [parse_document(text, name) for name, text in sorted(files.items())]
    for doc in docs:
        assert doc.errors == (), f"fixture {doc.path} does not parse cleanly: {doc.errors}"
    return build_history(docs)


def history_in(directory: Path) -> SprintHistory:
    """Return the history of every ``*.md`` fixture in ``directory``."""
    return history_of({path.name: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.md"))})


def render(plan: NextSprintPlan, settings: Settings) -> str:
    """Return the default sprint template rendered for ``plan``."""
    return TemplateRenderer([default_template_dir()]).render(SPRINT_TEMPLATE, sprint_doc_context(plan, settings))
