"""One classification of Slack failures: what may heal by waiting (retry) and what never will."""

from __future__ import annotations

from http.client import RemoteDisconnected
from urllib.error import URLError

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from ceremonies.adapters.slack import SlackCallError, is_transient
from ceremonies.errors import SlackError


def _api_error(status: int, error: str) -> SlackApiError:
    """Return the SDK's error for an answer of HTTP ``status`` carrying Slack error code ``error``."""
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.test/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=status,
    )
    return SlackApiError(f"The request to the Slack API failed: {error}", response)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 599])
def test_rate_limits_and_server_errors_are_transient(status: int) -> None:
    assert is_transient(status)
    assert is_transient(_api_error(status, "whatever"))
    assert is_transient(SlackCallError("x", code=f"http_{status}", method="chat.postMessage"))


@pytest.mark.parametrize("status", [200, 400, 401, 403, 404])
def test_other_statuses_are_not(status: int) -> None:
    assert not is_transient(status)


@pytest.mark.parametrize(
    "error", [URLError("refused"), ConnectionResetError(), RemoteDisconnected("gone"), TimeoutError()]
)
def test_transport_failures_are_transient(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize("code", ["ratelimited", "unreachable", "internal_error", "fatal_error"])
def test_transient_slack_codes(code: str) -> None:
    assert is_transient(SlackCallError("x", code=code, method="chat.scheduleMessage"))
    assert is_transient(_api_error(200, code))


@pytest.mark.parametrize(
    "code",
    [
        "invalid_auth",
        "token_revoked",
        "channel_not_found",
        "not_in_channel",
        "missing_scope",
        "invalid_blocks",
        "msg_too_long",
        "time_in_past",
        "http_404",
        "http_",
    ],
)
def test_token_channel_scope_and_message_errors_are_permanent(code: str) -> None:
    assert not is_transient(SlackCallError("x", code=code, method="chat.postMessage"))
    assert not is_transient(_api_error(200, code))


def test_anything_else_is_not_retried() -> None:
    assert not is_transient(SlackError("no token"))
    assert not is_transient(ValueError("bug"))
