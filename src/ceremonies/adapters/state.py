"""State kept in the git dir: named, versioned JSON documents under ``<git-dir>/ceremonies/``.

The one home of everything the tool remembers between runs that is not part of the docs (never committed, never
in the work tree): each document is declared once below as a :class:`StateDoc` (its file name and the version of its
data), stored as ``{"state": name, "version": n, "data": {...}}`` and written atomically
(:func:`ceremonies.adapters.atomic.write_atomic`). Reading never stops a run: a missing, unreadable, corrupt or
foreign file, or one of another version, reads as empty (``{}``) — every document here is either a cache (losing it
costs time) or a record whose absence makes the tool more careful, never less. A document an earlier release wrote
without the envelope (plain JSON object, :attr:`StateDoc.legacy`) is read as its data until the first save.

The repo lock (:mod:`ceremonies.adapters.repolock`, ``<git-dir>/ceremonies.lock``) is the only other file the tool
keeps in the git dir; ``tests/test_one_home.py`` fails on a second hand-rolled state file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ceremonies.adapters.atomic import write_atomic_parts

log = logging.getLogger(__name__)

STATE_DIR = "ceremonies"
"""The folder inside the git dir holding every state document."""


@dataclass(frozen=True)
class StateDoc:
    """One state document: ``<git-dir>/ceremonies/<name>.json`` holding data of ``version``.

    ``legacy`` is the git-dir-relative path of the plain JSON object an earlier release kept instead (read as
    the data while no versioned file exists; removed by :func:`clear`). Bump ``version`` when the data's shape
    changes: files of any other version then read as empty.
    """

    name: str
    version: int
    legacy: str | None = None

    def path(self, git_dir: str | Path) -> Path:
        """Return the file of this document in the git dir ``git_dir``."""
        return Path(git_dir) / STATE_DIR / f"{self.name}.json"

    def part(self, key: str) -> StateDoc:
        """Return document ``<name>-<key>`` of this document's family, same version (e.g. a shard of the KB state:
        ``kb-state-3f``)."""
        return StateDoc(f"{self.name}-{key}", self.version)


# ------------------------------------------------------------------------------------------------ every document
KB_STATE = StateDoc("kb-state", 1)
"""The KB refresh's cache: pages, their history and the sha the KB reflects (``knowledge.KbState.to_dict``)."""
KB_SPRINT_DOCS = StateDoc("kb-sprint-docs", 1)
"""The KB refresh's parsed sprint docs: ``synced_through`` and path → Document (``domain.docjson``)."""
KB_JOURNAL = StateDoc("kb-journal", 1, legacy="ceremonies-kb-journal.json")
"""path → sha256 of what a running KB refresh writes; removed once the files are committed."""
NEXT_SPRINT_RECORDS = StateDoc("next-sprint", 1, legacy="ceremonies/next-sprint.json")
"""path → sha256 of the text next-sprint last wrote there."""
NEXT_SPRINT_ANNOUNCED = StateDoc("next-sprint-announced", 1, legacy="ceremonies/next-sprint-announced.json")
"""``path@sha256`` → True for the plans whose announcement was sent (or left to the run that won)."""
SLACK = StateDoc("slack", 1, legacy="ceremonies/slack.json")
"""Resolved Slack channel ids (``channels``) and the ref style Slack was seen to need (``ref``)."""
REBASE = StateDoc("rebase", 1)
"""Present while a rebase started by us runs (``upstream``), so the rebase a crashed run left may be aborted."""
PARSE_CACHE = StateDoc("parse-cache", 1)
"""Parsed sprint docs by path and blob id, for the parser version ``parser`` (``adapters.parse_cache``)."""

DOCS = (KB_STATE, KB_SPRINT_DOCS, KB_JOURNAL, NEXT_SPRINT_RECORDS, NEXT_SPRINT_ANNOUNCED, SLACK, REBASE, PARSE_CACHE)
"""Every state document the tool keeps (names are unique)."""


def _read_json(path: Path) -> Any:
    """Return the JSON value in ``path``, or None when it is missing, unreadable or not JSON."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def load(git_dir: str | Path | None, doc: StateDoc) -> dict[str, Any]:
    """Return the data of ``doc`` in ``git_dir``: ``{}`` when there is no git dir, no file, or the file is
    unreadable, corrupt, someone else's or of another version (never raises)."""
    if git_dir is None:
        return {}
    path = doc.path(git_dir)
    raw = _read_json(path)
    if raw is None and doc.legacy is not None and not path.exists():
        legacy = _read_json(Path(git_dir) / doc.legacy)
        return legacy if isinstance(legacy, dict) and "state" not in legacy else {}
    if not isinstance(raw, dict):
        return {}
    if raw.get("state") != doc.name:
        legacy_here = doc.legacy is not None and Path(git_dir) / doc.legacy == path and "state" not in raw
        return raw if legacy_here else {}
    data = raw.get("data")
    if raw.get("version") != doc.version or not isinstance(data, dict):
        return {}
    return data


