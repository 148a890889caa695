"""The next-sprint job, direct path: load → decide → plan → render → write → commit → push → announce.

Re-runs change nothing: when the newest plan is the one this job would write (same file, not started yet), it is
planned again from the history *before* it and compared with what is on disk:

* identical → ``unchanged`` (no write, no commit);
* still the tool's text (what the bot last committed, or the content hash recorded when the tool wrote it) but
  the inputs changed → ``updated``;
* changed by a human → ``human-edited``: never overwritten (``force`` replaces it and keeps a backup under
  ``.ceremonies/backups/``); a plan the team wrote by hand (the tool never wrote that file) → ``already-planned``,
  left alone just the same.

Unreadable sprint docs, a missing retrospective (after the sprint ended) and template errors raise a
CeremoniesError naming the file; nothing is written or committed then. No Prefect here: the CLI calls this module
and :mod:`ceremonies.tasks.next_sprint` wraps its steps as tasks.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from ceremonies import planning, team_plan
from ceremonies.adapters import state
from ceremonies.adapters.files import (
    load_history,
    no_plans_explained,
    parse_at,
    read_doc_text,
    sprint_dir,
    too_large,
    write_atomic,
    write_repo_file,
)
from ceremonies.adapters.git import DocsRepo, Identity, PushOutcome
from ceremonies.adapters.notify import ConsoleNotifier, Delivery, Notifier, cache_channels, slack_markdown
from ceremonies.adapters.slack_render import SlackRenderer, render_message
from ceremonies.adapters.templates import TemplateRenderer
from ceremonies.config import Settings, load_config
from ceremonies.domain.layout import RoleMatch, classify_path
from ceremonies.domain.messages import Message
from ceremonies.domain.model import DocKind, Sprint, SprintHistory
from ceremonies.domain.parsing import parse_document
from ceremonies.errors import HumanEditError, SprintDocError, TemplateError
from ceremonies.jobs.branch import open_docs

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


# ------------------------------------------------------------------------------------------------ load, decide


def open_repo(repo: str, branch: str | None = None, pull: bool = True) -> tuple[DocsRepo, Settings]:
    """Return the docs repo (cloned when ``repo`` is a URL, pulled when it has a remote) and its settings."""
    docs = open_docs(repo, branch)
    return docs, sync(docs, pull)


def sync(docs: DocsRepo, pull: bool = True) -> Settings:
    """Pull ``docs`` when asked and it has a remote; return its settings (read after the pull)."""
    if pull and docs.has_remote():
        docs.pull()
    return load_config(docs.root)


_SOFT = re.compile(r"^(no sprint (start|end|start and end) date found|retrospective has no went-well)")
"""Problems of a needed doc that still leave it usable: an undated plan (its path gives the sprint) and a retro
whose form is not filled in yet."""


def _needed_paths(history: SprintHistory, settings: Settings) -> set[str]:
    """Return the docs the next plan is built from: the newest plan, and the retros and summaries of its sprint."""
    if not history.plans:
        return set()
    latest = history.plans[-1]
    needed = {latest.path or ""}
    labels = {label for label in (latest.key, latest.number) if label}
    needed |= {r.path or "" for r in history.retros if {r.sprint_key, r.sprint_number} & labels}
    needed |= {s.path or "" for s in history.summaries if {s.key, s.number} & labels}
    return needed


def needed_paths(history: SprintHistory, settings: Settings) -> set[str]:
    """Return the repo-relative paths of the docs next-sprint needs readable: the newest plan, its retro and its
    summary, and (default layout) any unreadable doc whose name places it nowhere (it could be the newest plan)."""
    return _needed_paths(history, settings) | _unplaced_unreadable(history, settings)


def is_fatal(error: SprintDocError, needed: set[str], settings: Settings) -> bool:
    """Return True when ``error`` stops the job: a problem in a doc the plan is built from (see :data:`_SOFT`)."""
    if str(error.path) not in needed:
        return False
    return not (settings.paths.sprint_unit is not None and _SOFT.match(error.what))


def load(root: Path, settings: Settings) -> SprintHistory:
    """Return the sprint history of ``root``; raise SprintDocError naming every problem of the docs the next plan
    is built from (the newest plan, its retro and its summary).

    Only the newest ``settings.sprint.sprints_to_read()`` sprints are read (plus docs whose names give no key), so
    the cost does not grow with the repo's age. An unreadable doc the plan is built from stops the job: a plan read
    only in part could make it plan the wrong sprint or lose scope. Problems of any other doc (old sprints, topic
    docs, stand-up notes) stay in the returned history's ``errors``: the run reports them as warnings. A doc that
    could not be read at all might be the newest plan, so it stops the job when its name gives no sprint either.
    """
    history = load_history(root, settings, recent_sprints=settings.sprint.sprints_to_read())
    needed = needed_paths(history, settings)
    fatal = [error for error in history.errors if is_fatal(error, needed, settings)]
    if not fatal:
        return history
    first, rest = fatal[0], fatal[1:]
    what = f"{first.what} — nothing planned, nothing committed"
    if rest:
        what += f"; {len(rest)} more problem(s):\n  " + "\n  ".join(str(error) for error in rest)
    raise SprintDocError(first.path or settings.paths.sprint_dir, first.line, what)


def _placed(path: str, settings: Settings) -> RoleMatch:
    """Return the sprint and role the repo-relative ``path`` has by the naming patterns."""
    base = settings.paths.sprint_dir.strip("/")
    inner = path[len(base) + 1 :] if base not in ("", ".") and path.startswith(base + "/") else path
    return classify_path(inner, settings.paths.role_patterns(), settings.paths.unit_style())


def _unreadable_of_latest(history: SprintHistory, settings: Settings) -> set[str]:
    """Return the paths of problem docs that are the plan, retro or review of the newest plan's sprint by their
    paths (a retro that could not be read at all is not in the history, but the plan is built from it)."""
    if not history.plans or not history.plans[-1].path:
        return set()
    latest = _placed(str(history.plans[-1].path), settings).unit
    if latest is None:
        return set()
    found = set()
    for error in history.errors:
        placed = _placed(str(error.path), settings)
        if placed.role is not None and placed.unit is not None and placed.unit.order == latest.order:
            found.add(str(error.path))
    return found


def _unplaced_unreadable(history: SprintHistory, settings: Settings) -> set[str]:
    """Return the paths of docs that could not be read at all and whose names match the plan pattern or give no
    sprint (they could be the newest plan), in the default layout (a configured one places every doc by path)."""
    if settings.paths.sprint_unit is not None:
        return _unreadable_of_latest(history, settings)
    placed = {str(doc.path) for doc in history.plans} | {str(r.path) for r in history.retros}
    placed |= {str(s.path) for s in history.summaries}
    return {str(error.path) for error in history.errors if str(error.path) not in placed}


def team_today(settings: Settings, today: date | None = None) -> date:
    """Return ``today`` or, when None, the current date in the team's time zone."""
    return today or datetime.now(ZoneInfo(settings.sprint.timezone)).date()


