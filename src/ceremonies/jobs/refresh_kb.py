"""The knowledge-base refresh, direct path: load → compute → write → commit → push → notify.

Incremental by default: the merged work since the sync point (trailer ``KB-Synced-Through`` on the bot's last KB
commit) is read with one ``git log`` call, only the pages those commits touched are parsed again (the rest comes
from the state cached in the git dir), and only the files whose text changes are written. ``full=True`` reads the
whole history and every page. The same history always gives byte-identical pages, so a re-run commits nothing.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ceremonies import knowledge as kb
from ceremonies.adapters import history as githistory
from ceremonies.adapters.files import read_doc_text, read_document, scan_sprint_dir, write_atomic, write_repo_file
from ceremonies.adapters.git import DocsRepo, Identity, PushOutcome
from ceremonies.adapters.kb_render import KbRenderer
from ceremonies.adapters.notify import ConsoleNotifier, Delivery, Notifier, cache_channels, slack_markdown
from ceremonies.adapters.slack_render import SlackRenderer, render_message
from ceremonies.config import Settings, load_config
from ceremonies.domain.commits import SYNC_TRAILER, MergedCommit
from ceremonies.domain.messages import Message
from ceremonies.domain.model import Document
from ceremonies.domain.parsing import build_history
from ceremonies.errors import GitError, HumanEditError, SprintDocError
from ceremonies.jobs.branch import open_docs


@dataclass(frozen=True)
class KbInput:
    """Everything a refresh reads before computing: repo, settings, merged work since the sync point, cached state."""

    root: Path
    settings: Settings
    layout: kb.Layout
    facts: githistory.RepoFacts
    sync: githistory.SyncPoint | None
    commits: tuple[MergedCommit, ...]
    pending: tuple[MergedCommit, ...]
    previous: kb.KbState | None
    sla: kb.SlaReport
    zone: ZoneInfo

    @property
    def previous_sync(self) -> str | None:
        """Return the sha the last KB commit's trailer names (None before the first refresh)."""
        return self.sync.synced_through if self.sync else None

    @property
    def incremental(self) -> bool:
        """Return True when only the commits since the sync point are applied to the cached state."""
        return self.previous is not None


@dataclass(frozen=True)
class KbPlan:
    """What a refresh computed: the new state, the files to write (path → text), health and review facts."""

    state: kb.KbState
    writes: dict[str, str]
    before: dict[str, str | None]
    issues: tuple[kb.HealthIssue, ...]
    stale: tuple[kb.Stale, ...]
    new_work: tuple[MergedCommit, ...]
    pages_parsed: int
    sprint_docs: dict[str, Document] | None = None


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


# ------------------------------------------------------------------------------------------------ load


FLOW_NAME = "refresh-kb"
"""Name of the job (its repo-lock holder name)."""


def open_repo(repo: str, branch: str | None = None, pull: bool = True) -> tuple[DocsRepo, Settings]:
    """Return the docs repo (cloned when ``repo`` is a URL, pulled when it has a remote) and its settings.

    Before pulling, the uncommitted files a killed run wrote are put back (see :func:`discard_own_leftovers`).
    """
    docs = open_docs(repo, branch)
    return docs, sync(docs, pull)


def sync(docs: DocsRepo, pull: bool = True) -> Settings:
    """Put back what a killed run left uncommitted and pull (when ``pull``); return the settings read after it."""
    if pull:
        discard_own_leftovers(docs)
    if pull and docs.has_remote():
        docs.pull()
    return load_config(docs.root)


