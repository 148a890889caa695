""":class:`KbState`: what the KB knows after applying merged work oldest first (last human change of each page, commits
that touched its ``sources:`` since, recent work), and its JSON form cached between runs. The same
:func:`apply_commits` serves the full rebuild and the incremental refresh, so both give byte-identical pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from ceremonies.domain.commits import MergedCommit
from ceremonies.knowledge.commits import display_subject
from ceremonies.knowledge.globs import SourceIndex, ancestor_dirs
from ceremonies.knowledge.indexes import KbIndex
from ceremonies.knowledge.pages import KbPage
from ceremonies.knowledge.rows import RowCache
from ceremonies.knowledge.shards import PENDING, LazyMap, Records, copy_map, stored
from ceremonies.knowledge.sprints import SprintFacts

V = TypeVar("V")

STATE_VERSION = 5
"""Version of the cached state's JSON form; a cache of another version is ignored (rebuilt)."""
WHATS_NEW_LIMIT = 100
"""What's new lists this many most recent merged commits."""
RECENT_LIMIT = 5
"""A ``recent-changes`` block lists this many most recent commits touching the page's sources."""


@dataclass(frozen=True)
class CommitRef:
    """The few facts of a commit that pages show: sha, committer date, author, subject."""

    sha: str
    date: str
    author: str
    subject: str

    @classmethod
    def of(cls, commit: MergedCommit) -> CommitRef:
        """Return the ref of ``commit`` (a merge commit shows its pull request's title when the body has one)."""
        return cls(commit.sha, commit.date.isoformat(), commit.author, display_subject(commit.subject, commit.body))


@dataclass(frozen=True)
class PageHistory:
    """What history says about one page: its last human change and the merged work on its sources since.

    ``stale_count`` commits touched the page's sources after ``last``; ``stale_first``/``stale_last`` name the
    oldest and newest of them. ``recent`` keeps the newest commits touching the sources (pages with a
    ``recent-changes`` block only), newest first.
    """

    last: CommitRef | None = None
    stale_count: int = 0
    stale_first: CommitRef | None = None
    stale_last: CommitRef | None = None
    recent: tuple[CommitRef, ...] = ()

    def to_list(self) -> list[Any]:
        """Return a compact JSON-ready list (see :meth:`from_list`)."""

        def ref(value: CommitRef | None) -> list[str] | None:
            return None if value is None else [value.sha, value.date, value.author, value.subject]

        return [
            ref(self.last),
            self.stale_count,
            ref(self.stale_first),
            ref(self.stale_last),
            [ref(item) for item in self.recent],
        ]

    @classmethod
    def from_list(cls, data: Sequence[Any]) -> PageHistory:
        """Return the history stored by :meth:`to_list`."""

        def ref(value: Sequence[str] | None) -> CommitRef | None:
            return None if value is None else CommitRef(*value)

        return cls(
            ref(data[0]),
            data[1],
            ref(data[2]),
            ref(data[3]),
            tuple(item for item in (ref(value) for value in data[4]) if item is not None),
        )


@dataclass(frozen=True)
class KbState:
    """Everything the KB pages are computed from; stored (JSON) between runs so a refresh only applies new work.

    ``synced_through`` is the last main-branch commit applied; ``work`` the newest merged commits (oldest first,
    at most :data:`WHATS_NEW_LIMIT`, files dropped).
    """

    synced_through: str | None = None
    pages: Mapping[str, KbPage] = field(default_factory=dict)
    history: Mapping[str, PageHistory] = field(default_factory=dict)
    work: tuple[MergedCommit, ...] = ()
    sprints: SprintFacts = field(default_factory=SprintFacts)
    link_exists: Mapping[str, bool] = field(default_factory=dict)
    indexes: KbIndex | None = None
    rows: RowCache | None = None
    sprint_docs_at: str | None = None
    records: Records | None = field(default=None, compare=False, repr=False)

    def to_dict(self, head_only: bool = False) -> dict[str, Any]:
        """Return a JSON-ready dict (see :meth:`from_dict`); ``head_only``: the page records (pages, histories)
        only as lists of paths, the records themselves go to shards (:func:`shards.shard_records`)."""
        return {
            "version": STATE_VERSION,
            "synced_through": self.synced_through,
            "pages": list(self.pages) if head_only else stored(self.pages),
            "history": list(self.history) if head_only else stored(self.history),
            "work": [commit.to_dict() for commit in self.work],
            "sprints": self.sprints.to_dict(),
            "link_exists": dict(self.link_exists),
            "indexes": self.indexes.to_dict() if self.indexes is not None else None,
            "rows": self.rows.to_dict() if self.rows is not None else None,
            "sprint_docs_at": self.sprint_docs_at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], records: Records | None = None) -> KbState | None:
        """Return the state stored by :meth:`to_dict`, or None when it is from another version or malformed.

        A head (``to_dict(head_only=True)``) needs ``records``: each page's record is read from its shard when
        the page is first looked up.
        """
        if data.get("version") != STATE_VERSION:
            return None
        try:
            pages, history = _records(data["pages"], KbPage.from_list, 11, records, 0), _records(
                data["history"], PageHistory.from_list, 5, records, 1
            )
            if pages is None or history is None:
                return None
            return cls(
                synced_through=data["synced_through"],
                pages=pages,
                history=history,
                work=tuple(MergedCommit.from_dict(item) for item in data["work"]),
                sprints=SprintFacts.from_dict(data["sprints"]),
                link_exists=dict(data.get("link_exists", {})),
                indexes=KbIndex.from_dict(data["indexes"]) if data.get("indexes") else None,
                rows=RowCache.from_dict(data["rows"]) if data.get("rows") else None,
                sprint_docs_at=data.get("sprint_docs_at"),
                records=records,
            )
        except (AttributeError, KeyError, IndexError, TypeError, ValueError):
            return None


