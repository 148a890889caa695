"""YAML frontmatter of real sprint docs: BOM, CRLF, one or more blocks, trailing junk after the body.

python-frontmatter misses a block behind a UTF-8 BOM and reads only the first of several blocks, so the
blocks are found here (line by line, only at the top of the file) and only their YAML is handed to the
frontmatter package's YAML handler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from frontmatter.default_handlers import YAMLHandler

from ceremonies.errors import SprintDocError

BOM = "\ufeff"
_FENCE = "---"
_YAML_KEY_LINE = re.compile(r"^[A-Za-z_][\w .-]*:(\s|$)")
_PLACEHOLDER = re.compile(
    r"^\s*(?:|tbd|tba|todo|n/?a|none|null|-+|\.\.\.|…|x{3,}|\?+|placeholder|owner|title|"
    r"<[^<>]*>|\{\{.*\}\}|\[[^\[\]]*\]|your[ _-].*)\s*$",
    re.IGNORECASE,
)
_JUNK = re.compile(
    r"</?(?:content|parameter|invoke|function_calls|antml:[a-z_]+|tool_use|tool_result)\b[^>\n]*>",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s", re.MULTILINE)
_RESERVED_VALUE = re.compile(r"^(?P<key>\s*(?:- )?[A-Za-z_][\w .-]*:[ \t]+|\s*- )(?P<value>[@`][^\n]*)$", re.MULTILINE)
_YAML = YAMLHandler()


@dataclass(frozen=True)
class Frontmatter:
    """A document split into its merged frontmatter and its markdown body.

    ``body`` has ``\\n`` newlines whatever the original used (``newline`` says which); ``body_line`` is the
    1-based line of the original where the body starts, so ``body_line + i`` is the original line of the
    body's ``i``-th (0-based) line. ``junk_line`` is where trailing non-markdown junk starts (cut from body).
    ``block_metas`` are the blocks one by one (``meta`` is their merge); ``inner_bom`` says a UTF-8 BOM stood
    inside the text (before a later block or the body), which hides that part from most tools.
    """

    meta: dict[str, Any] = field(default_factory=dict)
    blocks: int = 0
    block_lines: tuple[int, ...] = ()
    body: str = ""
    body_line: int = 1
    has_bom: bool = False
    newline: str = "\n"
    junk_line: int | None = None
    errors: tuple[SprintDocError, ...] = ()
    block_metas: tuple[dict[str, Any], ...] = ()
    inner_bom: bool = False


def is_placeholder(value: Any) -> bool:
    """Return True when ``value`` is a generic template placeholder (empty, TBD, ``<title>``, ``{{ x }}``...)."""
    if value is None:
        return True
    if isinstance(value, str):
        return bool(_PLACEHOLDER.match(value))
    if isinstance(value, list | tuple | dict | set):
        return len(value) == 0
    return False


def merge_meta(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the blocks merged in order: a later value wins unless it is a placeholder and an earlier one is not."""
    merged: dict[str, Any] = {}
    for block in blocks:
        for key, value in block.items():
            if key in merged and is_placeholder(value) and not is_placeholder(merged[key]):
                continue
            merged[key] = value
    return merged


def normalize_newlines(text: str) -> tuple[str, str]:
    """Return ``text`` with ``\\n`` line ends (CRLF and lone CR converted) and the dominant original newline."""
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n").replace("\r", "\n"), newline


def find_junk(text: str) -> int | None:
    """Return the character offset where trailing non-markdown junk (tool-call debris) starts, else None.

    Junk is a tag like ``</content>`` or ``<parameter name="filePath">`` after which no markdown heading follows.
    """
    for match in _JUNK.finditer(text):
        if not _HEADING.search(text, match.end()):
            return match.start()
    return None


def _closing_fence(lines: list[str], opening: int) -> int | None:
    """Return the index of the ``---`` (or ``...``) line closing the block opened at ``opening``, else None."""
    for index in range(opening + 1, len(lines)):
        if lines[index].rstrip() in (_FENCE, "..."):
            return index
    return None


