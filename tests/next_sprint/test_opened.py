"""``recipe.opened``, where every job starts: lock, pull, settings and notifier in; gc, lock and repo back out,
whatever happens (the CLI and the flows share it, so their lock and close behaviour cannot drift)."""

from __future__ import annotations

import gc

import pytest

from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.adapters.repolock import current_holder
from ceremonies.jobs.recipe import opened
from support.gitrepo import TeamRepo, commit_as_human, git


def test_opened_locks_pulls_and_builds_the_notifier_from_the_repos_settings(team: TeamRepo) -> None:
    other = team.remote.parent / "other"
    git(team.remote.parent, "clone", "-q", str(team.remote), str(other))
    commit_as_human(other, {"ceremonies.toml": "[slack]\nchannel = \"#elsewhere\"\n"}, "docs: move the channel")
    git(other, "push", "-q", "origin", "main")
    gc.enable()
    with opened(str(team.work), None, job="test-job", dry_run=False) as repo:
        holder = current_holder(repo.docs.git_dir)
        assert holder is not None and holder.job == "test-job"
        assert not gc.isenabled()
        assert repo.settings.slack.channel == "#elsewhere", "settings are read after the pull"
        assert isinstance(repo.notifier, ConsoleNotifier) and repo.notifier.channel == "#elsewhere"
    assert gc.isenabled() and current_holder(team.work / ".git") is None


def test_opened_gives_everything_back_when_the_job_fails(team: TeamRepo) -> None:
    gc.enable()
    with pytest.raises(RuntimeError, match="the job broke"), opened(str(team.work), None, job="t", dry_run=False):
        raise RuntimeError("the job broke")
    assert gc.isenabled() and current_holder(team.work / ".git") is None


def test_a_dry_run_takes_no_lock_and_does_not_pull(team: TeamRepo) -> None:
    before = git(team.work, "rev-parse", "HEAD").strip()
    with opened(str(team.work), None, job="t", dry_run=True, channel="#override") as repo:
        assert current_holder(repo.docs.git_dir) is None
        assert repo.settings.slack.channel == "#override"
    assert git(team.work, "rev-parse", "HEAD").strip() == before
