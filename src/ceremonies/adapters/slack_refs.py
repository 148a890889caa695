"""The idempotency ref of a Slack message: ``(ref: <key> <hash>)`` at the end of its ``text``.

``hash`` is 8 hex digits of the text and blocks. The ref is written in zero-width characters (:func:`encode_ref`)
so readers and the notification preview do not see it, yet ``chat.scheduledMessages.list`` (which returns only id,
channel, post_at and text) shows it to a rerun. A visible ref line written by earlier versions (or when Slack drops
the invisible one) is still recognised. Pure text functions, exported for the reminder rules and templates.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

MAX_TEXT = 40_000
"""Slack's limit on a message's ``text`` (characters)."""

_MARKER = re.compile(r"\n?\(ref: (?P<key>[^\s()]+) (?P<hash>[0-9a-f]{8})\)\s*$")


def marker_key(key: str) -> str:
    """Return ``key`` as it appears in the ref line (whitespace and parentheses become ``-``)."""
    return re.sub(r"[\s()]", "-", key.strip()) or "-"


def content_hash(text: str, blocks: Iterable[dict[str, Any]]) -> str:
    """Return 8 hex digits identifying a message's text (without ref line) and blocks."""
    payload = json.dumps({"text": text, "blocks": list(blocks)}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:8]


_REF_EDGE = "\u2063"  # INVISIBLE SEPARATOR: starts and ends the ref
_REF_DIGITS = "\u200b\u200c\u200d\u2060"  # zero-width space, non-joiner, joiner, word joiner: base-4 digits
_INVISIBLE_REF = re.compile(f"{_REF_EDGE}(?P<digits>[{_REF_DIGITS}]+){_REF_EDGE}\\s*$")


def encode_ref(ref: str) -> str:
    """Return ``ref`` written in zero-width characters (4 per UTF-8 byte) between two invisible separators.

    So the ref stays in a scheduled message's ``text`` — the only field chat.scheduledMessages.list returns — but
    out of what Slack shows, the notification preview included.
    """
    digits = "".join(_REF_DIGITS[(byte >> shift) & 3] for byte in ref.encode("utf-8") for shift in (6, 4, 2, 0))
    return f"{_REF_EDGE}{digits}{_REF_EDGE}"


def decode_ref(digits: str) -> str | None:
    """Return the text :func:`encode_ref` wrote as ``digits`` (without the separators), or None when it is not."""
    if len(digits) % 4:
        return None
    values = [_REF_DIGITS.index(char) for char in digits]
    quads = (values[i : i + 4] for i in range(0, len(values), 4))
    data = bytes((a << 6) | (b << 4) | (c << 2) | d for a, b, c, d in quads)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def with_marker(text: str, key: str, blocks: Iterable[dict[str, Any]] = (), visible: bool = False) -> str:
    """Return ``text`` with the ref ``(ref: <key> <hash>)`` appended, invisible (or as a visible last line), text
    shortened so the whole stays within Slack's limit."""
    body = strip_marker(text)
    line = f"(ref: {marker_key(key)} {content_hash(body, blocks)})"
    ref = f"\n{line}" if visible else encode_ref(line)
    if len(body) + len(ref) > MAX_TEXT:
        body = body[: MAX_TEXT - len(ref) - 1] + "\u2026"
    return body + ref


def strip_marker(text: str) -> str:
    """Return ``text`` without a trailing ref (invisible, or the visible line earlier versions wrote)."""
    return _MARKER.sub("", _INVISIBLE_REF.sub("", text))


def read_marker(text: str) -> tuple[str, str] | None:
    """Return (key, hash) of the ref at the end of ``text`` (invisible, or a visible ref line), or None."""
    text = text or ""
    invisible = _INVISIBLE_REF.search(text)
    if invisible:
        text = decode_ref(invisible.group("digits")) or ""
    match = _MARKER.search(text)
    return (match.group("key"), match.group("hash")) if match else None
