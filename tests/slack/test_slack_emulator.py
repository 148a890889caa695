"""The Slack Web API emulator, pinned to Slack's documented contract, through the real slack_sdk client.

Sources (docs.slack.dev/reference/methods/...): chat.scheduleMessage — "up to 120 days into the future ...
time_too_far", "cannot schedule more than 30 messages to post within a 5-minute window to the same channel ...
restricted_too_many", time_in_past, invalid_time; chat.scheduledMessages.list — returns only id, channel_id,
post_at, date_created and text, paginated by response_metadata.next_cursor; chat.deleteScheduledMessage —
invalid_scheduled_message_id; chat.postMessage — channel_not_found, not_in_channel, no_text, msg_too_long (text
limit 40,000 characters); Block Kit — at most 50 blocks per message, section text at most 3,000 characters
(invalid_blocks); conversations.info takes a conversation ID; every method — not_authed / invalid_auth.
"""

from __future__ import annotations

import contextlib
import json
import socket
import urllib.error
from datetime import timedelta
from http.client import RemoteDisconnected
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_support import CHANNEL_ID, NOW, OTHER_ID, TOKEN

from support.slack import SlackEmulator, running_emulator


def error_of(call: Any) -> str:
    """Return Slack's error code of a call that must fail with ok=false."""
    with pytest.raises(SlackApiError) as info:
        call()
    assert info.value.response.status_code == 200, "Slack answers API errors with HTTP 200"
    return str(info.value.response["error"])


def at(delta: timedelta) -> int:
    """Return epoch seconds of NOW + delta."""
    return int((NOW + delta).timestamp())


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# --- authentication -------------------------------------------------------------------------------------------------


def test_auth_test_accepts_the_bot_token(raw_client: WebClient) -> None:
    answer = raw_client.auth_test()
    assert answer["ok"] is True
    assert answer["user_id"] == "U0BOT"


def test_missing_token_is_not_authed_and_wrong_token_is_invalid_auth(emulator: SlackEmulator) -> None:
    anonymous = WebClient(base_url=emulator.url, retry_handlers=[])
    assert error_of(lambda: anonymous.chat_postMessage(channel=CHANNEL_ID, text="hi")) == "not_authed"
    wrong = WebClient(token="xoxb-wrong", base_url=emulator.url, retry_handlers=[])
    assert error_of(lambda: wrong.chat_postMessage(channel=CHANNEL_ID, text="hi")) == "invalid_auth"
    assert emulator.posted == []


def test_token_may_also_come_as_a_form_parameter(emulator: SlackEmulator) -> None:
    anonymous = WebClient(base_url=emulator.url, retry_handlers=[])
    answer = anonymous.api_call("auth.test", params={"token": TOKEN})
    assert answer["ok"] is True
    assert "token" not in emulator.calls[-1].params


# --- channels -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", [CHANNEL_ID, "sprint", "#sprint"])
def test_post_message_takes_a_channel_id_or_name_and_answers_the_id(raw_client: WebClient, channel: str) -> None:
    answer = raw_client.chat_postMessage(channel=channel, text="hello")
    assert answer["channel"] == CHANNEL_ID
    assert answer["ts"]


def test_unknown_channel_is_channel_not_found_and_non_member_channel_is_not_in_channel(raw_client: WebClient) -> None:
    assert error_of(lambda: raw_client.chat_postMessage(channel="#nowhere", text="x")) == "channel_not_found"
    assert error_of(lambda: raw_client.chat_postMessage(channel=OTHER_ID, text="x")) == "not_in_channel"
    post_at = at(timedelta(hours=1))
    assert error_of(lambda: raw_client.chat_scheduleMessage(channel="#outside", post_at=post_at, text="x")) == (
        "not_in_channel"
    )


def test_conversations_info_takes_ids_only_and_reports_membership(raw_client: WebClient) -> None:
    assert raw_client.conversations_info(channel=CHANNEL_ID)["channel"]["is_member"] is True
    outside = raw_client.conversations_info(channel=OTHER_ID)["channel"]
    assert (outside["name"], outside["is_member"]) == ("outside", False)
    assert error_of(lambda: raw_client.conversations_info(channel="sprint")) == "channel_not_found"
    assert error_of(lambda: raw_client.conversations_info(channel="C0MISSING")) == "channel_not_found"


# --- message content limits -----------------------------------------------------------------------------------------