def _without(history: SprintHistory, plan: Sprint) -> SprintHistory:
    """Return ``history`` without the plan ``plan``."""
    return replace(history, plans=tuple(p for p in history.plans if p is not plan))


def _replanned(history: SprintHistory, settings: Settings, today: date) -> Sprint | None:
    """Return the newest plan when it is the one this job would write now (same file, not started yet), else None."""
    if len(history.plans) < 2:
        return None
    latest = history.plans[-1]
    if latest.start is None or latest.start < today or latest.path is None:
        return None
    base = _without(history, latest)
    try:
        again = planning.plan_next_sprint(base, settings, today)
    except SprintDocError:
        return None
    expected = (PurePosixPath(settings.paths.sprint_dir.strip("/")) / again.file_name).as_posix()
    return latest if PurePosixPath(latest.path).as_posix() == expected else None


def decide(history: SprintHistory, settings: Settings, today: date | None = None, force: bool = False) -> Decision:
    """Return whether to plan the next sprint today (``force`` plans even when not due).

    When the newest plan is the one this job would write (a re-run), the decision is made on the history before it,
    so a re-run compares with the file instead of planning the sprint after it.
    """
    day = team_today(settings, today)
    existing = _replanned(history, settings, day)
    base = _without(history, existing) if existing is not None else history
    due = planning.is_due(base, settings, day)
    if force and not due.due and base.plans:
        return Decision(True, f"forced ({due.reason})", base, day, existing)
    return Decision(due.due, due.reason, base, day, existing)


