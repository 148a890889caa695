"""Load and decide: read the sprint history (stopping on a broken doc the plan is built from), decide whether the
next sprint is due, plan it, and wait for (or insist on) the previous sprint's retrospective."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from ceremonies import planning
from ceremonies.adapters.files import (
    load_history,
    no_plans_explained,
)
from ceremonies.config import Settings
from ceremonies.domain.layout import RoleMatch, classify_path
from ceremonies.domain.model import Sprint, SprintHistory
from ceremonies.errors import SprintDocError
from ceremonies.jobs.next_sprint.results import Decision

_SOFT = re.compile(r"^(no sprint (start|end|start and end) date found|retrospective has no went-well)")
"""Problems of a needed doc that still leave it usable: an undated plan (its path gives the sprint) and a retro
whose form is not filled in yet."""


def _needed_paths(history: SprintHistory, settings: Settings) -> set[str]:
    """Return the docs the next plan is built from: the newest plan, and the retros and summaries of its sprint."""
    if not history.plans:
        return set()
    latest = history.plans[-1]
    needed = {latest.path or ""}
    labels = {label for label in (latest.key, latest.number) if label}
    needed |= {r.path or "" for r in history.retros if {r.sprint_key, r.sprint_number} & labels}
    needed |= {s.path or "" for s in history.summaries if {s.key, s.number} & labels}
    return needed


def needed_paths(history: SprintHistory, settings: Settings) -> set[str]:
    """Return the repo-relative paths of the docs next-sprint needs readable: the newest plan, its retro and its
    summary, and (default layout) any unreadable doc whose name places it nowhere (it could be the newest plan)."""
    return _needed_paths(history, settings) | _unplaced_unreadable(history, settings)


def is_fatal(error: SprintDocError, needed: set[str], settings: Settings) -> bool:
    """Return True when ``error`` stops the job: a problem in a doc the plan is built from (see :data:`_SOFT`)."""
    if str(error.path) not in needed:
        return False
    return not (settings.paths.sprint_unit is not None and _SOFT.match(error.what))


def load(root: Path, settings: Settings) -> SprintHistory:
    """Return the sprint history of ``root``; raise SprintDocError naming every problem of the docs the next plan
    is built from (the newest plan, its retro and its summary).

    Only the newest ``settings.sprint.sprints_to_read()`` sprints are read (plus docs whose names give no key), so
    the cost does not grow with the repo's age. An unreadable doc the plan is built from stops the job: a plan read
    only in part could make it plan the wrong sprint or lose scope. Problems of any other doc (old sprints, topic
    docs, stand-up notes) stay in the returned history's ``errors``: the run reports them as warnings. A doc that
    could not be read at all might be the newest plan, so it stops the job when its name gives no sprint either.
    """
    history = load_history(root, settings, recent_sprints=settings.sprint.sprints_to_read())
    needed = needed_paths(history, settings)
    fatal = [error for error in history.errors if is_fatal(error, needed, settings)]
    if not fatal:
        return history
    first, rest = fatal[0], fatal[1:]
    what = f"{first.what} — nothing planned, nothing committed"
    if rest:
        what += f"; {len(rest)} more problem(s):\n  " + "\n  ".join(str(error) for error in rest)
    raise SprintDocError(first.path or settings.paths.sprint_dir, first.line, what)


def _placed(path: str, settings: Settings) -> RoleMatch:
    """Return the sprint and role the repo-relative ``path`` has by the naming patterns."""
    base = settings.paths.sprint_dir.strip("/")
    inner = path[len(base) + 1 :] if base not in ("", ".") and path.startswith(base + "/") else path
    return classify_path(inner, settings.paths.role_patterns(), settings.paths.unit_style())


def _unreadable_of_latest(history: SprintHistory, settings: Settings) -> set[str]:
    """Return the paths of problem docs that are the plan, retro or review of the newest plan's sprint by their
    paths (a retro that could not be read at all is not in the history, but the plan is built from it)."""
    if not history.plans or not history.plans[-1].path:
        return set()
    latest = _placed(str(history.plans[-1].path), settings).unit
    if latest is None:
        return set()
    found = set()
    for error in history.errors:
        placed = _placed(str(error.path), settings)
        if placed.role is not None and placed.unit is not None and placed.unit.order == latest.order:
            found.add(str(error.path))
    return found


def _unplaced_unreadable(history: SprintHistory, settings: Settings) -> set[str]:
    """Return the paths of docs that could not be read at all and whose names match the plan pattern or give no
    sprint (they could be the newest plan), in the default layout (a configured one places every doc by path)."""
    if settings.paths.sprint_unit is not None:
        return _unreadable_of_latest(history, settings)
    placed = {str(doc.path) for doc in history.plans} | {str(r.path) for r in history.retros}
    placed |= {str(s.path) for s in history.summaries}
    return {str(error.path) for error in history.errors if str(error.path) not in placed}


def team_today(settings: Settings, today: date | None = None) -> date:
    """Return ``today`` or, when None, the current date in the team's time zone."""
    return today or datetime.now(ZoneInfo(settings.sprint.timezone)).date()


