"""Shared fixtures of the knowledge-base tests: a real team repo with a bare remote, and the Prefect harness."""

from __future__ import annotations

from pathlib import Path

import pytest
from kb_team_files import team_files

from support.gitrepo import TeamRepo, make_team_repo

START = "2026-03-03T10:00:00+01:00"


@pytest.fixture()
def team(tmp_path: Path) -> TeamRepo:
    """Return a fresh team repo (sprint docs, KB pages, code) committed on 2026-03-03 and pushed to its remote."""
    return make_team_repo(tmp_path, team_files(), message="docs: initial team docs SPR-101", date=START)
