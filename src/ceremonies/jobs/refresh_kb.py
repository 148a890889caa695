"""The knowledge-base refresh: one recipe, :func:`run_refresh_kb`, for the CLI and the flow alike: open → load →
compute → write → commit → push (``effects.push``) → notify (``effects.send``).

Incremental by default: the merged work since the sync point (trailer ``KB-Synced-Through`` on the bot's last KB
commit) is read with one ``git log`` call (:mod:`ceremonies.jobs.kb_load`), only the pages those commits touched are
parsed again (the rest comes from the state cached in the git dir) and only the files whose text changes are written
(:mod:`ceremonies.jobs.kb_compute`). ``full=True`` reads the whole history and every page. The same history always
gives byte-identical pages, so a re-run commits nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ceremonies import knowledge as kb
from ceremonies.adapters import history as githistory
from ceremonies.adapters import state
from ceremonies.adapters.atomic import discard_temps
from ceremonies.adapters.files import write_atomic, write_repo_file
from ceremonies.adapters.git import DocsRepo, Identity, PushOutcome
from ceremonies.adapters.notify import Delivery, slack_markdown
from ceremonies.adapters.slack_render import SlackRenderer, render_message
from ceremonies.config import Settings
from ceremonies.domain.commits import SYNC_TRAILER
from ceremonies.domain.messages import Message
from ceremonies.errors import HumanEditError
from ceremonies.jobs.kb_compute import KbPlan, compute_kb, diff_of
from ceremonies.jobs.kb_load import KbInput, load_kb
from ceremonies.jobs.kb_state import save_kb_state as save_state
from ceremonies.jobs.recipe import DIRECT, Effects, Opened, in_team_time, opened, say

FLOW_NAME = "refresh-kb"
"""Name of the job (its repo-lock holder name)."""


@dataclass(frozen=True)
class RefreshRequest:
    """What a refresh is asked to do: the docs ``repo`` (work tree path or git URL) and ``branch``; ``full``
    rebuilds from the whole history (ignores the cache); ``dry_run`` writes, commits and sends nothing (no lock, no
    pull; the result holds the diff and the message); ``commit=False`` writes the pages only, ``push=False``
    commits without pushing; ``now`` is the moment of the SLA check (naive: the team's time zone; None: the current
    time); ``lock_wait`` bounds the wait for another run on the work tree (seconds); ``to_stderr`` prints console
    messages on stderr (``--json`` keeps stdout clean)."""

    repo: str
    branch: str | None = None
    full: bool = False
    dry_run: bool = False
    commit: bool = True
    push: bool = True
    now: datetime | None = None
    lock_wait: float | None = None
    to_stderr: bool = False


@dataclass
class RefreshResult:
    """The outcome of one refresh (``to_json()`` is what ``--json`` prints)."""

    repo: str
    mode: str
    dry_run: bool
    synced_through: str | None
    previous_sync: str | None
    new_commits: list[str]
    pages_written: list[str]
    needs_review: list[dict[str, Any]]
    health: dict[str, int]
    issues: list[str]
    commit: str | None
    pushed: bool
    push_detail: str | None
    sla: kb.SlaReport
    pages_parsed: int
    message: Message | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    diff: str = ""
    not_written: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict: pages written, pages needing review (with owners), health, commit, SLA."""
        return {
            "repo": self.repo,
            "mode": self.mode,
            "dry_run": self.dry_run,
            "synced_through": self.synced_through,
            "previous_sync": self.previous_sync,
            "new_commits": self.new_commits,
            "pages_written": self.pages_written,
            "needs_review": self.needs_review,
            "health": self.health,
            "health_total": sum(self.health.values()),
            "issues": self.issues,
            "commit": self.commit,
            "pushed": self.pushed,
            "push_detail": self.push_detail,
            "sla": self.sla.to_json(),
            "pages_parsed": self.pages_parsed,
            "message": self.message.text if self.message else None,
            "slack": [delivery.to_json() for delivery in self.deliveries],
            "diff": self.diff if self.dry_run else "",
            "not_written": self.not_written,
        }

    def summary_markdown(self) -> str:
        """Return a short markdown summary (for the flow's artifact)."""
        lines = [f"# KB refresh ({self.mode}{', dry run' if self.dry_run else ''})", ""]
        lines.append(f"- Synced through: `{self.synced_through or '—'}` (previous `{self.previous_sync or '—'}`)")
        lines.append(f"- New merged commits: {len(self.new_commits)}")
        lines.append(f"- Pages written: {len(self.pages_written)}")
        lines += [f"  - `{path}`" for path in self.pages_written]
        if self.not_written:
            lines.append(f"- NOT written (a human page holds the name): {len(self.not_written)}")
            lines += [f"  - `{item['path']}`: {item['reason']}" for item in self.not_written]
        lines.append(f"- Commit: `{self.commit or 'none'}`; pushed: {self.pushed}")
        lines.append(f"- Needs review: {len(self.needs_review)}")
        lines += [f"  - `{item['path']}` (owner {item['owner'] or 'unknown'})" for item in self.needs_review]
        lines.append("- Health: " + (", ".join(f"{k} {v}" for k, v in self.health.items()) or "no issues"))
        lines.append(f"- SLA ({self.sla.hours} h): {self.sla.headline()}")
        lines += [f"  - `{c.sha[:8]}` {c.subject} ({c.age_hours} h)" for c in self.sla.oldest()]
        unsent = [self.message] if self.message and self.dry_run else []
        return "\n".join(lines) + "\n" + slack_markdown(self.deliveries, unsent)