def expected_retro_path(previous: Sprint, settings: Settings) -> str:
    """Return the repo-relative path where the retrospective of ``previous`` is expected."""
    key = previous.key or previous.number or previous.label
    pattern = settings.paths.retro_pattern.replace("*", "")
    if settings.paths.sprint_unit is not None and previous.path:
        unit_dir = PurePosixPath(previous.path).parent
        plan_dir = PurePosixPath(settings.paths.plan_pattern).parent
        if plan_dir != PurePosixPath(".") and "{key}" in str(plan_dir):
            return (unit_dir / PurePosixPath(pattern).name).as_posix()
    return (PurePosixPath(settings.paths.sprint_dir.strip("/")) / pattern.replace("{key}", key)).as_posix()


def plan(decision: Decision, settings: Settings) -> planning.NextSprintPlan:
    """Return the plan of the sprint after the newest one of ``decision.base``; raise SprintDocError naming the
    file when the history cannot be planned from (no plan, plan without dates)."""
    return planning.plan_next_sprint(decision.base, settings, decision.as_of)


def check_retro(
    decision: Decision, next_plan: planning.NextSprintPlan, settings: Settings, force: bool = False
) -> Decision:
    """Return ``decision`` when the plan has the previous sprint's retro (or ``force``); a not-due Decision while
    the previous sprint still runs without one.

    Raises SprintDocError naming the expected retro file when the previous sprint has ended without a retrospective.
    """
    if next_plan.retro is not None or force:
        return decision
    previous = next_plan.previous
    where = expected_retro_path(previous, settings)
    if previous.end is not None and decision.today <= previous.end:
        return replace(decision, due=False, reason=f"waiting for the retrospective of {previous.label} ({where})")
    raise SprintDocError(
        where,
        None,
        f"retrospective of {previous.label} not found (neither this file nor a filled-in 'Retrospective' section in "
        f"{previous.path}); hold the retro first, or use --force to plan without it — nothing planned, "
        "nothing committed",
    )


# ------------------------------------------------------------------------------------------------ render


def renderer_for(root: Path, settings: Settings) -> tuple[TemplateRenderer, str]:
    """Return the renderer and template name of the sprint doc: ``paths.sprint_template`` when the team set one
    (a repo-relative file), else ``sprint.md.j2`` from the team's template dir or ceremonies' defaults."""
    custom = settings.paths.sprint_template
    renderer = TemplateRenderer.for_repo(root, settings.paths.template_dir)
    if not custom:
        return renderer, planning.SPRINT_TEMPLATE
    template = (root / custom).resolve()
    if not template.is_relative_to(root.resolve()):
        raise TemplateError(f"paths.sprint_template {custom!r} points outside the repo", path=custom)
    if not template.is_file():
        raise TemplateError(f"paths.sprint_template {custom!r}: no such template file", path=custom)
    return TemplateRenderer([template.parent, *renderer.search_dirs]), template.name


def _team_outline(
    root: Path, settings: Settings, next_plan: planning.NextSprintPlan, retro_paths: dict[str, str]
) -> team_plan.TeamOutline:
    """Return the team's outline of a new plan: ``paths.plan_outline`` (their blank form) when set and readable,
    else their last plan; raise TemplateError naming the file when neither can be read."""
    previous_path = next_plan.previous.path or ""
    try:
        previous_text = read_doc_text(root / previous_path)
    except SprintDocError as error:
        raise TemplateError(
            f"cannot read the last plan to follow its shape: {error.what}", path=previous_path
        ) from None
    text, blank = previous_text, False
    form = settings.paths.plan_outline
    if form:
        try:
            text, blank = read_doc_text(root / form), True
        except SprintDocError as error:
            raise TemplateError(f"paths.plan_outline: {error.what}", path=form) from None
    retro = next_plan.retro.path if next_plan.retro else None
    new_path = target_path(root, settings, next_plan)
    return team_plan.TeamOutline(text, blank, previous_text, new_path, retro, dict(retro_paths))


