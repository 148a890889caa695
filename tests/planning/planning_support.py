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


def plan_text(
    key: str,
    number: str,
    start: str,
    end: str,
    items: list[str],
    *,
    duration: int | None = 14,
    extra: str = "",
) -> str:
    """Return a plan in the German seeds' shape: frontmatter, overview with dates, scope checkbox lines."""
    scope = "\n".join(f"- {line}" for line in items)
    duration_line = f"- **Duration (days):** {duration}\n" if duration else ""
    return f"""---
docid: {key}
title: Sprint {number} Planning - Fixture
owner: "@Moderator"
status: Done
---

# {key}: Sprint {number} Planning - Fixture

## Sprint Overview
- **Sprint Name:** Sprint {number}
- **Sprint Number:** {number}
- **Start Date:** {start}
- **End Date:** {end}
{duration_line}
## Goals
- Ship the fixture work

## Scope (Planned Items)
{scope}
{extra}
## Retrospective (End of Sprint)
- What went well:
- What could be improved:
- Action items:
  - [ ] Action 1 — Owner — Due
"""


def retro_text(key: str, number: str, actions: list[str]) -> str:
    """Return a separate retrospective file with checkbox action lines."""
    lines = "\n".join(f"- {line}" for line in actions)
    return f"""---
docid: {key}-RETRO
title: Sprint {number} Retrospective
owner: "@Moderator"
status: Done
---

# {key}: Sprint {number} Retrospective

## What went well
- The fixture team shipped

## What could be improved
- Estimates

## Action items
{lines}
"""


def summary_text(key: str, number: str, completed: list[tuple[str, int]], delivered: str | None = None) -> str:
    """Return an execution summary: completed items as ``#### n. Title - 8 SP ✅`` headings."""
    headings = "\n\n".join(
        f"#### {n}. {title} - {points} SP ✅\n- done" for n, (title, points) in enumerate(completed, 1)
    )
    metrics = f"\n## Metrics\n- **Story Points Completed:** {delivered}\n" if delivered else ""
    return f"""# {key}: Sprint Execution Summary - Fixture

## Sprint Overview
- **Sprint Name:** Sprint {number}
- **Sprint Number:** {number}

## Execution Summary

### Completed Work

{headings}
{metrics}"""
