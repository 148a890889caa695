"""A Slack Web API emulator: a real HTTP server on loopback speaking the subset ceremonies uses.

Methods: ``auth.test``, ``chat.postMessage``, ``chat.scheduleMessage``, ``chat.scheduledMessages.list`` (cursor
pagination), ``chat.deleteScheduledMessage``, ``conversations.info``, ``conversations.list`` (cursor pagination;
how a channel name is turned into an id), ``users.lookupByEmail`` (scope ``users:read.email``; ``users_not_found``)
and ``usergroups.list`` (scope ``usergroups:read``). Bodies are accepted form-encoded, as JSON or
as a query string, the way ``slack_sdk.WebClient`` sends them; the token is read from ``Authorization: Bearer`` (or a
``token`` parameter).

Slack's documented contract is enforced: ``not_authed`` / ``invalid_auth``; ``channel_not_found`` for an unknown
channel id or name, ``not_in_channel`` for a known channel the bot is not a member of; ``no_text``; ``msg_too_long``
above 40,000 characters of text; ``invalid_blocks`` above 50 blocks, a section text above 3,000 characters, a
header text above 150, a context block with more than 10 elements, a button label above 75 characters or a
button URL above 3,000, or an empty text object;
``invalid_time`` / ``time_in_past`` / ``time_too_far`` (beyond 120 days) for ``post_at``; ``restricted_too_many``
when more than 30 messages would post to one channel within a 5-minute window;
``invalid_scheduled_message_id`` for an unknown or already posted id.

Tests drive it with a settable clock (:meth:`SlackEmulator.set_now`; scheduled messages move to ``posted`` once the
clock passes their ``post_at``) and fault injection (:meth:`SlackEmulator.inject`: HTTP 429 with ``Retry-After``,
5xx, a dropped connection, a slow response; per method, N times or every k-th call; :meth:`random_faults` for a
seeded random mode). Everything received is recorded in :attr:`SlackEmulator.calls`.
"""

from __future__ import annotations

import base64
import json
import random
import re
import socket
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEFAULT_TOKEN = "xoxb-test-token"
DEFAULT_CHANNELS: Mapping[str, str] = {"C0SPRINT": "sprint"}

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_TEXT = 40_000
MAX_SCHEDULE_DAYS = 120
SCHEDULE_WINDOW_SECONDS = 300
MAX_SCHEDULED_PER_WINDOW = 30
DEFAULT_LIST_LIMIT = 100

FAULT_KINDS = ("429", "500", "502", "503", "504", "drop", "drop_after", "timeout")
"""``429`` rate limit (with Retry-After); ``5xx`` server error; ``drop`` closes the socket before the request is
applied; ``drop_after`` applies it, then closes without a response; ``timeout`` applies it and answers late."""

METHODS = (
    "auth.test",
    "chat.postMessage",
    "chat.scheduleMessage",
    "chat.scheduledMessages.list",
    "chat.deleteScheduledMessage",
    "conversations.info",
    "conversations.list",
    "users.lookupByEmail",
    "usergroups.list",
)
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
MAX_URL = 3000