def _without(history: SprintHistory, plan: Sprint) -> SprintHistory:
    """Return ``history`` without the plan ``plan``."""
    return replace(history, plans=tuple(p for p in history.plans if p is not plan))


def _replanned(history: SprintHistory, settings: Settings, today: date) -> Sprint | None:
    """Return the newest plan when it is the one this job would write now (same file, not started yet), else None."""
    if len(history.plans) < 2:
        return None
    latest = history.plans[-1]
    if latest.start is None or latest.start < today or latest.path is None:
        return None
    base = _without(history, latest)
    try:
        again = planning.plan_next_sprint(base, settings, today)
    except SprintDocError:
        return None
    expected = (PurePosixPath(settings.paths.sprint_dir.strip("/")) / again.file_name).as_posix()
    return latest if PurePosixPath(latest.path).as_posix() == expected else None


def decide(history: SprintHistory, settings: Settings, today: date | None = None, force: bool = False) -> Decision:
    """Return whether to plan the next sprint today (``force`` plans even when not due).

    When the newest plan is the one this job would write (a re-run), the decision is made on the history before it,
    so a re-run compares with the file instead of planning the sprint after it.
    """
    day = team_today(settings, today)
    existing = _replanned(history, settings, day)
    base = _without(history, existing) if existing is not None else history
    due = planning.is_due(base, settings, day)
    if force and not due.due and base.plans:
        return Decision(True, f"forced ({due.reason})", base, day, existing)
    return Decision(due.due, due.reason, base, day, existing)


def expected_retro_path(previous: Sprint, settings: Settings) -> str:
    """Return the repo-relative path where the retrospective of ``previous`` is expected."""
    key = previous.key or previous.number or previous.label
    pattern = settings.paths.retro_pattern.replace("*", "")
    if settings.paths.sprint_unit is not None and previous.path:
        unit_dir = PurePosixPath(previous.path).parent
        plan_dir = PurePosixPath(settings.paths.plan_pattern).parent
        if plan_dir != PurePosixPath(".") and "{key}" in str(plan_dir):
            return (unit_dir / PurePosixPath(pattern).name).as_posix()
    return (PurePosixPath(settings.paths.sprint_dir.strip("/")) / pattern.replace("{key}", key)).as_posix()


def plan(decision: Decision, settings: Settings) -> planning.NextSprintPlan:
    """Return the plan of the sprint after the newest one of ``decision.base``; raise SprintDocError naming the
    file when the history cannot be planned from (no plan, plan without dates)."""
    return planning.plan_next_sprint(decision.base, settings, decision.as_of)


def check_retro(
    decision: Decision, next_plan: planning.NextSprintPlan, settings: Settings, force: bool = False
) -> Decision:
    """Return ``decision`` when the plan has the previous sprint's retro (or ``force``); a not-due Decision while
    the previous sprint still runs without one.

    Raises SprintDocError naming the expected retro file when the previous sprint has ended without a retrospective.
    """
    if next_plan.retro is not None or force:
        return decision
    previous = next_plan.previous
    where = expected_retro_path(previous, settings)
    if previous.end is not None and decision.today <= previous.end:
        return replace(decision, due=False, reason=f"waiting for the retrospective of {previous.label} ({where})")
    raise SprintDocError(
        where,
        None,
        f"retrospective of {previous.label} not found (neither this file nor a filled-in 'Retrospective' section in "
        f"{previous.path}); hold the retro first, or use --force to plan without it — nothing planned, "
        "nothing committed",
    )


def require_plans(root: Path, history: SprintHistory, settings: Settings) -> None:
    """Raise SprintDocError when the repo has no sprint plan where the config says: what was looked for, what is
    there instead and how to configure it (``ceremonies init``)."""
    if not history.plans:
        raise SprintDocError(settings.paths.sprint_dir, None, no_plans_explained(root, settings))


def doc_warnings(history: SprintHistory) -> list[str]:
    """Return the problems of sprint docs the plan is not built from, one line each (``file:line: what``)."""
    return [str(error) for error in history.errors]
