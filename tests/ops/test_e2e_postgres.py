"""Scale-out check: the served deployments on a Prefect server backed by a real PostgreSQL, several runs at once.

Starts a throw-away PostgreSQL cluster with Debian's binaries (skipped with a clear message where it cannot
start), a `prefect server start` on it, `ceremonies serve`, and triggers refresh-kb on several docs repos at once
plus two runs on one repo: all complete (no 503 "database is locked" as with SQLite), each repo gets exactly one
KB commit, and the two runs on one repo never held its lock together.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from e2e_support import (
    CEREMONIES,
    ROOT,
    api,
    assert_completed,
    assert_never_held_together,
    team_files,
    trigger,
    wait_for_deployments,
)

from ceremonies.tasks.repo_limit import repo_lock_name
from support.gitrepo import TeamRepo, git, make_team_repo
from support.prefect_server import (
    PostgresUnavailable,
    running_postgres,
    running_prefect_server,
    stop_process_group,
)

pytestmark = pytest.mark.e2e

REPOS = 3


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    try:
        with running_postgres() as url:
            yield url
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL scale-out test skipped (needs Debian's postgresql, /usr/lib/postgresql/*/bin): {exc}")


def remote_commits(team: TeamRepo) -> int:
    return len(git(team.remote, "log", "--format=%H", "main").splitlines())


def test_parallel_runs_on_postgres_backed_server(postgres_url: str, tmp_path: Path, today: date) -> None:
    teams = [make_team_repo(tmp_path / f"team-{i}", team_files(today)) for i in range(REPOS)]
    with running_prefect_server(home=tmp_path / "prefect-home", database_url=postgres_url) as server:
        env = {**server.env, "CEREMONIES_PROJECT_DIR": str(ROOT)}
        log_path = tmp_path / "serve.log"
        with log_path.open("wb") as log:
            serve = subprocess.Popen(
                [
                    CEREMONIES,
                    "serve",
                    "-d",
                    "refresh-kb",
                    "--repo",
                    str(teams[0].work),
                    "--poll-seconds",
                    "1",
                    "--limit",
                    str(REPOS + 1),
                    "--concurrency-limit",  # many repos on one deployment at once (prefect.yaml: 1, CANCEL_NEW)
                    str(REPOS + 1),
                ],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            with api(server):
                deployment = wait_for_deployments(["refresh-kb"])["refresh-kb"]
                params = [{"repo": str(team.work), "full": True} for team in teams]
                runs = trigger(deployment, [*params, params[0]])  # the first repo twice
                assert_completed(runs, log_path)
                for team in teams:
                    assert remote_commits(team) == 2, f"{team.work}: expected the seed commit plus one KB commit"
                assert_never_held_together([runs[0].id, runs[-1].id], repo_lock_name(str(teams[0].work)))
        finally:
            stop_process_group(serve)