@dataclass(frozen=True)
class Call:
    """One request the emulator received: method, parameters, token, emulator time, and what it answered."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: datetime
    fault: str | None = None
    status: int = 200
    ok: bool | None = None
    error: str | None = None


@dataclass
class Fault:
    """An injected failure: ``kind`` for ``method`` (None = every method), ``times`` left (None = unlimited),
    only every ``every``-th matching call when set."""

    method: str | None
    kind: str
    times: int | None = 1
    every: int | None = None
    retry_after: int = 1
    delay: float = 2.0
    seen: int = 0

    def fires(self, method: str) -> bool:
        """Count a matching call; return True when this call must fail (and use up one of ``times``)."""
        if self.method is not None and self.method != method:
            return False
        if self.times is not None and self.times <= 0:
            return False
        self.seen += 1
        if self.every is not None and self.seen % self.every != 0:
            return False
        if self.times is not None:
            self.times -= 1
        return True


@dataclass
class RandomFaults:
    """Seeded random fault mode: each call (of ``methods``, None = all) fails with probability ``rate``."""

    rate: float
    rng: random.Random
    kinds: tuple[str, ...]
    methods: tuple[str, ...] | None
    retry_after: int = 0
    delay: float = 2.0

    def pick(self, method: str) -> str | None:
        """Return the fault kind for this call, or None."""
        if self.methods is not None and method not in self.methods:
            return None
        if self.rng.random() >= self.rate:
            return None
        return self.rng.choice(self.kinds)


class SlackApiFailure(Exception):
    """An ``ok: false`` answer (Slack answers those with HTTP 200)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class _Channel:
    id: str
    name: str
    is_member: bool
    is_private: bool = False


@dataclass
class _State:
    posted: list[dict[str, Any]] = field(default_factory=list)
    scheduled: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    random_faults: RandomFaults | None = None
    next_ts: int = 0
    next_id: int = 0


