"""The planner and the planning reminder tell the team the same numbers about the new sprint."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ceremonies import planning, reminders
from ceremonies.adapters.files import scan_sprint_dir
from ceremonies.adapters.templates import TemplateRenderer, default_template_dir
from ceremonies.config import load_config
from ceremonies.domain.parsing import build_history, parse_document

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "team-repo"


def test_planning_reminder_shows_the_velocity_and_scope_the_new_plan_states() -> None:
    settings = load_config(EXAMPLE)
    documents = scan_sprint_dir(EXAMPLE, settings)
    history = build_history(documents)
    today = max(plan.end for plan in history.plans if plan.end) - timedelta(days=1)
    plan = planning.plan_next_sprint(history, settings, today)
    text = TemplateRenderer([default_template_dir()]).render(
        planning.SPRINT_TEMPLATE, planning.sprint_doc_context(plan, settings)
    )
    document = parse_document(text, f"{settings.paths.sprint_dir}/{plan.file_name}")
    assert document.sprint is not None and not document.errors
    later = build_history([*documents, document])

    context = reminders.planning_context(document.sprint, later, settings)

    assert plan.velocity.points is not None
    assert context["velocity"] == planning.points_text(plan.velocity.points)
    assert context["velocity_samples"] == len(plan.velocity.samples)
    assert len(context["carried_over"]) == len(plan.carried_over)
    assert len(context["from_retro"]) == len(plan.from_retro) + sum(1 for item in plan.carried_over if item.source)
