"""Reverse indexes over the KB pages, kept in the cached state so an incremental refresh looks up the few pages a
change concerns instead of visiting every page: ``sources:`` globs by their fixed directory, pages by the link
targets they point at, pages by docid. Updated page by page (:meth:`KbIndex.updated`); built from all pages on a
full rebuild (:meth:`KbIndex.build`) — both give the same index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ceremonies.knowledge.globs import static_prefix
from ceremonies.knowledge.pages import KbPage


def _targets(page: KbPage) -> set[str]:
    """Return the repo paths ``page`` links to (links leaving the repo have none)."""
    return {link.resolved for link in page.links if link.resolved is not None}


@dataclass(frozen=True)
class KbIndex:
    """``sources``: fixed directory of a glob → [[glob, page], ...]; ``backlinks``: link target → pages linking
    there (sorted); ``docids``: docid → pages declaring it (sorted)."""

    sources: Mapping[str, list[list[str]]] = field(default_factory=dict)
    backlinks: Mapping[str, list[str]] = field(default_factory=dict)
    docids: Mapping[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, pages: Iterable[KbPage]) -> KbIndex:
        """Return the index of ``pages``."""
        sources: dict[str, list[list[str]]] = {}
        backlinks: dict[str, list[str]] = {}
        docids: dict[str, list[str]] = {}
        for page in sorted(pages, key=lambda p: p.path):
            for pattern in page.sources:
                sources.setdefault(static_prefix(pattern), []).append([pattern, page.path])
            for target in sorted(_targets(page)):
                backlinks.setdefault(target, []).append(page.path)
            if page.docid:
                docids.setdefault(page.docid, []).append(page.path)
        for entries in sources.values():
            entries.sort()
        return cls(sources, backlinks, docids)

    def updated(self, old: Mapping[str, KbPage | None], new: Mapping[str, KbPage | None]) -> KbIndex:
        """Return the index after the pages in ``old`` (path → page before, None: absent) became those in ``new``
        (path → page now, None: gone). Lists are copied before they change, so ``self`` stays as it was."""
        sources, backlinks, docids = dict(self.sources), dict(self.backlinks), dict(self.docids)
        for path, before in old.items():
            if before is None:
                continue
            for pattern in set(before.sources):
                _drop(sources, static_prefix(pattern), [pattern, path])
            for target in _targets(before):
                _drop(backlinks, target, path)
            if before.docid:
                _drop(docids, before.docid, path)
        for path, after in new.items():
            if after is None:
                continue
            for pattern in sorted(set(after.sources)):
                _add(sources, static_prefix(pattern), [pattern, path])
            for target in _targets(after):
                _add(backlinks, target, path)
            if after.docid:
                _add(docids, after.docid, path)
        return KbIndex(sources, backlinks, docids)

    def linking_to(self, targets: Iterable[str]) -> set[str]:
        """Return the pages with a link to one of ``targets``."""
        return {page for target in targets for page in self.backlinks.get(target, ())}

    def sharing_docid(self, docids: Iterable[str | None]) -> set[str]:
        """Return the pages declaring one of ``docids``."""
        return {page for docid in docids if docid for page in self.docids.get(docid, ())}

    def first_with_docid(self) -> dict[str, str]:
        """Return docid → the first page (by path) declaring it."""
        return {docid: paths[0] for docid, paths in self.docids.items() if paths}

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (see :meth:`from_dict`)."""
        return {"sources": self.sources, "backlinks": self.backlinks, "docids": self.docids}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KbIndex:
        """Return the index stored by :meth:`to_dict`."""
        return cls(dict(data["sources"]), dict(data["backlinks"]), dict(data["docids"]))


def _drop(index: dict[str, Any], key: str, item: Any) -> None:
    """Remove ``item`` from the list at ``key`` (copied first); drop the key when the list empties."""
    items = [value for value in index.get(key, ()) if value != item]
    if items:
        index[key] = items
    else:
        index.pop(key, None)


def _add(index: dict[str, Any], key: str, item: Any) -> None:
    """Insert ``item`` into the sorted list at ``key`` (copied first) unless it is there."""
    items = list(index.get(key, ()))
    if item not in items:
        items.append(item)
        items.sort()
    index[key] = items
