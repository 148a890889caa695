"""SlackNotifier through the real slack_sdk WebClient against the emulator: exactly once per key, whatever happens."""

from __future__ import annotations

import io
import logging
import threading
import unicodedata
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_support import CHANNEL_ID, NOW, OTHER_ID, TOKEN

from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.adapters.slack import (
    STATUS_EXPIRED,
    STATUS_POSTED,
    STATUS_SCHEDULED,
    STATUS_SKIPPED,
    STATUS_WITHDRAWN,
    SlackCallError,
    SlackNotifier,
    make_client,
    read_marker,
    strip_marker,
    with_marker,
)
from ceremonies.config import Settings
from ceremonies.domain.messages import Message, escape_slack
from ceremonies.errors import SlackError
from ceremonies.jobs.recipe import team_notifier
from support.slack import SlackEmulator, running_emulator


def notifier(emulator: SlackEmulator, channel: str = CHANNEL_ID, client: WebClient | None = None) -> SlackNotifier:
    """Return a notifier on the emulator with quick retries, reading the emulator's clock."""
    return SlackNotifier(client or make_client(TOKEN, emulator.url, retries=3, backoff=0.01), channel, now=emulator.now)


def reminders(hours: tuple[int, ...] = (20, 26, 44), sprint: str = "SPR-014") -> list[Message]:
    """Return keyed reminders for NOW + each of ``hours``."""
    return [
        Message(
            text=f"Planning for {sprint} in {h} hours",
            blocks=({"type": "section", "text": {"type": "mrkdwn", "text": f"*Planning* {sprint}"}},),
            key=f"{sprint}/planning/{h}h",
            post_at=NOW + timedelta(hours=h),
        )
        for h in hours
    ]


def pending_keys(emulator: SlackEmulator) -> Counter[str]:
    """Return how many pending scheduled messages carry each key."""
    keys: Counter[str] = Counter()
    for message in emulator.scheduled:
        marker = read_marker(message["text"])
        assert marker is not None, f"scheduled message without ref line: {message['text']!r}"
        keys[marker[0]] += 1
    return keys


def expected_keys(messages: list[Message]) -> Counter[str]:
    return Counter(str(m.key) for m in messages)


# --- exactly once ---------------------------------------------------------------------------------------------------


def test_schedules_each_reminder_with_its_post_at_and_blocks(emulator: SlackEmulator) -> None:
    messages = reminders()
    deliveries = notifier(emulator).send(messages)
    assert [d.status for d in deliveries] == [STATUS_SCHEDULED] * 3
    assert all(d.channel == CHANNEL_ID and d.scheduled_message_id for d in deliveries)
    by_id = {m["id"]: m for m in emulator.scheduled}
    for message, delivery in zip(messages, deliveries, strict=True):
        sent = by_id[str(delivery.scheduled_message_id)]
        assert message.post_at is not None
        assert sent["post_at"] == int(message.post_at.timestamp())
        assert strip_marker(sent["text"]) == message.text
        assert sent["blocks"] == list(message.blocks)


def test_running_twice_leaves_one_scheduled_message_per_key(emulator: SlackEmulator) -> None:
    messages = reminders()
    first = notifier(emulator).send(messages)
    second = notifier(emulator).send(messages)
    assert [d.status for d in second] == [STATUS_SKIPPED] * 3
    assert [d.scheduled_message_id for d in second] == [d.scheduled_message_id for d in first]
    assert pending_keys(emulator) == expected_keys(messages)
    assert len(emulator.calls_to("chat.scheduleMessage")) == 3


def test_rerun_after_a_crash_between_two_scheduled_messages(emulator: SlackEmulator) -> None:
    class CrashAfterFirstSchedule(WebClient):
        scheduled = 0

        def chat_scheduleMessage(self, **kwargs: Any) -> Any:
            answer = super().chat_scheduleMessage(**kwargs)
            self.scheduled += 1
            if self.scheduled == 1:
                raise KeyboardInterrupt("worker killed after the first scheduled message")
            return answer

    messages = reminders()
    crashing = CrashAfterFirstSchedule(token=TOKEN, base_url=emulator.url)
    with pytest.raises(KeyboardInterrupt):
        notifier(emulator, client=crashing).send(messages)
    assert sum(pending_keys(emulator).values()) == 1
    statuses = [d.status for d in notifier(emulator).send(messages)]
    assert statuses == [STATUS_SKIPPED, STATUS_SCHEDULED, STATUS_SCHEDULED]
    assert pending_keys(emulator) == expected_keys(messages)


