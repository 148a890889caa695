"""The ``next_sprint`` flow on real repos against Prefect's test server: one commit, re-runs, human edits, races,
failures naming the file, the doc as an artifact, and the bundled example team."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from markdown_it import MarkdownIt
from next_sprint_files import DUE_DAY, NEW_PLAN_PATH, RETRO_012_PATH
from prefect.client.orchestration import get_client

from ceremonies.adapters.repolock import repo_lock
from ceremonies.adapters.slack import DEFAULT_RETRIES
from ceremonies.domain.parsing import parse_document
from ceremonies.errors import RepoBusyError, SlackError, SprintDocError, UsageError
from support.gitrepo import TeamRepo, clone_again, commit_as_human, git, make_team_repo
from support.slack import SlackEmulator

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "flows"))
from next_sprint import next_sprint  # noqa: E402

EXAMPLE = PROJECT / "examples" / "team-repo"
EXAMPLE_DEMO_DAY = date(2026, 12, 15)
"""The demo date documented in examples/team-repo/README.md: the day before SPR-024 ends."""

pytestmark = pytest.mark.usefixtures("prefect_harness")


def flow(team: TeamRepo, **kwargs: Any) -> dict[str, Any]:
    """Run the flow on the team's work tree as of DUE_DAY (overridable); return its JSON result."""
    kwargs.setdefault("today", DUE_DAY)
    result: dict[str, Any] = asyncio.run(next_sprint(repo=str(team.work), **kwargs))
    return result


async def latest_artifact(key: str) -> str:
    """Return the data of the newest artifact with ``key``."""
    async with get_client() as client:
        artifacts = await client.read_latest_artifacts()
    return "\n".join(str(a.data) for a in artifacts if a.key == key)


