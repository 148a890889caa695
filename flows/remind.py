"""Flow ``remind``: the reminder recipe (:func:`ceremonies.jobs.remind.run_remind`) under Prefect: Slack calls as
tasks, the reminders as a markdown artifact; safe to run every hour (each reminder is scheduled once)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from ceremonies.jobs.remind import RemindRequest, run_remind
from ceremonies.tasks.common import FLOW_TIMEOUT_SECONDS, parse_moment
from ceremonies.tasks.effects import prefect_effects
from ceremonies.tasks.failure import notify_failure
from ceremonies.tasks.repo_limit import arepo_lock


@flow(name="remind", on_failure=[notify_failure], timeout_seconds=FLOW_TIMEOUT_SECONDS, validate_parameters=False)
async def remind(
    repo: str, branch: str | None = None, channel: str = "", now: str = "", horizon: str = "", dry_run: bool = False
) -> dict[str, Any]:
    """Schedule the ceremony reminders due within ``horizon`` of ``now`` in the team's Slack channel, once each.

    Args:
        repo: Docs repo: a work tree path or a git URL.
        branch: Branch holding the sprint docs; default: [git] branch, else the checked-out one or remote HEAD.
        channel: Slack channel (id or name); empty = slack.channel of ceremonies.toml.
        now: YYYY-MM-DDTHH:MM in the team's time zone; empty = now (Python callers may pass a datetime).
        horizon: How far ahead to schedule: hours (48) or 48h / 7d; empty = reminders.horizon_hours.
        dry_run: Render the reminders and show them; send nothing.
    """
    window = horizon if horizon not in ("", None) else None
    request = RemindRequest(repo, branch, channel or None, parse_moment("now", now), window, dry_run)
    async with arepo_lock(repo):
        return run_remind(request, prefect_effects()).to_json()