def test_text_limit_is_40000_characters(raw_client: WebClient, emulator: SlackEmulator) -> None:
    raw_client.chat_postMessage(channel=CHANNEL_ID, text="x" * 40_000)
    assert error_of(lambda: raw_client.chat_postMessage(channel=CHANNEL_ID, text="x" * 40_001)) == "msg_too_long"
    assert [len(m["text"]) for m in emulator.posted] == [40_000]


def test_message_needs_text_or_blocks(raw_client: WebClient) -> None:
    assert error_of(lambda: raw_client.chat_postMessage(channel=CHANNEL_ID, text="")) == "no_text"
    assert raw_client.chat_postMessage(channel=CHANNEL_ID, blocks=[section("only blocks")])["ok"]


def test_at_most_50_blocks(raw_client: WebClient) -> None:
    raw_client.chat_postMessage(channel=CHANNEL_ID, text="ok", blocks=[section(str(i)) for i in range(50)])
    too_many = [section(str(i)) for i in range(51)]
    assert error_of(lambda: raw_client.chat_postMessage(channel=CHANNEL_ID, text="x", blocks=too_many)) == (
        "invalid_blocks"
    )
    post_at = at(timedelta(hours=1))
    assert error_of(
        lambda: raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=post_at, text="x", blocks=too_many)
    ) == ("invalid_blocks")


def test_section_text_and_fields_at_most_3000_characters(raw_client: WebClient) -> None:
    raw_client.chat_postMessage(channel=CHANNEL_ID, text="ok", blocks=[section("y" * 3000)])
    assert error_of(
        lambda: raw_client.chat_postMessage(channel=CHANNEL_ID, text="x", blocks=[section("y" * 3001)])
    ) == ("invalid_blocks")
    field_block = {"type": "section", "fields": [{"type": "mrkdwn", "text": "z" * 3001}]}
    assert error_of(lambda: raw_client.chat_postMessage(channel=CHANNEL_ID, text="x", blocks=[field_block])) == (
        "invalid_blocks"
    )


def test_form_encoded_bodies_with_blocks_as_a_json_string(raw_client: WebClient, emulator: SlackEmulator) -> None:
    blocks = [section("form *encoded*")]
    answer = raw_client.api_call(
        "chat.scheduleMessage",
        params={
            "channel": "sprint",
            "post_at": str(at(timedelta(hours=2))),
            "text": "fallback",
            "blocks": json.dumps(blocks),
        },
    )
    assert answer["ok"] is True
    assert emulator.scheduled[0]["blocks"] == blocks
    assert (
        error_of(
            lambda: raw_client.api_call(
                "chat.postMessage", params={"channel": CHANNEL_ID, "text": "x", "blocks": "[not json"}
            )
        )
        == "invalid_blocks_format"
    )


# --- scheduling -----------------------------------------------------------------------------------------------------


def test_schedule_message_answers_id_channel_and_post_at(raw_client: WebClient, emulator: SlackEmulator) -> None:
    post_at = at(timedelta(hours=3))
    answer = raw_client.chat_scheduleMessage(channel="#sprint", post_at=post_at, text="later")
    assert answer["channel"] == CHANNEL_ID
    assert answer["scheduled_message_id"].startswith("Q")
    assert int(answer["post_at"]) == post_at
    assert [(m["id"], m["post_at"]) for m in emulator.scheduled] == [(answer["scheduled_message_id"], post_at)]


def test_post_at_now_or_earlier_is_time_in_past(raw_client: WebClient) -> None:
    for delta in (timedelta(0), timedelta(seconds=-1), timedelta(days=-3)):
        post_at = at(delta)
        assert error_of(lambda p=post_at: raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=p, text="x")) == (
            "time_in_past"
        )
    assert raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=at(timedelta(seconds=1)), text="x")["ok"]


def test_post_at_beyond_120_days_is_time_too_far(raw_client: WebClient) -> None:
    assert raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=at(timedelta(days=120)), text="x")["ok"]
    beyond = at(timedelta(days=120, seconds=1))
    assert error_of(lambda: raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=beyond, text="x")) == (
        "time_too_far"
    )


