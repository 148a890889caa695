"""Golden files of what ceremonies writes and posts for the bundled example team (``examples/team-repo``, the repo
``make demo`` uses), through the installed CLI on a real git repo with a bare remote and the Slack emulator.

One pinned day (2026-12-15, the demo's date: the day before SPR-024 ends), one story:

1. ``next-sprint`` writes the SPR-025 plan and announces it           → ``example/plan/``, ``example/slack/``
2. a human adds a KB page with ``sources:`` and a ``recent-changes`` block, and a hand-written SPRINT-HISTORY.md
   with ``sprint-history`` markers; ``refresh-kb`` regenerates the KB   → ``example/kb/``, ``example/slack/``
3. a colleague merges work under the page's sources; ``refresh-kb`` flags the page stale (needs review)
4. ``remind`` schedules the reminders of the next 48 hours               → ``example/slack/``
5. ``calendar`` writes the running sprint's ``.ics``                    → ``example/calendar/``

Machine independence, deliberately: every date fed in is pinned (``--today``/``--now``, GIT_AUTHOR_DATE and
GIT_COMMITTER_DATE for the bot's commits, the emulator's clock); the global/system git config is ignored; the
temporary directory becomes ``<tmp>``; every commit sha of the repo (full or abbreviated) becomes ``<sha:N>``, N
its position in ``git log --reverse`` (the plan commit carries a random ``Ceremonies-Run`` id, so every later sha
differs from run to run); the invisible idempotency ref at the end of a Slack text is decoded into ``ref`` with its
content hash (taken over the text before that normalisation) replaced by ``<content-hash>``; Slack's message
timestamps and scheduled-message ids are left out. Nothing else is rewritten.

Update after an intended change: ``make goldens``, then review ``git diff tests/goldens`` (see golden_files.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from golden_files import as_json, check_golden_dir, normalise, slack_message

from support.gitrepo import TeamRepo, clone_again, commit_as_human, git, make_team_repo, merge_branch
from support.slack import SlackEmulator

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "team-repo"
GOLDEN = Path(__file__).parent / "example"
CLI = Path(sys.executable).with_name("ceremonies")
KB = ".ai/knowledgebase"
TOKEN = "xoxb-goldens"
CHANNELS = {"C0ORBIT": "orbit-sprint"}
TODAY = "2026-12-15"
EMULATOR_NOW = datetime.fromisoformat("2026-12-15T12:30:00+01:00")

ORDER_EVENTS_PAGE = """---
docid: KB-040
title: Order events
owner: "@Backend"
status: Active
sources:
  - src/orders/**
---

# Order events

Which events the orders service emits, and who listens. Written by hand.

## Recent changes

<!-- ceremonies:begin recent-changes -->
<!-- ceremonies:end recent-changes -->

Hand-written text after the block.
"""

HUMAN_SPRINT_HISTORY = """# Sprint history (our notes)

What we remember of each sprint, in our words first.

<!-- ceremonies:begin sprint-history -->
<!-- ceremonies:end sprint-history -->

Hand-written outro: velocity is a forecast, not a target.
"""


@dataclass
class Story:
    """What the scenario produced: the repo, the emulator's messages in posting order, the CLI's JSON answers."""

    team: TeamRepo
    tmp: Path
    messages: list[dict[str, Any]]
    plan_path: str


def _cli(team: TeamRepo, home: Path, slack: SlackEmulator, *args: str, at: str) -> dict[str, Any]:
    """Run ``ceremonies args --json`` on the team's work tree with git dates pinned to ``at``; return its JSON."""
    dropped = ("CEREMONIES_", "SLACK_", "PREFECT_API_URL", "GIT_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env |= {
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": at,
        "GIT_COMMITTER_DATE": at,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": slack.url,
        "TZ": "UTC",
    }
    done = subprocess.run(
        [str(CLI), *args, "--repo", str(team.work), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"ceremonies {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    tmp = tmp_path_factory.mktemp("goldens")
    home = tmp / "home"
    home.mkdir()
    team = make_team_repo(tmp / "team", EXAMPLE, message="Example team docs", date="2026-12-14T09:00:00+01:00")
    with SlackEmulator(token=TOKEN, channels=CHANNELS) as slack:
        slack.set_now(EMULATOR_NOW)
        planned = _cli(team, home, slack, "next-sprint", "--today", TODAY, at="2026-12-15T09:00:00+01:00")
        assert planned["committed"], planned

        human = clone_again(team.remote, tmp / "human")
        commit_as_human(
            human,
            {
                f"{KB}/services/order-events.md": ORDER_EVENTS_PAGE,
                f"{KB}/SPRINT-HISTORY.md": HUMAN_SPRINT_HISTORY,
                "src/orders/events.py": 'EVENTS = ("order.placed",)\n',
            },
            "docs(kb): order events page and our sprint history ORD-232",
            date="2026-12-15T10:00:00+01:00",
        )
        git(human, "push", "-q", "origin", "main")
        _cli(team, home, slack, "refresh-kb", "--now", "2026-12-15T10:30:00+01:00", at="2026-12-15T10:30:00+01:00")

        git(human, "pull", "-q", "--ff-only")
        merge_branch(
            human,
            "feat/order-shipped",
            {"src/orders/events.py": 'EVENTS = ("order.placed", "order.shipped")\n'},
            "feat(orders): emit order.shipped OPS-50",
            merge_message="Merge pull request #51 from orbit/feat/order-shipped\n\nfeat(orders): emit order.shipped",
            date="2026-12-15T11:00:00+01:00",
        )
        git(human, "push", "-q", "origin", "main")
        _cli(team, home, slack, "refresh-kb", "--now", "2026-12-15T11:30:00+01:00", at="2026-12-15T11:30:00+01:00")

        _cli(team, home, slack, "remind", "--now", "2026-12-15T12:30:00+01:00", "--horizon", "48h",
             at="2026-12-15T12:30:00+01:00")
        messages = [slack_message(m, EMULATOR_NOW.tzinfo) for m in [*slack.posted, *slack.scheduled]]
    yield Story(team=team, tmp=tmp, messages=messages, plan_path=planned["path"])


def _shas(team: TeamRepo) -> list[str]:
    return git(team.remote, "log", "--reverse", "--format=%H", "main").split()


def _normalised(story: Story, text: str) -> str:
    return normalise(text, shas=_shas(story.team), paths={str(story.tmp): "<tmp>"})


def _bot_written(team: TeamRepo) -> list[str]:
    """Return the files the bot's commits touched, sorted."""
    names = git(team.remote, "log", "--author=ceremonies-bot", "--name-only", "--format=", "main").split("\n")
    return sorted({name for name in names if name})


def test_the_plan_of_the_example_team_matches_its_golden(story: Story) -> None:
    assert story.plan_path == ".ai/sprint/SPR-025-iteration-template.md"
    text = (story.team.work / story.plan_path).read_text(encoding="utf-8")
    check_golden_dir(GOLDEN / "plan", {Path(story.plan_path).name: _normalised(story, text)})


def test_every_kb_page_the_bot_writes_matches_its_golden(story: Story) -> None:
    written = [name for name in _bot_written(story.team) if name.startswith(f"{KB}/")]
    assert {f"{KB}/INDEX.md", f"{KB}/WHATS-NEW.md", f"{KB}/SPRINT-HISTORY.md", f"{KB}/DOC-HEALTH.md",
            f"{KB}/services/order-events.md"} <= set(written), written
    pages = {
        name.removeprefix(f"{KB}/"): _normalised(story, (story.team.work / name).read_text(encoding="utf-8"))
        for name in written
    }
    check_golden_dir(GOLDEN / "kb", pages)


def _kind(message: dict[str, Any]) -> str:
    """Return a file-name-safe kind of a message from its idempotency key, e.g. ``next-sprint``, ``retro-60m``."""
    # SPR-025/next-sprint, kb-refresh/<sha>, SPR-024/retro/60m
    key = message["ref"].removeprefix("(ref: ").split(" ")[0]
    parts = [part for part in key.split("/") if not part.startswith("SPR-")]
    return "-".join(parts[:1] if parts[0] == "kb-refresh" else parts) or "message"


def test_every_slack_message_of_the_story_matches_its_golden(story: Story) -> None:
    kinds = [_kind(message) for message in story.messages]
    assert {"next-sprint", "kb-refresh", "planning", "demo", "retro"} <= {kind.split("-")[0] if kind.startswith(
        ("planning", "demo", "retro")) else kind for kind in kinds}, kinds
    outputs = {
        f"{number:02d}-{_kind(message)}.json": _normalised(story, as_json(message))
        for number, message in enumerate(story.messages, start=1)
    }
    check_golden_dir(GOLDEN / "slack", outputs)


def test_the_sprint_calendar_matches_its_golden(story: Story, tmp_path: Path) -> None:
    out = tmp_path / "sprint.ics"
    done = subprocess.run(
        [str(CLI), "calendar", "--repo", str(story.team.work), "--out", str(out), "--now", "2026-12-15T12:30:00+01:00"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    check_golden_dir(GOLDEN / "calendar", {"sprint.ics": _normalised(story, out.read_text(encoding="utf-8"))})
