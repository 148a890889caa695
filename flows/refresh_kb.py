"""Flow ``refresh_kb``: regenerate the knowledge base from merged work (started by ceremonies.docs.pushed).

load → compute → write → commit (one, with the ``KB-Synced-Through`` trailer) → push → Slack summary, plus a
markdown artifact with the summary. Runs on the same repo wait for each other (per-repo lock).
The loaded KB and the plan go to the tasks ``as_is``: Prefect would otherwise walk every nested object of them
looking for futures, which took 30 s on a 10,000-page KB (BENCHMARKS.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow
from pydantic import Field

from ceremonies.tasks import refresh_kb as steps
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
    name="refresh-kb",
    log_prints=True,
    on_failure=[notify_failure],
    timeout_seconds=FLOW_TIMEOUT_SECONDS,
    validate_parameters=False,  # plain-string parameters are checked by the flow (parse_moment), datetimes pass too
)
async def refresh_kb(
    repo: Annotated[str, Field(description="Docs repo: a work tree path or a git URL.")],
    branch: Annotated[
        str | None,
        Field(description="Branch whose merged work the KB reflects ; default: checked-out branch or remote HEAD."),
    ] = None,
    full: Annotated[bool, Field(description="Rebuild from the whole history instead of the new commits.")] = False,
    dry_run: Annotated[bool, Field(description="Compute and show the changes; write, commit, send nothing.")] = False,
    now: Annotated[
        str, Field(description="YYYY-MM-DDTHH:MM in the team's time zone (for the SLA check); empty = now.")
    ] = "",
) -> dict[str, Any]:
    """Regenerate the KB pages (index, what's new, sprint history, doc health, managed blocks) of ``repo``.

    Args:
        repo: Docs repo: a work tree path or a git URL.
        branch: Branch whose merged work the KB reflects.
        full: Rebuild from the whole history instead of the new commits.
        dry_run: Compute and show the changes; write, commit, send nothing.
        now: YYYY-MM-DDTHH:MM in the team's time zone (for the SLA check); empty = now (Python callers may pass a
            datetime).
    """
    moment = parse_moment("now", now)
    async with arepo_lock(repo):
        docs, settings = steps.open_repo(repo, branch, pull=not dry_run)
        inp = steps.load(docs, settings, full, in_team_time(moment, settings))
        plan = steps.compute(as_is(inp))
        written = sorted(plan.writes) if dry_run else steps.write(as_is(inp), as_is(plan))
        sha = None if dry_run else steps.commit(docs, as_is(inp), as_is(plan), written, settings)
        outcome = steps.push(docs, settings) if not dry_run and steps.needs_push(docs, sha, settings) else None
        message = steps.summary(inp, plan, written)
        landed = dry_run or docs.commit_landed(sha, outcome)  # a commit dropped for an identical one: its pusher posts
        deliveries = steps.notify(settings, message, dry_run, docs) if written and landed else []
        result = steps.result(inp, plan, written, sha, outcome, dry_run, message, deliveries)
    await apublish_markdown("refresh-kb", result.summary_markdown(), "KB refresh summary")
    return steps.as_json(result)
