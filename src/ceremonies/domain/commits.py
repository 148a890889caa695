"""Merged work on the docs repo's main branch: one first-parent commit and the files it changed.

No I/O here: :mod:`ceremonies.adapters.history` reads these from ``git log``; :mod:`ceremonies.knowledge` turns
them into KB pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

SYNC_TRAILER = "KB-Synced-Through"
"""Trailer on the bot's KB commit naming the last main-branch commit the KB reflects."""


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file a commit changed: ``status`` is git's letter (A, M, D, R, C, T); renames keep ``old_path``."""

    status: str
    path: str
    old_path: str | None = None


@dataclass(frozen=True, slots=True)
class MergedCommit:
    """One commit on the first-parent line of main (a merge commit's files are its diff against its first parent).

    ``date`` is the committer date (timezone-aware): when the work landed on main.
    """

    sha: str
    date: datetime
    author: str
    author_email: str
    subject: str
    body: str = ""
    trailers: tuple[tuple[str, str], ...] = ()
    files: tuple[FileChange, ...] = ()
    parents: tuple[str, ...] = ()

    @property
    def short(self) -> str:
        """Return the 8-character abbreviation of the sha."""
        return self.sha[:8]

    @property
    def is_merge(self) -> bool:
        """Return True for a merge commit (two or more parents)."""
        return len(self.parents) > 1

    def trailer(self, key: str) -> str | None:
        """Return the value of the last trailer named ``key`` (case-insensitive), else None."""
        found = None
        for name, value in self.trailers:
            if name.lower() == key.lower():
                found = value
        return found

    @property
    def is_kb_sync(self) -> bool:
        """Return True for the bot's own KB commit (it carries the ``KB-Synced-Through`` trailer)."""
        return self.trailer(SYNC_TRAILER) is not None

    def touched_paths(self) -> tuple[str, ...]:
        """Return every path the commit changed, including the old side of renames."""
        paths: list[str] = []
        for change in self.files:
            if change.old_path:
                paths.append(change.old_path)
            paths.append(change.path)
        return tuple(paths)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of this commit (see :meth:`from_dict`)."""
        return {
            "sha": self.sha,
            "date": self.date.isoformat(),
            "author": self.author,
            "author_email": self.author_email,
            "subject": self.subject,
            "body": self.body,
            "trailers": [list(pair) for pair in self.trailers],
            "files": [[f.status, f.path, f.old_path] for f in self.files],
            "parents": list(self.parents),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MergedCommit:
        """Return the commit stored by :meth:`to_dict`."""
        return cls(
            sha=data["sha"],
            date=datetime.fromisoformat(data["date"]),
            author=data["author"],
            author_email=data["author_email"],
            subject=data["subject"],
            body=data.get("body", ""),
            trailers=tuple((name, value) for name, value in data.get("trailers", [])),
            files=tuple(FileChange(status, path, old) for status, path, old in data.get("files", [])),
            parents=tuple(data.get("parents", [])),
        )
