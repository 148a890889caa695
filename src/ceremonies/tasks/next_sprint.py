"""The next-sprint steps as Prefect tasks (retries only on the git push and the Slack post); the flow wires them."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import task
from prefect.runtime import flow_run

from ceremonies import planning
from ceremonies.adapters.git import DocsRepo, PushOutcome
from ceremonies.adapters.notify import Delivery, Notifier
from ceremonies.adapters.slack import cache_channels, make_notifier
from ceremonies.config import Settings
from ceremonies.domain.messages import Message
from ceremonies.domain.model import SprintHistory
from ceremonies.jobs import next_sprint as job
from ceremonies.tasks.common import (
    PUSH_RETRIES,
    PUSH_RETRY_DELAYS,
    RETRY_JITTER,
    SLACK_RETRIES,
    SLACK_RETRY_DELAYS,
    retry_push_condition,
    retry_slack_condition,
    run_logger,
    slack_token,
)


@task(name="next-sprint-open-repo")
def open_repo(repo: str, branch: str | None, pull: bool) -> tuple[DocsRepo, Settings]:
    """Open (or clone) the docs repo and pull; return it and its settings."""
    return job.open_repo(repo, branch, pull=pull)


@task(name="next-sprint-load")
def load(docs: DocsRepo, settings: Settings) -> SprintHistory:
    """Read the sprint history; fail naming every sprint doc that cannot be read."""
    history = job.load(docs.root, settings)
    job.require_plans(docs.root, history, settings)
    for warning in job.doc_warnings(history):
        run_logger().warning("%s", warning)
    run_logger().info(
        "Sprint history: %d plan(s), %d retro(s), %d summary(ies)",
        len(history.plans),
        len(history.retros),
        len(history.summaries),
    )
    return history


@task(name="next-sprint-decide")
def decide(history: SprintHistory, settings: Settings, today: date | None, force: bool) -> job.Decision:
    """Decide whether the next sprint is due today (or forced); log why."""
    decision = job.decide(history, settings, today, force)
    run_logger().info("%s: %s", "Due" if decision.due else "Not due", decision.reason)
    return decision


@task(name="next-sprint-plan")
def plan(decision: job.Decision, settings: Settings, force: bool) -> tuple[planning.NextSprintPlan, job.Decision]:
    """Plan the next sprint; return it with the decision (not due while the previous sprint waits for its retro)."""
    planned = job.plan(decision, settings)
    checked = job.check_retro(decision, planned, settings, force)
    run_logger().info(
        "Planned %s: %s..%s, %d item(s)",
        planned.sprint.label,
        planned.sprint.start,
        planned.sprint.end,
        len(planned.sprint.items),
    )
    return planned, checked


@task(name="next-sprint-render")
def render(docs: DocsRepo, settings: Settings, planned: planning.NextSprintPlan) -> str:
    """Render the new plan from the team's template (or the default one)."""
    return job.render(docs.root, settings, planned)


@task(name="next-sprint-write")
def write(
    docs: DocsRepo, settings: Settings, planned: planning.NextSprintPlan, doc: str, force: bool, dry_run: bool
) -> tuple[job.Target, job.WriteOutcome]:
    """Write the doc atomically unless it is already there or a human changed it; return the target and outcome."""
    target = job.inspect_target(docs, settings, planned, doc)
    outcome = job.write(docs, target, doc, force=force, dry_run=dry_run)
    if outcome.refused is not None:
        run_logger().warning("%s", outcome.refused)
    else:
        run_logger().info("%s: %s%s", target.path, outcome.status, " (dry run)" if dry_run else "")
    return target, outcome


def commits(outcome: job.WriteOutcome, dry_run: bool) -> bool:
    """Return True when the run commits: not a dry run, and the file is the tool's (written now or earlier)."""
    return not dry_run and outcome.status not in (job.HUMAN_EDITED, job.ALREADY_PLANNED)


needs_push = job.needs_push


def announces(
    docs: DocsRepo,
    target: job.Target,
    doc: str,
    outcome: job.WriteOutcome,
    sha: str | None,
    pushed: PushOutcome | None,
    dry_run: bool,
) -> bool:
    """Return True when this run announces the plan: once per plan text — the run that wrote it, or the next run
    when that one died before announcing; never when a concurrent run pushed the same plan first."""
    return job.should_announce(docs, target.path, doc, outcome.status, sha, pushed, dry_run)


def current_run_id() -> str:
    """Return the id of the current flow run (``local`` outside one)."""
    return str(flow_run.get_id() or "local")