class SlackEmulator:
    """A Slack Web API server on ``127.0.0.1`` (a free port) for tests, the demo and benchmarks.

    ``token`` is the one valid bot token; ``channels`` maps channel ids to names the bot is a member of;
    ``other_channels`` maps ids to names of channels that exist but the bot is not in (``not_in_channel``).
    ``private_channels`` are private channels the bot is in. ``list_page_size`` caps a page of the list methods
    so tests can exercise pagination. ``scopes`` (None = every scope) are the bot's OAuth scopes: ``chat:write``
    for chat.postMessage/scheduleMessage/deleteScheduledMessage, ``channels:read`` / ``groups:read`` for
    conversations.info and conversations.list of public / private channels; without one Slack answers
    ``missing_scope`` with ``needed`` and ``provided``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        channels: Mapping[str, str] | None = None,
        other_channels: Mapping[str, str] | None = None,
        *,
        list_page_size: int = DEFAULT_LIST_LIMIT,
        team: str = "ceremonies-test",
        bot_user_id: str = "U0BOT",
        scopes: Iterable[str] | None = None,
        private_channels: Mapping[str, str] | None = None,
        users: Mapping[str, str] | None = None,
        usergroups: Mapping[str, str] | None = None,
        strip_format_chars: bool = False,
    ) -> None:
        self.token = token
        self.users = {email.casefold(): uid for email, uid in (users or {}).items()}
        """email → user id, for users.lookupByEmail"""
        self.usergroups = dict(usergroups or {})
        """user group id → handle, for usergroups.list"""
        self.strip_format_chars = strip_format_chars
        """Drop invisible format characters (zero-width spaces & co.) from a message's text, as a Slack that
        normalised text would: tests the notifier's fallback to a visible ref."""
        self.scopes = None if scopes is None else frozenset(scopes)
        self.team = team
        self.bot_user_id = bot_user_id
        self.list_page_size = max(1, list_page_size)
        self._channels: dict[str, _Channel] = {}
        for cid, name in (channels if channels is not None else DEFAULT_CHANNELS).items():
            self._channels[cid] = _Channel(cid, name.lstrip("#"), is_member=True)
        for cid, name in (other_channels or {}).items():
            self._channels[cid] = _Channel(cid, name.lstrip("#"), is_member=False)
        for cid, name in (private_channels or {}).items():
            self._channels[cid] = _Channel(cid, name.lstrip("#"), is_member=True, is_private=True)
        self._lock = threading.RLock()
        self._state = _State()
        self._now: datetime | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def start(self, port: int = 0) -> SlackEmulator:
        """Start serving on loopback ``port`` (0 = a free one; idempotent); return self."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent); slow responses in flight are cut short."""
        server, self._server = self._server, None
        self._stopping.set()
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``, e.g. ``http://127.0.0.1:54321/api/``."""
        if self._server is None:
            raise RuntimeError("SlackEmulator is not started; call start() or use it as a context manager")
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/api/"

    # --- clock -------------------------------------------------------------------------------------------------

    def set_now(self, now: datetime | None) -> None:
        """Set the emulator clock (timezone-aware; None = the real clock); due scheduled messages get posted."""
        if now is not None and now.tzinfo is None:
            raise ValueError("set_now needs a timezone-aware datetime")
        with self._lock:
            self._now = now
            self._deliver_due()

    def advance(self, delta: timedelta) -> datetime:
        """Move the emulator clock forward by ``delta`` (from the real clock when unset); return the new time."""
        moment = self.now() + delta
        self.set_now(moment)
        return moment

    def now(self) -> datetime:
        """Return the emulator's current time (aware, UTC unless set otherwise)."""
        return self._now if self._now is not None else datetime.now(UTC)

    def _now_ts(self) -> float:
        return self.now().timestamp()

    # --- faults ------------------------------------------------------------------------------------------------

    def inject(
        self,
        method: str | None,
        fault: str,
        times: int | None = 1,
        retry_after: int = 1,
        *,
        every: int | None = None,
        delay: float = 2.0,
    ) -> Fault:
        """Make calls of ``method`` (None = any) fail with ``fault`` (see FAULT_KINDS).

        ``times`` calls fail (None = no limit); with ``every=k`` only every k-th matching call fails.
        ``retry_after`` is the 429 ``Retry-After`` header (seconds); ``delay`` how long ``timeout`` waits.
        """
        if fault not in FAULT_KINDS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {', '.join(FAULT_KINDS)}")
        if method is not None and method not in METHODS:
            raise ValueError(f"unknown method {method!r}; the emulator speaks {', '.join(METHODS)}")
        spec = Fault(method, fault, times, every, retry_after, delay)
        with self._lock:
            self._state.faults.append(spec)
        return spec

    def random_faults(
        self,
        rate: float,
        seed: int,
        kinds: tuple[str, ...] = ("429", "500", "drop"),
        methods: tuple[str, ...] | None = None,
        *,
        retry_after: int = 0,
        delay: float = 2.0,
    ) -> None:
        """Fail each call (of ``methods``, None = all) with probability ``rate``, kind drawn from ``kinds``;
        deterministic for a given ``seed``. ``rate=0`` turns the mode off."""
        for kind in kinds:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            self._state.random_faults = (
                RandomFaults(rate, random.Random(seed), kinds, methods, retry_after, delay) if rate > 0 else None
            )

    def clear_faults(self) -> None:
        """Remove every injected fault and the random mode."""
        with self._lock:
            self._state.faults.clear()
            self._state.random_faults = None

    def _pick_fault(self, method: str) -> tuple[str, int, float] | None:
        """Return (kind, retry_after, delay) of the fault for this call, or None."""
        with self._lock:
            for spec in self._state.faults:
                if spec.fires(method):
                    return spec.kind, spec.retry_after, spec.delay
            rnd = self._state.random_faults
            if rnd is not None:
                kind = rnd.pick(method)
                if kind is not None:
                    return kind, rnd.retry_after, rnd.delay
        return None

    # --- what it got -------------------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every request received, oldest first (faulted ones included, with ``fault`` set)."""
        with self._lock:
            return list(self._state.calls)

    def calls_to(self, method: str) -> list[Call]:
        """Return the recorded calls of one method."""
        return [call for call in self.calls if call.method == method]

    @property
    def posted(self) -> list[dict[str, Any]]:
        """Messages in channels (posted directly or scheduled and due): channel, text, blocks, ts, ..."""
        with self._lock:
            self._deliver_due()
            return [dict(m) for m in self._state.posted]

    @property
    def scheduled(self) -> list[dict[str, Any]]:
        """Pending scheduled messages (live view at the emulator clock): id, channel, post_at, text, blocks."""
        with self._lock:
            self._deliver_due()
            return [dict(m) for m in self._state.scheduled]

    @property
    def deleted(self) -> list[dict[str, Any]]:
        """Scheduled messages deleted through chat.deleteScheduledMessage."""
        with self._lock:
            return [dict(m) for m in self._state.deleted]

    def reset(self) -> None:
        """Forget messages, calls and faults (channels, token and clock stay)."""
        with self._lock:
            self._state = _State()

    # --- request handling --------------------------------------------------------------------------------------

    def handle(
        self, method: str, params: dict[str, Any], token: str | None, fault: str | None = None, status: int = 200
    ) -> tuple[int, dict[str, Any]]:
        """Apply one API call and record it (with ``fault``/``status`` as the client will see them); return
        (HTTP status, JSON body). Never raises for API-level errors."""
        with self._lock:
            self._deliver_due()
            try:
                body = self._dispatch(method, params, token)
            except SlackApiFailure as failure:
                body = {"ok": False, "error": failure.error, **failure.extra}
            self._record(method, params, token, fault, status, body)
            return 200, body

    def _record(
        self, method: str, params: dict[str, Any], token: str | None, fault: str | None, status: int, body: dict
    ) -> None:
        with self._lock:
            self._state.calls.append(
                Call(
                    method=method,
                    params=params,
                    token=token,
                    at=self.now(),
                    fault=fault,
                    status=status,
                    ok=body.get("ok") if body else None,
                    error=body.get("error") if body else None,
                )
            )

    def _dispatch(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        handlers = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.scheduleMessage": self._schedule_message,
            "chat.scheduledMessages.list": self._list_scheduled,
            "chat.deleteScheduledMessage": self._delete_scheduled,
            "conversations.info": self._conversation_info,
            "conversations.list": self._conversation_list,
            "users.lookupByEmail": self._lookup_by_email,
            "usergroups.list": self._usergroups_list,
        }
        handler = handlers.get(method)
        if handler is None:
            raise SlackApiFailure("unknown_method")
        self._check_token(token)
        return handler(params)

    def _require(self, scope: str) -> None:
        """Raise missing_scope unless the bot has ``scope``."""
        if self.scopes is not None and scope not in self.scopes:
            raise SlackApiFailure("missing_scope", needed=scope, provided=",".join(sorted(self.scopes)))

    def _check_token(self, token: str | None) -> None:
        if not token:
            raise SlackApiFailure("not_authed")
        if token != self.token:
            raise SlackApiFailure("invalid_auth")

    def _channel(self, value: Any, *, by_name: bool = True) -> _Channel:
        """Return the channel named by id (or ``name`` / ``#name`` when ``by_name``); channel_not_found else."""
        if not isinstance(value, str) or not value:
            raise SlackApiFailure("channel_not_found")
        found = self._channels.get(value)
        if found is None and by_name:
            name = value.lstrip("#")
            found = next((c for c in self._channels.values() if c.name == name), None)
        if found is None:
            raise SlackApiFailure("channel_not_found")
        return found

    def _postable_channel(self, value: Any) -> _Channel:
        channel = self._channel(value)
        if not channel.is_member:
            raise SlackApiFailure("not_in_channel")
        return channel

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.team}.slack.com/",
            "team": self.team,
            "user": "ceremonies-bot",
            "team_id": "T0TEAM",
            "user_id": self.bot_user_id,
            "bot_id": "B0BOT",
        }

    def _conversation_info(self, params: dict[str, Any]) -> dict[str, Any]:
        # Slack documents conversations.info as taking a conversation ID only.
        channel = self._channel(params.get("channel"), by_name=False)
        self._require("groups:read" if channel.is_private else "channels:read")
        return {"ok": True, "channel": _channel_json(channel)}

    def _conversation_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """List channels (public ones unless ``types`` says otherwise), paginated like Slack."""
        types = {t.strip() for t in str(params.get("types") or "public_channel").split(",") if t.strip()}
        unknown = types - {"public_channel", "private_channel", "mpim", "im"}
        if unknown:
            raise SlackApiFailure("invalid_types")
        for kind, scope in (("public_channel", "channels:read"), ("private_channel", "groups:read")):
            if kind in types:
                self._require(scope)
        channels = sorted(
            (c for c in self._channels.values() if ("private_channel" if c.is_private else "public_channel") in types),
            key=lambda c: c.id,
        )
        start = _decode_cursor(params.get("cursor"))
        limit = _int_param(params.get("limit"), DEFAULT_LIST_LIMIT)
        size = max(1, min(limit if 0 < limit <= 1000 else DEFAULT_LIST_LIMIT, self.list_page_size))
        more = start + size < len(channels)
        return {
            "ok": True,
            "channels": [_channel_json(c) for c in channels[start : start + size]],
            "response_metadata": {"next_cursor": _encode_cursor(start + size) if more else ""},
        }

    def _lookup_by_email(self, params: dict[str, Any]) -> dict[str, Any]:
        """Find a user by email (scope users:read.email); users_not_found when there is none."""
        self._require("users:read.email")
        email = str(params.get("email") or "").casefold()
        if not email:
            raise SlackApiFailure("invalid_arguments")
        user_id = self.users.get(email)
        if user_id is None:
            raise SlackApiFailure("users_not_found")
        return {"ok": True, "user": {"id": user_id, "team_id": "T0TEAM", "deleted": False, "profile": {"email": email}}}

    def _usergroups_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """List the workspace's user groups (scope usergroups:read)."""
        self._require("usergroups:read")
        groups = [
            {"id": gid, "team_id": "T0TEAM", "handle": handle, "name": handle, "is_usergroup": True}
            for gid, handle in sorted(self.usergroups.items())
        ]
        return {"ok": True, "usergroups": groups}

    def _message_content(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """Validate text and blocks the way Slack does; return them."""
        text = params.get("text")
        text = "" if text is None else str(text)
        if self.strip_format_chars:
            text = "".join(char for char in text if unicodedata.category(char) != "Cf")
        blocks = _parse_blocks(params.get("blocks"))
        if not text.strip() and not blocks and not params.get("attachments"):
            raise SlackApiFailure("no_text")
        if len(text) > MAX_TEXT:
            raise SlackApiFailure("msg_too_long")
        _check_blocks(blocks)
        return text, blocks

    def _new_ts(self) -> str:
        self._state.next_ts += 1
        return f"{int(self._now_ts())}.{self._state.next_ts:06d}"

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require("chat:write")
        channel = self._postable_channel(params.get("channel"))
        text, blocks = self._message_content(params)
        ts = self._new_ts()
        message = {"channel": channel.id, "text": text, "blocks": blocks, "ts": ts, "user": self.bot_user_id}
        self._state.posted.append(message)
        return {"ok": True, "channel": channel.id, "ts": ts, "message": _public_message(message)}

    def _schedule_message(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require("chat:write")
        channel = self._postable_channel(params.get("channel"))
        post_at = _parse_post_at(params.get("post_at"))
        now = self._now_ts()
        if post_at <= now:
            raise SlackApiFailure("time_in_past")
        if post_at > now + MAX_SCHEDULE_DAYS * 86400:
            raise SlackApiFailure("time_too_far")
        text, blocks = self._message_content(params)
        if self._busiest_window(channel.id, post_at) >= MAX_SCHEDULED_PER_WINDOW:
            raise SlackApiFailure("restricted_too_many")
        self._state.next_id += 1
        message_id = f"Q{self._state.next_id:010d}"
        message = {
            "id": message_id,
            "channel": channel.id,
            "post_at": post_at,
            "date_created": int(now),
            "text": text,
            "blocks": blocks,
        }
        self._state.scheduled.append(message)
        return {
            "ok": True,
            "channel": channel.id,
            "scheduled_message_id": message_id,
            "post_at": str(post_at),
            "message": {"text": text, "blocks": blocks, "type": "message", "user": self.bot_user_id},
        }

    def _busiest_window(self, channel_id: str, post_at: int) -> int:
        """Return the most pending messages of the channel in any 5-minute window that contains ``post_at``."""
        times = sorted(
            m["post_at"]
            for m in self._state.scheduled
            if m["channel"] == channel_id and abs(m["post_at"] - post_at) < SCHEDULE_WINDOW_SECONDS
        )
        width = SCHEDULE_WINDOW_SECONDS
        # a window [start, start + width) containing post_at starts in (post_at - width, post_at]; its count can
        # only change where an edge meets a message, so those starts are enough
        starts = {post_at - width + 1, post_at}
        starts |= {t if t <= post_at else t - width + 1 for t in times}
        return max(
            (
                sum(1 for t in times if start <= t < start + width)
                for start in starts
                if post_at - width < start <= post_at
            ),
            default=0,
        )

    def _list_scheduled(self, params: dict[str, Any]) -> dict[str, Any]:
        pending = list(self._state.scheduled)
        if params.get("channel"):
            channel = self._channel(params["channel"], by_name=False)
            pending = [m for m in pending if m["channel"] == channel.id]
        oldest, latest = params.get("oldest"), params.get("latest")
        if oldest not in (None, ""):
            pending = [m for m in pending if m["post_at"] >= float(oldest)]
        if latest not in (None, ""):
            pending = [m for m in pending if m["post_at"] <= float(latest)]
        pending.sort(key=lambda m: (m["post_at"], m["id"]))
        start = _decode_cursor(params.get("cursor"))
        limit = _int_param(params.get("limit"), DEFAULT_LIST_LIMIT)
        size = max(1, min(limit if limit > 0 else DEFAULT_LIST_LIMIT, self.list_page_size))
        page = pending[start : start + size]
        more = start + size < len(pending)
        return {
            "ok": True,
            "scheduled_messages": [
                {
                    "id": m["id"],
                    "channel_id": m["channel"],
                    "post_at": m["post_at"],
                    "date_created": m["date_created"],
                    "text": m["text"],
                }
                for m in page
            ],
            "response_metadata": {"next_cursor": _encode_cursor(start + size) if more else ""},
        }

    def _delete_scheduled(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require("chat:write")
        channel = self._channel(params.get("channel"))
        message_id = params.get("scheduled_message_id")
        for index, message in enumerate(self._state.scheduled):
            if message["id"] == message_id and message["channel"] == channel.id:
                self._state.deleted.append(self._state.scheduled.pop(index))
                return {"ok": True}
        raise SlackApiFailure("invalid_scheduled_message_id")

    def _deliver_due(self) -> None:
        """Move scheduled messages whose ``post_at`` has passed to ``posted`` (in post_at order)."""
        now = self._now_ts()
        due = sorted((m for m in self._state.scheduled if m["post_at"] <= now), key=lambda m: m["post_at"])
        if not due:
            return
        due_ids = {m["id"] for m in due}
        self._state.scheduled = [m for m in self._state.scheduled if m["id"] not in due_ids]
        for message in due:
            self._state.next_ts += 1
            self._state.posted.append(
                {
                    "channel": message["channel"],
                    "text": message["text"],
                    "blocks": message["blocks"],
                    "ts": f"{message['post_at']}.{self._state.next_ts:06d}",
                    "user": self.bot_user_id,
                    "scheduled_message_id": message["id"],
                    "post_at": message["post_at"],
                }
            )


# --- helpers -------------------------------------------------------------------------------------------------------


def _channel_json(channel: _Channel) -> dict[str, Any]:
    return {
        "id": channel.id,
        "name": channel.name,
        "is_channel": not channel.is_private,
        "is_private": channel.is_private,
        "is_archived": False,
        "is_member": channel.is_member,
    }


def _public_message(message: dict[str, Any]) -> dict[str, Any]:
    return {"type": "message", "text": message["text"], "blocks": message["blocks"], "ts": message["ts"]}


def _parse_blocks(value: Any) -> list[dict[str, Any]]:
    """Return blocks given as a list or a JSON string; invalid_blocks_format when not a JSON array of objects."""
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise SlackApiFailure("invalid_blocks_format") from None
    if not isinstance(value, list) or not all(isinstance(block, dict) for block in value):
        raise SlackApiFailure("invalid_blocks_format")
    return value


def _invalid(index: int, path: str, problem: str) -> SlackApiFailure:
    return SlackApiFailure("invalid_blocks", errors=[f"{problem} [json-pointer:/blocks/{index}{path}]"])


def _text_of(value: Any) -> str:
    return str(value.get("text", "")) if isinstance(value, dict) else ""


def _check_block(index: int, block: dict[str, Any]) -> None:
    """Raise invalid_blocks for one block breaking Slack's documented limits."""
    kind = block["type"]
    if kind == "header":
        text = _text_of(block.get("text"))
        if not text or (block.get("text") or {}).get("type") != "plain_text":
            raise _invalid(index, "/text", "must be a plain_text object with text")
        if len(text) > MAX_HEADER_TEXT:
            raise _invalid(index, "/text", f"must be less than {MAX_HEADER_TEXT + 1} characters")
    elif kind == "section":
        texts = [block.get("text"), *list(block.get("fields") or [])]
        for text in texts:
            if isinstance(text, dict) and len(_text_of(text)) > MAX_SECTION_TEXT:
                raise _invalid(index, "/text", f"must be less than {MAX_SECTION_TEXT + 1} characters")
            if isinstance(text, dict) and not _text_of(text):
                raise _invalid(index, "/text", "must be more than 0 characters")
    elif kind == "context":
        elements = list(block.get("elements") or [])
        if not elements or len(elements) > MAX_CONTEXT_ELEMENTS:
            raise _invalid(index, "/elements", f"must provide 1 to {MAX_CONTEXT_ELEMENTS} elements")
        if any(isinstance(e, dict) and e.get("type") in ("mrkdwn", "plain_text") and not _text_of(e) for e in elements):
            raise _invalid(index, "/elements", "text must be more than 0 characters")
    elif kind == "actions":
        for element in list(block.get("elements") or []):
            if element.get("type") != "button":
                continue
            label = _text_of(element.get("text"))
            if not label or len(label) > MAX_BUTTON_TEXT:
                raise _invalid(index, "/elements/text", f"must be 1 to {MAX_BUTTON_TEXT} characters")
            if len(str(element.get("url") or "")) > MAX_URL:
                raise _invalid(index, "/elements/url", f"must be less than {MAX_URL + 1} characters")


def _check_blocks(blocks: list[dict[str, Any]]) -> None:
    """Raise invalid_blocks for more than 50 blocks or a block breaking Slack's limits (see the module doc)."""
    if len(blocks) > MAX_BLOCKS:
        raise SlackApiFailure("invalid_blocks", errors=[f"must provide an array of at most {MAX_BLOCKS} items"])
    for index, block in enumerate(blocks):
        if not isinstance(block.get("type"), str):
            raise SlackApiFailure(
                "invalid_blocks", errors=[f"missing required field: type [json-pointer:/blocks/{index}]"]
            )
        _check_block(index, block)


def _parse_post_at(value: Any) -> int:
    """Return ``post_at`` as integer epoch seconds; invalid_time when it is missing or not a number."""
    try:
        return int(float(str(value)))
    except (TypeError, ValueError):
        raise SlackApiFailure("invalid_time") from None


def _int_param(value: Any, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: Any) -> int:
    """Return the list offset a cursor points at; invalid_cursor for anything we did not hand out."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(str(cursor).encode()).decode()
    except ValueError:
        raise SlackApiFailure("invalid_cursor") from None
    match = re.fullmatch(r"offset:(\d+)", text)
    if match is None:
        raise SlackApiFailure("invalid_cursor")
    return int(match.group(1))


def _read_params(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    """Return the request's parameters: query string, then a form-encoded or JSON body (body wins)."""
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(urlsplit(handler.path).query).items()}
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length > 0 else b""
    if not raw:
        return params
    content_type = (handler.headers.get("Content-Type") or "").lower()
    if "application/json" in content_type:
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            raise SlackApiFailure("invalid_json") from None
        if not isinstance(body, dict):
            raise SlackApiFailure("invalid_json")
        params.update(body)
    else:
        params.update({k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()})
    return params


def _bearer_token(handler: BaseHTTPRequestHandler, params: dict[str, Any]) -> str | None:
    header = handler.headers.get("Authorization") or ""
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    token = params.pop("token", None)
    return str(token) if token else None


def _handler_for(emulator: SlackEmulator) -> type[BaseHTTPRequestHandler]:
    """Return a request handler class bound to ``emulator``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "SlackEmulator/1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: tests read emulator.calls instead

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            path = urlsplit(self.path).path
            method = path.rsplit("/", 1)[-1]
            if not path.startswith("/api/") or not method:
                self._send(404, {"ok": False, "error": "unknown_method"})
                return
            try:
                params = _read_params(self)
            except SlackApiFailure as failure:
                self._send(200, {"ok": False, "error": failure.error})
                return
            token = _bearer_token(self, params)
            fault = emulator._pick_fault(method)
            if fault is not None and self._fault(method, params, token, *fault):
                return
            status, body = emulator.handle(method, params, token)
            self._send(status, body)

        def _fault(
            self, method: str, params: dict[str, Any], token: str | None, kind: str, retry_after: int, delay: float
        ) -> bool:
            """Act out an injected fault; return True when the request is fully handled."""
            if kind == "429":
                emulator._record(method, params, token, kind, 429, {"ok": False, "error": "ratelimited"})
                self._send(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
                return True
            if kind.isdigit():
                emulator._record(method, params, token, kind, int(kind), {"ok": False, "error": "internal_error"})
                self._send(int(kind), {"ok": False, "error": "internal_error"})
                return True
            if kind == "drop":
                emulator._record(method, params, token, kind, 0, {})
                self._drop()
                return True
            if kind == "drop_after":
                emulator.handle(method, params, token, fault=kind, status=0)
                self._drop()
                return True
            # timeout: the work is done, the answer comes too late for the client
            status, body = emulator.handle(method, params, token, fault=kind)
            emulator._stopping.wait(delay)
            with suppress(OSError):
                self._send(status, body)
            return True

        def _drop(self) -> None:
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def _send(self, status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def running_emulator(
    token: str = DEFAULT_TOKEN, channels: Mapping[str, str] | None = None, **options: Any
) -> Iterator[SlackEmulator]:
    """Yield a started :class:`SlackEmulator` (stopped on exit); ``options`` go to its constructor."""
    emulator = SlackEmulator(token, channels, **options)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def main(argv: list[str] | None = None) -> int:
    """Serve the emulator until interrupted: ``python -m tests.support.slack [--port N] [--token T]
    [--channel C0ID=name ...]``; prints the base URL to use as SLACK_API_URL."""
    import argparse
    import time

    parser = argparse.ArgumentParser(prog="python -m tests.support.slack", description=main.__doc__)
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the bot token it accepts")
    parser.add_argument("--channel", action="append", default=[], metavar="ID=NAME", help="a channel the bot is in")
    args = parser.parse_args(argv)
    channels = dict(item.split("=", 1) for item in args.channel if "=" in item) or dict(DEFAULT_CHANNELS)
    emulator = SlackEmulator(args.token, channels)
    emulator.start(port=args.port)
    print(f"SLACK_API_URL={emulator.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        emulator.stop()


if __name__ == "__main__":
    raise SystemExit(main())
