"""Shared fixtures of the knowledge-base tests: a real team repo with a bare remote, and the Prefect harness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kb_team_files import team_files

from ceremonies.testing.gitrepo import TeamRepo, make_team_repo

START = "2026-03-03T10:00:00+01:00"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """Run the flow tests of the session against Prefect's temporary test server (one start per session)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture()
def team(tmp_path: Path) -> TeamRepo:
    """Return a fresh team repo (sprint docs, KB pages, code) committed on 2026-03-03 and pushed to its remote."""
    return make_team_repo(tmp_path, team_files(), message="docs: initial team docs SPR-101", date=START)