def check_fits(doc: str, next_plan: planning.NextSprintPlan, settings: Settings) -> None:
    """Raise SprintDocError naming the input that makes the new plan too big (the previous plan's scope or the
    retro's actions, whichever gives more items), with the size, the limit and its setting."""
    size, limit = len(doc.encode("utf-8")), settings.limits.max_doc_bytes
    if size <= limit:
        return
    previous, retro = next_plan.previous, next_plan.retro
    carried, actions = len(next_plan.carried_over), len(retro.actions) if retro else 0
    if retro is not None and retro.path and actions > len(previous.items):
        source, why = retro.path, f"{actions:,} retro actions"
    else:
        source, why = previous.path or settings.paths.sprint_dir, f"{len(previous.items):,} scope items"
    raise SprintDocError(source, None, too_large(
        size, limit, f"the plan of {next_plan.sprint.label} would be built from its {why} ({carried:,} carried "
                     f"over) and is ") + " — nothing planned, nothing committed")


def render(root: Path, settings: Settings, next_plan: planning.NextSprintPlan) -> str:
    """Return the new plan's markdown; raise TemplateError naming the template file (and line) when it is broken or
    when its output would not read back as this sprint's plan (the next run and the reminders read it).

    With ``paths.plan_style = "team"`` the plan follows the team's own plans (:mod:`ceremonies.team_plan`)."""
    if settings.paths.plan_style == "team" and next_plan.previous.path:
        outline = _team_outline(root, settings, next_plan, dict(next_plan.retro_paths))
        doc = team_plan.render(next_plan, outline)
        check_fits(doc, next_plan, settings)
        where = settings.paths.plan_outline or next_plan.previous.path
        check_reads_back(doc, outline.new_path, next_plan, where, settings)
        return doc
    renderer, name = renderer_for(root, settings)
    doc = renderer.render(name, planning.sprint_doc_context(next_plan, settings))
    check_fits(doc, next_plan, settings)
    source = renderer.source_of(name)
    check_reads_back(doc, target_path(root, settings, next_plan), next_plan, str(source or name), settings)
    return doc


def check_reads_back(
    doc: str, path: str, next_plan: planning.NextSprintPlan, template: str, settings: Settings | None = None
) -> None:
    """Raise TemplateError naming ``template`` when ``doc`` does not parse back to the planned key and dates."""
    expected = next_plan.sprint
    if settings is not None and settings.paths.sprint_unit is not None:
        parsed = parse_at(doc, path, settings)
    else:
        parsed = parse_document(doc, path, kind=DocKind.PLAN, key=expected.key)
    problems = [error.what for error in parsed.errors]
    sprint = parsed.sprint
    if sprint is None:
        problems.append("it is not read as a sprint plan")
    else:
        for what, got, wanted in (
            ("key", sprint.key, expected.key),
            ("start date", sprint.start, expected.start),
            ("end date", sprint.end, expected.end),
        ):
            if got != wanted:
                problems.append(f"its {what} reads back as {got!s}, expected {wanted!s}")
    if problems:
        raise TemplateError(
            f"the plan this template renders for {expected.label} would not read back ({'; '.join(problems)}); "
            "nothing written",
            path=template,
        )


# ------------------------------------------------------------------------------------------------ write


def target_path(root: Path, settings: Settings, next_plan: planning.NextSprintPlan) -> str:
    """Return the repo-relative path of the new plan (sprint dir + ``paths.plan_pattern``)."""
    directory = sprint_dir(root, settings)
    return (directory / next_plan.file_name).relative_to(root.resolve()).as_posix()


