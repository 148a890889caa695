"""Which Slack channel a notifier talks to: a channel name resolved to its id once (``conversations.list``; an id
is checked with ``conversations.info``), remembered for later runs in the docs repo's git dir
(:data:`ceremonies.adapters.state.SLACK`), and the one place an SDK call's failure becomes a SlackError.

A missing channel or a bot outside it fails here, before anything is sent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from ceremonies.adapters import state
from ceremonies.adapters.slack_client import SlackCallError, api_error, describe_error, transport_error
from ceremonies.errors import SlackError

log = logging.getLogger("ceremonies.adapters.slack")

LIST_PAGE = 100
"""Items per page of Slack's list calls."""
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
"""What a Slack channel id looks like (public, private, direct)."""


class SlackChannels:
    """A Slack client plus the channel ids it resolved (in memory and in the repo's cache); base of the notifier."""

    def __init__(self, client: WebClient, now: Callable[[], datetime] | None = None) -> None:
        self.client = client
        self.now = now or (lambda: datetime.now(UTC))
        self._ids: dict[str, str] = {}
        self._git_dir: Path | None = None
        self.visible_ref = False
        """True once Slack was seen dropping the invisible ref: refs are then written as a visible last line."""

    def cache_channels_in(self, git_dir: Path) -> None:
        """Keep resolved channel ids (and the ref style) in ``git_dir`` (:data:`ceremonies.adapters.state.SLACK`):
        later runs look the channel up no more."""
        self._git_dir = Path(git_dir)
        self.visible_ref = self.visible_ref or self._cache().get("ref") == "visible"

    def _cache(self) -> dict[str, Any]:
        """Return the cached Slack facts (empty when there is no cache or it is unreadable)."""
        return state.load(self._git_dir, state.SLACK)

    def _cached_ids(self) -> dict[str, str]:
        """Return channel → id from the cache (empty when there is none or it is unreadable)."""
        channels = self._cache().get("channels")
        return {str(k): str(v) for k, v in channels.items()} if isinstance(channels, dict) else {}

    def _remember(self, channel: str, channel_id: str) -> None:
        """Write ``channel`` → ``channel_id`` into the cache (a failure only costs a lookup next run)."""
        known = self._cached_ids()
        if known.get(channel) != channel_id:
            self._write_cache({**self._cache(), "channels": {**known, channel: channel_id}})

    def _write_cache(self, data: dict[str, Any]) -> None:
        """Write the cache (nothing without a git dir; a failure is logged, not raised)."""
        state.save_quietly(self._git_dir, state.SLACK, data)

    def _channel_id(self, channel: str) -> str | None:
        """Return the id of ``channel`` (an id, or a name resolved once with conversations.list).

        Fails clearly (SlackError) when the channel does not exist or the bot is not a member, before anything
        is scheduled. Returns None only when the bot may not list channels (missing_scope) and the name is not
        a public channel: then keys are matched in every channel the bot scheduled to.
        """
        if channel in self._ids:
            return self._ids[channel]
        cached = self._cached_ids().get(channel)
        if cached:
            self._learn(channel, cached)
            return cached
        if CHANNEL_ID.match(channel):
            info = self._lookup("conversations.info", channel, lambda: self.client.conversations_info(channel=channel))
            found: dict[str, Any] | None = (info or {}).get("channel") or {"id": channel}
        else:
            found = self._find_by_name(channel)
            if found is None:
                return None
        assert found is not None
        if found.get("is_member") is False:
            method = "conversations.info" if CHANNEL_ID.match(channel) else "conversations.list"
            raise SlackCallError(
                describe_error(method, "not_in_channel", channel), code="not_in_channel", method=method
            )
        self._learn(channel, str(found["id"]))
        self._remember(channel, self._ids[channel])
        return self._ids[channel]

    def _find_by_name(self, channel: str) -> dict[str, Any] | None:
        """Return the channel called ``channel`` (``#`` optional) from conversations.list.

        SlackError channel_not_found when it is not there; None when the bot may not list the channel kinds
        it could be (missing_scope).
        """
        name = channel.lstrip("#")
        complete = True
        channels = self._channel_pages(channel, "public_channel,private_channel")
        if channels is None:  # no groups:read: private channels are invisible
            complete = False
            channels = self._channel_pages(channel, "public_channel") or []
        match = next((c for c in channels if c.get("name") == name), None)
        if match is not None:
            return match
        if not complete:
            log.warning("Cannot list channels to resolve %s (missing_scope); matching keys in any channel", channel)
            return None
        raise SlackCallError(
            describe_error("conversations.list", "channel_not_found", channel),
            code="channel_not_found",
            method="conversations.list",
        )

    def _channel_pages(self, channel: str, types: str) -> list[dict[str, Any]] | None:
        """Return every channel of ``types`` (following cursors), or None when the bot lacks the scope."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(1000):
            data = self._lookup("conversations.list", channel, self._channels_page(types, cursor))
            if data is None:
                return None
            found.extend(data.get("channels") or [])
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return found

    def _channels_page(self, types: str, cursor: str | None) -> Callable[[], Any]:
        return lambda: self.client.conversations_list(
            types=types, exclude_archived=True, limit=LIST_PAGE * 2, cursor=cursor
        )

    def _lookup(self, method: str, channel: str, call: Callable[[], Any]) -> dict[str, Any] | None:
        """Run a read-only lookup; return None when the bot lacks the scope for it (missing_scope)."""
        try:
            return self._call(method, channel, call)
        except SlackError as exc:
            if "missing_scope" in str(exc):
                return None
            raise

    def _learn(self, channel: str, channel_id: Any) -> None:
        if isinstance(channel_id, str) and channel_id:
            self._ids[channel] = channel_id
            self._ids.setdefault(channel_id, channel_id)

    def _call(self, method: str, channel: str | None, call: Callable[[], Any]) -> dict[str, Any]:
        """Run one SDK call; return its data; raise SlackError (token-free) for every failure."""
        token = self.client.token
        try:
            response = call()
        except SlackApiError as exc:
            raise api_error(exc, method, channel, token) from None
        except (URLError, OSError) as exc:  # connection refused/reset, timeouts, dropped connections
            raise transport_error(exc, method, token) from None
        data = response.data
        return data if isinstance(data, dict) else {}
