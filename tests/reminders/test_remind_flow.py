"""The ``remind`` flow under Prefect's test harness: Slack through env token + emulator, artifact, dry run."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from remind_support import CHANNEL, NOW, TOKEN

from support.gitrepo import TeamRepo
from support.slack import SlackEmulator

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "flows"))
from remind import remind


async def artifact_text(key: str) -> str:
    async with get_client() as client:
        artifacts = await client.read_latest_artifacts()
    return "\n".join(str(a.data) for a in artifacts if a.key == key)


@pytest.mark.usefixtures("prefect_harness")
def test_flow_schedules_once_and_publishes_what_it_scheduled(
    team: TeamRepo, emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_API_URL", emulator.url)
    first = asyncio.run(remind(repo=str(team.work), channel=CHANNEL, now=NOW, horizon="7d"))
    assert len(first["scheduled"]) == 6 and first["skipped"] == []
    second = asyncio.run(remind(repo=str(team.work), channel=CHANNEL, now=NOW, horizon=168))
    assert second["scheduled"] == [] and sorted(second["skipped"]) == sorted(first["scheduled"])
    assert len(emulator.scheduled) == 6

    summary = asyncio.run(artifact_text("remind"))
    assert "# Reminders" in summary and "`SPR-009/planning/day-before`" in summary and "skipped" in summary
    assert TOKEN not in summary


@pytest.mark.usefixtures("prefect_harness")
def test_flow_dry_run_sends_nothing(team: TeamRepo, emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_API_URL", emulator.url)
    result = asyncio.run(remind(repo=str(team.work), now=NOW, horizon="48h", dry_run=True))
    assert result["dry_run"] is True and {r["status"] for r in result["reminders"]} == {"dry-run"}
    assert result["messages"] and emulator.calls == []


@pytest.mark.usefixtures("prefect_harness")
def test_flow_fails_clearly_on_an_unknown_channel(
    team: TeamRepo, emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_API_URL", emulator.url)
    state = asyncio.run(remind(repo=str(team.work), channel="C0NOPE", now=NOW, horizon="7d", return_state=True))
    assert state.is_failed()
    assert "channel_not_found" in str(state.message) or "channel_not_found" in repr(
        state.result(raise_on_failure=False)
    )
    sends = [c for c in emulator.calls if c.method == "chat.scheduledMessages.list" or c.method == "conversations.info"]
    assert len(sends) <= 2, "a permanent Slack error is not retried"