# ------------------------------------------------------------------------------------------------ leftovers


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def discard_own_leftovers(docs: DocsRepo) -> list[str]:
    """Undo what a refresh killed between write and commit left behind; return the paths put back to HEAD.

    Only files whose bytes are exactly what that run wrote (the journal holds their sha256) are restored, and
    only our own temp files next to them are removed; anything a human changed since stays as it is.
    """
    root, written = docs.root, state.load(docs.git_dir, state.KB_JOURNAL)
    restored = []
    for path, digest in sorted(written.items()):
        target = root / path
        discard_temps(target)
        if target.is_file() and not target.is_symlink() and _sha256(target.read_bytes()) == digest:
            committed = docs.read_at("HEAD", path)
            if committed is None:
                target.unlink()
            else:
                write_atomic(target, committed)
            restored.append(path)
    state.clear(docs.git_dir, state.KB_JOURNAL)
    return restored


# ------------------------------------------------------------------------------------------------ write, commit


def write_kb(inp: KbInput, plan: KbPlan) -> list[str]:
    """Write the plan's files atomically and return their paths; refuse (HumanEditError) when one has
    uncommitted human edits, before writing anything."""
    paths = sorted(plan.writes)
    dirty = githistory.dirty_paths(inp.facts, paths)
    if dirty:
        raise HumanEditError(
            "uncommitted changes in files the KB refresh would write: "
            + ", ".join(dirty)
            + "; commit or discard them first",
            path=dirty[0],
        )
    if paths:
        journal = {path: _sha256(plan.writes[path].encode("utf-8")) for path in paths}
        state.save(inp.facts.git_dir, state.KB_JOURNAL, journal)
    for path in paths:
        write_repo_file(inp.root, path, plan.writes[path])
    return paths


def forget_journal(inp: KbInput) -> None:
    """Drop the write journal: the written files are committed (or meant to stay uncommitted)."""
    state.clear(inp.facts.git_dir, state.KB_JOURNAL)


def commit_kb(docs: DocsRepo, inp: KbInput, plan: KbPlan, written: Sequence[str], settings: Settings) -> str | None:
    """Commit the written files as the bot with the ``KB-Synced-Through`` trailer; return the sha (None: no change)."""
    if not written:
        return None
    try:
        return _commit_kb(docs, inp, plan, written, settings)
    finally:
        forget_journal(inp)