JOURNAL_FILE = "ceremonies-kb-journal.json"
"""In the git dir: path → sha256 of what the running refresh writes; removed once the files are committed."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def discard_own_leftovers(docs: DocsRepo) -> list[str]:
    """Undo what a refresh killed between write and commit left behind; return the paths put back to HEAD.

    Only files whose bytes are exactly what that run wrote (the journal holds their sha256) are restored, and
    only our own temp files next to them are removed; anything a human changed since stays as it is.
    """
    root, journal = docs.root, docs.git_dir / JOURNAL_FILE
    try:
        written = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    restored = []
    for path, digest in sorted(written.items()) if isinstance(written, dict) else ():
        target = root / path
        for temp in target.parent.glob(f".{target.name}.*.tmp"):
            temp.unlink(missing_ok=True)
        if target.is_file() and not target.is_symlink() and _sha256(target.read_bytes()) == digest:
            committed = docs.read_at("HEAD", path)
            if committed is None:
                target.unlink()
            else:
                write_atomic(target, committed)
            restored.append(path)
    journal.unlink(missing_ok=True)
    return restored


def _layout(settings: Settings) -> kb.Layout:
    """Return the KB layout of ``settings``."""
    return kb.Layout.of(settings.paths.kb_dir, settings.kb.generated_dir, settings.kb.page_names())


def _pending(commits: Sequence[MergedCommit], sync: githistory.SyncPoint | None) -> list[MergedCommit]:
    """Return the commits after the sync point in a full list (all of them when the sync sha is not in it)."""
    if sync is None:
        return list(commits)
    for index, commit in enumerate(commits):
        if commit.sha == sync.synced_through:
            return list(commits[index + 1 :])
    return list(commits)


def _cached_state(facts: githistory.RepoFacts, sync: githistory.SyncPoint | None) -> kb.KbState | None:
    """Return the cached state when it matches the sync point, else None (the cache is only an optimisation)."""
    if sync is None:
        return None
    data = githistory.load_state(facts)
    state = kb.KbState.from_dict(data) if data else None
    if state is None or state.synced_through != sync.synced_through:
        return None
    return state


def load_kb(root: Path, settings: Settings, full: bool = False, now: datetime | None = None) -> KbInput:
    """Return the input of a refresh: merged work since the sync point (or all of it) and the cached state.

    Reads the history with one ``git log`` call. A shallow clone is deepened, or a GitError says why not.
    """
    now = now or datetime.now(UTC)
    facts = githistory.repo_facts(root)
    sync = githistory.find_sync_point(root)
    previous = None if full else _cached_state(facts, sync)
    since = sync.synced_through if previous is not None and sync is not None else None
    facts = githistory.ensure_history(facts, since)
    try:
        commits = githistory.read_merged_work(facts, since)
    except GitError:
        if since is None:
            raise
        previous, since = None, None  # the recorded sha is gone (history rewritten): rebuild from everything
        facts = githistory.ensure_history(facts, None)
        commits = githistory.read_merged_work(facts, None)
    pending = commits if since else _pending(commits, sync)
    sla = kb.sla_report(pending, now, settings.kb.sla_hours, sync.synced_through if sync else None)
    return KbInput(
        root,
        settings,
        _layout(settings),
        facts,
        sync,
        tuple(commits),
        tuple(pending),
        previous,
        sla,
        ZoneInfo(settings.sprint.timezone),
    )


def check_freshness(root: Path, settings: Settings, now: datetime | None = None) -> kb.SlaReport:
    """Return the SLA report of the KB at ``now``: merged work after the sync point older than the SLA."""
    now = now or datetime.now(UTC)
    facts = githistory.repo_facts(root)
    sync = githistory.find_sync_point(root)
    since = sync.synced_through if sync else None
    facts = githistory.ensure_history(facts, since)
    try:
        commits = githistory.read_merged_work(facts, since)
    except GitError:
        commits = githistory.read_merged_work(facts, None)
    return kb.sla_report(commits, now, settings.kb.sla_hours, since)


# ------------------------------------------------------------------------------------------------ compute


def _read(root: Path, path: str) -> tuple[str | None, kb.HealthIssue | None]:
    """Return the text of a repo file (None when missing) or a health issue when it cannot be read."""
    target = root / path
    if not target.exists():
        return None, None
    if not target.resolve().is_relative_to(root.resolve()):
        return None, kb.HealthIssue("unreadable", path, None, "symlink points outside the repo")
    try:
        return read_doc_text(target), None
    except SprintDocError as error:
        return None, kb.HealthIssue("unreadable", path, error.line, error.what)


def _parse_pages(
    root: Path, paths: Sequence[str], settings: Settings, texts: dict[str, str], pages: dict[str, kb.KbPage]
) -> int:
    """Parse ``paths`` into ``pages`` (removing the ones that are gone), keeping their texts; return how many."""
    parsed = 0
    for path in paths:
        text, issue = _read(root, path)
        if text is None and issue is None:
            pages.pop(path, None)
            continue
        if text is not None and kb.is_generated(text):
            pages.pop(path, None)
            continue
        parsed += 1
        if text is None:
            pages[path] = kb.KbPage(path=path, issues=(issue,) if issue else ())
            continue
        texts[path] = text
        pages[path] = kb.parse_kb_page(text, path, settings.kb.required_keys)
    return parsed


def _touched(commits: Iterable[MergedCommit]) -> set[str]:
    """Return every path the commits touched."""
    return {path for commit in commits for path in commit.touched_paths()}


def _render_all(
    state: kb.KbState, inp: KbInput, renderer: KbRenderer, which: set[str], issues: Sequence[kb.HealthIssue]
) -> dict[str, str]:
    """Return path → text of the generated pages named in ``which``."""
    layout, zone = inp.layout, inp.zone
    out = {}
    if "index" in which:
        out[layout.generated("index")] = renderer.render_page("index", kb.index_context(state, layout, zone))
    if "whats_new" in which:
        context = kb.whats_new_context(state, layout, zone)
        out[layout.generated("whats_new")] = renderer.render_page("whats-new", context)
    if "sprint_history" in which:
        out[layout.generated("sprint_history")] = renderer.render_page(
            "sprint-history", kb.sprint_history_context(state, layout)
        )
    if "health" in which:
        out[layout.generated("health")] = renderer.render_page("doc-health", kb.health_context(issues, state, layout))
    return out


def _generated_paths(layout: kb.Layout) -> dict[str, str]:
    """Return generated page key → repo path."""
    return {name: layout.generated(name) for name in kb.GENERATED_NAMES}


def name_collisions(root: Path, settings: Settings) -> list[kb.HealthIssue]:
    """Return a ``name-collision`` issue for each generated page whose path a human page holds without a managed
    block for it (what ``check`` reports; a refresh leaves those pages alone)."""
    layout = _layout(settings)
    found = []
    for name, path in _generated_paths(layout).items():
        _, issue = kb.generated_text(layout, name, _read(root, path)[0], "")
        if issue is not None:
            found.append(issue)
    return found


def _affected_generated(
    inp: KbInput, reparsed: set[str], history_changed: set[str], sprints_changed: bool, new_work: Sequence[MergedCommit]
) -> set[str]:
    """Return which generated pages an incremental refresh must render (all of them on a full rebuild)."""
    if not inp.incremental:
        return set(kb.GENERATED_NAMES)
    which = set()
    generated = {inp.layout.generated(name): name for name in kb.GENERATED_NAMES}
    for path in _touched(new_work):
        if path in generated:
            which.add(generated[path])  # a human changed a generated page: put it back
    if reparsed or history_changed:
        which |= {"index", "health", "whats_new"}
    if new_work:
        which |= {"whats_new", "health"}
    if sprints_changed:
        which |= {"sprint_history", "whats_new", "health"}
    return which


def _candidates(inp: KbInput, pages: dict[str, kb.KbPage]) -> list[str]:
    """Return the pages to parse: every tracked page on a full rebuild; else the pages merged work touched.

    Files only the bot's own KB commits touched are not parsed again: the state already holds them as written.
    """
    layout = inp.layout
    if inp.previous is None:
        return [p for p in githistory.list_files(inp.facts, layout.kb_dir) if layout.is_page(p)]
    human = _touched(c for c in inp.commits if not c.is_kb_sync)
    bot = _touched(c for c in inp.commits if c.is_kb_sync) - human
    wanted = {p for p in human if layout.is_page(p) or p in pages}
    wanted |= {p for p in bot if layout.is_page(p) and p not in pages}
    return sorted(wanted)


def _link_checker(inp: KbInput, base: kb.KbState) -> tuple[dict[str, bool], Callable[[str], bool]]:
    """Return the known link-target existence (kept from the last run except for paths merged work touched)
    and an ``exists(path)`` that fills it from the file system on demand."""
    known = dict(base.link_exists) if inp.previous is not None else {}
    for path in _touched(inp.commits):
        known.pop(path, None)
        known.pop(path.rpartition("/")[0], None)

    def exists(path: str) -> bool:
        found = known.get(path)
        if found is None:
            found = known[path] = (inp.root / path).exists()
        return found

    return known, exists


def _managed_texts(inp: KbInput, state: kb.KbState, paths: Iterable[str], texts: dict[str, str]) -> dict[str, str]:
    """Return path → new text of the pages in ``paths`` with managed blocks (only text between markers changes)."""
    out = {}
    for path in sorted(paths):
        page = state.pages.get(path)
        if page is None or not page.blocks:
            continue
        text = texts.get(path)
        if text is None:
            text, _ = _read(inp.root, path)
        if text is None:
            continue
        texts[path] = text
        history = state.history.get(path, kb.PageHistory())
        out[path] = kb.replace_blocks(text, kb.block_renderer(page, history, inp.zone))
    return out


def _sprint_docs(inp: KbInput, changed: Sequence[str]) -> dict[str, Document]:
    """Return path → parsed sprint doc: the cached docs with only ``changed`` read again (all on a full rebuild)."""
    cached = githistory.load_sprint_docs(inp.facts) if inp.previous is not None else None
    if cached is None or cached[0] != inp.previous_sync:
        return {doc.path: doc for doc in scan_sprint_dir(inp.root, inp.settings)}
    docs = dict(cached[1])
    root = inp.root.resolve()
    for path in changed:
        target = root / path
        if target.is_file() and target.suffix.lower() in (".md", ".markdown"):
            docs[path] = read_document(target, root, inp.settings)
        else:
            docs.pop(path, None)
    return docs


def compute_kb(inp: KbInput, renderer: KbRenderer | None = None) -> KbPlan:
    """Return the refresh plan: the new state and the text of every file that changes (others untouched)."""
    root, settings, layout = inp.root, inp.settings, inp.layout
    renderer = renderer or KbRenderer.for_repo(root, settings.paths.template_dir)
    base = inp.previous or kb.KbState()
    texts: dict[str, str] = {}
    pages = dict(base.pages)
    candidates = _candidates(inp, pages)
    parsed = _parse_pages(root, candidates, settings, texts, pages)
    sprint_dir = settings.paths.sprint_dir.strip("/") + "/"
    touched = _touched(inp.commits)
    sprints_changed = inp.previous is None or any(path.startswith(sprint_dir) for path in touched)
    sprint_docs = None
    if sprints_changed:
        sprint_docs = _sprint_docs(inp, sorted(p for p in touched if p.startswith(sprint_dir)))
        history = build_history(sprint_docs[path] for path in sorted(sprint_docs))
        base = replace(base, sprints=kb.sprint_facts(history))
    state, history_changed = kb.apply_commits(base, inp.commits, pages, inp.facts.head)
    new_work = tuple(c for c in inp.pending if not c.is_kb_sync)
    # pages with managed blocks: new text, parsed again so the state matches what is written (lines may move)
    blocks = _managed_texts(
        inp, state, state.pages if not inp.incremental else set(candidates) | history_changed, texts
    )
    if blocks:
        pages = dict(state.pages)
        for path, text in blocks.items():
            pages[path] = kb.parse_kb_page(text, path, settings.kb.required_keys)
        state = replace(state, pages=pages)
    which = _affected_generated(inp, set(candidates), history_changed, sprints_changed, new_work)
    known, exists = _link_checker(inp, base)
    occupied = {name: blocks.get(path) or _read(root, path)[0] for name, path in _generated_paths(layout).items()}
    collisions = {
        name: issue
        for name, text in occupied.items()
        if (issue := kb.generated_text(layout, name, text, "")[1]) is not None
    }
    if collisions or _touched(inp.commits) & layout.generated_paths():
        which.add("health")
    issues = sorted(
        [*kb.health_issues(state, layout, exists), *collisions.values()],
        key=lambda i: (i.kind, i.path, i.line or 0, i.message),
    )
    state = replace(state, link_exists=known)
    generated = _render_all(state, inp, renderer, which - set(collisions), issues)
    rendered = dict(blocks)
    for name, path in _generated_paths(layout).items():
        if path in generated:
            page_text, _ = kb.generated_text(layout, name, occupied[name], generated[path])
            if page_text is not None:
                rendered[path] = page_text
    writes, before = {}, {}
    for path, text in sorted(rendered.items()):
        current = texts.get(path)
        if current is None:
            current, _ = _read(root, path)
        if current != text:
            writes[path] = text
            before[path] = current
    return KbPlan(state, writes, before, tuple(issues), tuple(kb.stale_pages(state)), new_work, parsed, sprint_docs)


# ------------------------------------------------------------------------------------------------ write, commit


def diff_of(plan: KbPlan) -> str:
    """Return a unified diff of every file the plan writes."""
    chunks: list[str] = []
    for path, text in plan.writes.items():
        old = plan.before.get(path) or ""
        chunks.extend(
            difflib.unified_diff(
                old.splitlines(keepends=True), text.splitlines(keepends=True), f"a/{path}", f"b/{path}"
            )
        )
    return "".join(chunks)


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
        write_atomic(inp.facts.git_dir / JOURNAL_FILE, json.dumps(journal, sort_keys=True))
    for path in paths:
        write_repo_file(inp.root, path, plan.writes[path])
    return paths


def forget_journal(inp: KbInput) -> None:
    """Drop the write journal: the written files are committed (or meant to stay uncommitted)."""
    (inp.facts.git_dir / JOURNAL_FILE).unlink(missing_ok=True)


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


def push_kb(docs: DocsRepo, settings: Settings) -> PushOutcome:
    """Push the KB commit: to the docs branch, or to the team's ``git.push_branch`` for the KB when set."""
    return docs.push(to=settings.git.push_target(KB_JOB), mine=(KB_TRAILER, None))