@task(name="next-sprint-commit")
def commit(
    docs: DocsRepo, settings: Settings, planned: planning.NextSprintPlan, target: job.Target, outcome: job.WriteOutcome
) -> str | None:
    """Commit the plan as the bot with the flow name and run id as trailers; return the sha (None: no change)."""
    return job.commit_plan(docs, settings, planned, target.path, outcome.status, current_run_id(), job.FLOW_NAME)


@task(
    name="next-sprint-push",
    retries=PUSH_RETRIES,
    retry_delay_seconds=PUSH_RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_push_condition,
)
def push(docs: DocsRepo, settings: Settings, sprint: str) -> PushOutcome:
    """Push the commit (the adapter rebases on non-fast-forward; this task retries what is left), to the team's
    ``git.push_branch`` for ``sprint`` when set."""
    return job.push_commit(docs, settings, sprint)


def team_notifier(settings: Settings, dry_run: bool) -> Notifier:
    """Return Slack when a token is there (and not a dry run), else the console logging to the run's logger."""
    return make_notifier(settings, slack_token(), dry_run, log=run_logger())


@task(
    name="next-sprint-announce",
    retries=SLACK_RETRIES,
    retry_delay_seconds=SLACK_RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_slack_condition,
)
def announce(
    settings: Settings, message: Message, dry_run: bool, docs: DocsRepo, target: job.Target, doc: str
) -> list[Delivery]:
    """Post the announcement with the doc link (console when no token or in a dry run); remember it was sent."""
    notifier = team_notifier(settings, dry_run)
    cache_channels(notifier, docs.git_dir)
    deliveries = job.announce(notifier, message)
    job.mark_announced(docs, target.path, doc)
    return deliveries


def announcement(
    planned: planning.NextSprintPlan,
    settings: Settings,
    target: job.Target,
    outcome: job.WriteOutcome,
    docs: DocsRepo | None = None,
) -> Message:
    """Return the announcement of the new plan (rendered with the team's Slack templates when ``docs`` is given)."""
    return job.announcement(planned, settings, target.path, outcome.status, docs.root if docs else None)


def skipped(docs: DocsRepo, decision: job.Decision, dry_run: bool) -> job.NextSprintResult:
    """Return the result of a run with nothing to do."""
    return job.skipped(docs.root, decision, dry_run)


def result(
    docs: DocsRepo,
    decision: job.Decision,
    planned: planning.NextSprintPlan,
    target: job.Target,
    doc: str,
    outcome: job.WriteOutcome,
    sha: str | None,
    pushed: PushOutcome | None,
    message: Message,
    deliveries: list[Delivery],
    dry_run: bool,
) -> job.NextSprintResult:
    """Return the NextSprintResult of the flow run."""
    shown = message if outcome.status not in job.KEPT else None
    landed = job.our_commit_landed(docs, sha, pushed)
    return job.result_of(
        docs.root, decision, planned, target, doc, outcome, sha, pushed, shown, deliveries, dry_run, landed=landed
    )


def artifact_markdown(outcome: job.NextSprintResult) -> str:
    """Return the run's markdown artifact: the summary, then the generated doc with its frontmatter shown as a
    YAML code block (as plain markdown the header would render as one big heading)."""
    text = form_words(outcome.summary_markdown())
    if outcome.doc:
        text += f"\n## The plan: `{outcome.path}`\n\n{doc_markdown(outcome.doc)}"
    return text


def form_words(text: str) -> str:
    """Return ``text`` speaking the Run form's words instead of the CLI's (``--force`` is the ``force`` field)."""
    for flag, field in (("--force", "force"), ("--dry-run", "dry_run"), ("--today", "today")):
        text = text.replace(f"`{flag}`", f"`{field}`").replace(flag, f"`{field}`")
    return text


def doc_markdown(doc: str) -> str:
    """Return ``doc`` for display: a leading ``---`` frontmatter block becomes a fenced ``yaml`` code block, the
    body follows as it is."""
    text = doc.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return doc
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            header = "".join(lines[1:index]).rstrip("\n")
            body = "".join(lines[index + 1 :]).lstrip("\n")
            fence = "````" if "```" in header else "```"
            return f"{fence}yaml\n{header}\n{fence}\n\n{body}"
    return doc


def as_json(outcome: job.NextSprintResult) -> dict[str, Any]:
    """Return the JSON of a result (the flow's return value)."""
    return outcome.to_json()