@pytest.mark.parametrize("fault", ["429", "500", "503", "drop"])
def test_fault_on_every_second_call_still_schedules_each_once(emulator: SlackEmulator, fault: str) -> None:
    emulator.inject(None, fault, times=None, every=2, retry_after=0)
    messages = reminders()
    notifier(emulator).send(messages)
    notifier(emulator).send(messages)
    assert pending_keys(emulator) == expected_keys(messages)
    assert any(call.fault == fault for call in emulator.calls)


def test_schedule_applied_but_answer_lost_is_deduplicated(emulator: SlackEmulator) -> None:
    """The connection drops after Slack scheduled the message; the SDK retries; the duplicate is deleted."""
    emulator.inject("chat.scheduleMessage", "drop_after", times=None, every=2)
    messages = reminders()
    notifier(emulator).send(messages)
    assert pending_keys(emulator) == expected_keys(messages)
    assert emulator.deleted, "the retried duplicate should have been deleted"


def test_timed_out_schedule_is_retried_and_deduplicated(emulator: SlackEmulator) -> None:
    emulator.inject("chat.scheduleMessage", "timeout", times=1, delay=1.0)
    client = make_client(TOKEN, emulator.url, timeout=0.3, retries=2, backoff=0.01)
    messages = reminders()
    deliveries = notifier(emulator, client=client).send(messages)
    assert [d.status for d in deliveries] == [STATUS_SCHEDULED] * 3
    assert pending_keys(emulator) == expected_keys(messages)


def test_seeded_random_faults_never_double_schedule(emulator: SlackEmulator) -> None:
    emulator.random_faults(0.35, seed=5, kinds=("429", "500", "drop", "drop_after"))
    messages = reminders((20, 22, 24, 26, 28, 30))
    for _attempt in range(6):  # a run may give up after its retries; the next run finishes the job
        try:
            notifier(emulator).send(messages)
            break
        except SlackError:
            continue
    else:
        pytest.fail("six runs under a 35% fault rate never completed")
    emulator.clear_faults()
    assert {d.status for d in notifier(emulator).send(messages)} == {STATUS_SKIPPED}
    assert pending_keys(emulator) == expected_keys(messages)
    assert any(call.fault for call in emulator.calls)


def test_pagination_is_followed_when_listing(emulator: SlackEmulator) -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, list_page_size=2) as paged:
        paged.set_now(NOW)
        messages = reminders((20, 21, 22, 23, 24))
        notifier(paged).send(messages)
        assert [d.status for d in notifier(paged).send(messages)] == [STATUS_SKIPPED] * 5
        assert pending_keys(paged) == expected_keys(messages)
        assert len(paged.calls_to("chat.scheduledMessages.list")) >= 3 * 2


def test_others_scheduled_messages_are_left_alone(emulator: SlackEmulator, raw_client: WebClient) -> None:
    raw_client.chat_scheduleMessage(channel=CHANNEL_ID, post_at=int((NOW + timedelta(hours=5)).timestamp()), text="hi")
    notifier(emulator).send(reminders())
    notifier(emulator).send(reminders())
    assert sorted(m["text"] for m in emulator.scheduled if read_marker(m["text"]) is None) == ["hi"]
    assert emulator.deleted == []


# --- replacing ------------------------------------------------------------------------------------------------------


def test_moved_post_at_replaces_the_scheduled_message(emulator: SlackEmulator) -> None:
    notifier(emulator).send(reminders((20, 26)))
    moved = [reminders((20,))[0], replace(reminders((26,))[0], post_at=NOW + timedelta(hours=50))]
    deliveries = notifier(emulator).send(moved)
    assert [d.status for d in deliveries] == [STATUS_SKIPPED, STATUS_SCHEDULED]
    assert pending_keys(emulator) == expected_keys(moved)
    post_ats = {read_marker(m["text"])[0]: m["post_at"] for m in emulator.scheduled}  # type: ignore[index]
    assert post_ats["SPR-014/planning/26h"] == int((NOW + timedelta(hours=50)).timestamp())
    assert len(emulator.deleted) == 1