def needs_push(docs: DocsRepo, sha: str | None, settings: Settings) -> bool:
    """Return True when there is a commit of ours to push: the one just made, or one a killed run left unpushed."""
    return sha is not None or docs.unpushed_own_commits(Identity(settings.bot.name, settings.bot.email))


def save_kb_state(inp: KbInput, plan: KbPlan) -> None:
    """Cache the state (and parsed sprint docs) for the next incremental refresh, keyed by the sha the commit's
    trailer names."""
    githistory.save_state(inp.facts, plan.state.to_dict())
    if plan.sprint_docs is not None:
        githistory.save_sprint_docs(inp.facts, plan.state.synced_through, plan.sprint_docs)
    elif inp.previous is not None:
        cached = githistory.load_sprint_docs(inp.facts)
        if cached is not None and cached[0] == inp.previous_sync:
            githistory.save_sprint_docs(inp.facts, plan.state.synced_through, cached[1])


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (a refresh allocates many small objects and frees them at the end)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def notify_kb(notifier: Notifier, message: Message) -> list[Delivery]:
    """Send the Slack summary; return the deliveries."""
    return notifier.send([message])


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


def run_refresh_kb(
    repo: str,
    branch: str | None = None,
    full: bool = False,
    dry_run: bool = False,
    commit: bool = True,
    push: bool = True,
    now: datetime | None = None,
    notifier: Notifier | None = None,
    lock_wait: float | None = None,
) -> RefreshResult:
    """Refresh the KB of ``repo``: load → compute → write → commit (one, with trailers) → push → notify.

    ``dry_run`` writes nothing and sends nothing (the result holds the diff and the message); ``commit=False``
    writes the files but does not commit (nor push). Runs on one work tree take turns: the whole sequence holds the
    repo lock (RepoBusyError, exit code 0, when another run keeps it longer than ``lock_wait`` seconds).
    """
    docs = open_docs(repo, branch)
    with docs, contextlib.nullcontext() if dry_run else docs.lock(FLOW_NAME, lock_wait):
        settings = sync(docs, pull=not dry_run)
        return _refresh(docs, settings, full, dry_run, commit, push, now, notifier)


