"""Flow ``next_sprint``: the next-sprint recipe (:func:`ceremonies.jobs.next_sprint.run_next_sprint`) under Prefect:
push and Slack as tasks, the plan as a markdown artifact; runs on the same repo wait for each other."""

from __future__ import annotations

from typing import Any

from prefect import flow

from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
from ceremonies.tasks.common import FLOW_TIMEOUT_SECONDS, parse_day
from ceremonies.tasks.effects import prefect_effects
from ceremonies.tasks.failure import notify_failure
from ceremonies.tasks.repo_limit import arepo_lock


@flow(name="next-sprint", on_failure=[notify_failure], timeout_seconds=FLOW_TIMEOUT_SECONDS, validate_parameters=False)
async def next_sprint(
    repo: str, branch: str | None = None, dry_run: bool = False, force: bool = False, today: str = ""
) -> dict[str, Any]:
    """Write the next sprint's plan into the docs repo, commit and push it, and announce it in Slack.

    Args:
        repo: Docs repo: a work tree path or a git URL.
        branch: Branch the sprint docs live on; default: [git] branch, else the checked-out one or remote HEAD.
        dry_run: Plan and show the doc or diff; write, commit, send nothing.
        force: Plan even when not due; replace a human-edited plan (a backup is kept).
        today: YYYY-MM-DD, empty = today in the team's time zone (Python callers may pass a date).
    """
    request = NextSprintRequest(repo, branch, dry_run=dry_run, force=force, today=parse_day("today", today))
    async with arepo_lock(repo):
        return run_next_sprint(request, prefect_effects()).to_json()