def test_changed_content_replaces_the_scheduled_message(emulator: SlackEmulator) -> None:
    original = reminders((20,))
    notifier(emulator).send(original)
    changed = [replace(original[0], text="Planning moved to room B")]
    assert [d.status for d in notifier(emulator).send(changed)] == [STATUS_SCHEDULED]
    [pending] = emulator.scheduled
    assert strip_marker(pending["text"]) == "Planning moved to room B"


def test_crash_between_scheduling_the_new_and_deleting_the_old_is_repaired(emulator: SlackEmulator) -> None:
    class CrashOnDelete(WebClient):
        def chat_deleteScheduledMessage(self, **kwargs: Any) -> Any:
            raise KeyboardInterrupt("killed before deleting the old message")

    notifier(emulator).send(reminders((20,)))
    moved = [replace(reminders((20,))[0], post_at=NOW + timedelta(hours=30))]
    with pytest.raises(KeyboardInterrupt):
        notifier(emulator, client=CrashOnDelete(token=TOKEN, base_url=emulator.url)).send(moved)
    assert sum(pending_keys(emulator).values()) == 2
    assert [d.status for d in notifier(emulator).send(moved)] == [STATUS_SKIPPED]
    [pending] = emulator.scheduled
    assert pending["post_at"] == int((NOW + timedelta(hours=30)).timestamp())


# --- posting now, expiry, channels ----------------------------------------------------------------------------------


def test_post_at_none_posts_now_with_the_ref_line(emulator: SlackEmulator) -> None:
    [delivery] = notifier(emulator).send([Message(text="KB refreshed", key="kb/2026-04-09")])
    assert (delivery.status, delivery.channel) == (STATUS_POSTED, CHANNEL_ID)
    [posted] = emulator.posted
    assert posted["ts"] == delivery.ts
    assert read_marker(posted["text"])[0] == "kb/2026-04-09"  # type: ignore[index]
    assert emulator.calls_to("chat.scheduledMessages.list") == []


def test_message_without_key_is_sent_as_is(emulator: SlackEmulator) -> None:
    notifier(emulator).send([Message(text="plain"), Message(text="later", post_at=NOW + timedelta(hours=1))])
    assert [m["text"] for m in emulator.posted] == ["plain"]
    assert [m["text"] for m in emulator.scheduled] == ["later"]


def test_past_post_at_is_expired_not_sent(emulator: SlackEmulator) -> None:
    late = Message(text="too late", key="SPR-014/demo/60m", post_at=NOW - timedelta(minutes=1))
    assert [d.status for d in notifier(emulator).send([late])] == [STATUS_EXPIRED]
    assert emulator.posted == [] and emulator.scheduled == []


def test_post_at_a_few_seconds_ahead_is_scheduled_a_little_later(emulator: SlackEmulator) -> None:
    soon = [Message(text="now-ish", key="SPR-014/demo/60m", post_at=NOW + timedelta(seconds=2))]
    assert [d.status for d in notifier(emulator).send(soon)] == [STATUS_SCHEDULED]
    assert [d.status for d in notifier(emulator).send(soon)] == [STATUS_SKIPPED]
    assert len(emulator.scheduled) == 1


@pytest.mark.parametrize("channel", ["#sprint", "sprint"])
def test_channel_names_work_and_reruns_still_skip(emulator: SlackEmulator, channel: str) -> None:
    messages = reminders()
    assert {d.channel for d in notifier(emulator, channel).send(messages)} == {CHANNEL_ID}
    assert [d.status for d in notifier(emulator, channel).send(messages)] == [STATUS_SKIPPED] * 3
    assert pending_keys(emulator) == expected_keys(messages)


def test_message_channel_overrides_the_default(emulator: SlackEmulator) -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint", "C0SECOND": "second"}) as emu:
        emu.set_now(NOW)
        other = Message(text="x", key="k/1", post_at=NOW + timedelta(hours=2), channel="C0SECOND")
        mine = Message(text="x", key="k/1", post_at=NOW + timedelta(hours=2))
        notifier(emu).send([other, mine])
        assert sorted(m["channel"] for m in emu.scheduled) == ["C0SECOND", CHANNEL_ID]


# --- errors and the token -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "code", "named"),
    [
        ("#nowhere", "channel_not_found", "#nowhere"),
        ("C0MISSING", "channel_not_found", "C0MISSING"),
        (OTHER_ID, "not_in_channel", OTHER_ID),
        ("#outside", "not_in_channel", "#outside"),
    ],
)
def test_channel_errors_are_clear_slack_errors(emulator: SlackEmulator, channel: str, code: str, named: str) -> None:
    with pytest.raises(SlackError) as info:
        notifier(emulator, channel).send(reminders((20,)))
    assert code in str(info.value)
    assert repr(named) in str(info.value)
    assert emulator.scheduled == []


