"""People and channels: users.lookupByEmail / usergroups.list in the emulator, owner emails turned into mentions,
the channel id looked up once and cached in the git dir, missing scopes named, Block Kit limits enforced."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_support import CHANNEL_ID, NOW, TOKEN

from ceremonies.adapters import state
from ceremonies.adapters.slack import SlackCallError, SlackNotifier, make_client
from ceremonies.adapters.slack_render import People, SlackRenderer
from ceremonies.config import Settings
from ceremonies.domain.messages import Message
from support.slack import running_emulator


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as info:
        call()  # type: ignore[operator]
    return str(info.value.response["error"])


def test_the_emulator_finds_users_by_email_and_lists_user_groups() -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, users={"Ana@Example.org": "U0ANA"},
                          usergroups={"S0BACKEND": "backend"}) as emu:
        client = WebClient(token=TOKEN, base_url=emu.url, retry_handlers=[])
        assert client.users_lookupByEmail(email="ana@example.org")["user"]["id"] == "U0ANA"
        assert error_of(lambda: client.users_lookupByEmail(email="bo@example.org")) == "users_not_found"
        groups = client.usergroups_list()["usergroups"]
        assert [(g["id"], g["handle"]) for g in groups] == [("S0BACKEND", "backend")]
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, scopes=["chat:write"]) as emu:
        client = WebClient(token=TOKEN, base_url=emu.url, retry_handlers=[])
        with pytest.raises(SlackApiError) as info:
            client.users_lookupByEmail(email="ana@example.org")
        assert info.value.response["needed"] == "users:read.email"


@pytest.mark.parametrize(
    ("block", "pointer"),
    [
        ({"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}, "/blocks/0/text"),
        ({"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}, "/blocks/0/elements"),
        ({"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x" * 76},
                                           "url": "https://x.example"}]}, "/blocks/0/elements/text"),
    ],
)
def test_the_emulator_enforces_header_context_and_button_limits(block: dict[str, object], pointer: str) -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}) as emu:
        client = WebClient(token=TOKEN, base_url=emu.url, retry_handlers=[])
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel=CHANNEL_ID, text="t", blocks=[block])
        assert info.value.response["error"] == "invalid_blocks" and pointer in info.value.response["errors"][0]


def test_an_owner_written_as_email_is_mentioned_when_slack_knows_it() -> None:
    renderer = SlackRenderer([Path("/nonexistent")], People({}))
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, users={"ana@example.org": "U0ANA"}) as emu:
        env = renderer._env
        body = env.from_string("{{ owners | mentions }}").render(owners=["ana@example.org", "bo@example.org", "@Cy"])
        assert body == "<mailto:ana@example.org|ana@example.org>, <mailto:bo@example.org|bo@example.org>, @Cy"
        message = Message(text=body, blocks=({"type": "section", "text": {"type": "mrkdwn", "text": body}},))
        client = make_client(TOKEN, emu.url, retries=0)
        SlackNotifier(client, CHANNEL_ID, lookup_emails=True).send([message])
        [posted] = emu.posted
        assert posted["text"] == "<@U0ANA>, <mailto:bo@example.org|bo@example.org>, @Cy"
        assert posted["blocks"][0]["text"]["text"] == posted["text"]
        assert len(emu.calls_to("users.lookupByEmail")) == 2, "each email looked up once"


def test_the_channel_is_looked_up_once_and_its_id_cached_in_the_git_dir(tmp_path: Path) -> None:
    git_dir = tmp_path / ".git"
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}) as emu:
        emu.set_now(NOW)
        message = Message(text="Planning", key="SPR-014/planning/day-before", post_at=NOW + timedelta(hours=20))
        for _ in range(3):  # three runs, each with a new notifier (like three flow runs)
            notifier = SlackNotifier(make_client(TOKEN, emu.url, retries=0), "#sprint", now=emu.now)
            notifier.cache_channels_in(git_dir)
            notifier.send([message])
        lookups = [c.method for c in emu.calls if c.method.startswith("conversations.")]
        assert lookups == ["conversations.list"], "one lookup, then the cached id"
        assert state.load(git_dir, state.SLACK)["channels"] == {"#sprint": CHANNEL_ID}
        assert len(emu.scheduled) == 1


def test_a_configured_channel_id_is_checked_once_with_conversations_info(tmp_path: Path) -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}) as emu:
        emu.set_now(NOW)
        message = Message(text="Planning", key="SPR-014/planning/60m", post_at=NOW + timedelta(hours=20))
        for _ in range(2):
            notifier = SlackNotifier(make_client(TOKEN, emu.url, retries=0), CHANNEL_ID, now=emu.now)
            notifier.cache_channels_in(tmp_path)
            notifier.send([message])
        assert [c.method for c in emu.calls if c.method.startswith("conversations.")] == ["conversations.info"]


def test_missing_scope_names_the_scope_to_add() -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, scopes=["channels:read"]) as emu, pytest.raises(
        SlackCallError
    ) as info:
        SlackNotifier(make_client(TOKEN, emu.url, retries=0), CHANNEL_ID).send([Message(text="hi")])
    assert "lacks the scope chat:write" in str(info.value) and "slack-app-manifest.yml" in str(info.value)


def test_the_manifest_asks_for_exactly_the_scopes_the_code_needs() -> None:
    manifest = (Path(__file__).parents[2] / "slack-app-manifest.yml").read_text(encoding="utf-8")
    import yaml

    scopes = yaml.safe_load(manifest)["oauth_config"]["scopes"]["bot"]
    assert sorted(scopes) == ["channels:read", "chat:write", "groups:read", "users:read", "users:read.email"]


def test_unmapped_owner_stays_plain_text_and_settings_reject_a_bad_slack_id() -> None:
    from ceremonies.config import parse_config
    from ceremonies.errors import ConfigError

    with pytest.raises(ConfigError, match="not a Slack user id"):
        parse_config('[slack.people]\n"@Backend" = "backend-team"\n')
    people = People(Settings().slack.people)
    assert people.get("@Backend") is None


def test_when_slack_drops_the_invisible_ref_the_notifier_switches_to_a_visible_one(tmp_path: Path) -> None:
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, strip_format_chars=True) as emu:
        emu.set_now(NOW)
        message = Message(text="Planning", key="SPR-014/planning/day-before", post_at=NOW + timedelta(hours=20))
        statuses = []
        for _ in range(2):  # two runs sharing the repo's cache file
            notifier = SlackNotifier(make_client(TOKEN, emu.url, retries=0), CHANNEL_ID, now=emu.now)
            notifier.cache_channels_in(tmp_path)
            statuses += [d.status for d in notifier.send([message])]
        [pending] = emu.scheduled
    assert statuses == ["scheduled", "skipped"], "the rerun recognises the message by its visible ref"
    assert pending["text"].startswith("Planning\n(ref: SPR-014/planning/day-before ")
    assert len(emu.deleted) == 1, "the copy without a readable ref was withdrawn"
    assert state.load(tmp_path, state.SLACK)["ref"] == "visible"
