"""Slack delivery: a Notifier on ``slack_sdk.WebClient`` that posts now or schedules, exactly once per key.

Idempotency: each keyed message carries ``(ref: <key> <hash>)`` at the end of its ``text`` (``hash`` = 8 hex
digits of the text and blocks), written in zero-width characters (:func:`encode_ref`) so that readers and the
notification preview do not see it. Slack's ``chat.scheduledMessages.list`` returns only id, channel, post_at and
text (not blocks, not metadata), so that ref is how a rerun recognises what it scheduled before: same key, same
post_at and same hash → skipped; same key with another post_at or content → the new one is scheduled, then the old
one deleted (a crash in between leaves both, and the next run deletes the old one); no key match → scheduled;
post_at already passed → ``expired`` (not sent: posting late could post twice across reruns). After scheduling,
the list is read once more and duplicates of a key (a retried call that had reached Slack) are deleted. A visible
ref line written by earlier versions is still recognised. ``post_at`` None → chat.postMessage.

Channels may be ids or names: a name is resolved once with ``conversations.list`` (``conversations.info`` takes ids
only), which also makes a missing channel or a bot outside it fail before anything is sent.

Retries are the SDK's own handlers (rate limit with Retry-After, 5xx, connection errors and timeouts — a timed-out
``chat.postMessage`` is not repeated, as Slack may have posted it). Failures become :class:`SlackCallError` (a
:class:`~ceremonies.errors.SlackError`) with Slack's error code and a clear message naming the channel, never the
token. A message refused for its own content or time does not stop the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from http.client import RemoteDisconnected
from pathlib import Path
from typing import Any, cast
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from ceremonies.adapters import state
from ceremonies.adapters.notify import ConsoleNotifier, Delivery, Notifier
from ceremonies.config import Settings
from ceremonies.domain.messages import Message
from ceremonies.errors import SlackError
from ceremonies.redaction import redact

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = WebClient.BASE_URL
DEFAULT_TIMEOUT = 15.0
"""Seconds before one HTTP call to Slack is given up (then retried by the connection handler)."""
DEFAULT_RETRIES = 3
"""Extra attempts per call after a transient failure (429, 5xx, connection); the SDK counts them across kinds."""
MIN_LEAD = timedelta(seconds=15)
"""A message due sooner than this is scheduled this far ahead (Slack refuses post_at in the past)."""
SAME_TIME = timedelta(seconds=60)
"""Two post_at values this close count as the same time (covers MIN_LEAD shifts)."""
MAX_TEXT = 40_000
LIST_PAGE = 100

STATUS_POSTED = "posted"
STATUS_SCHEDULED = "scheduled"
STATUS_SKIPPED = "skipped"
STATUS_WITHDRAWN = "withdrawn"
"""A pending scheduled message deleted by :meth:`SlackNotifier.withdraw`."""
STATUS_EXPIRED = "expired"
"""post_at already passed: neither posted nor scheduled (posting late could post twice across reruns)."""

_MARKER = re.compile(r"\n?\(ref: (?P<key>[^\s()]+) (?P<hash>[0-9a-f]{8})\)\s*$")
_MAILTO = re.compile(r"<mailto:(?P<email>[^|<>\s\"]+)\|[^<>\"]*>")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
_BAD_TOKEN = ("invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive")


# --- text helpers (exported for the reminder rules and templates) ---------------------------------------------------


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


# --- the client -----------------------------------------------------------------------------------------------------


class _ConnectionRetry(ConnectionErrorRetryHandler):
    """Retries connection errors and timeouts, except a timed-out chat.postMessage (it may have been posted)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if isinstance(error, TimeoutError) and request.url.rstrip("/").endswith("chat.postMessage"):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class _ServerErrorRetry(ServerErrorRetryHandler):
    """Retries every 5xx answer (the SDK's handler covers only 500 and 503)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code < 600


class _ProportionalJitter(Jitter):
    """Adds up to half the interval at random (the SDK's default adds up to a whole second)."""

    def recalculate(self, duration: float) -> float:
        return duration * (1 + random.random() / 2)


def retry_handlers(retries: int = DEFAULT_RETRIES, backoff: float = 0.5) -> list[RetryHandler]:
    """Return the SDK retry handlers we use: rate limit (honours Retry-After), server errors, connection errors.

    ``retries`` bounds the extra attempts of one call (the SDK counts them across the handlers); server and
    connection errors wait ``backoff`` * 2**attempt seconds (+ up to 50% jitter).
    """
    interval = BackoffRetryIntervalCalculator(backoff_factor=backoff, jitter=_ProportionalJitter())
    return [
        RateLimitErrorRetryHandler(max_retry_count=retries),
        _ServerErrorRetry(max_retry_count=retries, interval_calculator=interval),
        _ConnectionRetry(
            max_retry_count=retries,
            interval_calculator=interval,
            error_types=[URLError, ConnectionResetError, RemoteDisconnected, TimeoutError, ConnectionError],
        ),
    ]


def make_client(
    token: str,
    base_url: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = 0.5,
) -> WebClient:
    """Return a WebClient for ``base_url`` (default env SLACK_API_URL, else slack.com) with our retry handlers."""
    url = base_url or os.environ.get("SLACK_API_URL") or DEFAULT_BASE_URL
    if not url.endswith("/"):
        url += "/"
    return WebClient(
        token=token,
        base_url=url,
        timeout=cast(int, timeout),  # urllib takes float seconds; the SDK annotates int
        retry_handlers=retry_handlers(retries, backoff),
    )


def make_notifier(
    settings: Settings,
    token: str | None,
    dry_run: bool,
    base_url: str | None = None,
    log: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None,
) -> Notifier:
    """Return the team's notifier: the console without a token or in a dry run (logging each message to ``log``
    when given, e.g. a flow run's logger), else Slack.

    ``base_url`` defaults to env ``SLACK_API_URL`` (tests point it at the emulator), else slack.com.
    """
    if dry_run or not token:
        return ConsoleNotifier(settings.slack.channel, log=log)
    return SlackNotifier(
        make_client(token, base_url), settings.slack.channel, lookup_emails=settings.slack.lookup_emails
    )


# --- errors ---------------------------------------------------------------------------------------------------------


MESSAGE_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "time_in_past",
        "time_too_far",
        "invalid_time",
        "restricted_too_many",
        "too_many_attachments",
    }
)
"""Errors about one message (its content or time): the other messages of a run are still sent."""


