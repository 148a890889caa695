"""Failure notices: the Slack notice of a failed run (its name, redacted parameters, reason and UI link), posted by
the ``on_failure`` hook of runs without a deployment and by the ``notify-failure`` flow for deployment runs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from prefect.logging import get_logger

from ceremonies.adapters.notify import Delivery
from ceremonies.adapters.slack_render import SlackRenderer, render_message
from ceremonies.config import Settings, load_config
from ceremonies.domain.messages import Message
from ceremonies.errors import CeremoniesError
from ceremonies.jobs.branch import readable_root
from ceremonies.jobs.recipe import team_notifier
from ceremonies.redaction import redact, redact_parameters
from ceremonies.tasks.common import CHANNEL_VARIABLE, DOCS_REPO_VARIABLE, slack_token


def channel_override() -> str | None:
    """Return the channel set in the Prefect Variable ``ceremonies_slack_channel``, or None."""
    try:
        from prefect.variables import Variable

        value = Variable.get(CHANNEL_VARIABLE, default=None, _sync=True)  # type: ignore[call-overload]
    except Exception:  # no server or no variable
        return None
    return str(value) if value else None


def read_docs_repo_variable() -> str | None:
    """Return the docs repo of the Prefect Variable ``ceremonies_docs_repo`` (set by ``ceremonies setup``), or None."""
    try:
        from prefect.variables import Variable

        value = Variable.get(DOCS_REPO_VARIABLE, default=None, _sync=True)  # type: ignore[call-overload]
    except Exception:  # no server or no variable
        return None
    return str(value) if value else None


def settings_for(repo: str | None, branch: str | None = None) -> Settings:
    """Return the settings of ``repo`` — a work tree, or the bot's clone of a URL left by an earlier run
    (:func:`~ceremonies.jobs.branch.readable_root`); defaults when there is none or it cannot be read — with the
    channel Variable applied."""
    settings = Settings()
    root = readable_root(repo, branch) if repo else None
    if root is not None:
        try:
            settings = load_config(root)
        except CeremoniesError:
            settings = Settings()
    channel = channel_override()
    if channel:
        settings = settings.model_copy(update={"slack": settings.slack.model_copy(update={"channel": channel})})
    return settings


def ui_url() -> str | None:
    """Return the Prefect UI base URL (PREFECT_UI_URL, else derived from PREFECT_API_URL), or None."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

    configured = PREFECT_UI_URL.value()
    if configured:
        return str(configured).rstrip("/")
    api = PREFECT_API_URL.value()
    if api and "api.prefect.cloud" not in str(api):
        return re.sub(r"/api/?$", "", str(api).rstrip("/"))
    return None


FAILURE_TEMPLATE = "slack/failure.md.j2"
"""The template of the failed-run notice (a team may override it)."""


def failure_context(
    flow_name: str, run_name: str, run_id: str, parameters: Mapping[str, Any], reason: str
) -> dict[str, Any]:
    """Return what ``templates/slack/failure.md.j2`` shows: run, redacted parameters, reason, UI link."""
    params = redact_parameters(parameters)
    shown = ", ".join(f"{key}={value!r}" for key, value in sorted(params.items()))
    base = ui_url()
    link = f"{base}/runs/flow-run/{run_id}" if base else None
    return {
        "flow_name": flow_name,
        "run_name": run_name,
        "run_id": run_id,
        "parameters": redact(shown),
        "reason": redact(reason.strip()[:500] or "unknown"),
        "details": link or f"flow run id {run_id}",
        "link_url": link,
    }


def failure_message(
    flow_name: str,
    run_name: str,
    run_id: str,
    parameters: Mapping[str, Any],
    reason: str,
    repo: str | None = None,
    branch: str | None = None,
) -> Message:
    """Return the Slack notice of a failed run (name, redacted parameters, reason, UI link), rendered from
    ``slack/failure.md.j2`` (the docs repo's own template first: its work tree, or the bot's clone of a URL)."""
    root = readable_root(repo, branch) if repo else None
    renderer = SlackRenderer.for_settings(root, settings_for(repo, branch))
    context = failure_context(flow_name, run_name, run_id, parameters, reason)
    return render_message(renderer, FAILURE_TEMPLATE, context, key=f"failure/{run_id}")


def post_failure_notice(
    flow_name: str, run_name: str, run_id: str, parameters: Mapping[str, Any], reason: str
) -> list[Delivery]:
    """Post the failure notice of one run through the team's notifier (its template, escaping and redaction; one
    key per run); return the deliveries."""
    logger = get_logger("ceremonies.failure")
    repo = parameters.get("repo")
    local = repo if isinstance(repo, str) else None
    branch = parameters.get("branch") if isinstance(parameters.get("branch"), str) else None
    message = failure_message(flow_name, run_name, run_id, parameters, reason, local, branch)
    deliveries = team_notifier(settings_for(local, branch), slack_token(), log=logger).send([message])
    for delivery in deliveries:
        logger.info("Failure notice for %s: %s", run_name, delivery.describe())
    return deliveries


def post_notice(text: str, key: str, repo: str | None = None) -> list[Delivery]:
    """Post ``text`` (redacted) through the team's notifier under ``key``; return the deliveries."""
    logger = get_logger("ceremonies.failure")
    notifier = team_notifier(settings_for(repo), slack_token(), log=logger)
    deliveries = notifier.send([Message(text=redact(text), key=key)])
    return deliveries


def notify_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect ``on_failure`` hook of runs started without a deployment (a script, a test): post the failed run's
    name, parameters (no secrets) and UI link. Deployment runs are announced by the failure Automation instead
    (the ``notify-failure`` deployment's triggers: Failed, Crashed, TimedOut), so a notice is posted once.

    Never raises: a broken notifier is logged, the run's own failure stays what the UI shows.
    """
    logger = get_logger("ceremonies.failure")
    if getattr(flow_run, "deployment_id", None) is not None:
        logger.info("Deployment run %s failed: the failure Automation posts the notice", getattr(flow_run, "name", "?"))
        return
    try:
        parameters = dict(getattr(flow_run, "parameters", {}) or {})
        post_failure_notice(
            getattr(flow, "name", "flow"),
            getattr(flow_run, "name", "?"),
            str(getattr(flow_run, "id", "?")),
            parameters,
            str(getattr(state, "message", "") or ""),
        )
    except Exception as exc:  # a hook must never mask the run's failure
        logger.error("Could not post the failure notice: %s", redact(str(exc)))