def _refresh(
    docs: DocsRepo,
    settings: Settings,
    full: bool,
    dry_run: bool,
    commit: bool,
    push: bool,
    now: datetime | None,
    notifier: Notifier | None,
) -> RefreshResult:
    """Run the refresh steps on an opened (and, unless dry, locked and pulled) repo; return the result."""
    with gc_paused():
        inp = load_kb(docs.root, settings, full=full, now=now)
        plan = compute_kb(inp)
    message = summary_of(inp, plan, sorted(plan.writes))
    if dry_run:
        return result_of(inp, plan, sorted(plan.writes), None, False, "dry run", True, message)
    written = write_kb(inp, plan)
    sha = commit_kb(docs, inp, plan, written, settings) if commit else None
    if not commit:
        forget_journal(inp)
    if sha is not None:
        save_kb_state(inp, plan)
    outcome = push_kb(docs, settings) if push and commit and needs_push(docs, sha, settings) else None
    pushed, detail = bool(outcome and outcome.pushed), (outcome.reason if outcome else None)
    deliveries: list[Delivery] = []
    if written and docs.commit_landed(sha, outcome):
        sender = notifier or ConsoleNotifier(settings.slack.channel)
        cache_channels(sender, docs.git_dir)
        deliveries = notify_kb(sender, message)
    return result_of(inp, plan, written, sha, pushed, detail, False, message, deliveries)