def _commit_kb(docs: DocsRepo, inp: KbInput, plan: KbPlan, written: Sequence[str], settings: Settings) -> str | None:
    head = inp.facts.head or ""
    count = len(plan.new_work)
    subject = f"docs(kb): refresh knowledge base ({count} new merged commit{'s' if count != 1 else ''})"
    body = "Pages written:\n" + "\n".join(f"- {path}" for path in written)
    if inp.sla.breached or inp.sla.baseline:
        body += "\n\n" + inp.sla.headline()
    trailers = {KB_TRAILER: "incremental" if inp.incremental else "full", SYNC_TRAILER: head}
    identity = Identity(settings.bot.name, settings.bot.email)
    return docs.commit_files(list(written), f"{subject}\n\n{body}", trailers, identity)


KB_TRAILER = "KB-Refresh"
"""Trailer of every KB commit (``incremental`` or ``full``)."""
KB_JOB = "refresh-kb"
"""The job's name in a ``git.push_branch`` (``{job}``)."""


def push_kb(docs: DocsRepo, settings: Settings, effects: Effects = DIRECT) -> PushOutcome:
    """Push the KB commit (``effects.push``: the adapter rebases a rejected push; a flow's task retries network
    failures): to the docs branch, or to the team's ``git.push_branch`` for the KB when set."""
    return effects.push(docs, settings.git.push_target(KB_JOB), (KB_TRAILER, None))


def needs_push(docs: DocsRepo, sha: str | None, settings: Settings) -> bool:
    """Return True when there is a commit of ours to push: the one just made, or one a killed run left unpushed."""
    return sha is not None or docs.unpushed_own_commits(Identity(settings.bot.name, settings.bot.email))


def save_kb_state(inp: KbInput, plan: KbPlan) -> None:
    """Cache the state for the next incremental refresh, keyed by the sha the commit's trailer names, and the parsed
    sprint docs when they were read (keyed by the same sha, which the state records as ``sprint_docs_at``; a
    refresh that read none leaves the cache as it is, not written again)."""
    save_state(inp.facts.git_dir, plan.state)
    if plan.sprint_docs is not None:
        githistory.save_sprint_docs(inp.facts, plan.state.synced_through, plan.sprint_docs)


def kb_url(settings: Settings) -> str | None:
    """Return the web link of the KB when ``slack.docs_url`` is set, else None."""
    base = settings.slack.docs_url
    return f"{base.rstrip('/')}/{settings.paths.kb_dir.strip('/')}" if base else None


def summary_of(inp: KbInput, plan: KbPlan, written: Sequence[str]) -> Message:
    """Return the Slack summary of a refresh, rendered from ``slack/kb-summary.md.j2`` (the team's first)."""
    context = kb.summary_context(
        written,
        plan.stale,
        kb.health_counts(plan.issues) if plan.issues else {},
        len(plan.new_work),
        inp.facts.head,
        kb_url(inp.settings),
        inp.sla.headline() if inp.sla.breached or inp.sla.baseline else None,
    )
    renderer = SlackRenderer.for_settings(inp.root, inp.settings)
    return render_message(
        renderer, kb.SUMMARY_TEMPLATE, context, key=kb.summary_key(inp.facts.head), channel=inp.settings.slack.channel
    )


def result_of(
    inp: KbInput,
    plan: KbPlan,
    written: Sequence[str],
    commit: str | None,
    pushed: bool,
    push_detail: str | None,
    dry_run: bool,
    message: Message | None,
    deliveries: Sequence[Delivery] = (),
) -> RefreshResult:
    """Return the RefreshResult of a run."""
    issues = [
        f"{i.path}:{i.line}: {i.message}" if i.line else f"{i.path}: {i.message}"
        for i in plan.issues
        if i.kind in ("invalid-yaml", "unreadable", "managed-block", "name-collision")
    ]
    return RefreshResult(
        repo=str(inp.root),
        mode="incremental" if inp.incremental else "full",
        dry_run=dry_run,
        synced_through=inp.facts.head,
        previous_sync=inp.sync.synced_through if inp.sync else None,
        new_commits=[c.sha for c in plan.new_work],
        pages_written=list(written),
        needs_review=[
            {"path": s.path, "owner": s.owner, "commits": s.count, "newest": s.last.sha if s.last else None}
            for s in plan.stale
        ],
        health=kb.health_counts(plan.issues),
        issues=issues,
        commit=commit,
        pushed=pushed,
        push_detail=push_detail,
        sla=inp.sla,
        pages_parsed=plan.pages_parsed,
        message=message,
        deliveries=list(deliveries),
        diff=diff_of(plan) if dry_run else "",
        not_written=[{"path": i.path, "reason": i.message} for i in plan.issues if i.kind == "name-collision"],
    )