def _looks_like_yaml(lines: list[str], start: int, stop: int) -> bool:
    """Return True when the first non-blank line in ``lines[start:stop]`` is a ``key:`` line."""
    for line in lines[start:stop]:
        if line.strip():
            return bool(_YAML_KEY_LINE.match(line))
    return False


MAX_YAML_NODES = 100_000
"""A frontmatter block may expand to at most this many YAML values (aliases counted each time they repeat)."""


class _TooManyNodes(Exception):
    """The expanded frontmatter passed :data:`MAX_YAML_NODES` (an alias bomb, or absurdly large data)."""


def _plain(value: Any, budget: list[int] | None = None) -> Any:
    """Return ``value`` with datetimes made dates and mapping keys made strings (YAML gives odd key types).

    Aliases are expanded here (the loader shares one object per anchor), so each value visited spends one unit of
    ``budget``; raises _TooManyNodes when more than :data:`MAX_YAML_NODES` would be built (nine levels of nine
    aliases are 387 million values from 700 bytes).
    """
    budget = budget if budget is not None else [MAX_YAML_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooManyNodes
    if isinstance(value, datetime):
        return value.date() if not value.time() else value
    if isinstance(value, dict):
        return {str(key): _plain(item, budget) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item, budget) for item in value]
    return value


def _plain_bounded(loaded: Any, content: str, first_line: int, path: str) -> Any:
    """Return :func:`_plain` of ``loaded``; raise SprintDocError at the line of the top-level key that expands past
    :data:`MAX_YAML_NODES` values."""
    budget = [MAX_YAML_NODES]
    if not isinstance(loaded, dict):
        try:
            return _plain(loaded, budget)
        except _TooManyNodes:
            raise SprintDocError(path, first_line, _too_many_nodes()) from None
    out: dict[str, Any] = {}
    for key, item in loaded.items():
        try:
            out[str(key)] = _plain(item, budget)
        except _TooManyNodes:
            line = next(
                (first_line + number for number, text in enumerate(content.split("\n")) if text.startswith(f"{key}:")),
                first_line,
            )
            raise SprintDocError(path, line, _too_many_nodes(str(key))) from None
    return out


def _too_many_nodes(key: str | None = None) -> str:
    """Return the message for frontmatter that expands past the node limit."""
    where = f" (at key {key!r})" if key else ""
    return (
        f"frontmatter refused: its YAML expands to more than {MAX_YAML_NODES:,} values{where}, e.g. aliases "
        "repeating aliases (an alias bomb); limit MAX_YAML_NODES in ceremonies.domain.frontmatter"
    )


def quote_reserved_scalars(content: str) -> str:
    """Return YAML ``content`` with plain values starting with ``@`` or a backtick (reserved in YAML) quoted.

    Real docs write ``owner: @ScrumMaster``, which strict YAML rejects.
    """

    def quote(match: re.Match[str]) -> str:
        """Return the matched ``key: value`` line with the value in double quotes."""
        value = match["value"].rstrip().replace("\\", "\\\\").replace('"', '\\"')
        return f'{match["key"]}"{value}"'

    return _RESERVED_VALUE.sub(quote, content)


def _load_lenient(content: str) -> Any:
    """Return the YAML in ``content``; on failure retry with ``@``-values quoted, re-raising the first error."""
    try:
        return _YAML.load(content)
    except Exception:
        fixed = quote_reserved_scalars(content)
        if fixed == content:
            raise
        try:
            return _YAML.load(fixed)
        except Exception:
            pass
        raise


