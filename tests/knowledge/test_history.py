"""Merged work read from real git: first-parent view, merge commits and squash merges, sync point, shallow clones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ceremonies.adapters import history
from ceremonies.errors import GitError
from support.gitrepo import TeamRepo, commit_as_human, git, merge_branch


def test_first_parent_work_with_merge_and_squash(team: TeamRepo) -> None:
    files = {"src/payments/api.py": "VALUE = 2\n", "src/payments/new.py": "X = 1\n"}
    merge = merge_branch(team.work, "feat/retries", files, "feat(payments): retry soft declines",
                         merge_message="Merge pull request #7 from team/retries", date="2026-03-17T11:00:00+01:00")
    squash = commit_as_human(team.work, {"src/checkout/flow.py": "STEP = 2\n"}, "fix(checkout): keep the cart (#8)",
                             date="2026-03-18T09:30:00+01:00")
    facts = history.repo_facts(team.work)
    work = history.read_merged_work(facts)
    assert [c.sha for c in work][-2:] == [merge, squash]
    assert len(work) == 3, "the feature branch's own commit is not on the first-parent line"
    merged = work[1]
    assert merged.is_merge
    assert {(f.status, f.path) for f in merged.files} == {("M", "src/payments/api.py"), ("A", "src/payments/new.py")}
    assert merged.date == datetime(2026, 3, 17, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    assert merged.author == "Dana Human" and merged.subject.startswith("Merge pull request #7")
    since = history.read_merged_work(facts, work[0].sha)
    assert [c.sha for c in since] == [merge, squash]


def test_sync_point_is_read_from_the_trailer(team: TeamRepo) -> None:
    assert history.find_sync_point(team.work) is None
    first = git(team.work, "rev-parse", "HEAD").strip()
    commit_as_human(team.work, {"notes.txt": "x\n"}, f"docs(kb): refresh\n\nKB-Synced-Through: {first}")
    commit_as_human(team.work, {"src/a.py": "A = 1\n"}, "feat: later work")
    sync = history.find_sync_point(team.work)
    assert sync is not None and sync.synced_through == first


def test_shallow_clone_is_deepened_when_it_has_a_remote(team: TeamRepo, tmp_path: Path) -> None:
    commit_as_human(team.work, {"src/a.py": "A = 2\n"}, "feat: second", date="2026-03-05T10:00:00+01:00")
    git(team.work, "push", "-q", "origin", "main")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{team.remote}", str(shallow))
    facts = history.repo_facts(shallow)
    assert facts.shallow
    deepened = history.ensure_history(facts, None)
    assert not deepened.shallow
    dates = [c.date.date().isoformat() for c in history.read_merged_work(deepened)]
    assert dates == ["2026-03-03", "2026-03-05"]


def test_shallow_clone_without_remote_is_refused(team: TeamRepo, tmp_path: Path) -> None:
    commit_as_human(team.work, {"src/a.py": "A = 2\n"}, "feat: second")
    git(team.work, "push", "-q", "origin", "main")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{team.remote}", str(shallow))
    git(shallow, "remote", "remove", "origin")
    with pytest.raises(GitError, match="shallow clone") as caught:
        history.ensure_history(history.repo_facts(shallow), None)
    assert str(shallow) in str(caught.value)


def test_not_a_repo_is_a_git_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not a git work tree"):
        history.repo_facts(tmp_path)