def _digest(text: str) -> str:
    """Return the sha256 hex digest of ``text`` as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _records(docs: DocsRepo) -> dict[str, str]:
    """Return path → digest of the texts this job wrote (empty when none recorded or the record is unreadable)."""
    return {str(k): str(v) for k, v in state.load(docs.git_dir, state.NEXT_SPRINT_RECORDS).items()}


def record_written(docs: DocsRepo, path: str, text: str) -> None:
    """Remember (in the git dir, never committed) that this job wrote ``text`` to ``path``."""
    records = _records(docs)
    records[path] = _digest(text)
    state.save(docs.git_dir, state.NEXT_SPRINT_RECORDS, records, indent=1)


def _announced(docs: DocsRepo) -> dict[str, bool]:
    """Return ``path@digest`` → True for the plans already announced (empty when none or unreadable)."""
    return {str(key): True for key in state.load(docs.git_dir, state.NEXT_SPRINT_ANNOUNCED)}


def mark_announced(docs: DocsRepo, path: str, text: str) -> None:
    """Remember (in the git dir) that the plan ``text`` at ``path`` needs no announcement any more."""
    seen = _announced(docs)
    seen[f"{path}@{_digest(text)}"] = True
    state.save(docs.git_dir, state.NEXT_SPRINT_ANNOUNCED, seen, indent=1)


def announcement_due(docs: DocsRepo, path: str, text: str, status: str) -> bool:
    """Return True when the plan ``text`` at ``path`` still needs its announcement: this run wrote it, or an
    earlier run here wrote it and died before announcing (``unchanged`` with our record but no announcement)."""
    if status in (HUMAN_EDITED, ALREADY_PLANNED):
        return False
    if f"{path}@{_digest(text)}" in _announced(docs):
        return False
    return status != UNCHANGED or _records(docs).get(path) == _digest(text)


def _bot_version(docs: DocsRepo, path: str, bot: Identity) -> str | None:
    """Return the text of ``path`` as the bot last committed it (None when the newest commit on it is not the bot's)."""
    last = docs.last_commit_touching(path)
    if last is None or last.author_email.lower() != bot.email.lower():
        return None
    data = docs.read_at(last.sha, path)
    return data.decode("utf-8", errors="replace") if data is not None else ""


def inspect_target(docs: DocsRepo, settings: Settings, next_plan: planning.NextSprintPlan, doc: str) -> Target:
    """Return the target file of ``doc`` and who owns its current text (the tool, or a human)."""
    path = target_path(docs.root, settings, next_plan)
    file = docs.root / path
    if not file.exists():
        return Target(path, None, tool_owned=True, identical=False)
    current = file.read_bytes().decode("utf-8", errors="replace")
    if current == doc:
        return Target(path, current, tool_owned=True, identical=True)
    records = _records(docs)
    committed = _bot_version(docs, path, Identity(settings.bot.name, settings.bot.email))
    owned = records.get(path) == _digest(current) or committed == current
    return Target(path, current, owned, identical=False, tool_wrote=path in records or committed is not None)


def human_edit_error(target: Target) -> HumanEditError:
    """Return the refusal for a file a human changed since the tool wrote it."""
    return HumanEditError(
        "changed by a human since ceremonies wrote it (or written by a human); not overwritten — "
        "use --force to replace it (a backup is kept)",
        path=target.path,
    )


def backup_path(target: Target, now: datetime | None = None) -> str:
    """Return the repo-relative backup path of ``target``: ``.ceremonies/backups/<path>.<UTC stamp>.bak``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{BACKUP_DIR}/{target.path}.{stamp}.bak"


def write(docs: DocsRepo, target: Target, doc: str, force: bool = False, dry_run: bool = False) -> WriteOutcome:
    """Write ``doc`` to the target atomically unless it is already there or a human owns the file.

    A human's file is only replaced with ``force``, after copying it to a backup. ``dry_run`` writes nothing and
    returns what would happen.
    """
    if target.identical:
        return WriteOutcome(UNCHANGED)
    if not target.exists:
        status = CREATED
    elif target.tool_owned:
        status = UPDATED
    elif not force and not target.tool_wrote:
        return WriteOutcome(ALREADY_PLANNED)
    elif not force:
        return WriteOutcome(HUMAN_EDITED, refused=human_edit_error(target))
    else:
        status = REPLACED
    if dry_run:
        return WriteOutcome(status)
    backup = None
    if status == REPLACED:
        assert target.current is not None
        backup = backup_path(target)
        write_atomic(docs.root / backup, (docs.root / target.path).read_bytes())

    def still_ours(data: bytes) -> bool:
        """The file holds what inspect_target saw and judged the tool's (its record, or the bot's last commit)."""
        return target.tool_owned and data.decode("utf-8", errors="replace") == target.current

    write_repo_file(docs.root, target.path, doc, tool_wrote=still_ours, replace_human=status == REPLACED)
    record_written(docs, target.path, doc)
    return WriteOutcome(status, written=target.path, backup=backup)


# ------------------------------------------------------------------------------------------------ commit, announce


def commit_message(next_plan: planning.NextSprintPlan, status: str) -> str:
    """Return the commit message of a new (or updated) plan: subject and a body naming where the scope came from."""
    sprint = next_plan.sprint
    verb = {CREATED: "plan", UPDATED: "update plan of", REPLACED: "replace plan of"}.get(status, "plan")
    span = f"{sprint.start.isoformat()}..{sprint.end.isoformat()}" if sprint.start and sprint.end else "no dates"
    subject = f"docs(sprint): {verb} {sprint.label} ({span})"
    body = [
        f"Planned from {next_plan.previous.label}"
        + (f" and {next_plan.retro.ref}" if next_plan.retro else " (no retrospective found)")
        + ".",
        f"Scope: {len(next_plan.carried_over)} carried over, {len(next_plan.from_retro)} from the retro, "
        f"{planning.points_text(next_plan.planned_points)} SP planned.",
    ]
    return f"{subject}\n\n" + "\n".join(body)


def new_run_id() -> str:
    """Return a run id for direct-path (CLI) runs: ``cli-<12 hex>``."""
    return f"cli-{uuid.uuid4().hex[:12]}"


def commit_plan(
    docs: DocsRepo,
    settings: Settings,
    next_plan: planning.NextSprintPlan,
    path: str,
    status: str,
    run_id: str,
    flow_name: str = FLOW_NAME,
) -> str | None:
    """Commit exactly ``path`` as the bot with trailers (flow, run id, sprint); return the sha (None: no change)."""
    trailers = {FLOW_TRAILER: flow_name, RUN_TRAILER: run_id, SPRINT_TRAILER: next_plan.sprint.label}
    identity = Identity(settings.bot.name, settings.bot.email)
    return docs.commit_files([path], commit_message(next_plan, status), trailers, identity)


def push_commit(docs: DocsRepo, settings: Settings | None = None, sprint: str | None = None) -> PushOutcome:
    """Push the commit (the adapter fetches, rebases and retries on a non-fast-forward rejection), to the
    ``git.push_branch`` of ``sprint`` when the team set one."""
    to = settings.git.push_target(FLOW_NAME, sprint) if settings is not None else None
    return docs.push(to=to, mine=(SPRINT_TRAILER, sprint))


def doc_link(settings: Settings, path: str) -> str:
    """Return the web link of ``path`` when ``slack.docs_url`` is set, else the repo-relative path."""
    base = settings.slack.docs_url
    return f"{base.rstrip('/')}/{path}" if base else path


ANNOUNCEMENT_TEMPLATE = "slack/next-sprint.md.j2"
"""The template of the new-plan announcement (a team may override it)."""


def announcement_context(
    next_plan: planning.NextSprintPlan, settings: Settings, path: str, status: str
) -> dict[str, Any]:
    """Return what ``templates/slack/next-sprint.md.j2`` shows: dates, scope counts, points, the planning time,
    goals, owners, up to two warnings and the doc link (doc text as written: the template escapes it)."""
    context = planning.sprint_doc_context(next_plan, settings)
    sprint = next_plan.sprint
    planning_time = next((c for c in context["ceremony_times"] if "plan" in str(c["name"]).lower()), None)
    zone = ZoneInfo(str(context["timezone"]))
    return {
        "sprint_key": sprint.label,
        "updated": status not in (CREATED, REPLACED),
        "start": context["start"],
        "end": context["end"],
        "start_iso": _midday(context["start_iso"], zone),
        "end_iso": _midday(context["end_iso"], zone),
        "working_days": next_plan.working_days,
        "carried_over": len(next_plan.carried_over),
        "from_retro": len(next_plan.from_retro),
        "retro_ref": next_plan.retro.ref if next_plan.retro else None,
        "previous_key": next_plan.previous.label if next_plan.previous else None,
        "planned_points": context["planned_points"],
        "capacity_points": context["capacity_points"],
        "planning": _planning_time(planning_time, zone) if planning_time else None,
        "goals": list(sprint.goals),
        "owners": list(dict.fromkeys(owner for item in sprint.items for owner in item.owners)),
        "warnings": list(next_plan.warnings[:2]),
        "doc_path": path,
        "doc_link": doc_link(settings, path),
        "link_url": doc_link(settings, path) if settings.slack.docs_url else None,
    }


def _midday(day: str, zone: ZoneInfo) -> str:
    """Return noon of ISO ``day`` in ``zone``: a date token for it shows the same day to readers in any zone
    within twelve hours of the team."""
    return datetime.combine(date.fromisoformat(day), time(12, 0), tzinfo=zone).isoformat()


def _planning_time(entry: dict[str, Any], zone: ZoneInfo) -> dict[str, str]:
    """Return the planning ceremony's name, aware ISO start and team-zone fallback text."""
    local = str(entry["at"]).split(" ")[0]
    moment = datetime.fromisoformat(local).replace(tzinfo=zone)
    return {"name": str(entry["name"]), "at": moment.isoformat(), "fallback": f"{local.replace('T', ' ')} {zone.key}"}