def test_a_permanent_error_is_not_retried(emulator: SlackEmulator) -> None:
    """The SDK's handlers (the one Slack retry layer) retry rate limits, 5xx and dropped connections only: a bad
    token or a missing channel is one call and a clear error."""
    with pytest.raises(SlackError, match="invalid_auth"):
        SlackNotifier(make_client("xoxb-9999-wrong-token-value", emulator.url), CHANNEL_ID).send([Message(text="x")])
    with pytest.raises(SlackError, match="channel_not_found"):
        notifier(emulator, "C0MISSING").send([Message(text="x")])
    assert [(call.method, call.error) for call in emulator.calls] == [
        ("chat.postMessage", "invalid_auth"),
        ("chat.postMessage", "channel_not_found"),
    ]


def test_bad_token_is_a_clear_error_without_the_token(emulator: SlackEmulator) -> None:
    bad = "xoxb-9999-wrong-token-value"
    with pytest.raises(SlackError) as info:
        SlackNotifier(make_client(bad, emulator.url), CHANNEL_ID).send([Message(text="x")])
    assert "invalid_auth" in str(info.value)
    assert "SLACK_BOT_TOKEN" in str(info.value)
    assert bad not in str(info.value)


def test_retries_exhausted_and_unreachable_slack_are_slack_errors(emulator: SlackEmulator) -> None:
    emulator.inject(None, "503", times=None)
    with pytest.raises(SlackError, match="HTTP 503"):
        notifier(emulator).send(reminders((20,)))
    url = emulator.url
    emulator.stop()
    client = make_client(TOKEN, url, retries=1, backoff=0.01, timeout=2)
    with pytest.raises(SlackError, match="could not reach Slack"):
        SlackNotifier(client, CHANNEL_ID).send([Message(text="x")])


