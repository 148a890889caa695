"""A remote that never answers cannot hang a run: fetch and push are killed after ``CEREMONIES_GIT_TIMEOUT``, the
run ends with a clear error, the repo lock is free again and the next run succeeds once the remote answers —
on the direct path (CLI) and in the Prefect flow."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from next_sprint_files import DUE_DAY, NEW_PLAN_PATH
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound

from ceremonies.adapters.git.runner import TIMEOUT_ENV
from ceremonies.cli import main
from ceremonies.errors import GitError, GitTimeoutError, LockTimeoutError
from ceremonies.tasks.repo_limit import LOCK_WAIT_ENV, repo_lock_name
from support.gitrepo import TeamRepo, git, hang_pushes, hang_remote

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "flows"))
from next_sprint import next_sprint  # noqa: E402

TIMEOUT = 3
"""Seconds a git network call may take in these tests (the product default is 120)."""
SLACK = 10
"""What the issue allows on top of the timeout for the run to end."""


@pytest.fixture(autouse=True)
def short_git_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, str(TIMEOUT))


def hang_fetch(team: TeamRepo) -> Callable[[], None]:
    """Make the work tree's remote hang; return how to make it answer again."""
    hang_remote(team.work)
    return lambda: git(team.work, "remote", "set-url", "origin", str(team.remote)) and None


def hang_push(team: TeamRepo) -> Callable[[], None]:
    """Make only pushes hang; return how to make them answer again."""
    hook = hang_pushes(team.remote)
    return hook.unlink


HANGS = {"fetch": hang_fetch, "push": hang_push}


@pytest.mark.parametrize("where", sorted(HANGS))
def test_cli_run_ends_with_a_clear_error_and_the_next_run_succeeds(
    team: TeamRepo, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = HANGS[where](team)
    started = time.monotonic()
    code = main(["next-sprint", "--repo", str(team.work), "--today", DUE_DAY.isoformat()])
    took = time.monotonic() - started
    err = capsys.readouterr().err
    assert code != 0
    assert f"git {where}" in err and f"did not finish within {TIMEOUT} s" in err and TIMEOUT_ENV in err
    assert took < TIMEOUT + SLACK

    answer()
    assert main(["next-sprint", "--repo", str(team.work), "--today", DUE_DAY.isoformat()]) == 0
    assert NEW_PLAN_PATH in git(team.remote, "ls-tree", "-r", "--name-only", "main")


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("where", sorted(HANGS))
def test_flow_run_ends_with_a_clear_error_frees_the_lock_and_the_next_run_succeeds(team: TeamRepo, where: str) -> None:
    answer = HANGS[where](team)
    started = time.monotonic()
    with pytest.raises(GitTimeoutError, match=f"git {where}.* did not finish within {TIMEOUT} s"):
        asyncio.run(next_sprint(repo=str(team.work), today=DUE_DAY.isoformat()))
    assert time.monotonic() - started < TIMEOUT + SLACK
    assert asyncio.run(active_slots(repo_lock_name(str(team.work)))) == 0

    answer()
    result = asyncio.run(next_sprint(repo=str(team.work), today=DUE_DAY.isoformat()))
    assert result["pushed"] is True  # the commit the timed-out run made, or a new one
    assert git(team.remote, "rev-parse", "main").strip() == git(team.work, "rev-parse", "HEAD").strip()
    assert NEW_PLAN_PATH in git(team.remote, "ls-tree", "-r", "--name-only", "main")


async def active_slots(name: str) -> int:
    """Return how many slots of the global concurrency limit ``name`` are taken."""
    async with get_client() as client:
        limit = await client.read_global_concurrency_limit_by_name(name)
    return int(limit.active_slots)


@pytest.mark.usefixtures("prefect_harness")
def test_a_second_run_gives_up_waiting_and_names_the_run_holding_the_repo(
    team: TeamRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "8")
    monkeypatch.setenv(LOCK_WAIT_ENV, "1")
    hang_fetch(team)
    name = repo_lock_name(str(team.work))
    with ThreadPoolExecutor(1) as pool:
        holder = pool.submit(asyncio.run, next_sprint(repo=str(team.work), today=DUE_DAY.isoformat()))
        deadline = time.monotonic() + 30
        while asyncio.run(active_slots_or_none(name)) != 1:
            assert time.monotonic() < deadline and not holder.done(), "the first run never took the lock"
            time.sleep(0.1)
        busy = r"another run is in progress: it holds .*work since 20\d\d-.* UTC \(flow run '"
        with pytest.raises(LockTimeoutError, match=busy):
            asyncio.run(next_sprint(repo=str(team.work), today=DUE_DAY.isoformat()))
        with pytest.raises(GitTimeoutError):
            holder.result(timeout=30)
    assert asyncio.run(active_slots(name)) == 0


@pytest.mark.usefixtures("prefect_harness")
def test_a_bad_repo_fails_before_locking_and_creates_no_concurrency_limit(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-repo"
    with pytest.raises(GitError, match="no such repository path"):
        asyncio.run(next_sprint(repo=str(missing), today=DUE_DAY.isoformat()))
    assert asyncio.run(active_slots_or_none(repo_lock_name(str(missing)))) is None


async def active_slots_or_none(name: str) -> int | None:
    """Return the taken slots of the limit ``name``, or None when no such limit exists."""
    try:
        return await active_slots(name)
    except ObjectNotFound:
        return None
