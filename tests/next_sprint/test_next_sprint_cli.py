"""``ceremonies next-sprint`` through the real CLI (main() in-process, and one subprocess): output, JSON, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from next_sprint_files import NEW_PLAN_PATH, PLAN_012_PATH, RETRO_012_PATH

from ceremonies.cli import main
from support.gitrepo import TeamRepo, commit_as_human, git
from support.slack import SlackEmulator

DUE = "2026-03-17"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``ceremonies next-sprint args`` in-process; return (exit code, stdout, stderr)."""
    code = main(["next-sprint", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_names_path_sprint_and_commit(team: TeamRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "--repo", str(team.work), "--today", DUE, "--json")
    payload = json.loads(out)
    assert code == 0
    assert payload["path"] == NEW_PLAN_PATH and payload["sprint"] == "SPR-013" and payload["status"] == "created"
    assert payload["committed"] is True and payload["pushed"] is True and payload["errors"] == []
    assert payload["commit"] == git(team.remote, "rev-parse", "main").strip()
    assert "SPR-013" in err  # the console announcement goes to stderr so stdout stays JSON

    code, out, _ = cli(capsys, "--repo", str(team.work), "--today", DUE, "--json")
    again = json.loads(out)
    assert code == 0 and again["status"] == "unchanged" and again["committed"] is False


def test_dry_run_prints_the_doc_and_the_message_and_writes_nothing(
    team: TeamRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    before = git(team.work, "rev-parse", "HEAD").strip()
    code, out, _ = cli(capsys, "--repo", str(team.work), "--today", DUE, "--dry-run")
    assert code == 0
    assert "# SPR-013: Sprint 2026-13 Planning" in out and "--- slack message (not sent) ---" in out
    assert not (team.work / NEW_PLAN_PATH).exists()
    assert git(team.work, "rev-parse", "HEAD").strip() == before
    assert git(team.work, "status", "--porcelain", "--untracked-files=all").strip() == ""


def test_dry_run_after_a_retro_change_prints_a_diff(team: TeamRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "--repo", str(team.work), "--today", DUE)[0] == 0
    retro = (team.work / RETRO_012_PATH).read_text(
        encoding="utf-8"
    ) + "- [ ] Demo search to sales — @PO — Sprint 2026-13\n"
    commit_as_human(team.work, {RETRO_012_PATH: retro}, "docs: retro addendum")
    code, out, _ = cli(capsys, "--repo", str(team.work), "--today", DUE, "--dry-run")
    assert code == 0 and f"--- a/{NEW_PLAN_PATH}" in out and "+- [ ]" in out and "Demo search to sales" in out


def test_human_edit_is_reported_with_exit_code_1(team: TeamRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "--repo", str(team.work), "--today", DUE)[0] == 0
    edited = (team.work / NEW_PLAN_PATH).read_text(encoding="utf-8") + "\nOur own notes.\n"
    commit_as_human(team.work, {NEW_PLAN_PATH: edited}, "docs: notes")
    code, _, err = cli(capsys, "--repo", str(team.work), "--today", DUE)
    assert code == 1 and f"error: {NEW_PLAN_PATH}" in err and "--force" in err
    assert (team.work / NEW_PLAN_PATH).read_text(encoding="utf-8") == edited


@pytest.mark.parametrize(
    ("broken", "today", "named"),
    [
        ({RETRO_012_PATH: None}, "2026-03-20", RETRO_012_PATH),
        ({PLAN_012_PATH: b"\xff\xfe\x00binary"}, DUE, PLAN_012_PATH),
        ({".ceremonies/templates/sprint.md.j2": "{% for x in %}\n"}, DUE, ".ceremonies/templates/sprint.md.j2"),
    ],
    ids=["retro-missing", "plan-unreadable", "template-error"],
)
def test_bad_input_exits_1_naming_the_file_and_commits_nothing(
    team: TeamRepo, capsys: pytest.CaptureFixture[str], broken: dict[str, str | bytes | None], today: str, named: str
) -> None:
    remote_before = git(team.remote, "rev-parse", "main").strip()
    commit_as_human(team.work, broken, "docs: something broke")
    before = git(team.work, "rev-parse", "HEAD").strip()
    code, out, err = cli(capsys, "--repo", str(team.work), "--today", today, "--json")
    assert code == 1 and named in err and err.startswith("error: ")
    assert json.loads(out)["status"] == "failed" and named in json.loads(out)["errors"][0]
    assert git(team.work, "rev-parse", "HEAD").strip() == before
    assert git(team.remote, "rev-parse", "main").strip() == remote_before
    assert not (team.work / NEW_PLAN_PATH).exists()


def test_bad_today_is_a_usage_error(team: TeamRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "--repo", str(team.work), "--today", "17.03.2026")
    assert code == 2 and "--today '17.03.2026'" in err


def test_no_push_commits_locally_only(team: TeamRepo, capsys: pytest.CaptureFixture[str]) -> None:
    remote_before = git(team.remote, "rev-parse", "main").strip()
    code, out, _ = cli(capsys, "--repo", str(team.work), "--today", DUE, "--no-push", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["committed"] and not payload["pushed"]
    assert git(team.remote, "rev-parse", "main").strip() == remote_before


def test_the_installed_command_runs_as_a_subprocess(team: TeamRepo) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ceremonies.cli", "next-sprint", "--repo", str(team.work), "--today", DUE, "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "created"


def test_the_announcement_is_posted_to_slack_through_the_emulator(
    team: TeamRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "xoxb-search-team-token"
    with SlackEmulator(token=token, channels={"C0SEARCH": "search"}) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", token)
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        code, out, err = cli(capsys, "--repo", str(team.work), "--today", DUE, "--json")
        again, _, _ = cli(capsys, "--repo", str(team.work), "--today", DUE, "--json")
        posted = slack.posted
    assert code == 0 and again == 0 and json.loads(out)["deliveries"] == ["posted"]
    assert len(posted) == 1 and posted[0]["channel"] == "C0SEARCH"
    assert "SPR-013" in posted[0]["text"] and NEW_PLAN_PATH in posted[0]["text"]
    assert token not in out + err


@pytest.mark.parametrize("spelling", ["file-url", "bare-path"])
def test_a_repo_given_by_url_announces_in_its_own_configured_channel(
    team: TeamRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    """The notifier is built after the clone, from the repo's ceremonies.toml (channel #search), not from the
    defaults (#sprint) — the Slack workspace has both channels, so a post to the wrong one would succeed."""
    token = "xoxb-url-team-token"
    monkeypatch.setenv("CEREMONIES_WORKDIR", str(tmp_path / "clones"))
    repo = f"file://{team.remote}" if spelling == "file-url" else str(team.remote)
    with SlackEmulator(token=token, channels={"C0SPRINT": "sprint", "C0SEARCH": "search"}) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", token)
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        code, out, err = cli(capsys, "--repo", repo, "--today", DUE, "--json")
        posted = slack.posted
    assert code == 0, err
    assert json.loads(out)["status"] == "created" and json.loads(out)["deliveries"] == ["posted"]
    assert [message["channel"] for message in posted] == ["C0SEARCH"], "the repo's own channel, not #sprint"
    assert NEW_PLAN_PATH in posted[0]["text"]
