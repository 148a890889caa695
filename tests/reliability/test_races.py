"""Races: N processes run the same job at once, each in its own clone of one bare remote (like N workers picking up
the same schedule). All of them end Completed (exit 0) or cleanly skip; the remote history has exactly the expected
commits (one KB refresh, one sprint doc), with no duplicate sprint doc."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_support import HERE, KB, SPRINTS, bot_commits, team_files

from ceremonies.testing.gitrepo import TeamRepo, clone_again, commit_as_human, git, make_team_repo

FULL = os.environ.get("CEREMONIES_RELIABILITY_FULL") == "1"
RACERS = 20 if FULL else 4
NOW = "2026-05-27T12:00:00+02:00"
TODAY = "2026-05-27"


def _race(team: TeamRepo, tmp: Path, job: str, racers: int) -> list[dict[str, object]]:
    """Start ``racers`` processes of ``job`` at once, each in its own fresh clone; return their JSON results."""
    clones = [clone_again(team.remote, tmp / f"{job}-{i}") for i in range(racers)]
    env = {**os.environ, "CRASH_NOW": NOW, "CRASH_TODAY": TODAY}
    env.pop("CRASH_AT", None)
    procs = [
        subprocess.Popen(
            [sys.executable, str(HERE / "crash_child.py"), job, str(clone)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for clone in clones
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"a racing {job} failed: {out} {err}"
        results.append(json.loads(out.strip().splitlines()[-1]))
    for clone in clones:
        assert git(clone, "status", "--porcelain").strip() == "", "a racer left its clone dirty"
    return results


@pytest.fixture()
def team(tmp_path: Path) -> TeamRepo:
    return make_team_repo(tmp_path / "team", team_files(), date="2026-05-20T10:00:00+02:00")


def test_concurrent_kb_refreshes_make_exactly_one_commit_per_new_work(team: TeamRepo, tmp_path: Path) -> None:
    first = _race(team, tmp_path / "round1", "refresh_kb", RACERS)
    assert bot_commits(team.remote) == ["docs(kb): refresh knowledge base (1 new merged commit)"]
    assert sum(1 for r in first if r["commit"]) >= 1
    git(team.work, "pull", "-q", "--ff-only")
    commit_as_human(
        team.work, {"src/search/index.py": "WARM = 2\n"}, "feat(search): warmer", date="2026-05-26T10:00:00+02:00"
    )
    git(team.work, "push", "-q", "origin", "main")
    _race(team, tmp_path / "round2", "refresh_kb", RACERS)
    assert bot_commits(team.remote) == ["docs(kb): refresh knowledge base (1 new merged commit)"] * 2
    subjects = git(team.remote, "log", "--format=%s", "main").splitlines()
    assert len(subjects) == 4, f"unexpected history: {subjects}"
    assert KB + "/INDEX.md" in git(team.remote, "ls-tree", "-r", "--name-only", "main")


def test_concurrent_next_sprint_runs_write_one_sprint_doc(team: TeamRepo, tmp_path: Path) -> None:
    results = _race(team, tmp_path / "plan", "next_sprint", RACERS)
    assert bot_commits(team.remote) == ["docs(sprint): plan SPR-302 (2026-05-29..2026-06-09)"]
    statuses = sorted(str(r["status"]) for r in results)
    assert statuses.count("created") >= 1, statuses
    docs = [p for p in git(team.remote, "ls-tree", "-r", "--name-only", "main").split() if p.startswith(SPRINTS)]
    assert [p for p in docs if "SPR-302" in p] == [f"{SPRINTS}/SPR-302-iteration-template.md"], "duplicate doc"
    announced = sum(1 for r in results if r["deliveries"])
    assert announced == 1, f"the new plan was announced {announced} times by {len(results)} racers"
