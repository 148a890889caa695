"""Flow ``remind``: schedule the planning, demo and retro reminders of the current and next sprint in Slack.

open → load → compute (due in [now, now + horizon]) → render → send (each reminder scheduled exactly once, so it is
safe to run every hour) → withdraw reminders no longer wanted (a ceremony moved or dropped) → markdown artifact
listing the reminders. Runs on the same repo wait for each other.
"""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow
from pydantic import Field

from ceremonies.tasks import remind as steps
from ceremonies.tasks.common import (
    FLOW_TIMEOUT_SECONDS,
    apublish_markdown,
    arepo_lock,
    as_is,
    in_team_time,
    notify_failure,
    parse_moment,
)


@flow(
    name="remind",
    log_prints=True,
    on_failure=[notify_failure],
    timeout_seconds=FLOW_TIMEOUT_SECONDS,
    validate_parameters=False,  # plain-string parameters are checked by the flow (parse_moment), datetimes pass too
)
async def remind(
    repo: Annotated[str, Field(description="Docs repo: a work tree path or a git URL.")],
    branch: Annotated[
        str | None,
        Field(description="Branch holding the sprint docs ; default: checked-out branch or remote HEAD."),
    ] = None,
    channel: Annotated[
        str, Field(description="Slack channel (id or name); empty = slack.channel of ceremonies.toml.")
    ] = "",
    now: Annotated[str, Field(description="YYYY-MM-DDTHH:MM in the team's time zone; empty = now.")] = "",
    horizon: Annotated[
        str, Field(description="How far ahead to schedule: hours (48) or 48h / 7d; empty = reminders.horizon_hours.")
    ] = "",
    dry_run: Annotated[bool, Field(description="Render the reminders and show them; send nothing.")] = False,
) -> dict[str, Any]:
    """Schedule the ceremony reminders due within ``horizon`` of ``now`` in the team's Slack channel, once each.

    Args:
        repo: Docs repo: a work tree path or a git URL.
        branch: Branch holding the sprint docs.
        channel: Slack channel (id or name); empty = slack.channel of ceremonies.toml.
        now: YYYY-MM-DDTHH:MM in the team's time zone; empty = now (Python callers may pass a datetime).
        horizon: How far ahead to schedule: hours (48) or 48h / 7d; empty = reminders.horizon_hours.
        dry_run: Render the reminders and show them; send nothing.
    """
    moment = parse_moment("now", now)
    target = channel or None
    window = horizon if horizon not in ("", None) else None
    async with arepo_lock(repo):
        docs, settings = steps.open_repo(repo, branch, not dry_run, target)
        at = in_team_time(moment, settings)
        history = steps.load(docs, settings)
        plan = steps.compute(as_is(history), settings, at, window)
        messages = steps.render(docs, settings, as_is(history), as_is(plan), target)
        deliveries = [] if dry_run else steps.send(settings, messages, at, docs)
        withdrawn = [] if dry_run else steps.withdraw(settings, as_is(plan), target, at)
        result = steps.result(repo, settings, dry_run, plan, messages, deliveries, history, withdrawn)
    await apublish_markdown("remind", result.summary_markdown(), "Reminders scheduled")
    return steps.as_json(result)
