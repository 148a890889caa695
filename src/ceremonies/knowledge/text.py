"""Markdown text helpers of the generated pages: relative links, table cells, points, team-local dates."""

from __future__ import annotations

import functools
import re
import urllib.parse
from datetime import datetime, tzinfo
from typing import Any

from ceremonies.ledger import points_text


def relative_link(from_dir: str, to_path: str) -> str:
    """Return the markdown link destination from directory ``from_dir`` to file ``to_path`` (both repo-relative,
    posix): the relative path percent-encoded where CommonMark needs it (spaces, parentheses, non-ASCII, ``#``...;
    ``guides/my notes.md`` → ``guides/my%20notes.md``), so every renderer reads it as a link."""
    return urllib.parse.quote(relative_path(from_dir, to_path), safe="/")


def relative_path(from_dir: str, to_path: str) -> str:
    """Return the relative path from directory ``from_dir`` to file ``to_path`` (both repo-relative, posix)."""
    if from_dir and to_path.startswith(from_dir + "/"):
        return to_path[len(from_dir) + 1 :]
    source = [part for part in from_dir.split("/") if part]
    target = [part for part in to_path.split("/") if part]
    common = 0
    while common < min(len(source), len(target) - 1) and source[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(source) - common) + target[common:]) or "."


def cell(value: Any) -> str:
    """Return ``value`` safe for a markdown table cell (pipes escaped, newlines flattened, None → ``—``)."""
    if value is None or value == "":
        return "—"
    text = str(value)
    if not _CELL_SPECIAL.search(text):
        return text.strip()
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


_CELL_SPECIAL = re.compile(r"[\\|\r\n]")


def points(value: float | None) -> str:
    """Return story points as :func:`ceremonies.ledger.points_text` writes them (``8``, ``7.5``; ``—`` when unknown)."""
    return "—" if value is None else points_text(value)


@functools.lru_cache(maxsize=65536)
def short_date(iso: str, zone: tzinfo) -> str:
    """Return the team-local calendar date of an ISO timestamp."""
    return datetime.fromisoformat(iso).astimezone(zone).date().isoformat()