def test_post_at_that_is_not_a_timestamp_is_invalid_time(raw_client: WebClient) -> None:
    assert error_of(
        lambda: raw_client.api_call("chat.scheduleMessage", params={"channel": CHANNEL_ID, "text": "x"})
    ) == ("invalid_time")
    assert (
        error_of(
            lambda: raw_client.api_call(
                "chat.scheduleMessage", params={"channel": CHANNEL_ID, "text": "x", "post_at": "soon"}
            )
        )
        == "invalid_time"
    )


def test_at_most_30_messages_to_post_within_5_minutes_per_channel(raw_client: WebClient) -> None:
    slot = at(timedelta(hours=5))
    for i in range(30):
        raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=slot + i % 3, text=f"m{i}")
    assert error_of(lambda: raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=slot + 299, text="x")) == (
        "restricted_too_many"
    )
    assert error_of(lambda: raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=slot - 250, text="x")) == (
        "restricted_too_many"
    )
    assert raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=slot + 302, text="next window")["ok"]


def test_the_30_message_window_is_per_channel() -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint", "C0SECOND": "second"}) as emu:
        emu.set_now(NOW)
        client = WebClient(token=TOKEN, base_url=emu.url, retry_handlers=[])
        slot = at(timedelta(hours=5))
        for i in range(30):
            client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=slot, text=f"m{i}")
        assert client.chat_scheduleMessage(channel="C0SECOND", post_at=slot, text="other channel")["ok"]


def test_list_returns_only_id_channel_post_at_date_created_and_text(raw_client: WebClient) -> None:
    post_at = at(timedelta(hours=1))
    raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=post_at, text="hello", blocks=[section("b")])
    listed = raw_client.chat_scheduledMessages_list(channel=CHANNEL_ID)
    [item] = listed["scheduled_messages"]
    assert set(item) == {"id", "channel_id", "post_at", "date_created", "text"}
    assert (item["channel_id"], item["post_at"], item["text"]) == (CHANNEL_ID, post_at, "hello")
    assert item["date_created"] == int(NOW.timestamp())
    assert listed["response_metadata"]["next_cursor"] == ""


def test_list_pages_with_cursors_and_filters(raw_client: WebClient) -> None:
    ids = [
        raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=at(timedelta(hours=h)), text=f"m{h}")[
            "scheduled_message_id"
        ]
        for h in range(1, 6)
    ]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = raw_client.chat_scheduledMessages_list(channel=CHANNEL_ID, limit=2, cursor=cursor)
        pages += 1
        seen += [m["id"] for m in page["scheduled_messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert (pages, seen) == (3, ids)
    window = raw_client.chat_scheduledMessages_list(
        oldest=str(at(timedelta(hours=2))), latest=str(at(timedelta(hours=3)))
    )
    assert [m["text"] for m in window["scheduled_messages"]] == ["m2", "m3"]
    assert error_of(lambda: raw_client.chat_scheduledMessages_list(cursor="bm90LWEtY3Vyc29y")) == "invalid_cursor"
    assert error_of(lambda: raw_client.chat_scheduledMessages_list(channel="#sprint")) == "channel_not_found"


def test_page_size_cap_forces_pagination() -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, list_page_size=1) as emu:
        emu.set_now(NOW)
        client = WebClient(token=TOKEN, base_url=emu.url, retry_handlers=[])
        for h in (1, 2):
            client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=at(timedelta(hours=h)), text="x")
        page = client.chat_scheduledMessages_list(limit=100)
        assert len(page["scheduled_messages"]) == 1
        assert page["response_metadata"]["next_cursor"]


def test_delete_scheduled_message_once(raw_client: WebClient, emulator: SlackEmulator) -> None:
    sid = raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=at(timedelta(hours=1)), text="x")[
        "scheduled_message_id"
    ]
    assert raw_client.chat_deleteScheduledMessage(channel=CHANNEL_ID, scheduled_message_id=sid)["ok"]
    assert emulator.scheduled == []
    assert [m["id"] for m in emulator.deleted] == [sid]
    assert error_of(lambda: raw_client.chat_deleteScheduledMessage(channel=CHANNEL_ID, scheduled_message_id=sid)) == (
        "invalid_scheduled_message_id"
    )


