"""Flow ``next_sprint``: plan the next sprint from the last plan and its retro (safe to schedule daily).

load → decide (is it time?) → plan → render → write → commit (bot, trailers) → push → announce, plus a markdown
artifact with the generated doc. Not due, already written or changed by a human: nothing is written or committed.
Runs on the same repo wait for each other (per-repo lock).
"""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow
from pydantic import Field

from ceremonies.tasks import next_sprint as steps
from ceremonies.tasks.common import (
    FLOW_TIMEOUT_SECONDS,
    apublish_markdown,
    arepo_lock,
    as_is,
    notify_failure,
    parse_day,
)
from ceremonies.tasks.events import emit_sprint_planned


@flow(
    name="next-sprint",
    log_prints=True,
    on_failure=[notify_failure],
    timeout_seconds=FLOW_TIMEOUT_SECONDS,
    validate_parameters=False,  # plain-string parameters are checked by the flow (parse_day), dates pass too
)
async def next_sprint(
    repo: Annotated[str, Field(description="Docs repo: a work tree path or a git URL.")],
    branch: Annotated[
        str | None,
        Field(description="Branch the sprint docs live on ; default: checked-out branch or remote HEAD."),
    ] = None,
    dry_run: Annotated[bool, Field(description="Plan and show the doc or diff; write, commit, send nothing.")] = False,
    force: Annotated[
        bool, Field(description="Plan even when not due; replace a human-edited plan (a backup is kept).")
    ] = False,
    today: Annotated[str, Field(description="YYYY-MM-DD, empty = today in the team's time zone.")] = "",
) -> dict[str, Any]:
    """Write the next sprint's plan into the docs repo, commit and push it, and announce it in Slack.

    Args:
        repo: Docs repo: a work tree path or a git URL.
        branch: Branch the sprint docs live on.
        dry_run: Plan and show the doc or diff; write, commit, send nothing.
        force: Plan even when not due; replace a human-edited plan (a backup is kept).
        today: YYYY-MM-DD, empty = today in the team's time zone (Python callers may pass a date).
    """
    day = parse_day("today", today)
    async with arepo_lock(repo):
        docs, settings = steps.open_repo(repo, branch, pull=not dry_run)
        history = steps.load(docs, settings)
        decision = steps.decide(as_is(history), settings, day, force)
        planned, decision = steps.plan(as_is(decision), settings, force) if decision.due else (None, decision)
        if planned is None or not decision.due:
            skipped = steps.skipped(docs, decision, dry_run)
            await apublish_markdown("next-sprint-not-due", skipped.summary_markdown(), "Next sprint: nothing to do")
            return steps.as_json(skipped)
        doc = steps.render(docs, settings, as_is(planned))
        target, outcome = steps.write(docs, settings, as_is(planned), doc, force, dry_run)
        sha = steps.commit(docs, settings, as_is(planned), target, outcome) if steps.commits(outcome, dry_run) else None
        pushes = not dry_run and steps.needs_push(docs, sha, settings)
        pushed = steps.push(docs, settings, planned.sprint.label) if pushes else None
        if pushed is not None and pushed.pushed:
            emit_sprint_planned(repo, docs.branch, planned.sprint.label)
        message = steps.announcement(planned, settings, target, outcome, docs)
        announces = steps.announces(docs, target, doc, outcome, sha, pushed, dry_run)
        deliveries = steps.announce(settings, message, dry_run, docs, target, doc) if announces else []
        result = steps.result(docs, decision, planned, target, doc, outcome, sha, pushed, message, deliveries, dry_run)
    await apublish_markdown(f"next-sprint-{result.sprint}", steps.artifact_markdown(result), "Next sprint plan")
    return steps.as_json(result)
