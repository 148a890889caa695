"""One sprint doc while it is being read: its frontmatter, section tree, fields and the problems found so far,
and the lookups every reader of a doc kind shares (fields by label, sections by title)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ceremonies.domain.frontmatter import Frontmatter, is_placeholder
from ceremonies.domain.identity import Identity
from ceremonies.domain.outline import ListItem, Section, plain, split_label
from ceremonies.errors import SprintDocError


@dataclass
class DocParts:
    """Working state while parsing one file: its parts and the problems found so far."""

    path: str
    front: Frontmatter
    root: Section
    errors: list[SprintDocError] = field(default_factory=list)
    key_hint: str | None = None
    warnings: list[SprintDocError] = field(default_factory=list)
    identity: Identity = field(default_factory=lambda: Identity(None))
    number_identity: Identity = field(default_factory=lambda: Identity(None))

    def error(self, line: int | None, what: str) -> None:
        """Record one problem at ``line`` of this file (a part of it could not be read)."""
        self.errors.append(SprintDocError(self.path, line, what))

    def warn(self, line: int | None, what: str) -> None:
        """Record one warning at ``line`` of this file (read, but something is missing or contradicts itself)."""
        self.warnings.append(SprintDocError(self.path, line, what))

    @property
    def meta(self) -> dict[str, Any]:
        """Return the merged frontmatter."""
        return self.front.meta

    @cached_property
    def fields(self) -> dict[str, tuple[str, int]]:
        """Return the ``label → (value, line)`` fields of the whole document (see :func:`_fields`), read once."""
        return fields_in(self.root)

    @property
    def heading(self) -> Section | None:
        """Return the first level-1 section (the document title), else the first section."""
        sections = [section for section in self.root.walk() if section.level]
        level_one = [section for section in sections if section.level == 1]
        candidates = level_one or sections
        return candidates[0] if candidates else None

    @property
    def title(self) -> str:
        """Return the document title: the first heading's plain text, else the frontmatter title."""
        heading = self.heading
        if heading is not None and heading.title:
            return plain(heading.title)
        value = self.meta.get("title")
        return str(value) if isinstance(value, str) else ""


# ---------------------------------------------------------------------------------------------------- helpers


def meta_text(meta: dict[str, Any], *keys: str) -> str | None:
    """Return the first of ``keys`` in ``meta`` as text, skipping placeholders."""
    for key in keys:
        value = meta.get(key)
        if value is not None and not is_placeholder(value):
            return str(value)
    return None


def fields_in(section: Section) -> dict[str, tuple[str, int]]:
    """Return ``label → (value, line)`` of every ``Label: value`` item/paragraph in ``section`` (first wins)."""
    found: dict[str, tuple[str, int]] = {}

    def add(text: str, line: int) -> None:
        """Record ``text`` as a field when it is ``Label: value`` and the label is new."""
        split = split_label(text)
        if split is not None and split[0] not in found:
            found[split[0]] = (split[1], line)

    def add_items(items: Iterable[ListItem]) -> None:
        """Record the fields of ``items`` and of their nested items."""
        for item in items:
            add(item.text, item.line)
            add_items(item.children)

    for part in section.walk():
        for paragraph in part.paragraphs:
            for offset, line in enumerate(paragraph.text.split("\n")):
                add(line, paragraph.line + offset)
        add_items(part.items)
    for part in section.walk():  # ``| Metric | Value |`` tables: after the text, so text fields win
        for table in part.tables:
            if len(table.header) == 2:
                for row, row_line in zip(table.rows, table.row_lines, strict=False):
                    if len(row) >= 2 and plain(row[0]):
                        found.setdefault(plain(row[0]).lower(), (plain(row[1]), row_line))
    return found


def field_value(fields: dict[str, tuple[str, int]], *labels: str) -> tuple[str, int] | None:
    """Return (value, line) of the first of ``labels`` present with a non-placeholder value, else None."""
    for label in labels:
        if label in fields and not is_placeholder(fields[label][0]):
            return fields[label]
    return None


def sections_titled(root: Section, title: re.Pattern[str], exclude: re.Pattern[str] | None = None) -> list[Section]:
    """Return the outermost sections whose titles match ``title`` (and not ``exclude``)."""
    matched: list[Section] = []
    covered: set[int] = set()
    for section in root.find(title):
        if exclude is not None and exclude.search(plain(section.title)):
            continue
        if id(section) in covered:
            continue
        matched.append(section)
        covered.update(id(inner) for inner in section.walk())
    return matched