def test_token_never_in_errors_or_logs(emulator: SlackEmulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    emulator.inject(None, "429", times=2, retry_after=0)
    emulator.inject(None, "drop", times=1)
    notifier(emulator).send(reminders())
    notifier(emulator).send([Message(text="now", key="k/now")])
    for channel in ("#nowhere", OTHER_ID):
        with pytest.raises(SlackError) as info:
            notifier(emulator, channel).send(reminders((20,)))
        assert TOKEN not in str(info.value)
        assert info.value.__cause__ is None
    assert caplog.records, "expected the SDK and the notifier to log at DEBUG"
    assert TOKEN not in caplog.text
    assert all(TOKEN not in str(record.args) for record in caplog.records)


# --- team_notifier (the one notifier factory) ---------------------------------------------------------------------


def test_team_notifier_without_token_or_in_dry_run_prints() -> None:
    settings = Settings()
    assert isinstance(team_notifier(settings, None), ConsoleNotifier)
    assert isinstance(team_notifier(settings, ""), ConsoleNotifier)
    assert isinstance(team_notifier(settings, TOKEN, dry_run=True), ConsoleNotifier)


def test_team_notifier_uses_slack_api_url_from_the_environment(
    emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_API_URL", emulator.url.rstrip("/"))
    settings = Settings.model_validate({"slack": {"channel": "#sprint"}})
    chosen = team_notifier(settings, TOKEN)
    assert isinstance(chosen, SlackNotifier)
    [delivery] = chosen.send([Message(text="hello from the env URL")])
    assert delivery.status == STATUS_POSTED
    assert [strip_marker(m["text"]) for m in emulator.posted] == ["hello from the env URL"]


def test_make_client_explicit_base_url_wins(emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    chosen = SlackNotifier(make_client(TOKEN, base_url=emulator.url), "#sprint")
    assert isinstance(chosen, SlackNotifier)
    chosen.send([Message(text="explicit")])
    assert len(emulator.posted) == 1


def test_console_notifier_output_for_dry_runs() -> None:
    out = io.StringIO()
    ConsoleNotifier("#sprint", out).send([Message(text="hi", key="k")])
    assert "hi" in out.getvalue()


# --- text helpers ---------------------------------------------------------------------------------------------------


def test_escape_slack_escapes_ampersand_and_angle_brackets_once() -> None:
    assert escape_slack("R&D <b> > a") == "R&amp;D &lt;b&gt; &gt; a"
    assert escape_slack("plain") == "plain"


def test_the_ref_is_invisible_and_earlier_visible_ref_lines_are_still_read() -> None:
    marked = with_marker("Planning tomorrow", "SPR-014/planning/day-before")
    hidden = marked[len("Planning tomorrow") :]
    assert hidden and all(unicodedata.category(char) == "Cf" for char in hidden), "only invisible format chars"
    assert read_marker(marked) == ("SPR-014/planning/day-before", read_marker(marked)[1])  # type: ignore[index]
    assert read_marker("Planning tomorrow\n(ref: SPR-014/planning/day-before 0a1b2c3d)") == (
        "SPR-014/planning/day-before",
        "0a1b2c3d",
    )


@given(
    text=st.text(max_size=200),
    key=st.text(min_size=1, max_size=40).filter(lambda k: k.strip()),
)
def test_ref_line_round_trips(text: str, key: str) -> None:
    assume(read_marker(text) is None)
    marked = with_marker(text, key)
    marker = read_marker(marked)
    assert marker is not None
    assert strip_marker(marked) == text
    assert with_marker(marked, key) == marked
    assert marker == read_marker(with_marker(text, key))


def test_ref_line_keeps_text_within_slack_limit() -> None:
    marked = with_marker("x" * 40_000, "SPR-014/planning/day-before")
    assert len(marked) <= 40_000
    assert read_marker(marked) is not None


# --- one bad message, private channels, scopes ----------------------------------------------------------------------


def test_a_refused_message_does_not_stop_the_others(emulator: SlackEmulator) -> None:
    good = reminders((20, 44))
    too_big = Message(
        text="demo",
        blocks=tuple({"type": "divider"} for _ in range(51)),
        key="SPR-014/demo/60m",
        post_at=NOW + timedelta(hours=30),
    )
    too_far = Message(text="retro", key="SPR-014/retro/60m", post_at=NOW + timedelta(days=121))
    with pytest.raises(SlackCallError) as info:
        notifier(emulator).send([good[0], too_big, too_far, good[1]])
    text = str(info.value)
    assert "2 of 4" in text
    assert "SPR-014/demo/60m" in text and "invalid_blocks" in text and "at most 50" in text
    assert "SPR-014/retro/60m" in text and "time_too_far" in text
    assert info.value.about_message
    assert pending_keys(emulator) == expected_keys(good)
    fixed = replace(too_big, blocks=too_big.blocks[:50])
    statuses = [d.status for d in notifier(emulator).send([good[0], fixed, good[1]])]
    assert statuses == [STATUS_SKIPPED, STATUS_SCHEDULED, STATUS_SKIPPED]


def test_timed_out_post_is_not_repeated(emulator: SlackEmulator) -> None:
    emulator.inject("chat.postMessage", "timeout", times=1, delay=1.0)
    client = make_client(TOKEN, emulator.url, timeout=0.3, retries=3, backoff=0.01)
    with pytest.raises(SlackCallError) as info:
        SlackNotifier(client, CHANNEL_ID).send([Message(text="announce once")])
    assert info.value.code == "unreachable"
    assert len(emulator.posted) == 1
    assert len(emulator.calls_to("chat.postMessage")) == 1


def test_private_channel_by_name() -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, private_channels={"G0TEAM01": "team-private"}) as emu:
        emu.set_now(NOW)
        messages = reminders((20,))
        assert [d.channel for d in notifier(emu, "#team-private").send(messages)] == ["G0TEAM01"]
        assert [d.status for d in notifier(emu, "#team-private").send(messages)] == [STATUS_SKIPPED]


@pytest.mark.parametrize("channel", [CHANNEL_ID, "#sprint"])
def test_bot_without_read_scopes_still_schedules_once(channel: str) -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, scopes=["chat:write"]) as emu:
        emu.set_now(NOW)
        messages = reminders()
        notifier(emu, channel).send(messages)
        assert [d.status for d in notifier(emu, channel).send(messages)] == [STATUS_SKIPPED] * 3
        assert pending_keys(emu) == expected_keys(messages)


def test_bot_without_chat_write_gets_a_clear_error() -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, scopes=["channels:read"]) as emu:
        emu.set_now(NOW)
        with pytest.raises(SlackCallError, match=r"missing_scope.*chat:write") as info:
            notifier(emu).send(reminders((20,)))
        assert not info.value.about_message