def announcement(
    next_plan: planning.NextSprintPlan, settings: Settings, path: str, status: str, root: Path | None = None
) -> Message:
    """Return the Slack post announcing the new plan, rendered from ``slack/next-sprint.md.j2`` (the team's
    template dir in ``root`` first)."""
    renderer = SlackRenderer.for_settings(root, settings)
    context = announcement_context(next_plan, settings, path, status)
    return render_message(renderer, ANNOUNCEMENT_TEMPLATE, context, key=f"{next_plan.sprint.label}/next-sprint")


def announce(notifier: Notifier, message: Message) -> list[Delivery]:
    """Send the announcement; return the deliveries."""
    return notifier.send([message])


def diff_of(target: Target, doc: str) -> str:
    """Return the unified diff from the target's current text (empty when absent) to ``doc``."""
    old = target.current or ""
    before = f"a/{target.path}" if target.exists else "/dev/null"
    return "".join(
        difflib.unified_diff(old.splitlines(keepends=True), doc.splitlines(keepends=True), before, f"b/{target.path}")
    )


# ------------------------------------------------------------------------------------------------ results, run


def require_plans(root: Path, history: SprintHistory, settings: Settings) -> None:
    """Raise SprintDocError when the repo has no sprint plan where the config says: what was looked for, what is
    there instead and how to configure it (``ceremonies init``)."""
    if not history.plans:
        raise SprintDocError(settings.paths.sprint_dir, None, no_plans_explained(root, settings))


