"""Commit, push and announce: the bot's commit with trailers, where the push goes, the Slack announcement and
whether this run is the one to send it."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ceremonies import planning
from ceremonies.adapters.git import DocsRepo, Identity, PushOutcome
from ceremonies.adapters.slack_render import SlackRenderer, render_message
from ceremonies.config import Settings
from ceremonies.domain.messages import Message
from ceremonies.jobs.next_sprint.records import announcement_due, mark_announced
from ceremonies.jobs.next_sprint.results import (
    CREATED,
    FLOW_NAME,
    FLOW_TRAILER,
    REPLACED,
    RUN_TRAILER,
    SPRINT_TRAILER,
    UPDATED,
)

# ------------------------------------------------------------------------------------------------ commit, announce


def commit_message(next_plan: planning.NextSprintPlan, status: str) -> str:
    """Return the commit message of a new (or updated) plan: subject and a body naming where the scope came from."""
    sprint = next_plan.sprint
    verb = {CREATED: "plan", UPDATED: "update plan of", REPLACED: "replace plan of"}.get(status, "plan")
    span = f"{sprint.start.isoformat()}..{sprint.end.isoformat()}" if sprint.start and sprint.end else "no dates"
    subject = f"docs(sprint): {verb} {sprint.label} ({span})"
    body = [
        f"Planned from {next_plan.previous.label}"
        + (f" and {next_plan.retro.ref}" if next_plan.retro else " (no retrospective found)")
        + ".",
        f"Scope: {len(next_plan.carried_over)} carried over, {len(next_plan.from_retro)} from the retro, "
        f"{planning.points_text(next_plan.planned_points)} SP planned.",
    ]
    return f"{subject}\n\n" + "\n".join(body)


def commit_plan(
    docs: DocsRepo,
    settings: Settings,
    next_plan: planning.NextSprintPlan,
    path: str,
    status: str,
    run_id: str,
    flow_name: str = FLOW_NAME,
) -> str | None:
    """Commit exactly ``path`` as the bot with trailers (flow, run id, sprint); return the sha (None: no change)."""
    trailers = {FLOW_TRAILER: flow_name, RUN_TRAILER: run_id, SPRINT_TRAILER: next_plan.sprint.label}
    identity = Identity(settings.bot.name, settings.bot.email)
    return docs.commit_files([path], commit_message(next_plan, status), trailers, identity)


def push_target(settings: Settings, sprint: str) -> tuple[str | None, tuple[str, str | None]]:
    """Return where the plan's commit is pushed — the team's ``git.push_branch`` for ``sprint`` (None: the docs
    branch) — and the trailer naming the bot's commits of that sprint (what a push to another branch carries)."""
    return settings.git.push_target(FLOW_NAME, sprint), (SPRINT_TRAILER, sprint)


def doc_link(settings: Settings, path: str) -> str:
    """Return the web link of ``path`` when ``slack.docs_url`` is set, else the repo-relative path."""
    base = settings.slack.docs_url
    return f"{base.rstrip('/')}/{path}" if base else path


ANNOUNCEMENT_TEMPLATE = "slack/next-sprint.md.j2"
"""The template of the new-plan announcement (a team may override it)."""


def announcement_context(
    next_plan: planning.NextSprintPlan, settings: Settings, path: str, status: str
) -> dict[str, Any]:
    """Return what ``templates/slack/next-sprint.md.j2`` shows: dates, scope counts, points, the planning time,
    goals, owners, up to two warnings and the doc link (doc text as written: the template escapes it)."""
    context = planning.sprint_doc_context(next_plan, settings)
    sprint = next_plan.sprint
    planning_time = next((c for c in context["ceremony_times"] if "plan" in str(c["name"]).lower()), None)
    zone = ZoneInfo(str(context["timezone"]))
    return {
        "sprint_key": sprint.label,
        "updated": status not in (CREATED, REPLACED),
        "start": context["start"],
        "end": context["end"],
        "start_iso": _midday(context["start_iso"], zone),
        "end_iso": _midday(context["end_iso"], zone),
        "working_days": next_plan.working_days,
        "carried_over": len(next_plan.carried_over),
        "from_retro": len(next_plan.from_retro),
        "retro_ref": next_plan.retro.ref if next_plan.retro else None,
        "previous_key": next_plan.previous.label if next_plan.previous else None,
        "planned_points": context["planned_points"],
        "capacity_points": context["capacity_points"],
        "planning": _planning_time(planning_time, zone) if planning_time else None,
        "goals": list(sprint.goals),
        "owners": list(dict.fromkeys(owner for item in sprint.items for owner in item.owners)),
        "warnings": list(next_plan.warnings[:2]),
        "doc_path": path,
        "doc_link": doc_link(settings, path),
        "link_url": doc_link(settings, path) if settings.slack.docs_url else None,
    }


def _midday(day: str, zone: ZoneInfo) -> str:
    """Return noon of ISO ``day`` in ``zone``: a date token for it shows the same day to readers in any zone
    within twelve hours of the team."""
    return datetime.combine(date.fromisoformat(day), time(12, 0), tzinfo=zone).isoformat()


def _planning_time(entry: dict[str, Any], zone: ZoneInfo) -> dict[str, str]:
    """Return the planning ceremony's name, aware ISO start and team-zone fallback text."""
    local = str(entry["at"]).split(" ")[0]
    moment = datetime.fromisoformat(local).replace(tzinfo=zone)
    return {"name": str(entry["name"]), "at": moment.isoformat(), "fallback": f"{local.replace('T', ' ')} {zone.key}"}


def announcement(
    next_plan: planning.NextSprintPlan, settings: Settings, path: str, status: str, root: Path | None = None
) -> Message:
    """Return the Slack post announcing the new plan, rendered from ``slack/next-sprint.md.j2`` (the team's
    template dir in ``root`` first)."""
    renderer = SlackRenderer.for_settings(root, settings)
    context = announcement_context(next_plan, settings, path, status)
    return render_message(renderer, ANNOUNCEMENT_TEMPLATE, context, key=f"{next_plan.sprint.label}/next-sprint")


def needs_push(docs: DocsRepo, sha: str | None, settings: Settings) -> bool:
    """Return True when there is a commit of ours to push: the one just made, or one a killed run left unpushed."""
    return sha is not None or docs.unpushed_own_commits(Identity(settings.bot.name, settings.bot.email))


def our_commit_landed(docs: DocsRepo, sha: str | None, pushed: PushOutcome | None) -> bool:
    """Return False only when a concurrent run in another clone pushed the same plan first: our identical commit
    was dropped while rebasing onto it, so the push found the remote "up to date" and ``sha`` is not on the remote
    (that run announces it, so we must not). When another job of this work tree pushed our commit for us (a KB
    refresh pushing everything unpushed), ``sha`` is on the remote: it landed, and this run announces it."""
    return docs.commit_landed(sha, pushed)


def should_announce(
    docs: DocsRepo, path: str, doc: str, status: str, sha: str | None, pushed: PushOutcome | None, dry_run: bool
) -> bool:
    """Return True when this run must announce the plan (then call :func:`mark_announced` after sending).

    Announces once per plan text: the run that wrote it, or the next run here when that one died before
    announcing. A run whose identical commit lost the race leaves it to the winner (and records that)."""
    if dry_run or not announcement_due(docs, path, doc, status):
        return False
    if our_commit_landed(docs, sha, pushed):
        return True
    mark_announced(docs, path, doc)
    return False