def _records(
    stored_items: Any, decode: Callable[[Any], V], size: int, records: Records | None, slot: int
) -> LazyMap[V] | None:
    """Return the lazy map of stored items: path → list (checked to have ``size`` items), or a list of paths whose
    records are item ``slot`` of their shard record; None when malformed."""
    if isinstance(stored_items, list):
        if records is None or not all(isinstance(path, str) for path in stored_items):
            return None
        return LazyMap(dict.fromkeys(stored_items, PENDING), decode, lambda path: records.record(path)[slot])
    if not all(type(item) is list and len(item) == size for item in stored_items.values()):
        return None
    return LazyMap(dict(stored_items), decode)


def _touch_page(history: PageHistory, ref: CommitRef) -> PageHistory:
    """Return ``history`` after a human change of the page itself: nothing stale any more."""
    return replace(history, last=ref, stale_count=0, stale_first=None, stale_last=None)


def _touch_sources(history: PageHistory, ref: CommitRef, keep_recent: bool) -> PageHistory:
    """Return ``history`` after merged work touched the page's sources (not the page)."""
    recent = ((ref, *history.recent)[:RECENT_LIMIT]) if keep_recent else history.recent
    return replace(
        history,
        stale_count=history.stale_count + 1,
        stale_first=history.stale_first or ref,
        stale_last=ref,
        recent=recent,
    )


def deleted_paths(commit: MergedCommit) -> set[str]:
    """Return the paths ``commit`` deleted (the old side of a rename included)."""
    gone = set()
    for change in commit.files:
        if change.status == "D":
            gone.add(change.path)
        elif change.status == "R" and change.old_path:
            gone.add(change.old_path)
    return gone


def apply_commits(
    state: KbState,
    commits: Sequence[MergedCommit],
    pages: Mapping[str, KbPage],
    head: str | None,
    indexes: KbIndex | None = None,
) -> tuple[KbState, set[str]]:
    """Return the state after the merged ``commits`` (oldest first) on top of ``state``, with ``pages`` current,
    and the paths of the pages whose history changed.

    A page's history starts with its first commit and ends when a commit deletes it (a page added again starts
    afresh): its last change is its last commit that is not the bot's KB commit; merged work touching a page's
    ``sources:`` after that makes it stale. So replaying the whole history (full rebuild) and replaying only the
    new commits onto the cached state (incremental) give the same history. The bot's own KB commits are not
    merged work. ``indexes`` (of ``pages``) finds the pages whose sources a commit touched without visiting every
    page; it is kept in the new state.
    """
    changed: set[str] = set()
    dirs = ancestor_dirs(path for commit in commits if not commit.is_kb_sync for path in commit.touched_paths())
    index = SourceIndex.from_index(indexes.sources, dirs) if indexes else SourceIndex(pages.values(), dirs)
    history = copy_map(state.history)
    work = list(state.work)
    for path in [path for path in history if path not in pages]:
        del history[path]
    for commit in commits:
        if commit.is_kb_sync:
            continue
        ref = CommitRef.of(commit)
        touched = set(commit.touched_paths())
        gone = deleted_paths(commit)
        for path in touched:
            if path in gone:
                if history.pop(path, None) is not None:
                    changed.add(path)
            elif path in pages:
                history[path] = _touch_page(history.get(path, PageHistory()), ref)
                changed.add(path)
        affected: set[str] = set()
        for path in touched:
            affected |= index.pages_for(path)
        for page_path in affected:
            current = history.get(page_path)
            if current is None:  # the page does not exist (yet, or any more) at this commit
                continue
            keep = "recent-changes" in pages[page_path].blocks
            if page_path in touched:  # the page was updated with its sources: recent, but nothing to review
                if keep:
                    history[page_path] = replace(current, recent=(ref, *current.recent)[:RECENT_LIMIT])
            else:
                history[page_path] = _touch_sources(current, ref, keep)
            changed.add(page_path)
        work.append(replace(commit, files=()))
    new_state = KbState(
        synced_through=head,
        pages=copy_map(pages),
        history=history,
        work=tuple(work[-WHATS_NEW_LIMIT:]),
        sprints=state.sprints,
        link_exists=state.link_exists,
        indexes=indexes,
        rows=state.rows,
        sprint_docs_at=state.sprint_docs_at,
        records=state.records,
    )
    return new_state, changed