def test_scheduled_messages_post_when_the_clock_passes_post_at(raw_client: WebClient, emulator: SlackEmulator) -> None:
    sid = raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=at(timedelta(hours=1)), text="soon")[
        "scheduled_message_id"
    ]
    raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=at(timedelta(hours=3)), text="later")
    emulator.set_now(NOW + timedelta(hours=1))
    assert [m["text"] for m in emulator.posted] == ["soon"]
    assert [m["text"] for m in emulator.scheduled] == ["later"]
    assert [m["text"] for m in raw_client.chat_scheduledMessages_list()["scheduled_messages"]] == ["later"]
    assert error_of(lambda: raw_client.chat_deleteScheduledMessage(channel=CHANNEL_ID, scheduled_message_id=sid)) == (
        "invalid_scheduled_message_id"
    )


def test_set_now_needs_an_aware_datetime(emulator: SlackEmulator) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        emulator.set_now(NOW.replace(tzinfo=None))


# --- fault injection ------------------------------------------------------------------------------------------------


def test_injected_429_carries_retry_after(raw_client: WebClient, emulator: SlackEmulator) -> None:
    emulator.inject("chat.postMessage", "429", times=1, retry_after=7)
    with pytest.raises(SlackApiError) as info:
        raw_client.chat_postMessage(channel=CHANNEL_ID, text="x")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "7"
    assert raw_client.chat_postMessage(channel=CHANNEL_ID, text="x")["ok"]
    assert [(c.fault, c.status) for c in emulator.calls_to("chat.postMessage")] == [("429", 429), (None, 200)]
    assert len(emulator.posted) == 1


@pytest.mark.parametrize("status", ["500", "503"])
def test_injected_server_error(raw_client: WebClient, emulator: SlackEmulator, status: str) -> None:
    emulator.inject(None, status, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            raw_client.auth_test()
        assert info.value.response.status_code == int(status)
    assert raw_client.auth_test()["ok"]


def test_injected_drop_closes_the_connection_without_applying(raw_client: WebClient, emulator: SlackEmulator) -> None:
    emulator.inject("chat.postMessage", "drop")
    with pytest.raises((RemoteDisconnected, ConnectionError, urllib.error.URLError)):
        raw_client.chat_postMessage(channel=CHANNEL_ID, text="x")
    assert emulator.posted == []
    emulator.inject("chat.postMessage", "drop_after")
    with pytest.raises((RemoteDisconnected, ConnectionError, urllib.error.URLError)):
        raw_client.chat_postMessage(channel=CHANNEL_ID, text="applied")
    assert [m["text"] for m in emulator.posted] == ["applied"]


def test_injected_timeout_applies_and_answers_too_late(emulator: SlackEmulator) -> None:
    client = WebClient(token=TOKEN, base_url=emulator.url, timeout=0.3, retry_handlers=[])  # type: ignore[arg-type]
    emulator.inject("chat.scheduleMessage", "timeout", delay=2.0)
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=at(timedelta(hours=1)), text="slow")
    assert [m["text"] for m in emulator.scheduled] == ["slow"]


def test_every_kth_call_and_times(raw_client: WebClient, emulator: SlackEmulator) -> None:
    emulator.inject("auth.test", "500", times=None, every=3)
    outcomes = []
    for _ in range(7):
        try:
            raw_client.auth_test()
            outcomes.append("ok")
        except SlackApiError:
            outcomes.append("fail")
    assert outcomes == ["ok", "ok", "fail", "ok", "ok", "fail", "ok"]
    emulator.clear_faults()
    emulator.inject("auth.test", "500", times=2, every=2)
    results = []
    for _ in range(6):
        try:
            raw_client.auth_test()
            results.append("ok")
        except SlackApiError:
            results.append("fail")
    assert results == ["ok", "fail", "ok", "fail", "ok", "ok"]


def test_faults_for_one_method_leave_others_alone(raw_client: WebClient, emulator: SlackEmulator) -> None:
    emulator.inject("chat.scheduleMessage", "500", times=None)
    assert raw_client.auth_test()["ok"]
    assert raw_client.chat_postMessage(channel=CHANNEL_ID, text="x")["ok"]


def test_random_fault_mode_is_deterministic_per_seed() -> None:
    def pattern(seed: int) -> list[str | None]:
        with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}) as emu:
            emu.random_faults(0.4, seed=seed, kinds=("429", "500"))
            client = WebClient(token=TOKEN, base_url=emu.url, retry_handlers=[])
            for _ in range(20):
                with contextlib.suppress(SlackApiError):
                    client.auth_test()
            return [call.fault for call in emu.calls]

    first = pattern(7)
    assert first == pattern(7)
    assert 0 < sum(f is not None for f in first) < 20
    assert set(first) <= {None, "429", "500"}


