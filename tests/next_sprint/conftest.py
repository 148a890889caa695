"""Fixtures of the next-sprint tests: the test team's repo (work tree + bare remote) and the Prefect harness."""

from __future__ import annotations

from pathlib import Path

import pytest
from next_sprint_files import team_files

from support.gitrepo import TeamRepo, make_team_repo


@pytest.fixture()
def team(tmp_path: Path) -> TeamRepo:
    """Return a fresh test team repo committed by a human and pushed to its bare remote."""
    return make_team_repo(
        tmp_path, team_files(), message="docs: sprint history up to SPR-012", date="2026-03-16T09:00:00+01:00"
    )
