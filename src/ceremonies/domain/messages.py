"""Messages the team reads in Slack (or on the console): text fallback, Block Kit blocks, idempotency key.

Also the one place where text from docs and commits is made safe for Slack (:func:`escape_slack`, used by the
Slack template environment's ``finalize``), and :func:`readable` — what a reader sees of a Slack mrkdwn text, used
to print messages when no token is configured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ceremonies.domain.model import Document


def escape_slack(text: str) -> str:
    """Return ``text`` safe inside Slack text: ``&``, ``<`` and ``>`` become ``&amp;``, ``&lt;``, ``&gt;``.

    Slack reads mentions (``<!channel>``, ``<@U…>``, ``<!subteam^…>``), links and dates only between ``<`` and
    ``>``, so escaped doc text shows as written and pings nobody.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_slack(text: str) -> str:
    """Return ``text`` with Slack's three entities turned back into ``&``, ``<`` and ``>``."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_TOKEN = re.compile(r"<([^<>]*)>")


def _token_text(token: str) -> str:
    """Return what Slack shows for the inside of one ``<…>`` token (a mention, date, channel or link)."""
    target, _, label = token.partition("|")
    if target.startswith("!date^"):
        return label or target
    if target.startswith("!subteam^"):
        return label or "@" + target.split("^", 1)[1]
    if target.startswith("!"):
        return "@" + target[1:]
    if target.startswith(("@", "#")):
        return label or target
    return f"{label} ({target})" if label and label != target else target


def readable(mrkdwn: str) -> str:
    """Return the text a reader sees of Slack mrkdwn: dates as their fallback, links as ``label (url)``, mentions
    as ``@id``, entities decoded (so escaped doc text reads as written)."""
    return unescape_slack(_TOKEN.sub(lambda match: _token_text(match.group(1)), mrkdwn))


def blocks_text(blocks: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> str:
    """Return the mrkdwn a reader sees of Block Kit ``blocks`` (header, sections, context, buttons), one part a
    paragraph; buttons as ``label: url``."""
    parts: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            parts.append(f"*{block['text']['text']}*")
        elif kind == "section" and block.get("text"):
            parts.append(str(block["text"]["text"]))
        elif kind == "context":
            parts.append(" ".join(str(element.get("text", "")) for element in block.get("elements", [])))
        elif kind == "actions":
            buttons = [e for e in block.get("elements", []) if e.get("type") == "button" and e.get("url")]
            parts.extend(f"{escape_slack(e['text']['text'])}: {escape_slack(e['url'])}" for e in buttons)
    return "\n\n".join(part for part in parts if part.strip())


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


def handle_key(handle: str) -> str:
    """Return the lookup key of a doc handle or email: without a leading ``@``, case-folded."""
    return handle.strip().lstrip("@").strip().casefold()


def mention_markup(slack_id: str) -> str:
    """Return the Slack mention of a user id (``<@U…>``), a user group id (``<!subteam^S…>``) or a mention
    already written that way; raise ValueError for anything else."""
    value = slack_id.strip()
    if re.fullmatch(r"<@[UW][A-Z0-9]{2,}>|<!subteam\^S[A-Z0-9]{2,}>", value):
        return value
    if _USER_ID.match(value):
        return f"<@{value}>"
    if _GROUP_ID.match(value):
        return f"<!subteam^{value}>"
    raise ValueError(f"{slack_id!r} is not a Slack user id (U…/W…), user group id (S…) or mention")


def named_people(docs: Iterable[Document]) -> dict[str, str]:
    """Return handle → first doc path for every person the sprint docs name (owners of items and retro actions,
    plan and demo owners, the frontmatter ``owner``), in order of first mention (one entry per handle, any case)."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    for doc in docs:
        names: list[Any] = [doc.frontmatter.get("owner")]
        if doc.sprint is not None:
            names += [doc.sprint.owner, doc.sprint.demo_owner, *(o for item in doc.sprint.items for o in item.owners)]
        if doc.retro is not None:
            names += [owner for action in doc.retro.actions for owner in action.owners]
        for name in names:
            if isinstance(name, str) and name.strip() and handle_key(name) not in seen:
                seen.add(handle_key(name))
                found[name.strip()] = doc.path
    return found


@dataclass(frozen=True)
class Message:
    """One message to post now (``post_at`` is None) or schedule for ``post_at`` (timezone-aware).

    ``text`` is the notification fallback (Slack mrkdwn), ``blocks`` what Slack shows. ``key`` is a stable
    idempotency key (e.g. ``SPR-014/planning/day-before``) carried in the message text so that reruns can
    recognise what they already scheduled. ``channel`` None means the configured channel.
    """

    text: str
    blocks: tuple[dict[str, Any], ...] = ()
    key: str | None = None
    post_at: datetime | None = None
    channel: str | None = None

    def reader_text(self) -> str:
        """Return the message as a reader sees it in Slack (blocks when there are any, else the text)."""
        return readable(blocks_text(self.blocks) if self.blocks else self.text)


@dataclass(frozen=True)
class SlackParts:
    """A message rendered from its template, before it becomes Block Kit: ``header`` (plain text, escaped),
    ``body`` and ``context`` (mrkdwn), an optional link button (``button_url``, ``button_label``) and the
    notification ``fallback`` (mrkdwn; header and body when the template gives none)."""

    header: str
    body: str
    context: str = ""
    button_url: str | None = None
    button_label: str = ""
    fallback: str = ""
