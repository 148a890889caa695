"""Slack delivery: a Notifier on ``slack_sdk.WebClient`` that posts now or schedules, exactly once per key.

Idempotency: each keyed message carries ``(ref: <key> <hash>)`` at the end of its ``text``
(:mod:`ceremonies.adapters.slack_refs`), invisible to readers. Slack's ``chat.scheduledMessages.list`` returns only
id, channel, post_at and text (not blocks, not metadata), so that ref is how a rerun recognises what it scheduled
before: same key, same post_at and same hash → skipped; same key with another post_at or content → the new one is
scheduled, then the old one deleted (a crash in between leaves both, and the next run deletes the old one); no key
match → scheduled; post_at already passed → ``expired`` (not sent: posting late could post twice across reruns).
After scheduling, the list is read once more and duplicates of a key (a retried call that had reached Slack) are
deleted. ``post_at`` None → chat.postMessage.

Channels may be ids or names (:mod:`ceremonies.adapters.slack_channels` resolves them once). Retries, the transient
classification and the errors live in :mod:`ceremonies.adapters.slack_client`. A message refused for its own
content or time does not stop the others.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from ceremonies.adapters.notify import Delivery, Notifier
from ceremonies.adapters.slack_channels import CHANNEL_ID, LIST_PAGE, SlackChannels
from ceremonies.adapters.slack_client import (
    DEFAULT_BASE_URL,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    MESSAGE_ERRORS,
    SlackCallError,
    describe_error,
    is_transient,
    make_client,
    retry_handlers,
)
from ceremonies.adapters.slack_refs import (
    content_hash,
    decode_ref,
    encode_ref,
    marker_key,
    read_marker,
    strip_marker,
    with_marker,
)
from ceremonies.domain.messages import Message
from ceremonies.errors import SlackError

__all__ = [  # the names callers import from here (most are defined in slack_client and slack_refs)
    "DEFAULT_BASE_URL",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "MESSAGE_ERRORS",
    "STATUS_EXPIRED",
    "STATUS_POSTED",
    "STATUS_SCHEDULED",
    "STATUS_SKIPPED",
    "STATUS_WITHDRAWN",
    "Scheduled",
    "SlackCallError",
    "SlackNotifier",
    "cache_channels",
    "content_hash",
    "decode_ref",
    "describe_error",
    "encode_ref",
    "is_transient",
    "make_client",
    "read_marker",
    "retry_handlers",
    "strip_marker",
    "with_marker",
]

log = logging.getLogger(__name__)

MIN_LEAD = timedelta(seconds=15)
"""A message due sooner than this is scheduled this far ahead (Slack refuses post_at in the past)."""
SAME_TIME = timedelta(seconds=60)
"""Two post_at values this close count as the same time (covers MIN_LEAD shifts)."""

STATUS_POSTED = "posted"
STATUS_SCHEDULED = "scheduled"
STATUS_SKIPPED = "skipped"
STATUS_WITHDRAWN = "withdrawn"
"""A pending scheduled message deleted by :meth:`SlackNotifier.withdraw`."""
STATUS_EXPIRED = "expired"
"""post_at already passed: neither posted nor scheduled (posting late could post twice across reruns)."""

_MAILTO = re.compile(r"<mailto:(?P<email>[^|<>\s\"]+)\|[^<>\"]*>")


# --- text helpers (exported for the reminder rules and templates) ---------------------------------------------------


# --- the notifier ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheduled:
    """One pending scheduled message as Slack lists it, with the ref line decoded."""

    id: str
    channel_id: str
    post_at: datetime
    key: str | None
    hash: str | None


class SlackNotifier(SlackChannels):
    """Posts messages now (``post_at`` None) or schedules them, once per key across reruns (see module doc)."""

    def __init__(
        self,
        client: WebClient,
        channel: str,
        now: Callable[[], datetime] | None = None,
        lookup_emails: bool = False,
    ) -> None:
        super().__init__(client, now)
        self.channel = channel
        self.lookup_emails = lookup_emails
        self._users: dict[str, str | None] = {}

    # -- Notifier

    def send(self, messages: list[Message]) -> list[Delivery]:
        """Post or schedule ``messages``; return one Delivery each (posted/scheduled/skipped/expired), in order.

        A message Slack refuses for its own content or time (:data:`MESSAGE_ERRORS`) does not stop the others:
        they are all sent, then one SlackCallError names every refused key. Errors of the channel, the token or
        Slack itself (after retries) stop at once; a rerun skips whatever was already scheduled.
        """
        if self.lookup_emails:
            messages = [self._with_mentions(message) for message in messages]
        deliveries: list[Delivery] = []
        refused: list[tuple[Message, SlackCallError]] = []
        pending: dict[str, dict[str, list[Scheduled]]] = {}  # channel -> key -> pending copies
        kept: dict[tuple[str, str], tuple[datetime, str | None]] = {}  # (channel id, key) -> wanted (post_at, hash)
        scheduled_any = False
        for message in messages:
            channel = message.channel or self.channel
            try:
                if message.post_at is None:
                    deliveries.append(self._post(message, channel))
                    continue
                if channel not in pending:
                    pending[channel] = self._pending_by_key(channel)
                delivery, did_schedule = self._schedule_once(message, channel, pending[channel], kept)
            except SlackCallError as error:
                if not error.about_message:
                    raise
                log.error("Slack refused %s: %s", message.key or "a message", error)
                refused.append((message, error))
                continue
            scheduled_any = scheduled_any or did_schedule
            deliveries.append(delivery)
        if scheduled_any:
            self._drop_duplicates(kept)
        if refused:
            raise _refused_error(refused, len(messages))
        return deliveries

    # -- people

    def user_for_email(self, email: str) -> str | None:
        """Return the Slack user id of ``email`` (users.lookupByEmail, once per email), or None when Slack knows
        no such user. A missing scope is a SlackError naming ``users:read.email``."""
        key = email.casefold()
        if key not in self._users:
            try:
                data = self._call("users.lookupByEmail", None, lambda: self.client.users_lookupByEmail(email=email))
                user_id = (data.get("user") or {}).get("id")
                self._users[key] = str(user_id) if user_id else None
            except SlackCallError as error:
                if error.code not in ("users_not_found", "user_not_found"):
                    raise
                self._users[key] = None
        return self._users[key]

    def _with_mentions(self, message: Message) -> Message:
        """Return ``message`` with each owner written as an email link replaced by a mention of that user (when
        Slack knows the email)."""

        def swap(match: re.Match[str]) -> str:
            user_id = self.user_for_email(match.group("email"))
            return f"<@{user_id}>" if user_id else match.group(0)

        blocks = json.loads(_MAILTO.sub(swap, json.dumps(list(message.blocks)))) if message.blocks else []
        return replace(message, text=_MAILTO.sub(swap, message.text), blocks=tuple(blocks))

    # -- housekeeping

    def check(self, channel: str | None = None) -> dict[str, str]:
        """Verify the token (auth.test) and the channel; return team, bot user id and channel id.

        Raises SlackError (invalid_auth, channel_not_found, not_in_channel) with the same clear messages as send.
        """
        target = channel or self.channel
        auth = self._call("auth.test", target, self.client.auth_test)
        channel_id = self._channel_id(target) or target
        return {"team": str(auth.get("team", "")), "bot_user_id": str(auth.get("user_id", "")), "channel": channel_id}

    def scheduled(self, channel: str | None = None) -> list[Scheduled]:
        """Return the pending scheduled messages of ``channel`` (default: the notifier's) that carry a key."""
        return [item for items in self._pending_by_key(channel or self.channel).values() for item in items]

    def withdraw(self, keys: Iterable[str], channel: str | None = None) -> list[Delivery]:
        """Delete every pending scheduled message carrying one of ``keys``; return a ``withdrawn`` Delivery each.

        For reminders that are no longer wanted (a ceremony dropped, a lead time removed from the settings).
        """
        wanted = {marker_key(key) for key in keys}
        target = channel or self.channel
        withdrawn = []
        for item in self.scheduled(target):
            if item.key in wanted:
                self._delete(item)
                withdrawn.append(Delivery(item.key, STATUS_WITHDRAWN, item.channel_id, scheduled_message_id=item.id))
        return withdrawn

    # -- immediate

    def _post(self, message: Message, channel: str) -> Delivery:
        text = self._marked(message) if message.key else message.text
        data = self._call(
            "chat.postMessage",
            channel,
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, blocks=list(message.blocks) or None, unfurl_links=False
            ),
        )
        self._learn(channel, data.get("channel"))
        log.info("Posted %s to %s", message.key or "message", channel)
        return Delivery(key=message.key, status=STATUS_POSTED, channel=data.get("channel", channel), ts=data.get("ts"))

    # -- scheduled

    def _schedule_once(
        self,
        message: Message,
        channel: str,
        pending: dict[str, list[Scheduled]],
        kept: dict[tuple[str, str], tuple[datetime, str | None]],
    ) -> tuple[Delivery, bool]:
        """Skip, replace or schedule one message; return its Delivery and whether a message was scheduled."""
        assert message.post_at is not None
        post_at = _aware(message.post_at)
        now = _aware(self.now())
        send_at = max(post_at, now + MIN_LEAD)
        if not message.key:
            if post_at <= now:
                return self._expired(message, channel, post_at), False
            return self._schedule(message, channel, send_at, message.text), True
        key = marker_key(message.key)
        text = self._marked(message)
        wanted_hash = read_marker(text)
        channel_id = self._ids.get(channel, channel if CHANNEL_ID.match(channel) else None)
        same_channel = [s for s in pending.get(key, []) if channel_id is None or s.channel_id == channel_id]
        matching = [
            s
            for s in same_channel
            if abs(s.post_at - post_at) <= SAME_TIME and wanted_hash and s.hash == wanted_hash[1]
        ]
        if post_at <= now and not matching:
            for stale in same_channel:  # moved into the past: the old time is wrong too
                self._delete(stale)
            pending[key] = []
            return self._expired(message, channel, post_at), False
        if matching:
            keep = min(matching, key=lambda s: s.id)  # every run picks the same copy
            for extra in same_channel:
                if extra.id != keep.id:
                    self._delete(extra)
            pending[key] = [keep]
            kept[(keep.channel_id, key)] = (post_at, keep.hash)
            log.info("Already scheduled: %s at %s", message.key, post_at.isoformat())
            return Delivery(message.key, STATUS_SKIPPED, keep.channel_id, scheduled_message_id=keep.id), False
        delivery = self._schedule(message, channel, send_at, text)
        for old in same_channel:  # replaced: another time or other content
            self._delete(old)
        new = Scheduled(
            delivery.scheduled_message_id or "",
            delivery.channel or channel,
            send_at,
            key,
            wanted_hash[1] if wanted_hash else None,
        )
        pending[key] = [new]
        kept[(new.channel_id, key)] = (post_at, new.hash)
        return delivery, True

    def _expired(self, message: Message, channel: str, post_at: datetime) -> Delivery:
        log.warning("Not scheduling %s: its time %s has passed", message.key or "message", post_at.isoformat())
        return Delivery(key=message.key, status=STATUS_EXPIRED, channel=channel)

    def _schedule(self, message: Message, channel: str, post_at: datetime, text: str) -> Delivery:
        data = self._call(
            "chat.scheduleMessage",
            channel,
            lambda: self.client.chat_scheduleMessage(
                channel=channel,
                post_at=int(post_at.timestamp()),
                text=text,
                blocks=list(message.blocks) or None,
                unfurl_links=False,
            ),
        )
        self._learn(channel, data.get("channel"))
        log.info("Scheduled %s for %s in %s", message.key or "message", post_at.isoformat(), channel)
        if self._ref_lost(text, data):
            sent_id, sent_channel = str(data.get("scheduled_message_id")), str(data.get("channel", channel))
            self._delete(Scheduled(sent_id, sent_channel, post_at, None, None))
            self._use_visible_ref()
            return self._schedule(message, channel, post_at, self._marked(message))
        return Delivery(
            key=message.key,
            status=STATUS_SCHEDULED,
            channel=data.get("channel", channel),
            scheduled_message_id=data.get("scheduled_message_id"),
        )

    def _marked(self, message: Message) -> str:
        """Return the message's text with its ref (invisible, or visible once Slack was seen dropping that)."""
        return with_marker(message.text, message.key or "", message.blocks, visible=self.visible_ref)

    def _ref_lost(self, sent: str, data: dict[str, Any]) -> bool:
        """Return True when we sent an invisible ref and the text Slack stored (echoed back) no longer carries it:
        then a rerun could not recognise the message in chat.scheduledMessages.list."""
        echoed = (data.get("message") or {}).get("text")
        wanted = read_marker(sent)
        return not self.visible_ref and wanted is not None and isinstance(echoed, str) and read_marker(echoed) != wanted

    def _use_visible_ref(self) -> None:
        """Write refs as a visible last line from now on (and in later runs, through the cache file)."""
        log.warning("Slack dropped the invisible idempotency ref from a message's text: using a visible ref line")
        self.visible_ref = True
        self._write_cache({**self._cache(), "ref": "visible"})

    def _delete(self, item: Scheduled) -> None:
        """Delete a pending scheduled message; one that is already gone (posted, deleted) is fine."""
        try:
            self._call(
                "chat.deleteScheduledMessage",
                item.channel_id,
                lambda: self.client.chat_deleteScheduledMessage(channel=item.channel_id, scheduled_message_id=item.id),
            )
            log.info("Deleted scheduled message %s (%s)", item.id, item.key)
        except SlackError as exc:
            if "invalid_scheduled_message_id" not in str(exc):
                raise

    def _drop_duplicates(self, kept: dict[tuple[str, str], tuple[datetime, str | None]]) -> None:
        """Re-read the pending list; where a key we handled has several copies as wanted, keep the one with the
        smallest id and delete the others (concurrent or retried runs all keep the same copy)."""
        for channel_id in {channel for channel, _ in kept}:
            for key, items in self._pending_by_key(channel_id).items():
                wanted = kept.get((channel_id, key))
                if wanted is None:
                    continue
                copies = sorted(
                    (
                        item
                        for item in items
                        if item.channel_id == channel_id
                        and abs(item.post_at - wanted[0]) <= SAME_TIME
                        and item.hash == wanted[1]
                    ),
                    key=lambda item: item.id,
                )
                for extra in copies[1:]:
                    self._delete(extra)

    # -- listing

    def _pending_by_key(self, channel: str) -> dict[str, list[Scheduled]]:
        """Return the channel's pending scheduled messages that carry a ref line, grouped by key (oldest first)."""
        channel_id = self._channel_id(channel)
        found: dict[str, list[Scheduled]] = {}
        for item in self._list_scheduled(channel_id, channel):
            marker = read_marker(str(item.get("text") or ""))
            if marker is None:
                continue
            entry = Scheduled(
                id=str(item.get("id")),
                channel_id=str(item.get("channel_id") or channel_id or ""),
                post_at=datetime.fromtimestamp(int(item.get("post_at") or 0), UTC),
                key=marker[0],
                hash=marker[1],
            )
            found.setdefault(marker[0], []).append(entry)
        return found

    def _list_scheduled(self, channel_id: str | None, channel: str) -> list[dict[str, Any]]:
        """Return every pending scheduled message (of ``channel_id`` when known), following cursors."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(1000):  # a bound, not an expectation
            data = self._call("chat.scheduledMessages.list", channel, self._list_page(channel_id, cursor))
            items.extend(data.get("scheduled_messages") or [])
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return items

    def _list_page(self, channel_id: str | None, cursor: str | None) -> Callable[[], Any]:
        """Return the SDK call reading one page of the scheduled-message list."""
        return lambda: self.client.chat_scheduledMessages_list(channel=channel_id, cursor=cursor, limit=LIST_PAGE)


def _refused_error(refused: list[tuple[Message, SlackCallError]], total: int) -> SlackCallError:
    """Return one error naming every message Slack refused (the others were sent)."""
    lines = [f"{message.key or '(no key)'}: {error.message}" for message, error in refused]
    first = refused[0][1]
    text = f"Slack refused {len(refused)} of {total} message(s); the others were sent:\n  " + "\n  ".join(lines)
    return SlackCallError(text, code=first.code, method=first.method)


def _aware(moment: datetime) -> datetime:
    """Return ``moment`` timezone-aware (naive values are taken as UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def cache_channels(notifier: Notifier, git_dir: Path) -> None:
    """Make a Slack notifier keep resolved channel ids in the docs repo's git dir (other notifiers: nothing)."""
    if isinstance(notifier, SlackNotifier):
        notifier.cache_channels_in(git_dir)
