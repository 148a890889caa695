"""The reminder steps as Prefect tasks (retries only on the Slack call); the flow wires them in order."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from prefect import task

from ceremonies.adapters.git import DocsRepo
from ceremonies.adapters.notify import Delivery
from ceremonies.adapters.slack import cache_channels
from ceremonies.config import Settings
from ceremonies.domain.messages import Message
from ceremonies.domain.model import SprintHistory
from ceremonies.jobs import remind as job
from ceremonies.tasks.common import (
    RETRY_JITTER,
    SLACK_RETRIES,
    SLACK_RETRY_DELAYS,
    retry_slack_condition,
    run_logger,
    slack_token,
    team_time,
)


@task(name="remind-open-repo")
def open_repo(repo: str, branch: str | None, pull: bool, channel: str | None) -> tuple[DocsRepo, Settings]:
    """Open (or clone) the docs repo and pull; return it and its settings (with the channel override applied)."""
    docs, settings = job.open_repo(repo, branch, pull=pull)
    return docs, job.with_channel(settings, channel)


@task(name="remind-load")
def load(docs: DocsRepo, settings: Settings) -> SprintHistory:
    """Read the sprint docs (problems are collected, not raised)."""
    history = job.load_sprints(docs.root, settings)
    for issue in job.issues_of(history):
        run_logger().warning("Sprint doc problem: %s", issue)
    return history


@task(name="remind-compute")
def compute(
    history: SprintHistory, settings: Settings, now: datetime | None, horizon: float | str | timedelta | None
) -> job.RemindPlan:
    """Compute the current and next sprint, their ceremonies and the reminders due in the horizon."""
    plan = job.plan_reminders(history, settings, job.aware_now(now), horizon)
    run_logger().info(
        "%d reminder(s) due between %s and %s",
        len(plan.due),
        team_time(plan.now, settings),
        team_time(plan.now + plan.horizon, settings),
    )
    return plan


@task(name="remind-render")
def render(
    docs: DocsRepo, settings: Settings, history: SprintHistory, plan: job.RemindPlan, channel: str | None
) -> list[Message]:
    """Render one Slack message per due reminder from the team's (or the default) templates."""
    return job.render_messages(docs.root, settings, history, plan.due, channel)


@task(
    name="remind-send",
    retries=SLACK_RETRIES,
    retry_delay_seconds=SLACK_RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_slack_condition,
)
def send(
    settings: Settings, messages: list[Message], now: datetime | None, docs: DocsRepo | None = None
) -> list[Delivery]:
    """Schedule the messages once each (Slack with a token, else the console logging to the run's logger); a retry
    never double-posts. The channel id is cached in ``docs``' git dir when given."""
    notifier = job.make_remind_notifier(settings, slack_token(), now, log=run_logger())
    if docs is not None:
        cache_channels(notifier, docs.git_dir)
    deliveries = job.send_reminders(notifier, messages)
    for delivery in deliveries:
        run_logger().info("Reminder %s", delivery.describe())
    return deliveries


@task(
    name="remind-withdraw",
    retries=SLACK_RETRIES,
    retry_delay_seconds=SLACK_RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_slack_condition,
)
def withdraw(settings: Settings, plan: job.RemindPlan, channel: str | None, now: datetime | None) -> list[Delivery]:
    """Delete scheduled reminders that are no longer wanted at their time (a ceremony moved or dropped)."""
    notifier = job.make_remind_notifier(settings, slack_token(), now)
    withdrawn = job.withdraw_stale(notifier, plan, settings, channel)
    for delivery in withdrawn:
        run_logger().info("Reminder %s: withdrawn", delivery.key)
    return withdrawn


def result(
    repo: str,
    settings: Settings,
    dry_run: bool,
    plan: job.RemindPlan,
    messages: list[Message],
    deliveries: list[Delivery],
    history: SprintHistory,
    withdrawn: list[Delivery],
) -> job.RemindResult:
    """Return the RemindResult of the flow run."""
    issues = job.issues_of(history)
    return job.RemindResult(repo, settings.slack.channel, dry_run, plan, messages, deliveries, issues, withdrawn)


def as_json(outcome: job.RemindResult) -> dict[str, Any]:
    """Return the JSON of a reminder run (the flow's return value)."""
    return outcome.to_json()
