"""Render the new plan: the team's template (or its own plans' shape), checked to fit the size limit and to read
back as the planned sprint."""

from __future__ import annotations

from pathlib import Path

from ceremonies import planning, team_plan
from ceremonies.adapters.files import (
    parse_at,
    read_doc_text,
    sprint_dir,
    too_large,
)
from ceremonies.adapters.templates import TemplateRenderer
from ceremonies.config import Settings
from ceremonies.domain.model import DocKind
from ceremonies.domain.parsing import parse_document
from ceremonies.errors import SprintDocError, TemplateError

# ------------------------------------------------------------------------------------------------ render


def renderer_for(root: Path, settings: Settings) -> tuple[TemplateRenderer, str]:
    """Return the renderer and template name of the sprint doc: ``paths.sprint_template`` when the team set one
    (a repo-relative file), else ``sprint.md.j2`` from the team's template dir or ceremonies' defaults."""
    custom = settings.paths.sprint_template
    renderer = TemplateRenderer.for_repo(root, settings.paths.template_dir)
    if not custom:
        return renderer, planning.SPRINT_TEMPLATE
    template = (root / custom).resolve()
    if not template.is_relative_to(root.resolve()):
        raise TemplateError(f"paths.sprint_template {custom!r} points outside the repo", path=custom)
    if not template.is_file():
        raise TemplateError(f"paths.sprint_template {custom!r}: no such template file", path=custom)
    return TemplateRenderer([template.parent, *renderer.search_dirs]), template.name


def _team_outline(
    root: Path, settings: Settings, next_plan: planning.NextSprintPlan, retro_paths: dict[str, str]
) -> team_plan.TeamOutline:
    """Return the team's outline of a new plan: ``paths.plan_outline`` (their blank form) when set and readable,
    else their last plan; raise TemplateError naming the file when neither can be read."""
    previous_path = next_plan.previous.path or ""
    try:
        previous_text = read_doc_text(root / previous_path)
    except SprintDocError as error:
        raise TemplateError(
            f"cannot read the last plan to follow its shape: {error.what}", path=previous_path
        ) from None
    text, blank = previous_text, False
    form = settings.paths.plan_outline
    if form:
        try:
            text, blank = read_doc_text(root / form), True
        except SprintDocError as error:
            raise TemplateError(f"paths.plan_outline: {error.what}", path=form) from None
    retro = next_plan.retro.path if next_plan.retro else None
    new_path = target_path(root, settings, next_plan)
    return team_plan.TeamOutline(text, blank, previous_text, new_path, retro, dict(retro_paths))


def check_fits(doc: str, next_plan: planning.NextSprintPlan, settings: Settings) -> None:
    """Raise SprintDocError naming the input that makes the new plan too big (the previous plan's scope or the
    retro's actions, whichever gives more items), with the size, the limit and its setting."""
    size, limit = len(doc.encode("utf-8")), settings.limits.max_doc_bytes
    if size <= limit:
        return
    previous, retro = next_plan.previous, next_plan.retro
    carried, actions = len(next_plan.carried_over), len(retro.actions) if retro else 0
    if retro is not None and retro.path and actions > len(previous.items):
        source, why = retro.path, f"{actions:,} retro actions"
    else:
        source, why = previous.path or settings.paths.sprint_dir, f"{len(previous.items):,} scope items"
    raise SprintDocError(
        source,
        None,
        too_large(
            size,
            limit,
            f"the plan of {next_plan.sprint.label} would be built from its {why} ({carried:,} carried over) and is ",
        )
        + " — nothing planned, nothing committed",
    )


def render(root: Path, settings: Settings, next_plan: planning.NextSprintPlan) -> str:
    """Return the new plan's markdown; raise TemplateError naming the template file (and line) when it is broken or
    when its output would not read back as this sprint's plan (the next run and the reminders read it).

    With ``paths.plan_style = "team"`` the plan follows the team's own plans (:mod:`ceremonies.team_plan`)."""
    if settings.paths.plan_style == "team" and next_plan.previous.path:
        outline = _team_outline(root, settings, next_plan, dict(next_plan.retro_paths))
        doc = team_plan.render(next_plan, outline)
        check_fits(doc, next_plan, settings)
        where = settings.paths.plan_outline or next_plan.previous.path
        check_reads_back(doc, outline.new_path, next_plan, where, settings)
        return doc
    renderer, name = renderer_for(root, settings)
    doc = renderer.render(name, planning.sprint_doc_context(next_plan, settings))
    check_fits(doc, next_plan, settings)
    source = renderer.source_of(name)
    check_reads_back(doc, target_path(root, settings, next_plan), next_plan, str(source or name), settings)
    return doc


def check_reads_back(
    doc: str, path: str, next_plan: planning.NextSprintPlan, template: str, settings: Settings | None = None
) -> None:
    """Raise TemplateError naming ``template`` when ``doc`` does not parse back to the planned key and dates."""
    expected = next_plan.sprint
    if settings is not None and settings.paths.sprint_unit is not None:
        parsed = parse_at(doc, path, settings)
    else:
        parsed = parse_document(doc, path, kind=DocKind.PLAN, key=expected.key)
    problems = [error.what for error in parsed.errors]
    sprint = parsed.sprint
    if sprint is None:
        problems.append("it is not read as a sprint plan")
    else:
        for what, got, wanted in (
            ("key", sprint.key, expected.key),
            ("start date", sprint.start, expected.start),
            ("end date", sprint.end, expected.end),
        ):
            if got != wanted:
                problems.append(f"its {what} reads back as {got!s}, expected {wanted!s}")
    if problems:
        raise TemplateError(
            f"the plan this template renders for {expected.label} would not read back ({'; '.join(problems)}); "
            "nothing written",
            path=template,
        )


def target_path(root: Path, settings: Settings, next_plan: planning.NextSprintPlan) -> str:
    """Return the repo-relative path of the new plan (sprint dir + ``paths.plan_pattern``)."""
    directory = sprint_dir(root, settings)
    return (directory / next_plan.file_name).relative_to(root.resolve()).as_posix()
