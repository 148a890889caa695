"""The ``refresh_kb`` flow on a real repo against Prefect's test server: one commit, artifact, same as the CLI."""

from __future__ import annotations

import asyncio
import gc
import sys
from datetime import datetime
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client

from ceremonies.adapters.repolock import repo_lock
from support.gitrepo import TeamRepo, git

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "flows"))
from refresh_kb import refresh_kb

NOW = datetime.fromisoformat("2026-03-17T12:00:00+01:00")


@pytest.mark.usefixtures("prefect_harness")
def test_flow_refreshes_commits_once_and_publishes_a_summary(team: TeamRepo) -> None:
    result = asyncio.run(refresh_kb(repo=str(team.work), now=NOW))
    assert result["mode"] == "full" and result["commit"] and result["pushed"]
    assert ".ai/knowledgebase/INDEX.md" in result["pages_written"]
    assert git(team.remote, "rev-parse", "main").strip() == result["commit"]

    again = asyncio.run(refresh_kb(repo=str(team.work), now=NOW))
    assert again["commit"] is None and again["pages_written"] == []

    async def artifact_text() -> str:
        async with get_client() as client:
            artifact = await client.read_latest_artifacts()
        return "\n".join(str(a.data) for a in artifact if a.key == "refresh-kb")

    summary = asyncio.run(artifact_text())
    assert "KB refresh" in summary and "Pages written" in summary


@pytest.mark.usefixtures("prefect_harness")
def test_flow_runs_the_cli_recipe_so_it_takes_the_work_tree_lock_too(
    team: TeamRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One recipe for both paths (issue 16): the flow holds the work tree's lock like the CLI, so a CLI run holding
    it makes the flow give up (after CEREMONIES_LOCK_WAIT_SECONDS) with nothing written, committed or pushed."""
    monkeypatch.setenv("CEREMONIES_LOCK_WAIT_SECONDS", "0")
    before = git(team.remote, "rev-parse", "main").strip()
    with repo_lock(team.work / ".git", job="refresh-kb", wait_seconds=0, repo=team.work):
        state = asyncio.run(refresh_kb(repo=str(team.work), now=NOW, return_state=True))
    assert state.is_failed() and "another run is in progress" in str(state.message), state.message
    assert git(team.remote, "rev-parse", "main").strip() == before
    assert git(team.work, "status", "--porcelain").strip() == ""
    assert gc.isenabled(), "the garbage collector is resumed on the way out"

    result = asyncio.run(refresh_kb(repo=str(team.work), now=NOW))  # lock free: the run goes through
    assert result["commit"] and git(team.remote, "rev-parse", "main").strip() == result["commit"]
