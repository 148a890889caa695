"""The next-sprint job: one recipe, :func:`run_next_sprint`, that the CLI runs directly and the flow runs under
Prefect: load → decide → plan → render → write → commit → push → announce.

Re-runs change nothing: when the newest plan is the one this job would write (same file, not started yet), it is
planned again from the history *before* it and compared with what is on disk:

* identical → ``unchanged`` (no write, no commit);
* still the tool's text (what the bot last committed, or the content hash recorded when the tool wrote it) but
  the inputs changed → ``updated``;
* changed by a human → ``human-edited``: never overwritten (``force`` replaces it and keeps a backup under
  ``.ceremonies/backups/``); a plan the team wrote by hand (the tool never wrote that file) → ``already-planned``,
  left alone just the same.

Unreadable sprint docs, a missing retrospective (after the sprint ended) and template errors raise a
CeremoniesError naming the file; nothing is written or committed then. The steps live in the modules of this
package: :mod:`.history` (load, decide, plan), :mod:`.render`, :mod:`.target` (write), :mod:`.announce` (commit,
push, announce), :mod:`.records` (state in the git dir), :mod:`.results`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from ceremonies import planning
from ceremonies.adapters.git import PushOutcome
from ceremonies.adapters.notify import Delivery
from ceremonies.domain.model import SprintHistory
from ceremonies.jobs.next_sprint.announce import (
    ANNOUNCEMENT_TEMPLATE,
    announcement,
    announcement_context,
    commit_plan,
    needs_push,
    push_target,
    should_announce,
)
from ceremonies.jobs.next_sprint.history import (
    check_retro,
    decide,
    doc_warnings,
    is_fatal,
    load,
    needed_paths,
    plan,
    require_plans,
)
from ceremonies.jobs.next_sprint.records import mark_announced
from ceremonies.jobs.next_sprint.render import render
from ceremonies.jobs.next_sprint.results import (
    ALREADY_PLANNED,
    CREATED,
    FLOW_NAME,
    HUMAN_EDITED,
    KEPT,
    NOT_DUE,
    REPLACED,
    UNCHANGED,
    UPDATED,
    Decision,
    NextSprintResult,
    Target,
    WriteOutcome,
    artifact_markdown,
    result_of,
    skipped,
)
from ceremonies.jobs.next_sprint.target import inspect_target, write
from ceremonies.jobs.recipe import DIRECT, Effects, Opened, opened, say

__all__ = [
    "ALREADY_PLANNED",
    "ANNOUNCEMENT_TEMPLATE",
    "CREATED",
    "FLOW_NAME",
    "HUMAN_EDITED",
    "NOT_DUE",
    "REPLACED",
    "UNCHANGED",
    "UPDATED",
    "Decision",
    "NextSprintRequest",
    "NextSprintResult",
    "Target",
    "WriteOutcome",
    "announcement_context",
    "commit_plan",
    "decide",
    "inspect_target",
    "is_fatal",
    "load",
    "needed_paths",
    "plan",
    "push_target",
    "render",
    "run_next_sprint",
    "write",
]


@dataclass(frozen=True)
class NextSprintRequest:
    """What a run is asked to do: the docs ``repo`` (work tree path or git URL) and ``branch``; ``dry_run`` pulls,
    writes, commits and sends nothing; ``force`` plans even when not due and replaces a human-edited plan (keeping a
    backup); ``commit=False`` writes the file only, ``push=False`` commits without pushing; ``today`` pretends it
    is that day (team time zone); ``lock_wait`` bounds the wait for another run on the work tree (seconds);
    ``to_stderr`` prints console messages on stderr (``--json`` keeps stdout clean)."""

    repo: str
    branch: str | None = None
    dry_run: bool = False
    force: bool = False
    commit: bool = True
    push: bool = True
    today: date | None = None
    lock_wait: float | None = None
    to_stderr: bool = False


def run_next_sprint(request: NextSprintRequest, effects: Effects = DIRECT) -> NextSprintResult:
    """Plan the next sprint of ``request.repo``: load → decide → plan → render → write → commit → push → announce.

    Returns the result (status created, updated, replaced, unchanged, not-due, human-edited or already-planned);
    a flow also gets it as a markdown artifact. Runs on one work tree take turns (the repo lock in its git dir;
    RepoBusyError, exit code 0, when another run keeps it longer than ``request.lock_wait``; a dry run takes no
    lock). Raises SprintDocError / TemplateError naming the file when the history or the template is broken, and
    GitError when git fails; nothing is committed then.
    """
    with opened(
        request.repo,
        request.branch,
        job=FLOW_NAME,
        dry_run=request.dry_run,
        lock_wait=request.lock_wait,
        to_stderr=request.to_stderr,
        effects=effects,
    ) as repo:
        result = _plan_and_announce(request, repo, effects)
    if result.status == NOT_DUE:
        effects.publish("next-sprint-not-due", result.summary_markdown(), "Next sprint: nothing to do")
    else:
        effects.publish(f"next-sprint-{result.sprint}", artifact_markdown(result), "Next sprint plan")
    return result


def _plan_and_announce(request: NextSprintRequest, repo: Opened, effects: Effects) -> NextSprintResult:
    """Run the steps on the opened repo; return the result."""
    docs, settings = repo.docs, repo.settings
    history = load(docs.root, settings)
    require_plans(docs.root, history, settings)
    notes = doc_warnings(history)
    say(effects, logging.INFO, "Sprint history: %d plan(s), %d retro(s), %d summary(ies)", *_counts(history))
    for note in notes:
        say(effects, logging.WARNING, "%s", note)
    decision = decide(history, settings, request.today, request.force)
    say(effects, logging.INFO, "%s: %s", "Due" if decision.due else "Not due", decision.reason)
    if not decision.due:
        return skipped(docs.root, decision, request.dry_run, notes)
    planned = plan(decision, settings)
    say(effects, logging.INFO, "Planned %s: %s..%s, %d item(s)", *_outline(planned))
    decision = check_retro(decision, planned, settings, request.force)
    if not decision.due:
        say(effects, logging.INFO, "Not due: %s", decision.reason)
        return skipped(docs.root, decision, request.dry_run, notes)
    doc = render(docs.root, settings, planned)
    target = inspect_target(docs, settings, planned, doc)
    outcome = write(docs, target, doc, force=request.force, dry_run=request.dry_run)
    _say_written(effects, target, outcome, request.dry_run)
    message = announcement(planned, settings, target.path, outcome.status, docs.root)
    sha = _commit(request, repo, planned, target, outcome, effects)
    pushed = _push(request, repo, planned, sha, effects)
    deliveries: list[Delivery] = []
    if should_announce(docs, target.path, doc, outcome.status, sha, pushed, request.dry_run):
        deliveries = effects.send(repo.notifier, [message])
        mark_announced(docs, target.path, doc)
    shown = message if outcome.status not in KEPT else None
    landed = docs.commit_landed(sha, pushed)
    dry = request.dry_run
    result = result_of(
        docs.root, decision, planned, target, doc, outcome, sha, pushed, shown, deliveries, dry, landed=landed
    )
    result.warnings = notes + result.warnings
    return result


def _commit(
    request: NextSprintRequest,
    repo: Opened,
    planned: planning.NextSprintPlan,
    target: Target,
    outcome: WriteOutcome,
    effects: Effects,
) -> str | None:
    """Commit the plan as the bot (trailers: flow, run id, sprint) unless nothing is the tool's to commit; return the
    sha (None: no commit)."""
    if outcome.status in (HUMAN_EDITED, ALREADY_PLANNED) or not request.commit or request.dry_run:
        return None
    return commit_plan(repo.docs, repo.settings, planned, target.path, outcome.status, effects.run_id())


def _push(
    request: NextSprintRequest, repo: Opened, planned: planning.NextSprintPlan, sha: str | None, effects: Effects
) -> PushOutcome | None:
    """Push our commit (the one just made, or one a killed run left) and tell Prefect the sprint was planned;
    return the outcome (None: nothing pushed)."""
    if not (request.push and request.commit and not request.dry_run):
        return None
    if not needs_push(repo.docs, sha, repo.settings):
        return None
    label = planned.sprint.label
    pushed = effects.push(repo.docs, *push_target(repo.settings, label))
    if pushed.pushed:
        effects.sprint_planned(request.repo, repo.docs.branch, label)
    return pushed


def _counts(history: SprintHistory) -> tuple[int, int, int]:
    """Return how many plans, retros and summaries ``history`` has."""
    return len(history.plans), len(history.retros), len(history.summaries)


def _outline(planned: planning.NextSprintPlan) -> tuple[str, object, object, int]:
    """Return the planned sprint's label, start, end and number of items (for the run log)."""
    sprint = planned.sprint
    return sprint.label, sprint.start, sprint.end, len(sprint.items)


def _say_written(effects: Effects, target: Target, outcome: WriteOutcome, dry_run: bool) -> None:
    """Log what the write step did (a refusal as a warning)."""
    if outcome.refused is not None:
        say(effects, logging.WARNING, "%s", outcome.refused)
    else:
        say(effects, logging.INFO, "%s: %s%s", target.path, outcome.status, " (dry run)" if dry_run else "")
