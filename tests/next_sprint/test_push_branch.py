"""A protected main: the remote's pre-receive hook rejects pushes to main. Without ``git.push_branch`` the run says
so and names the setting; with it, next-sprint and refresh-kb push to one branch per job and sprint, and re-runs add
nothing (no new commit, no new branch)."""

from __future__ import annotations

from pathlib import Path

import pytest
from next_sprint_files import DUE_DAY, NEW_PLAN_PATH

from ceremonies.cli import main
from ceremonies.config import GitSettings
from support.gitrepo import TeamRepo, commit_as_human, git, install_hook

PROTECT_MAIN = """while read old new ref; do
  if [ "$ref" = refs/heads/main ]; then echo "main is protected: open a merge request" >&2; exit 1; fi
done"""
PUSH_BRANCH = "ceremonies/{job}/{sprint}"


def protect_main(team: TeamRepo, push_branch: str | None) -> None:
    """Commit the team's ceremonies.toml (with ``push_branch`` when given), push it, then protect main."""
    toml = f'[git]\npush_branch = "{push_branch}"\n' if push_branch else "[slack]\nchannel = \"#sprint\"\n"
    commit_as_human(team.work, {"ceremonies.toml": toml}, "docs: ceremonies settings")
    git(team.work, "push", "-q", "origin", "main")
    install_hook(team.remote, "pre-receive", PROTECT_MAIN)


def remote_branches(remote: Path) -> dict[str, str]:
    """Return branch name → sha of the bare ``remote``."""
    out = git(remote, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/")
    return dict(line.split(" ", 1) for line in out.splitlines() if line)


def test_a_rejected_push_to_main_says_so_and_names_the_setting(
    team: TeamRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    protect_main(team, None)
    code = main(["next-sprint", "--repo", str(team.work), "--today", DUE_DAY.isoformat()])
    err = capsys.readouterr().err
    assert code != 0
    assert "rejected" in err and "main is protected" in err and "push_branch" in err and "[git]" in err


def test_results_land_on_one_branch_per_job_and_sprint_and_reruns_add_nothing(
    team: TeamRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    protect_main(team, PUSH_BRANCH)
    main_before = remote_branches(team.remote)["main"]
    args = ["--repo", str(team.work), "--today", DUE_DAY.isoformat()]
    assert main(["next-sprint", *args]) == 0
    assert main(["refresh-kb", "--repo", str(team.work)]) == 0
    after = remote_branches(team.remote)
    plan_branch, kb_branch = "ceremonies/next-sprint/SPR-013", "ceremonies/refresh-kb"
    assert set(after) == {"main", plan_branch, kb_branch} and after["main"] == main_before
    assert NEW_PLAN_PATH in git(team.remote, "ls-tree", "-r", "--name-only", plan_branch)
    assert git(team.remote, "merge-base", "--is-ancestor", main_before, plan_branch) == ""
    assert git(team.remote, "diff", "--name-only", "main", plan_branch).split() == [NEW_PLAN_PATH]
    kb_changes = git(team.remote, "diff", "--name-only", "main", kb_branch).split()
    assert kb_changes and NEW_PLAN_PATH not in kb_changes

    assert main(["next-sprint", *args]) == 0
    assert main(["refresh-kb", "--repo", str(team.work)]) == 0
    assert remote_branches(team.remote) == after
    capsys.readouterr()


@pytest.mark.parametrize(
    ("template", "job", "sprint", "expected"),
    [
        (PUSH_BRANCH, "next-sprint", "SPR-013", "ceremonies/next-sprint/SPR-013"),
        (PUSH_BRANCH, "refresh-kb", None, "ceremonies/refresh-kb"),
        ("bot/{job}-{sprint}", "refresh-kb", None, "bot/refresh-kb"),
        (None, "next-sprint", "SPR-013", None),
    ],
)
def test_push_target_names_one_branch_per_job_and_sprint(
    template: str | None, job: str, sprint: str | None, expected: str | None
) -> None:
    assert GitSettings(push_branch=template).push_target(job, sprint) == expected
