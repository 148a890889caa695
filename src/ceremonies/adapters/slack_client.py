"""Talking to Slack: the WebClient with our retry handlers, the one transient-failure classification, and the
errors every failure becomes.

Retries are the SDK's own handlers (rate limit with Retry-After, 5xx, connection errors and timeouts — a timed-out
``chat.postMessage`` is not repeated, as Slack may have posted it); which failures are worth another try is decided
by :func:`is_transient` alone (the handlers ask it, and so does any layer above that wonders whether to retry).
Failures become :class:`SlackCallError` (a :class:`~ceremonies.errors.SlackError`) with Slack's error code and a
clear message naming the channel, never the token.
"""

from __future__ import annotations

import os
import random
from http.client import RemoteDisconnected
from typing import cast
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

from ceremonies.errors import SlackError
from ceremonies.redaction import redact

DEFAULT_BASE_URL = WebClient.BASE_URL
DEFAULT_TIMEOUT = 15.0
"""Seconds before one HTTP call to Slack is given up (then retried by the connection handler)."""
DEFAULT_RETRIES = 3
"""Extra attempts per call after a transient failure (429, 5xx, connection); the SDK counts them across kinds."""
_BAD_TOKEN = ("invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive")

# --- which failures are transient -----------------------------------------------------------------------------------

TRANSPORT_ERRORS: tuple[type[Exception], ...] = (
    URLError,
    ConnectionResetError,
    RemoteDisconnected,
    TimeoutError,
    ConnectionError,
)
"""Failures of the connection itself (refused, reset, dropped, timed out): Slack may answer the next try."""
TRANSIENT_CODES = frozenset(
    {"ratelimited", "unreachable", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
"""Slack error codes (and our ``unreachable``) that say "not now" rather than "never"."""


def is_transient(failure: BaseException | int) -> bool:
    """Return True when a Slack failure may heal by waiting and trying again, False when it never will.

    ``failure`` is an HTTP status (429 and 5xx are transient), a transport error (:data:`TRANSPORT_ERRORS`), the
    SDK's ``SlackApiError`` or our :class:`SlackCallError` (transient: a 429/5xx status, ``http_5xx`` or a code of
    :data:`TRANSIENT_CODES`). Everything about the token, channel, scopes or the message itself is not. The SDK
    retry handlers of :func:`retry_handlers` ask this function; so should any layer deciding on a retry.
    """
    if isinstance(failure, int):
        return failure == 429 or 500 <= failure < 600
    if isinstance(failure, SlackCallError):
        return _transient_code(failure.code)
    if isinstance(failure, SlackApiError):
        response = failure.response
        data = response.data if isinstance(getattr(response, "data", None), dict) else {}
        return is_transient(int(getattr(response, "status_code", 200))) or _transient_code(str(data.get("error")))
    return isinstance(failure, TRANSPORT_ERRORS)


def _transient_code(code: str) -> bool:
    """Return True for a transient Slack error code (``http_503`` spells an HTTP status)."""
    status = code.removeprefix("http_")
    return code in TRANSIENT_CODES or (status != code and status.isdigit() and is_transient(int(status)))


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
        return error is not None and is_transient(error)


class _ServerErrorRetry(ServerErrorRetryHandler):
    """Retries every 5xx answer (the SDK's handler covers only 500 and 503; 429 is the rate-limit handler's)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code != 429 and is_transient(response.status_code)


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
            error_types=list(TRANSPORT_ERRORS),
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


def api_error(exc: SlackApiError, method: str, channel: str | None, token: str | None) -> SlackCallError:
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


def transport_error(exc: Exception, method: str, token: str | None) -> SlackCallError:
    reason = getattr(exc, "reason", None) or exc
    message = f"could not reach Slack for {method} ({type(exc).__name__}: {reason})"
    return SlackCallError(redact(message, token), code="unreachable", method=method)
