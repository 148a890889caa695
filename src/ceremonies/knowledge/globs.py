"""``sources:`` globs of KB pages, and the index that finds the pages whose globs match a changed path."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from ceremonies.knowledge.pages import KbPage


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Return a regex for a repo-relative glob: ``**`` spans directories, ``*`` and ``?`` stay within one."""
    pattern = pattern.strip().lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif char == "*":
            out.append("[^/]*")
            index += 1
        elif char == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(char))
            index += 1
    return re.compile("".join(out) + r"\Z")


_PREFIXES: dict[str, str] = {}


def static_prefix(pattern: str) -> str:
    """Return the directory part of a glob before its first wildcard component (``src/auth/**`` → ``src/auth``)."""
    found = _PREFIXES.get(pattern)
    if found is None:
        parts = []
        for part in pattern.strip().lstrip("/").split("/")[:-1]:
            if any(char in part for char in "*?["):
                break
            parts.append(part)
        found = _PREFIXES[pattern] = "/".join(parts)
    return found


def ancestor_dirs(paths: Iterable[str]) -> set[str]:
    """Return every directory above the given paths (``""`` for the top), e.g. ``a/b/c.py`` → ``"", a, a/b``."""
    found: set[str] = set()
    for path in paths:
        parts = path.split("/")
        for depth in range(len(parts)):
            found.add("/".join(parts[:depth]))
    return found


class SourceIndex:
    """Finds the pages whose ``sources:`` globs match a path, looking only at globs under the path's directories.

    With ``only`` (directories), globs whose fixed directory part is not among them are left out: a refresh
    builds the index just for the directories its commits touched.
    """

    def __init__(self, pages: Iterable[KbPage], only: set[str] | None = None) -> None:
        self._by_prefix: dict[str, list[tuple[str, str]]] = {}
        for page in pages:
            for pattern in page.sources:
                prefix = static_prefix(pattern)
                if only is None or prefix in only:
                    self._by_prefix.setdefault(prefix, []).append((pattern, page.path))

    @classmethod
    def from_index(cls, sources: Mapping[str, Sequence[Sequence[str]]], only: set[str]) -> SourceIndex:
        """Return the index of the cached ``[glob, page]`` pairs by fixed directory (see ``KbIndex.sources``),
        keeping only the directories in ``only``."""
        index = cls(())
        for prefix in only:
            entries = sources.get(prefix)
            if entries:
                index._by_prefix[prefix] = [(pattern, page) for pattern, page in entries]
        return index

    def pages_for(self, path: str) -> set[str]:
        """Return the paths of pages with a source glob matching ``path``."""
        found: set[str] = set()
        parts = path.split("/")
        for depth in range(len(parts)):
            for pattern, page in self._by_prefix.get("/".join(parts[:depth]), ()):
                if page not in found and _cached_glob(pattern).match(path):
                    found.add(page)
        return found


_GLOBS: dict[str, re.Pattern[str]] = {}


def _cached_glob(pattern: str) -> re.Pattern[str]:
    """Return :func:`glob_regex` of ``pattern``, compiled once per process."""
    regex = _GLOBS.get(pattern)
    if regex is None:
        regex = _GLOBS[pattern] = glob_regex(pattern)
    return regex
