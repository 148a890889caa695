"""Flow ``notify-failure``: the failure notices of ceremonies deployments, run by Prefect Automations.

Its deployment's triggers in ``prefect.yaml`` are the Automations: a ceremonies run that ends Failed, Crashed (the
process died: no hook of its own could run) or TimedOut starts it with that run's id; refresh-kb not Completed for
two hours starts it with a reason. It posts through the same notifier as everything else (Slack, or printed).
"""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow
from pydantic import Field

from ceremonies.tasks import notices as steps


@flow(name="notify-failure", log_prints=True, timeout_seconds=300, validate_parameters=False)
async def notify_failure(
    flow_run: Annotated[str, Field(description="The run: prefect.flow-run.<id> (the event resource) or its id.")] = "",
    event: Annotated[str, Field(description="What happened: prefect.flow-run.Failed / Crashed / TimedOut.")] = "",
    reason: Annotated[str, Field(description="A notice without a run, e.g. 'refresh-kb not Completed for 2 h'.")] = "",
) -> dict[str, Any]:
    """Post the failure notice of ``flow_run`` (or ``reason``) to the team's channel.

    Args:
        flow_run: The run: prefect.flow-run.<id> (the event's resource) or its id.
        event: What happened: prefect.flow-run.Failed / Crashed / TimedOut.
        reason: A notice without a run, e.g. 'refresh-kb not Completed for 2 h'.
    """
    if flow_run:
        return await steps.notify_run(flow_run, event)
    return steps.notify_reason(reason or event or "a ceremonies deployment needs attention")