def test_inject_rejects_unknown_faults_and_methods(emulator: SlackEmulator) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        emulator.inject(None, "418")
    with pytest.raises(ValueError, match="unknown method"):
        emulator.inject("chat.update", "500")


def test_calls_are_recorded_with_parameters(raw_client: WebClient, emulator: SlackEmulator) -> None:
    raw_client.chat_postMessage(channel="#sprint", text="recorded")
    call = emulator.calls_to("chat.postMessage")[-1]
    assert (call.params["channel"], call.params["text"], call.token, call.ok) == ("#sprint", "recorded", TOKEN, True)
    assert call.at == NOW


def test_stop_releases_the_port() -> None:
    emu = SlackEmulator(TOKEN).start()
    url = emu.url
    emu.stop()
    client = WebClient(token=TOKEN, base_url=url, timeout=2, retry_handlers=[])
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        client.auth_test()
    with pytest.raises(RuntimeError, match="not started"):
        _ = emu.url


# --- conversations.list and scopes ------------------------------------------------------------------------------------


def list_names(client: WebClient, types: str) -> list[str]:
    """Return the channel names conversations.list gives for ``types``, following every cursor."""
    names: list[str] = []
    cursor = None
    while True:
        page = client.conversations_list(types=types, cursor=cursor)
        names += [c["name"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            return names


def test_conversations_list_pages_and_filters_by_type() -> None:
    channels = {"C0AAA01": "alpha", "C0BBB02": "beta", "C0CCC03": "gamma"}
    with running_emulator(TOKEN, channels, private_channels={"G0PRIV01": "secret"}, list_page_size=2) as emu:
        client = WebClient(token=TOKEN, base_url=emu.url, retry_handlers=[])
        assert list_names(client, "public_channel") == ["alpha", "beta", "gamma"]
        assert list_names(client, "private_channel") == ["secret"]
        assert sorted(list_names(client, "public_channel,private_channel")) == ["alpha", "beta", "gamma", "secret"]
        assert len(client.conversations_list(types="public_channel")["channels"]) == 2
        assert error_of(lambda: client.conversations_list(types="nonsense")) == "invalid_types"


def test_missing_scope_names_the_needed_scope() -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, scopes=["chat:write"]) as emu:
        emu.set_now(NOW)
        client = WebClient(token=TOKEN, base_url=emu.url, retry_handlers=[])
        with pytest.raises(SlackApiError) as info:
            client.conversations_list(types="public_channel")
        assert (info.value.response["error"], info.value.response["needed"]) == ("missing_scope", "channels:read")
        assert info.value.response["provided"] == "chat:write"
        assert error_of(lambda: client.conversations_info(channel=CHANNEL_ID)) == "missing_scope"
        # chat.scheduledMessages.list needs no scope; posting needs chat:write only
        assert client.chat_scheduledMessages_list()["ok"]
        assert client.chat_postMessage(channel="#sprint", text="x")["ok"]
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, scopes=["channels:read"]) as emu:
        client = WebClient(token=TOKEN, base_url=emu.url, retry_handlers=[])
        assert error_of(lambda: client.chat_postMessage(channel=CHANNEL_ID, text="x")) == "missing_scope"


def test_advance_moves_the_clock_and_posts_what_is_due(raw_client: WebClient, emulator: SlackEmulator) -> None:
    raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=at(timedelta(minutes=30)), text="half an hour")
    assert emulator.advance(timedelta(minutes=29)) == NOW + timedelta(minutes=29)
    assert emulator.posted == []
    emulator.advance(timedelta(minutes=1))
    assert [m["text"] for m in emulator.posted] == ["half an hour"]


def test_runs_as_a_process_and_prints_its_url() -> None:
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.slack", "--token", TOKEN, "--channel", "C0PROC01=proc"],
        cwd=Path(__file__).resolve().parents[2],  # from a checkout's root, as README tells a platform engineer
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("SLACK_API_URL=http://127.0.0.1:")
        client = WebClient(token=TOKEN, base_url=line.split("=", 1)[1], retry_handlers=[])
        assert client.chat_postMessage(channel="#proc", text="hello")["channel"] == "C0PROC01"
    finally:
        process.terminate()
        process.wait(10)
