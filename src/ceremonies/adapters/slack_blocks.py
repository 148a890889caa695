"""Block Kit for a rendered message, built with ``slack_sdk.models.blocks`` and kept within Slack's limits.

A message is a header (plain text, at most 150 characters), the digest as mrkdwn sections (at most 3,000
characters each), a link button to the plan or KB page when there is a URL, and a context line at the end; at most
50 blocks. The top-level ``text`` is the notification fallback. The idempotency reference is added by the Slack
notifier when it sends (:func:`ceremonies.adapters.slack.with_marker`), invisibly, so it is not in the preview.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from ceremonies.domain.messages import Message, SlackParts

MAX_BLOCKS = 50
"""Slack: at most 50 blocks per message."""
MAX_SECTION_TEXT = 3000
"""Slack: at most 3,000 characters in a section block's text."""
MAX_HEADER_TEXT = 150
"""Slack: at most 150 characters in a header block."""
MAX_BUTTON_TEXT = 75
"""Slack: at most 75 characters in a button's label."""
MAX_URL = 3000
"""Slack: at most 3,000 characters in a button's URL."""
MAX_FALLBACK_TEXT = 39_000
"""Our cap of the ``text`` fallback (Slack truncates at 40,000; the idempotency ref needs room)."""


def _split_long(text: str, limit: int) -> list[str]:
    """Return ``text`` cut into pieces of at most ``limit`` characters, at line ends (else hard) where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut].rstrip("\n"))
        text = text[cut:].lstrip("\n")
    if text.strip():
        pieces.append(text)
    return pieces


def _chunks(text: str, limit: int) -> list[str]:
    """Return paragraphs of ``text`` packed into chunks of at most ``limit`` characters each."""
    chunks: list[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        for piece in _split_long(paragraph.strip("\n"), limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= limit:
                current = joined
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


def tidy(text: str) -> str:
    """Return rendered text without trailing spaces and with at most one blank line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def section_blocks(text: str, max_blocks: int = MAX_BLOCKS, max_section: int = MAX_SECTION_TEXT) -> list[Block]:
    """Return mrkdwn sections for ``text`` within the block and length limits; when more than ``max_blocks`` would
    be needed, the last one says how much was left out."""
    chunks = _chunks(tidy(text), max_section)
    if len(chunks) > max_blocks:
        left_out = len(chunks) - (max_blocks - 1)
        chunks = [*chunks[: max_blocks - 1], f"_… {left_out} more part(s) left out: see the doc._"]
    return [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in chunks]


def _short(text: str, limit: int) -> str:
    """Return ``text`` on one line, cut to ``limit`` characters (with an ellipsis) without splitting an entity."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    cut = re.sub(r"&[a-z]{0,3}$", "", cut)
    return cut + "…"


def fallback_text(text: str, limit: int = MAX_FALLBACK_TEXT) -> str:
    """Return the notification fallback: ``text`` tidied and cut at a line end to fit ``limit``."""
    text = tidy(text)
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 1)
    return text[: cut if cut > 0 else limit - 1] + "\n…"


def build_blocks(parts: SlackParts) -> list[dict[str, Any]]:
    """Return the Block Kit JSON of a rendered message: header, sections, link button, context line."""
    head: list[Block] = []
    tail: list[Block] = []
    if parts.header.strip():
        head.append(HeaderBlock(text=PlainTextObject(text=_short(parts.header, MAX_HEADER_TEXT))))
    url = parts.button_url or ""
    if url.startswith(("https://", "http://")) and len(url) <= MAX_URL:
        label = _short(parts.button_label or "Open", MAX_BUTTON_TEXT)
        tail.append(ActionsBlock(elements=[ButtonElement(text=label, url=url, action_id="open-doc")]))
    if parts.context.strip():
        tail.append(ContextBlock(elements=[MarkdownTextObject(text=_short(parts.context, MAX_SECTION_TEXT))]))
    body = section_blocks(parts.body, MAX_BLOCKS - len(head) - len(tail)) if parts.body.strip() else []
    return [block.to_dict() for block in [*head, *body, *tail]]


def compose(
    parts: SlackParts, key: str | None = None, post_at: datetime | None = None, channel: str | None = None
) -> Message:
    """Return the Slack message of rendered ``parts``: Block Kit, the notification fallback, key and send time."""
    fallback = parts.fallback or "\n".join(part for part in (parts.header, parts.body) if part.strip())
    return Message(
        text=fallback_text(fallback),
        blocks=tuple(build_blocks(parts)),
        key=key,
        post_at=post_at,
        channel=channel,
    )
