"""Fixtures of the reminder tests: a Denver team repo (SPR-008 running, SPR-009 next), the Slack emulator with its
clock at the acceptance time, and the Prefect harness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from remind_support import CHANNEL, NOW, TOKEN, team_files

from support.gitrepo import TeamRepo, make_team_repo
from support.slack import SlackEmulator, running_emulator


@pytest.fixture()
def team(tmp_path: Path) -> TeamRepo:
    """Return the Denver team repo (SPR-008 Mar 30–Apr 10, SPR-009 Apr 13–24) pushed to a bare remote."""
    return make_team_repo(
        tmp_path, team_files(), message="docs: SPR-008 and SPR-009 plans", date="2026-04-01T09:00:00-06:00"
    )


@pytest.fixture()
def emulator() -> Iterator[SlackEmulator]:
    """Return a started Slack emulator (bot in C0SPRINT), its clock at NOW (Thu Apr 9 2026, 12:00 MDT)."""
    with running_emulator(TOKEN, {CHANNEL: "sprint"}, other_channels={"C0OUTSIDE": "outside"}) as emu:
        emu.set_now(NOW)
        yield emu
