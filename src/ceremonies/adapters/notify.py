"""Where messages go: the Notifier protocol and the console notifier (the default without a Slack token)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Protocol, TextIO

from ceremonies.domain.messages import Message


@dataclass(frozen=True)
class Delivery:
    """What happened to one message: ``status`` is posted, scheduled, skipped (already scheduled) or printed."""

    key: str | None
    status: str
    channel: str | None = None
    ts: str | None = None
    scheduled_message_id: str | None = None


class Notifier(Protocol):
    """Sends messages; returns one Delivery per message, in order."""

    def send(self, messages: list[Message]) -> list[Delivery]:
        """Post or schedule ``messages``; return what happened to each."""
        ...


class ConsoleNotifier:
    """Prints messages instead of posting them (no Slack token configured, or ``--dry-run``)."""

    def __init__(self, channel: str, stream: TextIO | None = None) -> None:
        self.channel = channel
        self.stream = stream

    def send(self, messages: list[Message]) -> list[Delivery]:
        """Print each message's text with its channel and schedule; return a ``printed`` Delivery each."""
        out = self.stream or sys.stdout
        deliveries = []
        for message in messages:
            channel = message.channel or self.channel
            when = f" at {message.post_at.isoformat()}" if message.post_at else ""
            out.write(f"--- slack {channel}{when} ---\n{message.text}\n")
            deliveries.append(Delivery(key=message.key, status="printed", channel=channel))
        return deliveries
