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
from markdown_it.token import Token

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
    """A pipe table: header cells, body rows (cells as raw inline markdown) and each row's line.

    A row has as many cells as the header unless it was written with more or fewer (see :func:`_table`).
    """

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


@lru_cache(maxsize=8192)
def plain(text: str) -> str:
    """Return inline markdown as plain text: links as their text, no ``**``/``__``/backticks, single spaces.

    Cached: the readers ask for the same titles and lines many times per document.
    """
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


@dataclass(slots=True)
class _Node:
    """One block of markdown-it's token stream as a tree node (what ``markdown_it.tree.SyntaxTreeNode`` gives,
    built in one pass: ``type`` without ``_open``, the opening token's ``tag`` and ``map``, a leaf's ``content``)."""

    type: str
    tag: str
    map: list[int] | None
    content: str = ""
    children: list[_Node] = field(default_factory=list)


def _tree(tokens: list[Token]) -> list[_Node]:
    """Return the top-level nodes of a block token stream (nesting tokens paired into nodes with children)."""
    top: list[_Node] = []
    stack = [top]
    for token in tokens:
        if token.nesting == 1:
            node = _Node(token.type[:-5], token.tag, token.map)
            stack[-1].append(node)
            stack.append(node.children)
        elif token.nesting == -1:
            stack.pop()
        else:
            stack[-1].append(_Node(token.type, token.tag, token.map, token.content))
    return top


def _line(node: _Node, offset: int) -> int:
    """Return the 1-based original line of ``node`` given the body's first line ``offset``."""
    node_map = node.map
    return (node_map[0] if node_map else 0) + offset


def _inline_text(node: _Node) -> str:
    """Return the raw inline markdown of the first inline descendant of ``node`` ('' when none)."""
    for child in node.children:
        if child.type == "inline":
            return child.content
        if child.type == "paragraph":
            return _inline_text(child)
    return ""


def _list_items(node: _Node, offset: int) -> list[ListItem]:
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


_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def _written_cells(source: str) -> tuple[str, ...]:
    """Return the cells of one table row as written (``| a | b |`` → ``('a', 'b')``), however many there are."""
    text = source.strip()
    text = text[1:] if text.startswith("|") else text
    text = text[:-1] if text.endswith("|") and not text.endswith("\\|") else text
    return tuple(cell.strip() for cell in _CELL_SPLIT.split(text))


def _table(node: _Node, offset: int, source: list[str]) -> Table:
    """Return the pipe table ``node`` as header cells and rows.

    markdown-it pads a row with too few cells and drops the cells beyond the header's; a row written with another
    number of cells than the header keeps its cells as written instead, so readers can see where they shifted.
    """
    header: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    for part in node.children:
        for row in part.children:
            cells = tuple(_inline_text(cell).strip() for cell in row.children)
            if part.type == "thead":
                header = cells
                continue
            index = row.map[0] if row.map else None
            written = _written_cells(source[index]) if index is not None and index < len(source) else cells
            rows.append(written if len(written) != len(header) else cells)
            lines.append(_line(row, offset))
    return Table(header, tuple(rows), tuple(lines), _line(node, offset))


def _blocks(node: _Node, offset: int, source: list[str]) -> list[Block]:
    """Return the blocks of one top-level (or blockquoted) node."""
    if node.type == "paragraph":
        return [Paragraph(_inline_text(node), _line(node, offset))]
    if node.type in ("bullet_list", "ordered_list"):
        return list(_list_items(node, offset))
    if node.type == "table":
        return [_table(node, offset, source)]
    if node.type == "blockquote":
        return [block for child in node.children for block in _blocks(child, offset, source)]
    return []


def outline(body: str, first_line: int = 1) -> Section:
    """Return the section tree of markdown ``body`` whose first line is line ``first_line`` of the original."""
    root = Section("", 0, first_line)
    stack = [root]
    offset = first_line
    source = body.split("\n")
    for node in _tree(_markdown().parse(body)):
        if node.type == "heading":
            level = int(node.tag[1:]) if node.tag[1:].isdigit() else 6
            section = Section(_inline_text(node).strip(), level, _line(node, offset))
            while stack[-1].level >= level:
                stack.pop()
            stack[-1].children.append(section)
            stack.append(section)
            continue
        stack[-1].blocks.extend(_blocks(node, offset, source))
    return root