def load_yaml_block(content: str, first_line: int, path: str = "") -> dict[str, Any]:
    """Return the mapping in one frontmatter block; raise SprintDocError (with the original line) if it is not one.

    ``first_line`` is the 1-based original line of the block's first content line.
    """
    try:
        loaded = _plain_bounded(_load_lenient(content) if content.strip() else {}, content, first_line, path)
    except SprintDocError:
        raise
    except RecursionError:
        raise SprintDocError(path, first_line, "invalid YAML in frontmatter: nested too deeply") from None
    except Exception as exc:  # yaml errors, bad timestamps (ValueError), ...
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
        raise SprintDocError(path, line, f"invalid YAML in frontmatter: {problem}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise SprintDocError(path, first_line, f"frontmatter is not a mapping of keys (got {type(loaded).__name__})")
    return loaded


def _next_block(lines: list[str], position: int, first: bool) -> tuple[int, int] | None:
    """Return (opening, closing) indexes of the frontmatter block at ``position`` (blank lines skipped), else None.

    The first block must open on the first line; later ones follow earlier ones after blank lines only (a UTF-8 BOM
    before a later block's fence, left by concatenating files, is skipped). A block
    must start with a ``key:`` line (an empty first block is allowed), so horizontal rules around prose are not
    taken for frontmatter.
    """
    opening = position
    if not first:
        while opening < len(lines) and not lines[opening].strip(" \t" + BOM):
            opening += 1
    if opening >= len(lines) or lines[opening].lstrip(BOM).rstrip() != _FENCE:
        return None
    closing = _closing_fence(lines, opening)
    if closing is None:
        return None
    empty = not any(line.strip() for line in lines[opening + 1 : closing])
    if not _looks_like_yaml(lines, opening + 1, closing) and not (first and empty):
        return None
    return opening, closing


def _read_blocks(
    lines: list[str], path: str, strict: bool
) -> tuple[list[dict[str, Any]], list[int], list[SprintDocError], int]:
    """Return (metas, 1-based opening lines, errors, index of the first body line) of the blocks at the top."""
    metas: list[dict[str, Any]] = []
    block_lines: list[int] = []
    errors: list[SprintDocError] = []
    position = 0
    while (block := _next_block(lines, position, first=position == 0)) is not None:
        opening, closing = block
        try:
            metas.append(load_yaml_block("\n".join(lines[opening + 1 : closing]), opening + 2, path))
        except SprintDocError as error:
            if strict:
                raise
            metas.append({})
            errors.append(error)
        block_lines.append(opening + 1)
        position = closing + 1
    return metas, block_lines, errors, position


def _cut_junk(body: str, body_line: int) -> tuple[str, int | None]:
    """Return ``body`` without trailing junk, and the 1-based original line where the junk started (or None)."""
    junk_at = find_junk(body)
    if junk_at is None:
        return body, None
    return body[:junk_at].rstrip() + "\n", body_line + body.count("\n", 0, junk_at)


def split_frontmatter(text: str, path: str = "", strict: bool = True) -> Frontmatter:
    """Return the merged frontmatter and body of ``text``; raise SprintDocError only for invalid YAML.

    Handles a UTF-8 BOM, CRLF, any number of consecutive ``---`` blocks at the top (later keys win unless
    their value is a placeholder) and trailing junk such as ``</content>`` after the body. With
    ``strict=False`` an invalid block is skipped and its error kept in ``errors`` instead of raised.
    """
    has_bom = text.startswith(BOM)
    normalized, newline = normalize_newlines(text[1:] if has_bom else text)
    lines = normalized.split("\n")
    metas, block_lines, errors, position = _read_blocks(lines, path, strict)
    inner_bom = any(line.startswith(BOM) for line in lines[: position + 1])
    body_lines = [line.lstrip(BOM) for line in lines[position:]]
    body, junk_line = _cut_junk("\n".join(body_lines), position + 1)
    return Frontmatter(
        meta=merge_meta(metas),
        blocks=len(metas),
        block_lines=tuple(block_lines),
        body=body,
        body_line=position + 1,
        has_bom=has_bom,
        newline=newline,
        junk_line=junk_line,
        errors=tuple(errors),
        block_metas=tuple(metas),
        inner_bom=inner_bom,
    )