class SlackCallError(SlackError):
    """A Slack call failed: ``code`` is Slack's error code (``http_503``, ``unreachable`` for transport
    failures), ``method`` the API method. The message never contains the token."""

    def __init__(self, message: str, *, code: str, method: str) -> None:
        self.code = code
        self.method = method
        super().__init__(message)

    @property
    def about_message(self) -> bool:
        """True when the error concerns one message's content or time, not the channel, token or Slack."""
        return self.code in MESSAGE_ERRORS


def describe_error(method: str, code: str, channel: str | None, detail: str = "") -> str:
    """Return a one-line explanation of Slack error ``code`` from ``method`` (naming the channel)."""
    where = f"channel {channel!r}" if channel else "Slack"
    if code == "channel_not_found":
        return (
            f"Slack channel {channel!r} not found (channel_not_found) in {method}: check slack.channel in "
            "ceremonies.toml (a channel id like C0123ABC or a name); private channels need the bot invited"
        )
    if code == "not_in_channel":
        return (
            f"the Slack bot is not a member of channel {channel!r} (not_in_channel) in {method}: "
            "invite it to the channel (/invite @your-bot)"
        )
    if code in _BAD_TOKEN:
        return (
            f"Slack rejected the bot token ({code}) in {method}: check the Prefect Secret block "
            "'ceremonies-slack-token' or SLACK_BOT_TOKEN"
        )
    if code == "missing_scope":
        scope = detail.removeprefix("— needs ").strip() or "the scope Slack names"
        return (
            f"the Slack bot lacks the scope {scope} for {method} (missing_scope): add {scope} to the Slack app's "
            "bot scopes (see slack-app-manifest.yml) and reinstall the app"
        )
    if code == "ratelimited":
        return f"Slack kept rate-limiting {method} (ratelimited) after retries; try again later"
    if code == "restricted_too_many":
        return f"too many messages scheduled for {where} within 5 minutes (restricted_too_many)"
    if code in ("invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text"):
        return f"Slack refused the message for {where} ({code}) in {method} {detail}".rstrip()
    return f"Slack {method} failed for {where} ({code}) {detail}".rstrip()


def _api_error(exc: SlackApiError, method: str, channel: str | None, token: str | None) -> SlackCallError:
    response = exc.response
    status = getattr(response, "status_code", 200)
    data = response.data if isinstance(getattr(response, "data", None), dict) else {}
    code = str(data.get("error") or (f"http_{status}" if status != 200 else "unknown_error"))
    if status >= 500:
        message = f"Slack answered HTTP {status} to {method} after retries (server error); try again later"
    else:
        detail = ""
        if data.get("errors"):
            detail = "— " + "; ".join(str(e) for e in data["errors"])[:300]
        elif data.get("needed"):
            detail = f"— needs {data['needed']}"
        message = describe_error(method, code, channel, detail)
    return SlackCallError(redact(message, token), code=code, method=method)


def _transport_error(exc: Exception, method: str, token: str | None) -> SlackCallError:
    reason = getattr(exc, "reason", None) or exc
    message = f"could not reach Slack for {method} ({type(exc).__name__}: {reason})"
    return SlackCallError(redact(message, token), code="unreachable", method=method)


# --- the notifier ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheduled:
    """One pending scheduled message as Slack lists it, with the ref line decoded."""

    id: str
    channel_id: str
    post_at: datetime
    key: str | None
    hash: str | None


class SlackNotifier:
    """Posts messages now (``post_at`` None) or schedules them, once per key across reruns (see module doc)."""

    def __init__(
        self,
        client: WebClient,
        channel: str,
        now: Callable[[], datetime] | None = None,
        lookup_emails: bool = False,
    ) -> None:
        self.client = client
        self.channel = channel
        self.lookup_emails = lookup_emails
        self._users: dict[str, str | None] = {}
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
        channel_id = self._ids.get(channel, channel if _CHANNEL_ID.match(channel) else None)
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
        if _CHANNEL_ID.match(channel):
            info = self._lookup("conversations.info", channel, lambda: self.client.conversations_info(channel=channel))
            found: dict[str, Any] | None = (info or {}).get("channel") or {"id": channel}
        else:
            found = self._find_by_name(channel)
            if found is None:
                return None
        assert found is not None
        if found.get("is_member") is False:
            method = "conversations.info" if _CHANNEL_ID.match(channel) else "conversations.list"
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

    # -- one API call

    def _call(self, method: str, channel: str | None, call: Callable[[], Any]) -> dict[str, Any]:
        """Run one SDK call; return its data; raise SlackError (token-free) for every failure."""
        token = self.client.token
        try:
            response = call()
        except SlackApiError as exc:
            raise _api_error(exc, method, channel, token) from None
        except (URLError, OSError) as exc:  # connection refused/reset, timeouts, dropped connections
            raise _transport_error(exc, method, token) from None
        data = response.data
        return data if isinstance(data, dict) else {}


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
