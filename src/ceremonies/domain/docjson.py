"""A parsed :class:`~ceremonies.domain.model.Document` as JSON data and back, exactly (for the parse cache).

Every value is written with its type, so reading it back gives equal dataclasses, tuples stay tuples, dates stay
dates and YAML frontmatter keeps its key types: JSON lists are always tagged (``["T", …]`` a tuple, ``["L", …]``
a list, ``["M", [[key, value], …]]`` a dict, ``["C", "Sprint", [field values]]`` a domain dataclass, ``["X", path,
line, what]`` a SprintDocError, ``["d"|"t"|"dt", iso]`` dates and times, ``["K"|"Q", value]`` a DocKind or
CeremonyKind); str, int, float, bool and None are themselves. A value of any other type raises
:class:`NotEncodable` (the caller then simply does not cache that document). No I/O.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from typing import Any

from ceremonies.domain.identity import Identity, Vote
from ceremonies.domain.model import (
    Ceremony,
    CeremonyKind,
    DocKind,
    Document,
    ExecutionSummary,
    Retro,
    RetroAction,
    Sprint,
    WorkItem,
)
from ceremonies.errors import SprintDocError

_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (Document, Sprint, Retro, RetroAction, WorkItem, Ceremony, ExecutionSummary, Identity, Vote)
}
_FIELDS: dict[type[Any], tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls) if f.init) for cls in _CLASSES.values()
}
_PLAIN = (str, int, float, bool, type(None))


class NotEncodable(ValueError):
    """A document holds a value this codec does not know (then it is not cached)."""


def encode(value: Any) -> Any:
    """Return ``value`` (a Document or anything inside one) as JSON data that :func:`decode` turns back into it."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple:
        return ["T", *[encode(item) for item in value]]
    if kind is list:
        return ["L", *[encode(item) for item in value]]
    if kind is dict:
        return ["M", [[encode(key), encode(item)] for key, item in value.items()]]
    if kind is DocKind or kind is CeremonyKind:
        return ["K" if kind is DocKind else "Q", value.value]
    fields = _FIELDS.get(kind)
    if fields is not None:
        return ["C", kind.__name__, [encode(getattr(value, name)) for name in fields]]
    if kind is SprintDocError:
        return ["X", value.path, value.line, value.what]
    if kind is datetime:  # before date: a datetime is a date
        return ["dt", value.isoformat()]
    if kind is date:
        return ["d", value.isoformat()]
    if kind is time:
        return ["t", value.isoformat()]
    raise NotEncodable(f"cannot encode a {kind.__name__} ({value!r:.60})")


def decode(data: Any) -> Any:
    """Return the value :func:`encode` wrote as ``data``; raise NotEncodable on data it did not write."""
    if type(data) is not list:
        return data
    tag = data[0]
    if tag == "C":
        cls = _CLASSES.get(data[1])
        if cls is None:
            raise NotEncodable(f"unknown class {data[1]!r}")
        values = _decode_items(data[2])
        if len(values) != len(_FIELDS[cls]):
            raise NotEncodable(f"{data[1]} with {len(values)} fields")
        return cls(*values)  # _FIELDS are the init fields in order (no keyword-only fields in the domain)
    if tag == "T":
        return tuple(_decode_items(data[1:]))
    if tag == "L":
        return _decode_items(data[1:])
    if tag == "M":
        return {decode(key): decode(item) for key, item in data[1]}
    if tag == "X":
        return SprintDocError(data[1], data[2], data[3])
    return _decode_scalar(tag, data[1])


def _decode_items(items: list[Any]) -> list[Any]:
    """Return the decoded ``items`` (plain values kept as they are without a call: most of a document is text)."""
    return [decode(item) if type(item) is list else item for item in items]


def _decode_scalar(tag: str, text: Any) -> Any:
    """Return the enum, date or time ``tag`` names, read from ``text``."""
    if tag == "K":
        return DocKind(text)
    if tag == "Q":
        return CeremonyKind(text)
    if tag == "dt":
        return datetime.fromisoformat(text)
    if tag == "d":
        return date.fromisoformat(text)
    if tag == "t":
        return time.fromisoformat(text)
    raise NotEncodable(f"unknown tag {tag!r}")
