"""Flow ``refresh_kb``: the KB refresh recipe (:func:`ceremonies.jobs.refresh_kb.run_refresh_kb`) under Prefect: push
and Slack as tasks, the summary as a markdown artifact; started by ``ceremonies.docs.pushed`` and on a schedule."""

from __future__ import annotations

from typing import Any

from prefect import flow

from ceremonies.jobs.refresh_kb import RefreshRequest, run_refresh_kb
from ceremonies.tasks.common import FLOW_TIMEOUT_SECONDS, parse_moment
from ceremonies.tasks.effects import prefect_effects
from ceremonies.tasks.failure import notify_failure
from ceremonies.tasks.repo_limit import arepo_lock


@flow(name="refresh-kb", on_failure=[notify_failure], timeout_seconds=FLOW_TIMEOUT_SECONDS, validate_parameters=False)
async def refresh_kb(
    repo: str, branch: str | None = None, full: bool = False, dry_run: bool = False, now: str = ""
) -> dict[str, Any]:
    """Regenerate the KB pages (index, what's new, sprint history, doc health, managed blocks) of ``repo``.

    Args:
        repo: Docs repo: a work tree path or a git URL.
        branch: Branch whose merged work the KB reflects; default: [git] branch, else the checked-out one or remote
            HEAD.
        full: Rebuild from the whole history instead of the new commits.
        dry_run: Compute and show the changes; write, commit, send nothing.
        now: YYYY-MM-DDTHH:MM in the team's time zone (for the SLA check); empty = now (Python callers may pass a
            datetime).
    """
    request = RefreshRequest(repo, branch, full=full, dry_run=dry_run, now=parse_moment("now", now))
    async with arepo_lock(repo):
        return run_refresh_kb(request, prefect_effects()).to_json()
