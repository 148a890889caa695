"""Load step of the KB refresh: the merged work since the sync point (trailer ``KB-Synced-Through`` on the bot's last
KB commit, read with one ``git log`` call) and the state cached in the git dir; ``full=True`` reads the whole
history. Also the SLA check of ``kb-freshness``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ceremonies import knowledge as kb
from ceremonies.adapters import history as githistory
from ceremonies.config import Settings
from ceremonies.domain.commits import MergedCommit
from ceremonies.errors import GitError
from ceremonies.jobs.kb_state import load_kb_state


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



def kb_layout(settings: Settings) -> kb.Layout:
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
    state = load_kb_state(facts.git_dir)
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
        kb_layout(settings),
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
