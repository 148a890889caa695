"""Where messages go: the Notifier protocol and the console notifier (the default without a Slack token)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
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
    text: str | None = None
    """What the reader sees of a printed message (set by the console notifier)."""

    def to_json(self) -> dict[str, str | None]:
        """Return key, status, channel and (for a printed message) the text a reader sees."""
        return {"key": self.key, "status": self.status, "channel": self.channel, "text": self.text}

    def describe(self) -> str:
        """Return one human line: ``<key>: <status> in <channel>``."""
        where = f" in {self.channel}" if self.channel else ""
        return f"{self.key or 'message'}: {self.status}{where}"


class Notifier(Protocol):
    """Sends messages; returns one Delivery per message, in order."""

    def send(self, messages: list[Message]) -> list[Delivery]:
        """Post or schedule ``messages``; return what happened to each."""
        ...


def cache_channels(notifier: object, git_dir: Path) -> None:
    """Let a notifier that resolves channel names (Slack's: ``cache_channels_in``) keep the ids it resolves in the
    docs repo's git dir; other notifiers: nothing. Here, not in the Slack adapter, so a job run without Slack does
    not import slack_sdk."""
    keep = getattr(notifier, "cache_channels_in", None)
    if callable(keep):
        keep(git_dir)


class ConsoleNotifier:
    """Shows messages instead of posting them (no Slack token configured, or ``--dry-run``): each as the text a
    reader would see in Slack, written to ``stream`` (default stdout) or, when ``log`` is given (a flow run's
    logger), logged there so it shows on the run page."""

    def __init__(
        self,
        channel: str,
        stream: TextIO | None = None,
        log: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None,
    ) -> None:
        self.channel = channel
        self.stream = stream
        self.log = log

    def send(self, messages: list[Message]) -> list[Delivery]:
        """Show each message with its channel and schedule; return a ``printed`` Delivery each (with the text)."""
        deliveries = []
        for message in messages:
            channel = message.channel or self.channel
            when = f" at {message.post_at.isoformat()}" if message.post_at else ""
            text = message.reader_text()
            if self.log is not None:
                self.log.info("Slack message for %s%s (printed, no token):\n%s", channel, when, text)
            else:
                out = self.stream or sys.stdout
                out.write(f"--- slack {channel}{when} ---\n{text}\n")
            deliveries.append(Delivery(key=message.key, status="printed", channel=channel, text=text))
        return deliveries


def _fenced(text: str) -> list[str]:
    return ["", "```text", text.replace("```", "`\u200b``"), "```", ""]


def slack_markdown(deliveries: Iterable[Delivery], unsent: Iterable[Message] = ()) -> str:
    """Return a markdown section for a run's artifact: what happened to each message, with the text a reader sees
    of printed ones, and of ``unsent`` messages (a dry run); empty when there is nothing to show."""
    lines: list[str] = []
    for delivery in deliveries:
        lines.append(f"- {delivery.describe()}")
        if delivery.text:
            lines += _fenced(delivery.text)
    for message in unsent:
        lines.append(f"- {message.key or 'message'}: not sent (dry run)")
        lines += _fenced(message.reader_text())
    return "\n".join(["", "## Slack messages", "", *lines]).rstrip() + "\n" if lines else ""