def test_flow_creates_commits_once_pushes_and_leaves_human_edits_alone(team: TeamRepo) -> None:
    before = git(team.work, "rev-parse", "HEAD").strip()
    first = flow(team)
    assert first["status"] == "created" and first["committed"] and first["pushed"]
    assert git(team.work, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    assert git(team.remote, "rev-parse", "main").strip() == first["commit"]
    trailers = git(team.work, "log", "-1", "--format=%(trailers:key=Ceremonies-Run,valueonly)").strip()
    assert str(UUID(trailers)) == trailers  # the Prefect flow run id

    second = flow(team)
    assert second["status"] == "unchanged" and second["committed"] is False
    assert git(team.work, "rev-parse", "HEAD").strip() == first["commit"]

    edited = (team.work / NEW_PLAN_PATH).read_text(encoding="utf-8").replace("- TBD", "- Our own goal")
    edited += "\nDecisions from planning: keep typo tolerance behind a flag.\n"
    human = commit_as_human(team.work, {NEW_PLAN_PATH: edited}, "docs: planning decisions")
    third = flow(team)
    assert third["status"] == "human-edited" and third["committed"] is False and NEW_PLAN_PATH in third["errors"][0]
    assert (team.work / NEW_PLAN_PATH).read_text(encoding="utf-8") == edited
    assert git(team.work, "rev-parse", "HEAD").strip() == human


def test_flow_publishes_the_generated_doc_as_an_artifact(team: TeamRepo) -> None:
    result = flow(team)
    text = asyncio.run(latest_artifact("next-sprint-spr-013"))
    assert result["sprint"] == "SPR-013"
    assert "# SPR-013: Sprint 2026-13 Planning" in text and "## Scope (Planned Items)" in text
    tokens = MarkdownIt("commonmark").parse(text)
    headings = [tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "heading_open"]
    assert headings and not [heading for heading in headings if "docid:" in heading or "status:" in heading]
    yaml_blocks = [token.content for token in tokens if token.type == "fence" and token.info == "yaml"]
    assert len(yaml_blocks) == 1 and "docid: SPR-013" in yaml_blocks[0]


def test_a_flow_run_with_nothing_to_do_says_why_in_an_artifact(team: TeamRepo) -> None:
    commit_as_human(team.work, {RETRO_012_PATH: None}, "docs: retro not held yet")
    result = flow(team, today=date(2026, 3, 10))
    text = asyncio.run(latest_artifact("next-sprint-not-due"))
    assert result["status"] == "not-due" and result["committed"] is False
    assert "not-due" in text and result["reason"] in text


def test_flow_integrates_a_colleagues_push_before_its_own(team: TeamRepo, tmp_path: Path) -> None:
    other = clone_again(team.remote, tmp_path / "sam")
    commit_as_human(other, {"notes/review.md": "Review notes\n"}, "docs: review notes")
    git(other, "push", "-q", "origin", "main")

    result = flow(team)
    assert result["pushed"]
    files = git(team.remote, "ls-tree", "-r", "--name-only", "main").split()
    assert NEW_PLAN_PATH in files and "notes/review.md" in files


def test_flow_dry_run_writes_nothing(team: TeamRepo) -> None:
    before = git(team.work, "rev-parse", "HEAD").strip()
    result = flow(team, dry_run=True)
    assert result["status"] == "created" and result["dry_run"] and result["diff"].startswith("--- /dev/null")
    assert not (team.work / NEW_PLAN_PATH).exists()
    assert git(team.work, "rev-parse", "HEAD").strip() == before


def test_flow_fails_naming_the_missing_retro(team: TeamRepo) -> None:
    commit_as_human(team.work, {RETRO_012_PATH: None}, "docs: no retro")
    before = git(team.work, "rev-parse", "HEAD").strip()
    with pytest.raises(SprintDocError) as raised:
        flow(team, today=date(2026, 3, 20))
    assert RETRO_012_PATH in str(raised.value)
    assert git(team.work, "rev-parse", "HEAD").strip() == before and not (team.work / NEW_PLAN_PATH).exists()


def test_the_example_team_repo_plans_its_next_sprint(tmp_path: Path) -> None:
    example = make_team_repo(tmp_path, EXAMPLE, message="Example team docs")
    result = flow(example, today=EXAMPLE_DEMO_DAY)
    assert result["status"] == "created" and result["sprint"] == "SPR-025" and result["pushed"]
    assert result["start"] == "2026-12-16" and result["end"] == "2026-12-30"
    text = (example.work / result["path"]).read_text(encoding="utf-8")
    sprint = parse_document(text, result["path"]).sprint
    assert sprint is not None and sprint.number == "2026-25"
    assert any(item.source == "SPR-024-RETRO action 1" for item in sprint.items)
    assert any(item.carried == 2 for item in sprint.items)
    assert "Christmas" in text and "Archive events older than seven years" in text


def test_flow_announces_in_slack_through_the_emulator(team: TeamRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    token = "xoxb-flow-test-token"
    with SlackEmulator(token=token, channels={"C0SEARCH": "search"}) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", token)
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        result = flow(team)
        posted = slack.posted
    assert result["deliveries"] == ["posted"]
    assert [p["channel"] for p in posted] == ["C0SEARCH"] and "SPR-013" in posted[0]["text"]


def test_slack_is_retried_by_the_sdk_alone_then_the_run_fails_and_a_rerun_announces(
    team: TeamRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One retry layer per failure kind: a Slack outage costs 1 + DEFAULT_RETRIES calls (the SDK's handlers), not
    that times a task's retries; the plan is committed and pushed before, and the next run announces it once."""
    token = "xoxb-retry-team-token"
    with SlackEmulator(token=token, channels={"C0SEARCH": "search"}) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", token)
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        slack.inject("chat.postMessage", "503", times=1 + DEFAULT_RETRIES)
        with pytest.raises(SlackError):
            flow(team)
        failed_calls = list(slack.calls_to("chat.postMessage"))
        again = flow(team)
        posted = slack.posted
    announcements = [c for c in failed_calls if NEW_PLAN_PATH in str(c.params.get("text"))]
    assert [c.status for c in announcements] == [503] * (1 + DEFAULT_RETRIES), "the SDK's attempts, nothing more"
    assert NEW_PLAN_PATH in git(team.remote, "ls-tree", "-r", "--name-only", "main"), "pushed before announcing"
    assert again["status"] == "unchanged" and again["deliveries"] == ["posted"]
    assert [p["channel"] for p in posted if NEW_PLAN_PATH in p["text"]] == ["C0SEARCH"]


def test_the_flow_waits_for_the_work_trees_lock_like_the_cli(team: TeamRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The flow opens the repo through the same recipe.opened as the CLI: a CLI run holding the work tree makes
    it give up (RepoBusyError) without touching the repo."""
    monkeypatch.setenv("CEREMONIES_LOCK_WAIT_SECONDS", "0")
    with repo_lock(team.work / ".git", job="next-sprint", repo=team.work), pytest.raises(RepoBusyError):
        flow(team)
    assert not (team.work / NEW_PLAN_PATH).exists()
    assert flow(team)["status"] == "created"


def test_a_failed_run_on_a_url_repo_posts_its_notice_in_the_repos_own_channel(
    team: TeamRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure hook reads the channel from the bot's clone of the URL, not from the defaults (#sprint)."""
    monkeypatch.setenv("CEREMONIES_WORKDIR", str(tmp_path / "clones"))
    commit_as_human(team.work, {RETRO_012_PATH: None}, "docs: no retro")
    git(team.work, "push", "-q", "origin", "main")
    token = "xoxb-url-failure-token"
    with SlackEmulator(token=token, channels={"C0SPRINT": "sprint", "C0SEARCH": "search"}) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", token)
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        with pytest.raises(SprintDocError):
            asyncio.run(next_sprint(repo=f"file://{team.remote}", today=date(2026, 3, 20)))
        posted = slack.posted
    assert [p["channel"] for p in posted] == ["C0SEARCH"], "the repo's channel, not #sprint"
    assert "next-sprint" in posted[0]["text"] and RETRO_012_PATH in json.dumps(posted[0]["blocks"])


def test_today_is_a_plain_string_parameter_checked_by_the_flow(team: TeamRepo) -> None:
    schema = next_sprint.parameters.properties["today"]
    assert schema.get("type") == "string" and schema.get("default") == "" and "anyOf" not in schema
    assert flow(team, today=DUE_DAY.isoformat())["sprint"] == "SPR-013"
    with pytest.raises(UsageError, match=r"today='2026-13-01' is not a day like 2026-11-28"):
        flow(team, today="2026-13-01")
