"""Managed blocks inside human pages: only the text between the markers changes; the ``recent-changes`` block."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from ceremonies.domain.managed import find_blocks
from ceremonies.knowledge.commits import parse_conventional
from ceremonies.knowledge.pages import KbPage
from ceremonies.knowledge.state import RECENT_LIMIT, PageHistory
from ceremonies.knowledge.text import cell, short_date


def newline_of(text: str) -> str:
    """Return the newline style of ``text``: ``\\r\\n`` when it has any CRLF, else ``\\n``."""
    return "\r\n" if "\r\n" in text else "\n"


def replace_blocks(text: str, render: Callable[[str, dict[str, str]], str | None]) -> str:
    """Return ``text`` with the content of each well-formed managed block replaced by ``render(name, args)``.

    Only the characters between a begin marker and its end marker change; every byte outside stays identical.
    The new content sits on its own lines in the page's newline style. ``render`` returning None leaves a block
    as it is (unknown block names).
    """
    newline = newline_of(text)
    out, position = [], 0
    for span in find_blocks(text):
        if span.end is None:
            continue
        content = render(span.name, span.args)
        if content is None:
            continue
        lines = content.replace("\r\n", "\n").strip("\n").split("\n") if content.strip("\n") else []
        middle = newline + "".join(line + newline for line in lines)
        out.append(text[position : span.content_start])
        out.append(middle)
        position = span.content_end
    out.append(text[position:])
    return "".join(out)


def recent_changes_block(page: KbPage, history: PageHistory, zone: tzinfo, limit: int = RECENT_LIMIT) -> str:
    """Return the content of a page's ``recent-changes`` block: the newest merged work touching its sources."""
    if not page.sources:
        return "_This page declares no `sources:` in its frontmatter; add globs there to list changes here._"
    if not history.recent:
        return "_No merged work has touched this page's sources yet._"
    lines = []
    for ref in history.recent[:limit]:
        kind, scope, title, _ = parse_conventional(ref.subject)
        label = f"{kind}({scope})" if scope else kind
        lines.append(f"- {short_date(ref.date, zone)} `{ref.sha[:8]}` {label}: {cell(title)} — {cell(ref.author)}")
    if history.stale_count:
        lines.append("")
        lines.append(f"**Needs review:** {history.stale_count} change(s) since this page was last edited.")
    return "\n".join(lines)


def block_renderer(page: KbPage, history: PageHistory, zone: tzinfo) -> Callable[[str, dict[str, str]], str | None]:
    """Return the ``render(name, args)`` for :func:`replace_blocks` on ``page`` (unknown names: left alone)."""

    def render(name: str, args: dict[str, str]) -> str | None:
        if name == "recent-changes":
            limit = int(args["limit"]) if args.get("limit", "").isdigit() else RECENT_LIMIT
            return recent_changes_block(page, history, zone, min(limit, RECENT_LIMIT))
        return None

    return render
