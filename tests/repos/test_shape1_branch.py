"""Shape 1: a repo whose branch is not ``main``. The jobs work on the checked-out branch (a URL: the remote's
HEAD); ``[git] branch`` and ``--branch`` override it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from repo_shapes import padded_folders

from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.errors import GitError
from ceremonies.jobs.init import inspect_repo
from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
from ceremonies.jobs.recipe import Effects
from support.gitrepo import TeamRepo, commit_as_human, git, make_team_repo

END_OF_3 = date(2026, 3, 22)


def _master_repo(tmp_path: Path) -> TeamRepo:
    """Return a folder-per-sprint team repo on ``master`` with its config written by init."""
    team = make_team_repo(tmp_path, padded_folders(3, ["Add a smoke test — @kim — Sprint 4"]), branch="master")
    report = inspect_repo(team.work)
    commit_as_human(team.work, {"ceremonies.toml": report.config}, "ceremonies config")
    git(team.work, "push", "-q", "origin", "master")
    return team


def test_shape1_checked_out_master_is_planned_committed_and_pushed_there(
    tmp_path: Path, quiet: ConsoleNotifier
) -> None:
    team = _master_repo(tmp_path)
    result = run_next_sprint(NextSprintRequest(str(team.work), today=END_OF_3), Effects(notifier=quiet))
    assert result.status == "created" and result.path == "docs/sprints/sprint-04/plan.md"
    assert result.pushed and result.commit == git(team.remote, "rev-parse", "master").strip()


def test_shape1_a_url_is_cloned_on_the_remotes_head(
    tmp_path: Path, quiet: ConsoleNotifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = _master_repo(tmp_path)
    monkeypatch.setenv("CEREMONIES_WORKDIR", str(tmp_path / "clones"))
    result = run_next_sprint(NextSprintRequest(f"file://{team.remote}", today=END_OF_3), Effects(notifier=quiet))
    assert result.status == "created" and result.pushed
    assert "sprint-04/plan.md" in git(team.remote, "show", "--stat", "--format=", "master")


def test_shape1_config_branch_other_than_the_checked_out_one_is_a_clear_error(
    tmp_path: Path, quiet: ConsoleNotifier
) -> None:
    team = _master_repo(tmp_path)
    config = (team.work / "ceremonies.toml").read_text(encoding="utf-8")
    commit_as_human(
        team.work,
        {"ceremonies.toml": config.replace("# branch = ", "branch = ").replace('"master"', '"trunk"')},
        "docs on trunk",
    )
    with pytest.raises(GitError, match=r"'master'.*'trunk'"):
        run_next_sprint(NextSprintRequest(str(team.work), today=END_OF_3), Effects(notifier=quiet))
    result = run_next_sprint(
        NextSprintRequest(str(team.work), branch="master", today=END_OF_3), Effects(notifier=quiet)
    )
    assert result.status == "created"


def test_shape1_branch_flag_naming_another_branch_refuses(tmp_path: Path, quiet: ConsoleNotifier) -> None:
    team = _master_repo(tmp_path)
    with pytest.raises(GitError, match="is on branch 'master', expected 'main'"):
        run_next_sprint(NextSprintRequest(str(team.work), branch="main", today=END_OF_3), Effects(notifier=quiet))
