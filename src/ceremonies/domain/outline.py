"""A markdown body as a tree of sections (by heading), each holding its paragraphs, list items and tables.

Built from markdown-it-py's syntax tree, so parsing finds things by heading text and list structure rather than
by line regexes over the whole file. Line numbers are 1-based lines of the original file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_LABEL = re.compile(r"^(?P<key>[^:\n]{1,60}?)\s*:\s*(?P<value>.*)$", re.DOTALL)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph (also inside a blockquote): its raw inline markdown and line."""

    text: str
    line: int


@dataclass(frozen=True)
class ListItem:
    """A list item: its first paragraph's raw inline markdown, line, whether its list is ordered, nested items."""

    text: str
    line: int
    ordered: bool = False
    children: tuple[ListItem, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A pipe table: header cells, body rows (cells as raw inline markdown) and each row's line."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_lines: tuple[int, ...]
    line: int


Block = Paragraph | ListItem | Table


@dataclass
class Section:
    """A heading and what follows it up to the next heading of the same or a higher level.

    ``blocks`` are the section's own blocks in order (not those of sub-sections); the root section has level 0.
    """

    title: str
    level: int
    line: int
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    def walk(self) -> Iterator[Section]:
        """Yield this section and every section below it, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def all_items(self) -> list[ListItem]:
        """Return the top-level list items of this section and of every section below it."""
        return [item for part in self.walk() for item in part.items]

    @property
    def items(self) -> list[ListItem]:
        """Return the section's own top-level list items."""
        return [block for block in self.blocks if isinstance(block, ListItem)]

    @property
    def paragraphs(self) -> list[Paragraph]:
        """Return the section's own paragraphs."""
        return [block for block in self.blocks if isinstance(block, Paragraph)]

    @property
    def tables(self) -> list[Table]:
        """Return the section's own tables."""
        return [block for block in self.blocks if isinstance(block, Table)]

    def find(self, pattern: re.Pattern[str]) -> list[Section]:
        """Return every section below (or equal to) this one whose plain title matches ``pattern``."""
        return [section for section in self.walk() if section.level and pattern.search(plain(section.title))]


def plain(text: str) -> str:
    """Return inline markdown as plain text: links as their text, no ``**``/``__``/backticks, single spaces."""
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def split_label(text: str) -> tuple[str, str] | None:
    """Return (label, value) of a ``**Label:** value`` or ``Label: value`` text (label lowercased), else None."""
    match = _LABEL.match(plain(text))
    if not match or "http" in match["key"].lower():
        return None
    return match["key"].strip().lower(), match["value"].strip()


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    """Return the CommonMark block parser with pipe tables (inline markdown is kept raw, not tokenized)."""
    return MarkdownIt("commonmark").enable("table").disable("inline")  # raw inline text is all we read


def _line(node: SyntaxTreeNode, offset: int) -> int:
    """Return the 1-based original line of ``node`` given the body's first line ``offset``."""
    node_map = node.map
    return (node_map[0] if node_map else 0) + offset


def _inline_text(node: SyntaxTreeNode) -> str:
    """Return the raw inline markdown of the first inline descendant of ``node`` ('' when none)."""
    for child in node.children:
        if child.type == "inline":
            return child.content
        if child.type == "paragraph":
            return _inline_text(child)
    return ""


def _list_items(node: SyntaxTreeNode, offset: int) -> list[ListItem]:
    """Return the items of the list ``node``, with their nested lists as children."""
    ordered = node.type == "ordered_list"
    items = []
    for item in node.children:
        paragraphs = [child for child in item.children if child.type == "paragraph"]
        children: list[ListItem] = []
        for child in item.children:
            if child.type in ("bullet_list", "ordered_list"):
                children += _list_items(child, offset)
        text = _inline_text(paragraphs[0]) if paragraphs else ""
        notes = tuple(_inline_text(extra) for extra in paragraphs[1:])
        items.append(ListItem(text, _line(item, offset), ordered, tuple(children), notes))
    return items


def _table(node: SyntaxTreeNode, offset: int) -> Table:
    """Return the pipe table ``node`` as header cells and rows."""
    header: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    for part in node.children:
        for row in part.children:
            cells = tuple(_inline_text(cell).strip() for cell in row.children)
            if part.type == "thead":
                header = cells
            else:
                rows.append(cells)
                lines.append(_line(row, offset))
    return Table(header, tuple(rows), tuple(lines), _line(node, offset))


def _blocks(node: SyntaxTreeNode, offset: int) -> list[Block]:
    """Return the blocks of one top-level (or blockquoted) node."""
    if node.type == "paragraph":
        return [Paragraph(_inline_text(node), _line(node, offset))]
    if node.type in ("bullet_list", "ordered_list"):
        return list(_list_items(node, offset))
    if node.type == "table":
        return [_table(node, offset)]
    if node.type == "blockquote":
        return [block for child in node.children for block in _blocks(child, offset)]
    return []


def outline(body: str, first_line: int = 1) -> Section:
    """Return the section tree of markdown ``body`` whose first line is line ``first_line`` of the original."""
    root = Section("", 0, first_line)
    stack = [root]
    offset = first_line
    for node in SyntaxTreeNode(_markdown().parse(body)).children:
        if node.type == "heading":
            level = int(node.tag[1:]) if node.tag[1:].isdigit() else 6
            section = Section(_inline_text(node).strip(), level, _line(node, offset))
            while stack[-1].level >= level:
                stack.pop()
            stack[-1].children.append(section)
            stack.append(section)
            continue
        stack[-1].blocks.extend(_blocks(node, offset))
    return root