def doc_warnings(history: SprintHistory) -> list[str]:
    """Return the problems of sprint docs the plan is not built from, one line each (``file:line: what``)."""
    return [str(error) for error in history.errors]


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


def needs_push(docs: DocsRepo, sha: str | None, settings: Settings) -> bool:
    """Return True when there is a commit of ours to push: the one just made, or one a killed run left unpushed."""
    return sha is not None or docs.unpushed_own_commits(Identity(settings.bot.name, settings.bot.email))


def our_commit_landed(docs: DocsRepo, sha: str | None, pushed: PushOutcome | None) -> bool:
    """Return False only when a concurrent run in another clone pushed the same plan first: our identical commit
    was dropped while rebasing onto it, so the push found the remote "up to date" and ``sha`` is not on the remote
    (that run announces it, so we must not). When another job of this work tree pushed our commit for us (a KB
    refresh pushing everything unpushed), ``sha`` is on the remote: it landed, and this run announces it."""
    return docs.commit_landed(sha, pushed)


def should_announce(
    docs: DocsRepo, path: str, doc: str, status: str, sha: str | None, pushed: PushOutcome | None, dry_run: bool
) -> bool:
    """Return True when this run must announce the plan (then call :func:`mark_announced` after sending).

    Announces once per plan text: the run that wrote it, or the next run here when that one died before
    announcing. A run whose identical commit lost the race leaves it to the winner (and records that)."""
    if dry_run or not announcement_due(docs, path, doc, status):
        return False
    if our_commit_landed(docs, sha, pushed):
        return True
    mark_announced(docs, path, doc)
    return False