def test_reminder_moved_into_the_past_withdraws_the_old_one(emulator: SlackEmulator) -> None:
    [original] = reminders((20,))
    notifier(emulator).send([original])
    moved = replace(original, post_at=NOW - timedelta(hours=1))
    assert [d.status for d in notifier(emulator).send([moved])] == [STATUS_EXPIRED]
    assert emulator.scheduled == []
    assert len(emulator.deleted) == 1


def test_withdraw_deletes_only_the_named_keys(emulator: SlackEmulator) -> None:
    messages = reminders()
    notifier(emulator).send(messages)
    withdrawn = notifier(emulator).withdraw(["SPR-014/planning/26h", "SPR-014/never-scheduled"])
    assert [(d.key, d.status) for d in withdrawn] == [("SPR-014/planning/26h", STATUS_WITHDRAWN)]
    assert pending_keys(emulator) == Counter({"SPR-014/planning/20h": 1, "SPR-014/planning/44h": 1})
    assert sorted(str(item.key) for item in notifier(emulator).scheduled()) == sorted(pending_keys(emulator))


def test_check_verifies_token_and_channel(emulator: SlackEmulator) -> None:
    assert notifier(emulator, "#sprint").check() == {
        "team": "ceremonies-test",
        "bot_user_id": "U0BOT",
        "channel": CHANNEL_ID,
    }
    with pytest.raises(SlackCallError, match="not_in_channel"):
        notifier(emulator).check("#outside")
    with pytest.raises(SlackCallError, match="invalid_auth"):
        SlackNotifier(make_client("xoxb-nope", emulator.url), CHANNEL_ID).check()


def run_until_complete(emulator: SlackEmulator, messages: list[Message], attempts: int = 8) -> None:
    """Send ``messages`` like a retried flow would: rerun after each failed run, up to ``attempts`` runs."""
    for _attempt in range(attempts):
        try:
            notifier(emulator).send(messages)
            return
        except SlackError:
            continue
    pytest.fail(f"{attempts} runs never completed")


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_faults_reruns_and_a_moved_reminder_end_with_one_message_per_key_at_its_time(
    emulator: SlackEmulator, seed: int
) -> None:
    emulator.random_faults(0.3, seed=seed, kinds=("500", "503", "drop", "drop_after"))
    first = reminders((20, 22, 24, 26))
    run_until_complete(emulator, first)
    moved = [*first[:3], replace(first[3], post_at=NOW + timedelta(hours=40))]
    run_until_complete(emulator, moved)
    run_until_complete(emulator, moved)
    assert sum(1 for call in emulator.calls if call.fault) >= 2
    emulator.clear_faults()
    assert pending_keys(emulator) == expected_keys(moved)
    times = {read_marker(m["text"])[0]: m["post_at"] for m in emulator.scheduled}  # type: ignore[index]
    assert times == {str(m.key): int(m.post_at.timestamp()) for m in moved if m.post_at}


def test_two_runs_racing_keep_exactly_one_copy(emulator: SlackEmulator) -> None:
    """Both runs list before either schedules; both schedule; both clean up — one copy must survive."""
    b_listed, a_scheduled = threading.Event(), threading.Event()

    class RunA(WebClient):
        def chat_scheduleMessage(self, **kwargs: Any) -> Any:
            assert b_listed.wait(10)
            answer = super().chat_scheduleMessage(**kwargs)
            a_scheduled.set()
            return answer

    class RunB(WebClient):
        def chat_scheduledMessages_list(self, **kwargs: Any) -> Any:
            answer = super().chat_scheduledMessages_list(**kwargs)
            b_listed.set()
            return answer

        def chat_scheduleMessage(self, **kwargs: Any) -> Any:
            answer = super().chat_scheduleMessage(**kwargs)
            assert a_scheduled.wait(10)
            return answer

    messages = reminders((20,))
    errors: list[BaseException] = []

    def run(client: WebClient) -> None:
        try:
            notifier(emulator, client=client).send(messages)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(RunA(token=TOKEN, base_url=emulator.url),)),
        threading.Thread(target=run, args=(RunB(token=TOKEN, base_url=emulator.url),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert len(emulator.calls_to("chat.scheduleMessage")) == 2
    assert pending_keys(emulator) == expected_keys(messages)
