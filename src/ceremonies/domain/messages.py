"""Messages the team reads in Slack (or on the console): text fallback, Block Kit blocks, idempotency key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Message:
    """One message to post now (``post_at`` is None) or schedule for ``post_at`` (timezone-aware).

    ``key`` is a stable idempotency key (e.g. ``SPR-014/planning/day-before``) carried in the message text so
    that reruns can recognise what they already scheduled. ``channel`` None means the configured channel.
    """

    text: str
    blocks: tuple[dict[str, Any], ...] = ()
    key: str | None = None
    post_at: datetime | None = None
    channel: str | None = None