def run_next_sprint(
    repo: str,
    branch: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    commit: bool = True,
    push: bool = True,
    today: date | None = None,
    notifier: Notifier | None = None,
    *,
    run_id: str | None = None,
    lock_wait: float | None = None,
) -> NextSprintResult:
    """Plan the next sprint of ``repo``: load → decide → plan → render → write → commit → push → announce.

    Returns the result (status created, updated, replaced, unchanged, not-due, human-edited or already-planned).
    ``dry_run`` pulls, writes, commits and sends nothing (the result holds the doc, the diff and the message);
    ``commit=False`` writes the file only. Runs on one work tree take turns (the repo lock in its git dir; after
    ``lock_wait`` seconds — default :func:`~ceremonies.adapters.repolock.wait_seconds_default` — RepoBusyError,
    exit code 0, "another run is in progress"; a dry run takes no lock). Raises
    SprintDocError / TemplateError naming the file when the history or the template is broken, and GitError when
    git fails; nothing is committed then.
    """
    docs = open_docs(repo, branch)
    with docs, contextlib.nullcontext() if dry_run else docs.lock(FLOW_NAME, lock_wait):
        settings = sync(docs, pull=not dry_run)
        history = load(docs.root, settings)
        require_plans(docs.root, history, settings)
        notes = doc_warnings(history)
        decision = decide(history, settings, today, force)
        if not decision.due:
            return skipped(docs.root, decision, dry_run, notes)
        planned = plan(decision, settings)
        decision = check_retro(decision, planned, settings, force)
        if not decision.due:
            return skipped(docs.root, decision, dry_run, notes)
        doc = render(docs.root, settings, planned)
        target = inspect_target(docs, settings, planned, doc)
        outcome = write(docs, target, doc, force=force, dry_run=dry_run)
        message = announcement(planned, settings, target.path, outcome.status, docs.root)
        sha = None
        if outcome.status not in (HUMAN_EDITED, ALREADY_PLANNED) and commit and not dry_run:
            sha = commit_plan(docs, settings, planned, target.path, outcome.status, run_id or new_run_id())
        pushes = push and commit and not dry_run and needs_push(docs, sha, settings)
        pushed = push_commit(docs, settings, planned.sprint.label) if pushes else None
        deliveries: list[Delivery] = []
        if should_announce(docs, target.path, doc, outcome.status, sha, pushed, dry_run):
            sender = notifier or ConsoleNotifier(settings.slack.channel)
            cache_channels(sender, docs.git_dir)
            deliveries = announce(sender, message)
            mark_announced(docs, target.path, doc)
        shown = message if outcome.status not in KEPT else None
        landed = our_commit_landed(docs, sha, pushed)
        result = result_of(
            docs.root, decision, planned, target, doc, outcome, sha, pushed, shown, deliveries, dry_run, landed=landed
        )
        result.warnings = notes + result.warnings
        return result
