"""templates/sprint.md.j2 through the real TemplateRenderer: seeds' shape, team overrides, strict undefined."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from planning_support import FIXTURES, history_in, render

from ceremonies.adapters.templates import TemplateRenderer, default_template_dir
from ceremonies.config import Settings
from ceremonies.errors import TemplateError
from ceremonies.planning import SPRINT_TEMPLATE, NextSprintPlan, plan_next_sprint, sprint_doc_context

SEED_SECTIONS = [
    "Sprint Overview",
    "Goals",
    "Commitment",
    "Scope (Planned Items)",
    "Carried Over from SPR-012",
    "From Retrospective SPR-012-RETRO",
    "Acceptance Criteria",
    "Risks & Blockers",
    "Capacity",
    "Timeline & Ceremonies (Europe/Berlin)",
    "Definition of Done",
    "Review & Demo",
    "Retrospective (End of Sprint)",
    "Future Sprints (Retro Action Items)",
    "Ongoing (Standing Retro Action Items)",
    "Follow-through: Open Items from Earlier Retros",
    "Notes / Links",
]


def basic_plan() -> NextSprintPlan:
    """Return the plan after SPR-012 of the basic fixture team, on the day SPR-012 ends."""
    return plan_next_sprint(history_in(FIXTURES / "basic"), Settings(), date(2026, 3, 18))


def test_sections_and_frontmatter_in_the_seeds_shape() -> None:
    text = render(basic_plan(), Settings())
    assert text.startswith('---\ndocid: SPR-013\ntitle: "Sprint 2026-13 Planning"\nowner: "@Moderator"\n')
    assert "status: Planning\n---\n\n# SPR-013: Sprint 2026-13 Planning\n" in text
    assert re.findall(r"^## (.+)$", text, re.M) == SEED_SECTIONS
    assert "- **Start Date:** 18. März 2026\n- **End Date:** 1. April 2026\n" in text
    assert "  - SPR-011: 26 SP delivered\n  - SPR-012: 15 SP delivered\n" in text
    assert "> ⚠️ Overcommitment: 24 SP planned exceed the rolling velocity of 20.5 SP by 17 %" in text
    assert "- **Wed Apr 1, 2026 — 15:30–16:30:** Retrospective.\n" in text
    assert "\n\n\n" not in text and text.endswith("overwritten.\n")


def test_rendering_twice_gives_the_same_bytes() -> None:
    assert render(basic_plan(), Settings()) == render(basic_plan(), Settings())


def test_a_team_template_overrides_the_default(tmp_path: Path) -> None:
    (tmp_path / SPRINT_TEMPLATE).write_text("# {{ heading }}\n{% for line in items %}- {{ line }}\n{% endfor %}")
    text = TemplateRenderer([tmp_path, default_template_dir()]).render(
        SPRINT_TEMPLATE, sprint_doc_context(basic_plan(), Settings())
    )
    assert text.splitlines()[0] == "# SPR-013: Sprint 2026-13 Planning"
    assert "- [ ] PAY-220: Alert on retry storms — @Payments/@SRE — 5 SP — from SPR-012-RETRO action 5" in text


def test_undefined_variable_in_a_team_template_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / SPRINT_TEMPLATE).write_text("# {{ heading }}\n\n{{ sprint_theme }}\n")
    renderer = TemplateRenderer([tmp_path, default_template_dir()])
    with pytest.raises(TemplateError, match="sprint_theme") as caught:
        renderer.render(SPRINT_TEMPLATE, sprint_doc_context(basic_plan(), Settings()))
    assert caught.value.path is not None and caught.value.path.endswith(SPRINT_TEMPLATE)
    assert caught.value.line == 3
