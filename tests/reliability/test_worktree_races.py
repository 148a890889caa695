"""Races on ONE work tree (cron and a human at the shell, or two schedules, on the same checkout): every writing
job holds the repo lock, so runs take turns. Every run exits 0 (or says "another run is in progress"), every change
is committed once, and every Slack announcement is sent exactly once per commit it describes (counted in the Slack
emulator). The fast suite runs two trials of each scenario; ``make test-reliability`` runs twenty."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_support import CAMPAIGN_LINES, FAKE_TOKEN, HERE, bot_commits, team_files

from support.gitrepo import TeamRepo, git, make_team_repo
from support.slack import SlackEmulator

FULL = os.environ.get("CEREMONIES_RELIABILITY_FULL") == "1"
TRIALS = 20 if FULL else 2
NOW = "2026-05-27T12:00:00+02:00"
TODAY = "2026-05-27"
KB_ARGS = ["refresh-kb", "--now", NOW, "--json"]
PLAN_ARGS = ["next-sprint", "--today", TODAY, "--json"]
PLAN_SUBJECT = "docs(sprint): plan SPR-302 (2026-05-29..2026-06-09)"


def _release(start: Path, racers: int) -> None:
    """Start every racer at once, when all have imported everything and reached the start line."""
    deadline = time.monotonic() + 120
    while len(list(start.parent.glob(f"{start.name}.ready.*"))) < racers and time.monotonic() < deadline:
        time.sleep(0.02)
    start.touch()


def _race(team: TeamRepo, tmp: Path, slack: SlackEmulator, commands: list[list[str]]) -> list[dict[str, object]]:
    """Run the CLI ``commands`` at once on the same work tree; assert every one exits 0; return their JSON."""
    start = tmp / "start"
    env = {**os.environ, "SLACK_API_URL": slack.url, "SLACK_BOT_TOKEN": FAKE_TOKEN, "RACE_START_FILE": str(start),
           "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    procs = [subprocess.Popen([sys.executable, str(HERE / "cli_child.py"), *args, "--repo", str(team.work)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for args in commands]
    _release(start, len(procs))
    results = []
    for proc, args in zip(procs, commands, strict=True):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{args[0]} exited {proc.returncode}: {out} {err}"
        payload = json.loads(out[out.index("{"):])
        results.append({"job": args[0], **payload})
    assert git(team.work, "status", "--porcelain").strip() == "", "a racer left the work tree dirty"
    return results


def _new_team(tmp: Path) -> TeamRepo:
    return make_team_repo(tmp / "team", team_files(), date="2026-05-20T10:00:00+02:00")


def _texts(slack: SlackEmulator, *needles: str) -> list[str]:
    """Return the posted messages (text and blocks) containing every one of ``needles``."""
    found = [json.dumps([m["text"], m.get("blocks")], ensure_ascii=False) for m in slack.posted]
    return [text for text in found if all(needle in text for needle in needles)]


def _kb_trailers(remote: Path) -> list[str]:
    """Return the KB-Synced-Through trailer of every KB commit on the remote (newest first)."""
    log = git(remote, "log", "--format=%B%x1e", "main")
    return [line.split(":", 1)[1].strip() for entry in log.split("\x1e") if "docs(kb):" in entry
            for line in entry.splitlines() if line.startswith("KB-Synced-Through:")]


@pytest.mark.parametrize("trial", range(TRIALS))
def test_five_kb_refreshes_on_one_work_tree(tmp_path: Path, trial: int) -> None:
    team = _new_team(tmp_path)
    with SlackEmulator(token=FAKE_TOKEN, channels={"C0SPRINT": "sprint"}) as slack:
        results = _race(team, tmp_path, slack, [KB_ARGS] * 5)
        summaries = _texts(slack, "Knowledge base refreshed")
    assert bot_commits(team.remote) == ["docs(kb): refresh knowledge base (1 new merged commit)"]
    committed = [r for r in results if r.get("commit")]
    assert len(committed) == 1, results
    assert len(summaries) == 1, f"the KB summary was posted {len(summaries)} times"
    CAMPAIGN_LINES.append(f"work-tree race {trial}: 5 refresh-kb, 1 commit, {len(summaries)} summary")


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_plans_and_three_kb_refreshes_on_one_work_tree(tmp_path: Path, trial: int) -> None:
    team = _new_team(tmp_path)
    with SlackEmulator(token=FAKE_TOKEN, channels={"C0SPRINT": "sprint"}) as slack:
        results = _race(team, tmp_path, slack, [PLAN_ARGS, KB_ARGS, PLAN_ARGS, KB_ARGS, KB_ARGS])
        announcements = _texts(slack, "SPR-302", "is planned")
        summaries = _texts(slack, "Knowledge base refreshed")
    commits = bot_commits(team.remote)
    assert commits.count(PLAN_SUBJECT) == 1, commits
    trailers = _kb_trailers(team.remote)
    assert 1 <= len(trailers) <= 2 and len(set(trailers)) == len(trailers), f"duplicate KB commits: {commits}"
    plans = [r for r in results if r["job"] == "next-sprint"]
    assert sum(1 for r in plans if r["committed"]) == 1, plans
    assert len(announcements) == 1, f"the plan was announced {len(announcements)} times"
    assert len(summaries) == len(trailers), f"{len(summaries)} KB summaries for {len(trailers)} KB commits"
