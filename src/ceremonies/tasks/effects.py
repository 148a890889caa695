"""A recipe's side effects as Prefect tasks: what a flow hands ``run_<job>(request, effects)``.

Retries, one layer per failure kind (docs/architecture.md, "Retries"):

* **git push rejected** (non-fast-forward): the adapter's bounded fetch-rebase-push loop (:meth:`DocsRepo.push`), on
  both paths; a push the remote refuses (hook, protected branch) or still rejected after it is not retried again.
* **git push that never reached the remote** (network, DNS, 5xx of the git host): the ``push`` task retries it
  (:data:`PUSH_RETRIES`, only in a flow); a timed-out push is not retried (:func:`retry_push_condition`).
* **Slack** (rate limit, 5xx, connection errors): the SDK's retry handlers in :mod:`ceremonies.adapters.slack`, on
  both paths; the ``slack-send`` and ``slack-withdraw`` tasks do not retry on top of them (a second layer multiplied
  the attempts to 16 per call and could repeat a ``chat.postMessage`` that Slack had taken).

The tasks take small arguments (a repo handle, a notifier, the messages), so Prefect's argument walk costs nothing
and they keep no cache (``NO_CACHE``: a side effect is never skipped as "already done").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from ceremonies.adapters.git import DocsRepo, PushOutcome
from ceremonies.adapters.notify import Delivery, Notifier
from ceremonies.domain.messages import Message
from ceremonies.errors import GitError, GitTimeoutError, PushRejectedError
from ceremonies.jobs.recipe import Effects, Log, Mine, push_directly, send_directly, withdraw_directly
from ceremonies.tasks.common import publish_markdown, run_logger, slack_token
from ceremonies.tasks.events import emit_sprint_planned

PUSH_RETRIES = 3
"""Extra attempts of a push that failed before reaching the remote (network); see the module docs."""
PUSH_RETRY_DELAYS: list[float] = [2.0, 10.0, 30.0]
RETRY_JITTER = 0.2


def is_transient_push_failure(error: BaseException) -> bool:
    """Return True for a push failure worth another try later: git could not reach the remote (a GitError that is
    neither a rejection — the adapter's loop already handled those — nor a timeout), or an OS-level error."""
    if isinstance(error, PushRejectedError | GitTimeoutError):
        return False
    return isinstance(error, GitError | OSError) and "conflict" not in str(error).lower()


def retry_push_condition(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn`` of the push task: retry only :func:`is_transient_push_failure` errors."""
    try:
        state.result()
    except Exception as exc:
        return is_transient_push_failure(exc)
    return False


@task(
    name="push",
    retries=PUSH_RETRIES,
    retry_delay_seconds=PUSH_RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_push_condition,
    cache_policy=NO_CACHE,
)
def push(docs: DocsRepo, to: str | None, mine: Mine) -> PushOutcome:
    """Push the docs branch (to ``to`` when set; the adapter rebases a rejected push); return the outcome."""
    outcome = push_directly(docs, to, mine)
    run_logger().info("Push: %s", outcome.reason)
    return outcome


@task(name="slack-send", cache_policy=NO_CACHE)
def send(notifier: Notifier, messages: Sequence[Message]) -> list[Delivery]:
    """Post or schedule ``messages`` once each (the Slack SDK retries transient failures); log each delivery."""
    deliveries = send_directly(notifier, messages)
    for delivery in deliveries:
        run_logger().info("Slack: %s", delivery.describe())
    return deliveries


@task(name="slack-withdraw", cache_policy=NO_CACHE)
def withdraw(notifier: Notifier, keys: Sequence[str], channel: str | None) -> list[Delivery]:
    """Delete the pending scheduled messages of ``keys``; log each."""
    withdrawn = withdraw_directly(notifier, keys, channel)
    for delivery in withdrawn:
        run_logger().info("Slack: %s withdrawn", delivery.key)
    return withdrawn


def publish(key: str, markdown: str, title: str) -> None:
    """Attach ``markdown`` (redacted) to the current run as the artifact ``key``."""
    publish_markdown(key, markdown, title)


def flow_log() -> Log | None:
    """Return the current run's logger (a console notifier logs the messages there)."""
    return run_logger()


def current_run_id() -> str:
    """Return the id of the current flow run (``local`` outside one): the ``Ceremonies-Run`` trailer of its commits."""
    return str(flow_run.get_id() or "local")


def prefect_effects() -> Effects:
    """Return the effects of a flow run: push and Slack calls as tasks, artifacts, the ``ceremonies.sprint.planned``
    event, the token of ``SLACK_BOT_TOKEN`` or the Secret block, console messages in the run's log, the flow run id
    in commit trailers."""
    return Effects(
        push=push,
        send=send,
        withdraw=withdraw,
        publish=publish,
        sprint_planned=emit_sprint_planned,
        token=slack_token,
        log=flow_log,
        run_id=current_run_id,
    )
