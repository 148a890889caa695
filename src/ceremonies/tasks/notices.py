"""The steps of the ``notify-failure`` flow: read the run an Automation names and post its failure notice."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client

from ceremonies.errors import UsageError
from ceremonies.tasks.common import run_logger
from ceremonies.tasks.failure import post_failure_notice, post_notice, read_docs_repo_variable

RUN_PREFIX = "prefect.flow-run."


def run_id_of(resource: str) -> UUID:
    """Return the flow run id in ``prefect.flow-run.<id>`` (or a bare id); UsageError quoting it otherwise."""
    text = resource.strip().removeprefix(RUN_PREFIX)
    try:
        return UUID(text)
    except ValueError:
        raise UsageError(f"parameter flow_run={resource!r} names no flow run (prefect.flow-run.<id>)") from None


async def notify_run(resource: str, event: str) -> dict[str, Any]:
    """Post the failure notice of the run ``resource`` names; return what was posted."""
    run_id = run_id_of(resource)
    async with get_client() as client:
        run = await client.read_flow_run(run_id)
        flow = await client.read_flow(run.flow_id)
    state = run.state
    what = event.removeprefix(RUN_PREFIX) or (state.name if state and state.name else "Failed")
    message = (state.message if state else "") or ""
    reason = f"{what}: {message}" if message else what
    deliveries = post_failure_notice(flow.name, run.name, str(run.id), dict(run.parameters or {}), reason)
    run_logger().info("Posted the %s notice of %s (%s): %s", what, run.name, flow.name, deliveries)
    return {"run": str(run.id), "flow": flow.name, "state": what, "deliveries": [str(d) for d in deliveries]}


def notify_reason(reason: str) -> dict[str, Any]:
    """Post a notice that names no run (a proactive Automation: something did not happen); return what was posted."""
    text = f":warning: {reason}"
    deliveries = post_notice(text, key=f"notice/{reason}", repo=read_docs_repo_variable())
    run_logger().info("Posted notice %r: %s", reason, deliveries)
    return {"reason": reason, "deliveries": [str(d) for d in deliveries]}
