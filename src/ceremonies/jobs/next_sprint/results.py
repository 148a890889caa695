"""What a next-sprint run decides and returns: the statuses, the decision, the target file, the write outcome and
:class:`NextSprintResult` (its JSON, its summary and its artifact)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ceremonies import planning
from ceremonies.adapters.git import PushOutcome
from ceremonies.adapters.notify import Delivery, slack_markdown
from ceremonies.domain.messages import Message
from ceremonies.domain.model import Sprint, SprintHistory
from ceremonies.errors import HumanEditError

FLOW_NAME = "next-sprint"
"""Name of the flow (and of the ``Ceremonies-Flow`` trailer on the bot's commits)."""
FLOW_TRAILER = "Ceremonies-Flow"
RUN_TRAILER = "Ceremonies-Run"
SPRINT_TRAILER = "Sprint"
BACKUP_DIR = ".ceremonies/backups"
"""Where ``force`` keeps the human's version of a file it replaces (repo-relative)."""

CREATED, UPDATED, REPLACED, UNCHANGED = "created", "updated", "replaced", "unchanged"
NOT_DUE, HUMAN_EDITED, ALREADY_PLANNED = "not-due", "human-edited", "already-planned"
KEPT = (UNCHANGED, HUMAN_EDITED, ALREADY_PLANNED)
"""Statuses of a planned run that leave the file as it is."""


# ------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class Decision:
    """Whether to plan now (``due``) and why; ``base`` is the history to plan from; ``existing`` is the newest
    plan when this run re-plans it (the file the tool wrote earlier, not started yet), else None; ``as_of`` is the
    day the plan is computed for (a re-plan is computed as of the eve of its sprint, so it does not change from one
    day to the next while nothing else changed)."""

    due: bool
    reason: str
    base: SprintHistory
    today: date
    existing: Sprint | None = None

    @property
    def as_of(self) -> date:
        """Return ``today``, or for a re-plan the day before the planned sprint starts when that is earlier."""
        if self.existing is not None and self.existing.start is not None:
            return min(self.today, self.existing.start - timedelta(days=1))
        return self.today


@dataclass(frozen=True)
class Target:
    """The file a plan goes to: repo-relative ``path``, its current text (None when absent), whether that text
    is still the tool's (identical to the new doc, or what the bot last wrote there) and whether the tool ever wrote
    the file (its record in this clone, or the bot's commit); a file it never wrote is a plan written by hand."""

    path: str
    current: str | None
    tool_owned: bool
    identical: bool
    tool_wrote: bool = True

    @property
    def exists(self) -> bool:
        """Return True when the file is there."""
        return self.current is not None


@dataclass(frozen=True)
class WriteOutcome:
    """What the write step did: ``status`` (created/updated/replaced/unchanged/human-edited), the file it wrote
    (None when nothing was written), the backup path and the refusal when a human changed the file."""

    status: str
    written: str | None = None
    backup: str | None = None
    refused: HumanEditError | None = None


@dataclass
class NextSprintResult:
    """The outcome of one run (``to_json()`` is what ``--json`` prints and what the flow returns)."""

    repo: str
    status: str
    reason: str = ""
    path: str | None = None
    sprint: str | None = None
    dry_run: bool = False
    commit: str | None = None
    pushed: bool = False
    push_detail: str | None = None
    backup: str | None = None
    doc: str | None = None
    diff: str = ""
    message: Message | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    start: date | None = None
    end: date | None = None

    @property
    def committed(self) -> bool:
        """Return True when this run made a commit."""
        return self.commit is not None

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict: path, sprint, committed, pushed, status, diff (dry run), message, errors."""
        payload: dict[str, Any] = {
            "repo": self.repo,
            "path": self.path,
            "sprint": self.sprint,
            "status": self.status,
            "reason": self.reason,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "commit": self.commit,
            "pushed": self.pushed,
            "push_detail": self.push_detail,
            "backup": self.backup,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "message": self.message.text if self.message else None,
            "deliveries": [delivery.status for delivery in self.deliveries],
            "slack": [delivery.to_json() for delivery in self.deliveries],
            "warnings": self.warnings,
            "errors": self.errors,
        }
        if self.dry_run:
            payload["diff"] = self.diff
        return payload

    def summary_markdown(self) -> str:
        """Return a short markdown summary of the run (status, file, commit, push, warnings)."""
        lines = [f"# Next sprint: {self.sprint or '—'} ({self.status}{', dry run' if self.dry_run else ''})", ""]
        if self.reason:
            lines.append(f"- Why: {self.reason}")
        if self.path:
            lines.append(f"- File: `{self.path}`")
        lines.append(f"- Commit: `{self.commit or 'none'}`; pushed: {self.pushed}")
        if self.backup:
            lines.append(f"- Backup of the replaced file: `{self.backup}`")
        lines += [f"- Warning: {warning}" for warning in self.warnings]
        lines += [f"- Error: {error}" for error in self.errors]
        unsent = [self.message] if self.message and self.dry_run else []
        return "\n".join(lines) + "\n" + slack_markdown(self.deliveries, unsent)


def diff_of(target: Target, doc: str) -> str:
    """Return the unified diff from the target's current text (empty when absent) to ``doc``."""
    old = target.current or ""
    before = f"a/{target.path}" if target.exists else "/dev/null"
    return "".join(
        difflib.unified_diff(old.splitlines(keepends=True), doc.splitlines(keepends=True), before, f"b/{target.path}")
    )


def skipped(
    root: Path, decision: Decision, dry_run: bool = False, warnings: list[str] | None = None
) -> NextSprintResult:
    """Return the result of a run that had nothing to do (not due)."""
    existing = decision.existing
    return NextSprintResult(
        warnings=list(warnings or []),
        repo=str(root),
        status=NOT_DUE,
        reason=decision.reason,
        path=existing.path if existing else None,
        sprint=existing.label if existing else None,
        dry_run=dry_run,
    )


def result_of(
    root: Path,
    decision: Decision,
    next_plan: planning.NextSprintPlan,
    target: Target,
    doc: str,
    outcome: WriteOutcome,
    sha: str | None,
    pushed: PushOutcome | None,
    message: Message | None,
    deliveries: list[Delivery],
    dry_run: bool,
    *,
    landed: bool = True,
) -> NextSprintResult:
    """Return the NextSprintResult of a run that planned a sprint (``landed``: see :func:`our_commit_landed`;
    ``commit`` is None when our commit lost a race to an identical one)."""
    reason = decision.reason
    if outcome.status == UNCHANGED:
        reason = f"{target.path} already holds this plan"
    elif outcome.status == ALREADY_PLANNED:
        reason = (
            f"{target.path} already holds a plan for {next_plan.sprint.label} written by hand; left as it is "
            "(--force replaces it, keeping a backup)"
        )
    return NextSprintResult(
        repo=str(root),
        status=outcome.status,
        reason=reason,
        path=target.path,
        sprint=next_plan.sprint.label,
        dry_run=dry_run,
        commit=sha if landed else None,
        pushed=bool(pushed and pushed.pushed),
        push_detail=(pushed.reason if pushed else ("dry run" if dry_run else None)),
        backup=outcome.backup,
        doc=doc,
        diff=diff_of(target, doc) if outcome.status != UNCHANGED else "",
        message=message,
        deliveries=list(deliveries),
        warnings=list(next_plan.warnings),
        errors=[str(outcome.refused)] if outcome.refused else [],
        start=next_plan.sprint.start,
        end=next_plan.sprint.end,
    )


def artifact_markdown(outcome: NextSprintResult) -> str:
    """Return the run's markdown artifact: the summary, then the generated doc with its frontmatter shown as a
    YAML code block (as plain markdown the header would render as one big heading)."""
    text = form_words(outcome.summary_markdown())
    if outcome.doc:
        text += f"\n## The plan: `{outcome.path}`\n\n{doc_markdown(outcome.doc)}"
    return text


def form_words(text: str) -> str:
    """Return ``text`` speaking the Run form's words instead of the CLI's (``--force`` is the ``force`` field)."""
    for flag, name in (("--force", "force"), ("--dry-run", "dry_run"), ("--today", "today")):
        text = text.replace(f"`{flag}`", f"`{name}`").replace(flag, f"`{name}`")
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
