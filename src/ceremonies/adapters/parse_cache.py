"""The parse cache: a sprint doc whose bytes did not change is not parsed again.

Kept in the repo's git dir (:data:`ceremonies.adapters.state.PARSE_CACHE`, JSON, never committed), shared by every
job that reads sprint docs (they all read through :func:`ceremonies.adapters.files.read_document`). An entry is
keyed by the doc's repo-relative path and holds the git blob id of the bytes it was parsed from (the id
``git ls-files -s`` shows, computed here from the bytes the reader reads anyway, so an uncommitted edit is a
miss too), the kind and key the path gave the parser, and the parsed Document (:mod:`ceremonies.domain.docjson`).
The whole cache is dropped when the parser changes: its version is a hash of the source of
``ceremonies.domain`` and of the installed distributions (``*.dist-info`` names, so their versions) where the
libraries the parser reads with live. A broken or foreign cache file is
ignored (and replaced on the next save); a doc that cannot be written as JSON is simply not cached.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from ceremonies.adapters import state
from ceremonies.domain import docjson
from ceremonies.domain.model import DocKind, Document
from ceremonies.domain.parsing import parse_document

# Bump to drop every cache when the entry format changes (the parser's own changes are caught by the hash).
FORMAT = 1
# The libraries whose behaviour the parsed result depends on (the versions installed next to them are part of the
# cache version; found without importing them, so a run served from the cache never imports dateparser).
_PARSER_LIBRARIES = ("dateparser", "markdown_it", "frontmatter", "yaml", "babel")

_version: str | None = None


def blob_id(data: bytes) -> str:
    """Return git's blob id of ``data`` (what ``git hash-object`` / ``git ls-files -s`` print for these bytes)."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


def parser_version() -> str:
    """Return the version of the parser: a hash of ``ceremonies.domain``'s source and its libraries' versions."""
    global _version
    if _version is None:
        digest = hashlib.sha1(f"format {FORMAT}".encode(), usedforsecurity=False)
        domain = Path(docjson.__file__).parent
        for source in sorted(domain.glob("*.py")):
            digest.update(source.name.encode() + b"\x00" + source.read_bytes())
        for name in _installed_distributions():
            digest.update(name.encode() + b";")
        _version = digest.hexdigest()
    return _version


def _installed_distributions() -> list[str]:
    """Return the sorted ``*.dist-info`` / ``*.egg-info`` names of the directories holding the parser's libraries."""
    folders = set()
    for name in _PARSER_LIBRARIES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            folders.add(os.path.dirname(os.path.dirname(spec.origin)))
    names = []
    for folder in sorted(folders):
        try:
            names += [entry for entry in os.listdir(folder) if entry.endswith((".dist-info", ".egg-info"))]
        except OSError:
            names.append(f"{folder}?")
    return sorted(names)


def git_dir_of(root: Path) -> Path | None:
    """Return the git dir of the work tree at ``root`` (``.git``, or where a ``.git`` file points), else None."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    try:
        pointer = dot_git.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not pointer.startswith("gitdir:"):
        return None
    target = Path(pointer.removeprefix("gitdir:").strip())
    target = target if target.is_absolute() else root / target
    return target if target.is_dir() else None


class ParseCache:
    """Parsed docs by path and blob id, loaded from and saved to one JSON file (or only in memory)."""

    def __init__(self, git_dir: Path | None) -> None:
        """Open the cache kept in ``git_dir`` (None: in memory only); a missing or stale file gives an empty cache."""
        self.git_dir = git_dir
        self.entries: dict[str, list[Any]] = self._load()
        self.used: set[str] = set()
        self.dirty = False
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_repo(cls, root: Path) -> ParseCache:
        """Return the cache of the repo at ``root`` (in its git dir; in memory when it has none)."""
        return cls(git_dir_of(root))

    def _load(self) -> dict[str, list[Any]]:
        """Return the entries of the cache file, or none when it is missing, unreadable or of another version."""
        data = state.load(self.git_dir, state.PARSE_CACHE)
        if data.get("parser") != parser_version():
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def parse(self, data: bytes, text: str, shown: str, kind: DocKind | None, key: str | None) -> Document:
        """Return ``parse_document(text, shown, kind=kind, key=key)``, from the cache when ``data`` was parsed
        so before (same path, blob id, kind and key), else parsed now and remembered."""
        blob = blob_id(data)
        kind_text = str(kind) if kind is not None else None
        self.used.add(shown)
        entry = self.entries.get(shown)
        if entry is not None and entry[:3] == [blob, kind_text, key]:
            try:
                doc = docjson.decode(json.loads(entry[3]))
            except (ValueError, TypeError, KeyError, IndexError):
                doc = None
            if isinstance(doc, Document):
                self.hits += 1
                return doc
        self.misses += 1
        doc = parse_document(text, shown, kind=kind, key=key)
        self._remember(shown, [blob, kind_text, key], doc)
        return doc

    def _remember(self, shown: str, head: list[Any], doc: Document) -> None:
        """Keep ``doc`` under ``shown`` when it reads back from JSON exactly as it was (else drop the old entry)."""
        try:
            encoded = docjson.encode(doc)
            payload = json.dumps(encoded, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            exact = docjson.encode(docjson.decode(json.loads(payload))) == encoded
        except (ValueError, TypeError):
            exact = False
        if exact:
            self.entries[shown] = [*head, payload]
            self.dirty = True
        elif self.entries.pop(shown, None) is not None:
            self.dirty = True

    def save(self, root: Path) -> None:
        """Write the cache back when it changed (dropping entries of docs no longer under ``root``); a cache that
        cannot be written is left alone (it only costs the next run time)."""
        if self.git_dir is None or not self.dirty:
            return
        for shown in [shown for shown in self.entries if shown not in self.used]:
            if not (root / shown).is_file():
                del self.entries[shown]
        if state.save_quietly(self.git_dir, state.PARSE_CACHE, {"parser": parser_version(), "entries": self.entries}):
            self.dirty = False
