"""Shared fixtures of the Slack tests: a running emulator with a fixed clock, and real slack_sdk clients on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_support import CHANNEL_ID, NOW, OTHER_ID, TOKEN

from support.slack import SlackEmulator, running_emulator


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    """Return a started emulator: the bot is in #sprint (C0SPRINT), not in #outside (C0OUTSIDE); clock at NOW."""
    with running_emulator(TOKEN, {CHANNEL_ID: "sprint"}, other_channels={OTHER_ID: "outside"}) as emu:
        emu.set_now(NOW)
        yield emu


@pytest.fixture
def raw_client(emulator: SlackEmulator) -> WebClient:
    """Return a real slack_sdk client on the emulator without retry handlers (sees every answer as sent)."""
    return WebClient(token=TOKEN, base_url=emulator.url, timeout=5, retry_handlers=[])