def save(git_dir: str | Path, doc: StateDoc, data: Mapping[str, Any], *, indent: int | None = None) -> Path:
    """Write ``data`` (JSON-able) as ``doc`` into ``git_dir`` atomically; return the file. Raises OSError when
    it cannot be written (a caller whose state is only a cache uses :func:`save_quietly`)."""
    envelope = {"state": doc.name, "version": doc.version, "data": data}
    path = write_atomic_parts(doc.path(git_dir), [*_json_parts(envelope, indent), "\n"])
    if doc.legacy is not None and Path(git_dir) / doc.legacy != path:
        (Path(git_dir) / doc.legacy).unlink(missing_ok=True)
    return path


_SPLIT_DEPTH = 3
"""How deep :func:`_value_parts` splits dicts and lists into parts (below, values are encoded whole)."""
_FEW = 16
"""A dict or list with at most this many items is split item by item (a few large values), a larger one
``_BATCH`` items at a time (many small ones: one ``json.dumps`` call each batch keeps the encoding fast)."""
_BATCH = 1000


def _compact(value: Any) -> str:
    """Return the compact JSON text of ``value`` (non-ASCII kept as is)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _value_parts(value: Any, depth: int = 0) -> Iterator[str]:
    """Yield the compact JSON text of ``value`` in parts: dicts with text keys and lists are split (item by item
    when they have few items, else in batches) down to ``_SPLIT_DEPTH`` levels; anything else whole."""
    splittable = type(value) is list or (type(value) is dict and all(type(key) is str for key in value))
    if depth >= _SPLIT_DEPTH or not splittable:
        yield _compact(value)
        return
    is_dict = type(value) is dict
    yield "{" if is_dict else "["
    items = list(value.items()) if is_dict else value
    if len(items) <= _FEW:
        for index, item in enumerate(items):
            yield ("," if index else "") + (_compact(item[0]) + ":" if is_dict else "")
            yield from _value_parts(item[1] if is_dict else item, depth + 1)
    else:
        for start in range(0, len(items), _BATCH):
            batch = items[start : start + _BATCH]
            yield ("," if start else "") + _compact(dict(batch) if is_dict else batch)[1:-1]
    yield "}" if is_dict else "]"


def _json_parts(envelope: dict[str, Any], indent: int | None) -> Iterator[str]:
    """Yield the JSON text of ``envelope`` in parts whose concatenation is what one ``json.dumps`` of it gives
    (compact unless ``indent``), the items of its data's sections one by one, so saving a large state
    never holds the whole text, its pieces and its bytes at once (the KB's state at 10,000 pages is ~27 MB of
    JSON, 2 bytes a character in memory once one is not ASCII: +~140 MB of peak RSS when written in one piece)."""
    data = envelope["data"]
    if indent is not None or not all(type(key) is str for key in data):
        separators = (",", ":") if indent is None else None
        sort = indent is not None
        yield json.dumps(envelope, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort)
        return
    head = {key: value for key, value in envelope.items() if key != "data"}  # "data" is the last key
    yield _compact(head)[:-1] + ',"data":{'
    for index, (key, value) in enumerate(data.items()):
        yield ("," if index else "") + _compact(key) + ":"
        yield from _value_parts(value)
    yield "}}"


def save_quietly(git_dir: str | Path | None, doc: StateDoc, data: Mapping[str, Any]) -> bool:
    """Write ``data`` as ``doc`` like :func:`save`; return False (and log why) instead of raising when there is no
    git dir or the file cannot be written — for caches, whose loss only costs the next run time."""
    if git_dir is None:
        return False
    try:
        save(git_dir, doc, data)
    except (OSError, TypeError, ValueError) as exc:
        log.warning("Could not write %s: %s", doc.path(git_dir), exc)
        return False
    return True


def clear(git_dir: str | Path, doc: StateDoc) -> None:
    """Remove ``doc`` (and the file an earlier release kept) from ``git_dir``; nothing when there is none."""
    doc.path(git_dir).unlink(missing_ok=True)
    if doc.legacy is not None:
        (Path(git_dir) / doc.legacy).unlink(missing_ok=True)
