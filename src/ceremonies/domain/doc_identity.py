"""Which sprint a doc is about: the key (``SPR-013``) and number (``2026-13``) its parts agree on."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from ceremonies.domain.docparts import DocParts, field_value, meta_text
from ceremonies.domain.frontmatter import is_placeholder
from ceremonies.domain.identity import Identity, Vote, agree, sprint_label
from ceremonies.domain.outline import plain

_KEY = re.compile(r"^\s*([A-Z][A-Z0-9]{0,9}-\d{1,6})(?![\w])")
_NUMBER_IN_TEXT = re.compile(r"\bSprint\s+(\d{4}-\d{1,3}|\d{1,4})\b", re.IGNORECASE)

_INTRO_CHARS = 40
_NUMBER_LABELS = ("sprint number", "sprint no", "sprint no.", "sprint nr", "sprint #", "number")
_NAME_LABELS = ("sprint name", "name")


def _votes(doc: DocParts, fields: dict[str, tuple[str, int]]) -> tuple[list[Vote], list[Vote]]:
    """Return what each part of the document says its sprint is, most trusted source first: the votes for the key
    (``SPR-014``) and those for the number (``Sprint 2026-14``, ``sprint-05``), kept apart because a team may key
    its docs independently of the sprint numbers (``SPR-030`` for sprint 14).

    Sources: the ``Sprint Number:`` field, the H1, the file name, the folder name, each frontmatter block's
    ``docid``/``sprint`` (last block first), the ``Sprint Name:`` field and each block's ``title``.
    """
    keys: list[Vote] = []
    numbers: list[Vote] = []

    def add(source: str, text: Any, line: int | None, bare: bool = False) -> None:
        """Record the sprint ``text`` names (if any) as the vote of ``source``."""
        if text is None or is_placeholder(text):
            return
        found = sprint_label(plain(str(text)), bare=bare)
        if found is not None:
            (keys if found.prefixed else numbers).append(Vote(source, str(found.ordinal), found.label, line))

    number = field_value(fields, *_NUMBER_LABELS)
    if number is not None:
        add("Sprint Number", number[0], number[1], bare=True)
    if doc.heading is not None:
        add("heading", doc.heading.title, doc.heading.line)
    path = PurePath(doc.path)
    add("file name", path.stem, None)
    if doc.key_hint and not any(vote.source == "file name" for vote in keys + numbers):
        add("file name", doc.key_hint, None, bare=True)
    add("folder", path.parent.name, None)
    blocks = list(enumerate(doc.front.block_metas, start=1))
    for index, meta in reversed(blocks):
        line = doc.front.block_lines[index - 1] if index <= len(doc.front.block_lines) else None
        suffix = f" (frontmatter block {index})" if len(blocks) > 1 else ""
        add(f"docid{suffix}", meta.get("docid") or meta.get("id") or meta.get("key"), line)
        add(f"sprint{suffix}", meta.get("sprint") or meta.get("sprint_number"), line, bare=True)
    name = field_value(fields, *_NAME_LABELS)
    if name is not None:
        add("Sprint Name", name[0], name[1])
    for index, meta in reversed(blocks):
        line = doc.front.block_lines[index - 1] if index <= len(doc.front.block_lines) else None
        add(f"title{f' (frontmatter block {index})' if len(blocks) > 1 else ''}", meta.get("title"), line)
    return keys, numbers


def _agrees(text: str | None, winner: str | None, bare: bool = False) -> bool:
    """Return True when the sprint ``text`` names is the ``winner`` of the vote (or there was no vote)."""
    if winner is None or text is None:
        return True
    found = sprint_label(plain(text), bare=bare)
    return found is None or str(found.ordinal) == winner


def sprint_key(doc: DocParts, winner: str | None) -> str | None:
    """Return the sprint key (``SPR-013``) from the docids, the title, the file or folder name, agreeing with
    the identity vote's ``winner``."""
    docids = [meta_text(meta, "docid", "id", "key", "sprint", "sprint_key") for meta in doc.front.block_metas]
    path = PurePath(doc.path)
    candidates = [
        *reversed(docids),
        meta_text(doc.meta, "docid", "id", "key", "sprint", "sprint_key"),
        doc.heading.title if doc.heading else None,
        meta_text(doc.meta, "title"),
        doc.key_hint,
        path.name,
        path.parent.name,
    ]
    for candidate in candidates:
        match = _KEY.match(plain(candidate)) if candidate else None
        if match and _agrees(match.group(1), winner):
            return match.group(1)
    return None


def number_and_name(doc: DocParts, fields: dict[str, tuple[str, int]]) -> tuple[str | None, str | None]:
    """Return (number ``2026-13``, name ``Sprint 2026-13``) from the overview fields, title, intro text or path,
    agreeing with the identity vote."""
    winner = doc.number_identity.value
    number_field = field_value(fields, *_NUMBER_LABELS)
    name_field = field_value(fields, *_NAME_LABELS)
    number = None
    if number_field is not None:
        match = re.search(r"\d{4}-\d{1,3}|\d+", number_field[0])
        number = match.group() if match and _agrees(match.group(), winner, bare=True) else None
    # an intro names the sprint up front (``Context: Sprint 14 — …``), not in passing (``… move it into Sprint 1``)
    intro = [plain(p.text)[:_INTRO_CHARS] for p in doc.heading.paragraphs[:3]] if doc.heading else []
    for text in [doc.title, meta_text(doc.meta, "title") or "", name_field[0] if name_field else "", *intro]:
        if number is not None:
            break
        match = _NUMBER_IN_TEXT.search(plain(text))
        number = match.group(1) if match and _agrees(match.group(1), winner, bare=True) else None
    if number is None:
        agreeing = doc.number_identity.agreeing
        number = next((_plain_number(v.raw) for v in agreeing if v.source in ("folder", "file name")), None)
    name = name_field[0] if name_field else (f"Sprint {number}" if number else None)
    return number, name


def _plain_number(label: str) -> str | None:
    """Return the number of a path label that is not a key: ``sprint-05`` → ``5``, ``Sprint 2026-3`` → ``2026-3``."""
    found = sprint_label(label)
    if found is None or found.prefixed:
        return None
    return f"{found.year}-{found.ordinal}" if found.year else str(found.ordinal)


def identify(doc: DocParts) -> tuple[Identity, Identity]:
    """Return the sprint key and number the document's parts agree on; a disagreement becomes a warning naming
    the sources."""
    keys, numbers = _votes(doc, doc.fields)
    found = agree(keys), agree(numbers)
    for what, identity in zip(("key", "number"), found, strict=True):
        if identity.dissent:
            line = next((vote.line for vote in identity.dissent if vote.line), None)
            doc.warn(line or 1, f"sprint {what}: {identity.describe()}")
    return found
