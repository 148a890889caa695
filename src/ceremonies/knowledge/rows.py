"""The rendered rows of INDEX.md and DOC-HEALTH.md, cached per page in the state so a refresh renders only the rows
of the pages a change concerns and puts the pages together from the cached rest (row by row, not from every page).

Each entry keeps what ordering and the headers need (folder, warning flag; an issue's sort key) next to the row's
text as the team's template rendered it. ``key`` says which templates, layout and time zone rendered them: rows
of another key are rendered again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

IssueRow = list[Any]
"""``[kind, path, line, message, text]``: one doc health issue and its rendered table row."""


@dataclass(frozen=True)
class RowCache:
    """``index``: page path → ``[folder name, has a warning, row]``; ``stale``: page path → ``[stale list, row]``
    (``health.Stale.to_list``); ``issues``: page path → its issue rows (pages with issues only)."""

    key: str
    index: Mapping[str, list[Any]] = field(default_factory=dict)
    stale: Mapping[str, list[Any]] = field(default_factory=dict)
    issues: Mapping[str, list[IssueRow]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (see :meth:`from_dict`)."""
        return {"key": self.key, "index": self.index, "stale": self.stale, "issues": self.issues}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RowCache:
        """Return the cache stored by :meth:`to_dict`."""
        return cls(str(data["key"]), dict(data["index"]), dict(data["stale"]), dict(data["issues"]))


def index_groups(index: Mapping[str, list[Any]]) -> tuple[int, int, list[tuple[str, list[str]]]]:
    """Return (page count, pages with a warning, [(folder name, its rows by path)] by folder name) of the index."""
    folders: dict[str, list[str]] = {}
    warnings = 0
    for path in sorted(index):
        folder, warned, text = index[path]
        warnings += bool(warned)
        folders.setdefault(folder, []).append(text)
    return len(index), warnings, [(name, folders[name]) for name in sorted(folders)]


def sorted_issues(issues: Mapping[str, Iterable[IssueRow]], extra: Iterable[IssueRow] = ()) -> list[IssueRow]:
    """Return every issue row of the pages plus ``extra`` in DOC-HEALTH order: kind, path, line, message."""
    rows = [row for page_rows in issues.values() for row in page_rows]
    rows.extend(extra)
    rows.sort(key=lambda row: (row[0], row[1], row[2] or 0, row[3]))
    return rows


def kind_counts(rows: Iterable[IssueRow]) -> dict[str, int]:
    """Return the number of issue rows per kind, sorted by kind."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[0]] = counts.get(row[0], 0) + 1
    return dict(sorted(counts.items()))