def run_refresh_kb(request: RefreshRequest, effects: Effects = DIRECT) -> RefreshResult:
    """Refresh the KB of ``request.repo``: open → load → compute → write → commit (one, with trailers) → push →
    notify; return the result (a flow also gets it as a markdown artifact).

    Runs on one work tree take turns: the whole sequence holds the repo lock (RepoBusyError, exit code 0, when
    another run keeps it longer than ``request.lock_wait``); before the pull, the files a killed run wrote and did
    not commit are put back (:func:`discard_own_leftovers`). Raises HumanEditError, before writing anything, when a
    file to write has uncommitted human edits; GitError when git fails.
    """
    with opened(
        request.repo,
        request.branch,
        job=FLOW_NAME,
        dry_run=request.dry_run,
        lock_wait=request.lock_wait,
        to_stderr=request.to_stderr,
        prepare=discard_own_leftovers,
        effects=effects,
    ) as repo:
        result = _refresh(request, repo, effects)
    effects.publish("refresh-kb", result.summary_markdown(), "KB refresh summary")
    return result


def _refresh(request: RefreshRequest, repo: Opened, effects: Effects) -> RefreshResult:
    """Run the refresh steps on the opened (and, unless dry, locked and pulled) repo; return the result."""
    docs, settings = repo.docs, repo.settings
    inp = load_kb(docs.root, settings, full=request.full, now=in_team_time(request.now, settings))
    say(effects, logging.INFO, "KB %s refresh: %d commit(s) since %s", *_since(inp))
    plan = compute_kb(inp)
    say(effects, logging.INFO, "KB plan: %d file(s) to write, %d page(s) parsed", len(plan.writes), plan.pages_parsed)
    message = summary_of(inp, plan, sorted(plan.writes))
    if request.dry_run:
        return result_of(inp, plan, sorted(plan.writes), None, False, "dry run", True, message)
    written = write_kb(inp, plan)
    sha = _commit(request, docs, inp, plan, written, settings)
    pushes = request.push and request.commit and needs_push(docs, sha, settings)
    pushed = push_kb(docs, settings, effects) if pushes else None
    deliveries: list[Delivery] = []
    if written and docs.commit_landed(sha, pushed):  # a commit dropped for an identical one: its pusher posts
        deliveries = effects.send(repo.notifier, [message])
    detail = pushed.reason if pushed else None
    return result_of(inp, plan, written, sha, bool(pushed and pushed.pushed), detail, False, message, deliveries)


def _since(inp: KbInput) -> tuple[str, int, str]:
    """Return the mode, the number of commits read and the sync point of a load (for the run log)."""
    since = inp.sync.synced_through[:12] if inp.sync else "the beginning"
    return "incremental" if inp.incremental else "full", len(inp.commits), since


def _commit(
    request: RefreshRequest, docs: DocsRepo, inp: KbInput, plan: KbPlan, written: Sequence[str], settings: Settings
) -> str | None:
    """Commit the written pages (unless ``request.commit`` is off: then the journal is dropped and they stay
    uncommitted) and cache the state for the next incremental refresh; return the sha (None: no commit)."""
    if not request.commit:
        forget_journal(inp)
        return None
    sha = commit_kb(docs, inp, plan, written, settings)
    if sha is not None:
        save_kb_state(inp, plan)
    return sha
