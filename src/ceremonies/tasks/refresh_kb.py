"""The KB refresh steps as Prefect tasks (retries only on the git push); the flow wires them in order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ceremonies.adapters.git import DocsRepo, PushOutcome
from ceremonies.adapters.notify import Delivery, Notifier
from ceremonies.adapters.slack import cache_channels, make_notifier
from ceremonies.config import Settings
from ceremonies.domain.messages import Message
from ceremonies.jobs import refresh_kb as job
from ceremonies.tasks.common import (
    PUSH_RETRIES,
    PUSH_RETRY_DELAYS,
    RETRY_JITTER,
    retry_push_condition,
    run_logger,
    slack_token,
)


@task(name="kb-open-repo")
def open_repo(repo: str, branch: str | None, pull: bool) -> tuple[DocsRepo, Settings]:
    """Open (or clone) the docs repo and pull; return it and its settings."""
    return job.open_repo(repo, branch, pull=pull)


@task(name="kb-load")
def load(docs: DocsRepo, settings: Settings, full: bool, now: datetime | None) -> job.KbInput:
    """Read the merged work since the sync point (one git log) and the cached state."""
    inp = job.load_kb(docs.root, settings, full=full, now=now)
    run_logger().info(
        "KB %s refresh: %d commit(s) since %s",
        "incremental" if inp.incremental else "full",
        len(inp.commits),
        inp.sync.synced_through[:12] if inp.sync else "the beginning",
    )
    return inp


@task(name="kb-compute", cache_policy=NO_CACHE)  # no input hashing of the whole KB
def compute(inp: job.KbInput) -> job.KbPlan:
    """Compute the new pages (only files whose text changes are in the plan)."""
    plan = job.compute_kb(inp)
    run_logger().info("KB plan: %d file(s) to write, %d page(s) parsed", len(plan.writes), plan.pages_parsed)
    return plan


@task(name="kb-write", cache_policy=NO_CACHE)  # no input hashing of the whole KB
def write(inp: job.KbInput, plan: job.KbPlan) -> list[str]:
    """Write the plan's files atomically; return their paths."""
    return job.write_kb(inp, plan)


@task(name="kb-commit", cache_policy=NO_CACHE)  # no input hashing of the whole KB
def commit(docs: DocsRepo, inp: job.KbInput, plan: job.KbPlan, written: list[str], settings: Settings) -> str | None:
    """Make the one bot commit (with the KB-Synced-Through trailer) and cache the state; return the sha."""
    sha = job.commit_kb(docs, inp, plan, written, settings)
    if sha is not None:
        job.save_kb_state(inp, plan)
    return sha


needs_push = job.needs_push


@task(
    name="kb-push",
    retries=PUSH_RETRIES,
    retry_delay_seconds=PUSH_RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_push_condition,
)
def push(docs: DocsRepo, settings: Settings) -> PushOutcome:
    """Push the commit (the adapter rebases on non-fast-forward; this task retries what is left), to the team's
    ``git.push_branch`` when set."""
    return job.push_kb(docs, settings)


def team_notifier(settings: Settings, dry_run: bool) -> Notifier:
    """Return Slack when a token is there (and not a dry run), else the console logging to the run's logger."""
    return make_notifier(settings, slack_token(), dry_run, log=run_logger())


@task(name="kb-notify")
def notify(settings: Settings, message: Message, dry_run: bool, docs: DocsRepo | None = None) -> list[Delivery]:
    """Send the Slack summary of the refresh (console when no token or in a dry run); the channel id is cached
    in ``docs``' git dir when given."""
    notifier = team_notifier(settings, dry_run)
    if docs is not None:
        cache_channels(notifier, docs.git_dir)
    return job.notify_kb(notifier, message)


def result(
    inp: job.KbInput,
    plan: job.KbPlan,
    written: list[str],
    sha: str | None,
    outcome: PushOutcome | None,
    dry_run: bool,
    message: Message,
    deliveries: list[Delivery],
) -> job.RefreshResult:
    """Return the RefreshResult of the flow run."""
    pushed = bool(outcome and outcome.pushed)
    detail = getattr(outcome, "reason", None) if outcome else ("dry run" if dry_run else None)
    return job.result_of(inp, plan, written, sha, pushed, detail, dry_run, message, deliveries)


def summary(inp: job.KbInput, plan: job.KbPlan, written: list[str]) -> Message:
    """Return the Slack summary message."""
    return job.summary_of(inp, plan, written)


def as_json(refresh: job.RefreshResult) -> dict[str, Any]:
    """Return the JSON of a refresh result (the flow's return value)."""
    return refresh.to_json()
