"""The per-page part of the cached KB state, read page by page: each page's record (its :class:`KbPage` and
:class:`PageHistory` as JSON lists) lives in one of :data:`SHARDS` shards chosen by a hash of its path, so a refresh
reads only the shards of the pages it touches and writes back only the shards whose pages changed. The state's
head lists every page path; :class:`LazyMap` decodes a page's record the first time it is looked up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any, TypeVar

from ceremonies.errors import CeremoniesError

V = TypeVar("V")
SHARDS = 256
"""How many shards the page records are spread over (a shard holds ~40 pages of a 10,000-page KB)."""
PENDING: Any = object()
"""The value of a path whose record is still in its (unread) shard."""


class CacheGapError(CeremoniesError):
    """A shard of the cached KB state lacks a page the state's head lists (the cache was tampered with)."""


def shard_of(path: str) -> str:
    """Return the shard (two hex digits) holding the record of ``path``."""
    return hashlib.blake2s(path.encode("utf-8"), digest_size=1).hexdigest()


class Records:
    """Page records (``[page, history]`` JSON lists) read on demand, one shard at a time, by ``load(shard)``."""

    def __init__(self, load: Callable[[str], Mapping[str, Any]]) -> None:
        self._load = load
        self._shards: dict[str, Mapping[str, Any]] = {}

    def shard(self, shard: str) -> Mapping[str, Any]:
        """Return path → record of one shard (read once)."""
        found = self._shards.get(shard)
        if found is None:
            found = self._shards[shard] = self._load(shard)
        return found

    def record(self, path: str) -> list[Any]:
        """Return the record of ``path``; CacheGapError naming the shard when it is not there."""
        record = self.shard(shard_of(path)).get(path)
        if not isinstance(record, list) or len(record) != 2:
            raise CacheGapError(
                f"the cached KB state has no record of {path} in shard {shard_of(path)}; "
                "run `ceremonies refresh-kb --full` to rebuild it"
            )
        return record


class LazyMap(MutableMapping[str, V]):
    """path → value, where a value from the cached state stays its stored JSON list (or unread, :data:`PENDING`,
    fetched from its shard) until first looked up: loading the state decodes no page, a refresh decodes only the
    pages it touches. Remembers which paths were set or deleted (:meth:`changed`)."""

    def __init__(
        self,
        items: dict[str, Any],
        decode: Callable[[Any], V],
        fetch: Callable[[str], Any] | None = None,
        changed: set[str] | None = None,
    ) -> None:
        self._items = items
        self._decode = decode
        self._fetch = fetch
        self._changed = set(changed or ())

    def __getitem__(self, key: str) -> V:
        value = self._items[key]
        if value is PENDING:
            if self._fetch is None:
                raise KeyError(key)
            value = self._fetch(key)
        if type(value) is list:
            value = self._items[key] = self._decode(value)
        return value

    def __setitem__(self, key: str, value: V) -> None:
        self._items[key] = value
        self._changed.add(key)

    def __delitem__(self, key: str) -> None:
        del self._items[key]
        self._changed.add(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def copy(self) -> LazyMap[V]:
        """Return a shallow copy (values still undecoded stay so; the changed paths are carried over)."""
        return LazyMap(dict(self._items), self._decode, self._fetch, self._changed)

    def changed(self) -> set[str]:
        """Return the paths set or deleted since the map was read from the cache."""
        return set(self._changed)

    def stored(self, key: str) -> Any:
        """Return the JSON list of ``key``'s value (fetched or encoded again, not decoded)."""
        value = self._items[key]
        if value is PENDING and self._fetch is not None:
            value = self._fetch(key)
        return value if type(value) is list else value.to_list()

    def raw(self) -> dict[str, Any]:
        """Return path → stored list for every value."""
        return {key: self.stored(key) for key in self._items}


def copy_map(items: Mapping[str, V]) -> dict[str, V] | LazyMap[V]:
    """Return a shallow copy of ``items`` that decodes nothing (a LazyMap stays lazy)."""
    return items.copy() if isinstance(items, LazyMap) else dict(items)


def stored(items: Mapping[str, Any]) -> dict[str, Any]:
    """Return path → JSON-ready list of ``items`` (pages or histories), without decoding a LazyMap's values."""
    if isinstance(items, LazyMap):
        return items.raw()
    return {key: value.to_list() for key, value in items.items()}


def changed_paths(*maps: Mapping[str, Any]) -> set[str] | None:
    """Return the paths whose record changed in any of ``maps`` (None: every path, a map not read from shards)."""
    found: set[str] = set()
    for items in maps:
        if not isinstance(items, LazyMap) or items._fetch is None:
            return None
        found |= items.changed()
    return found


def shard_records(
    pages: Mapping[str, Any], history: Mapping[str, Any], paths: Iterable[str] | None, records: Records | None
) -> dict[str, dict[str, list[Any]]]:
    """Return shard → path → ``[page, history]`` of every shard holding one of ``paths`` (every shard when None),
    with the records of its other pages as they were read (``records``)."""
    wanted = {shard_of(path) for path in paths} if paths is not None else {f"{n:02x}" for n in range(SHARDS)}
    out: dict[str, dict[str, list[Any]]] = {shard: {} for shard in wanted}
    keys = list(pages) if paths is None or records is None else sorted(
        {*paths, *(path for shard in wanted for path in records.shard(shard))}
    )
    for path in keys:
        shard = shard_of(path)
        if shard in out and path in pages:
            page = pages.stored(path) if isinstance(pages, LazyMap) else pages[path].to_list()
            item = history.get(path) if not isinstance(history, LazyMap) else None
            if isinstance(history, LazyMap):
                kept = history.stored(path) if path in history else None
            else:
                kept = item.to_list() if item is not None else None
            out[shard][path] = [page, kept]
    return out
