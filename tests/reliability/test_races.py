"""Races: N processes run the same job at once, each in its own clone of one bare remote (like N workers picking up
the same schedule). All of them end Completed (exit 0) or cleanly skip; the remote history has exactly the expected
commits (one KB refresh, one sprint doc), with no duplicate sprint doc."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from reliability_support import (
    CAMPAIGN_LINES,
    FAKE_TOKEN,
    HERE,
    KB,
    SLACK_CHANNEL,
    SPRINTS,
    bot_commits,
    remind_files,
    team_files,
)

from ceremonies.adapters.slack import read_marker
from ceremonies.jobs.remind import RemindRequest, run_remind
from support.gitrepo import TeamRepo, clone_again, commit_as_human, git, make_team_repo
from support.slack import SlackEmulator

FULL = os.environ.get("CEREMONIES_RELIABILITY_FULL") == "1"
RACERS = 20 if FULL else 4
NOW = "2026-05-27T12:00:00+02:00"
TODAY = "2026-05-27"


def release(start: Path, racers: int) -> None:
    """Wait until every racer has imported everything and reached the start line, then start them all at once."""
    deadline = time.monotonic() + 120
    while len(list(start.parent.glob(f"{start.name}.ready.*"))) < racers and time.monotonic() < deadline:
        time.sleep(0.02)
    start.touch()


def _race(team: TeamRepo, tmp: Path, job: str, racers: int) -> list[dict[str, object]]:
    """Start ``racers`` processes of ``job`` at once, each in its own fresh clone; return their JSON results."""
    clones = [clone_again(team.remote, tmp / f"{job}-{i}") for i in range(racers)]
    start = tmp / f"{job}-start"
    env = {**os.environ, "CRASH_NOW": NOW, "CRASH_TODAY": TODAY, "RACE_START_FILE": str(start)}
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
    release(start, racers)
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


def test_concurrent_reminder_runs_schedule_each_reminder_once(tmp_path: Path) -> None:
    team = make_team_repo(tmp_path / "team", remind_files(), date="2026-05-20T10:00:00+02:00")
    moment = "2026-06-11T09:00:00+02:00"
    with SlackEmulator(token=FAKE_TOKEN, channels={SLACK_CHANNEL: "sprint"}) as slack:
        slack.set_now(datetime.fromisoformat(moment))
        start = tmp_path / "remind-start"
        env = {**os.environ, "SLACK_API_URL": slack.url, "SLACK_BOT_TOKEN": FAKE_TOKEN, "RACE_START_FILE": str(start)}
        clones = [clone_again(team.remote, tmp_path / f"remind-{i}") for i in range(RACERS)]
        procs = [
            subprocess.Popen(
                [sys.executable, str(HERE / "slack_child.py"), str(clone), moment, "100000"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for clone in clones
        ]
        release(start, RACERS)
        codes = [proc.wait(timeout=300) for proc in procs]
        assert codes == [0] * RACERS, [proc.communicate() for proc in procs]
        expected = run_remind(RemindRequest(str(team.work), now=datetime.fromisoformat(moment), dry_run=True)).plan.due
        keys = [read_marker(m["text"]) for m in slack.scheduled]
        calls, deleted = len(slack.calls_to("chat.scheduleMessage")), len(slack.deleted)
        counts = {r.key: sum(1 for k in keys if k and k[0] == r.key) for r in expected}
    CAMPAIGN_LINES.append(
        f"reminder race: {RACERS} racers, {calls} chat.scheduleMessage calls, {deleted} duplicates deleted, "
        f"{sum(v == 1 for v in counts.values())}/{len(counts)} reminders scheduled once"
    )
    assert expected and counts == dict.fromkeys(counts, 1), f"copies per reminder: {counts}"
