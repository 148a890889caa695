"""The .ics calendar (parsed back by icalendar) and the ``remind`` / ``calendar`` commands."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from remind_support import CHANNEL, NOW, SEEDS, TOKEN, config_text

from ceremonies.cli import main
from ceremonies.jobs.remind import run_calendar
from support.gitrepo import TeamRepo, make_team_repo
from support.slack import SlackEmulator


def events_of(path: Path) -> list:
    calendar = Calendar.from_ical(path.read_bytes())
    return list(calendar.walk("VEVENT"))


def test_ics_has_one_event_per_ceremony_with_stable_uids(team: TeamRepo, tmp_path: Path) -> None:
    out = tmp_path / "sprint.ics"
    first = run_calendar(str(team.work), out, sprint="SPR-009", now=NOW)
    events = events_of(out)
    assert [str(e["UID"]) for e in events] == [
        "SPR-009-planning@ceremonies",
        "SPR-009-refinement@ceremonies",
        "SPR-009-demo@ceremonies",
        "SPR-009-retro@ceremonies",
    ]
    planning = events[0]
    assert planning.decoded("DTSTART") == datetime.fromisoformat("2026-04-13T09:30:00-06:00")
    assert planning["DTSTART"].params["TZID"] == "America/Denver"
    assert str(planning["SUMMARY"]) == "SPR-009: Sprint Planning"
    assert "VTIMEZONE" in {c.name for c in Calendar.from_ical(out.read_bytes()).subcomponents}
    assert len(first.events) == 4

    again = tmp_path / "again.ics"
    run_calendar(str(team.work), again, sprint="SPR-009", now=datetime.fromisoformat("2026-04-10T08:00:00-06:00"))
    assert [str(e["UID"]) for e in events_of(again)] == [str(e["UID"]) for e in events]
    assert int(events_of(again)[0]["SEQUENCE"]) > int(planning["SEQUENCE"]), "a later export is a newer revision"
    run_calendar(str(team.work), again, sprint="SPR-009", now=NOW)
    assert again.read_bytes() == out.read_bytes(), "same input and time: byte-identical file"


def test_calendar_defaults_to_the_current_sprint_and_names_unknown_ones(team: TeamRepo, tmp_path: Path) -> None:
    out = tmp_path / "now.ics"
    assert run_calendar(str(team.work), out, now=NOW).sprint == "SPR-008"
    at_now = ["--now", NOW.isoformat()]
    code = main(["calendar", "--repo", str(team.work), "--out", str(out), "--sprint", "SPR-404", *at_now])
    assert code == 2


def test_calendar_dry_run_prints_the_ics_and_writes_nothing(
    team: TeamRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dry.ics"
    at_now = ["--now", NOW.isoformat(), "--dry-run", "--json"]
    code = main(["calendar", "--repo", str(team.work), "--out", str(out), "--sprint", "SPR-009", *at_now])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and not out.exists()
    assert payload["dry_run"] is True and payload["sprint"] == "SPR-009"
    events = list(Calendar.from_ical(payload["ics"].encode()).walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [row["uid"] for row in payload["events"]]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not there")
def test_seed_004_calendar_lists_every_dated_timetable_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "seed"
    (work / ".ai/sprint").mkdir(parents=True)
    shutil.copy(next(SEEDS.glob("004_*")), work / ".ai/sprint/SPR-009-iteration-template.md")
    (work / "ceremonies.toml").write_text(config_text(), encoding="utf-8")
    repo = make_team_repo(tmp_path / "repo", work)
    out = tmp_path / "seed.ics"
    assert main(["calendar", "--repo", str(repo.work), "--out", str(out), "--now", NOW.isoformat(), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["sprint"] == "SPR-009"
    uids = [str(e["UID"]) for e in events_of(out)]
    assert uids == [
        "SPR-009-planning@ceremonies",
        "SPR-009-refinement@ceremonies",
        "SPR-009-perf-cogs-review-gate-dry-run@ceremonies",
        "SPR-009-demo@ceremonies",
        "SPR-009-retro@ceremonies",
    ]


def test_cli_remind_dry_run_json_lists_reminders_and_messages(
    team: TeamRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["remind", "--repo", str(team.work), "--now", NOW.isoformat(), "--horizon", "7d", "--dry-run", "--json"]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["dry_run"] is True and payload["scheduled"] == []
    rows = {row["key"]: row for row in payload["reminders"]}
    assert rows["SPR-009/planning/day-before"]["send_at"] == "2026-04-10T16:00:00-06:00"
    assert rows["SPR-009/planning/60m"]["status"] == "dry-run"
    assert len(payload["messages"]) == len(rows) == 6


def test_cli_remind_schedules_through_slack_and_a_rerun_skips(
    team: TeamRepo, emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_API_URL", emulator.url)
    args = ["remind", "--repo", str(team.work), "--now", NOW.isoformat(), "--horizon", "7d", "--channel", CHANNEL]
    assert main([*args, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["scheduled"]) == 6
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "| `SPR-009/planning/60m` | 2026-04-13T09:30:00-06:00 | 2026-04-13T08:30:00-06:00 | skipped |" in out
    assert len(emulator.scheduled) == 6


def test_cli_without_token_prints_the_messages(team: TeamRepo, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    assert main(["remind", "--repo", str(team.work), "--now", NOW.isoformat(), "--horizon", "1d"]) == 0
    out = capsys.readouterr().out
    assert "--- slack C0SPRINT at 2026-04-09T16:00:00-06:00 ---" in out and "| printed |" in out


def test_cli_remind_on_a_git_url_uses_the_channel_the_repo_configures(
    team: TeamRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The notifier is built after the clone, from the cloned repo's ceremonies.toml (slack.channel = C0SPRINT), not
    from the defaults (#sprint) the URL gave before it was cloned (issue 16's URL-repo bug)."""
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the clone goes below the user cache dir
    url = team.remote.resolve().as_uri()
    assert main(["remind", "--repo", url, "--now", NOW.isoformat(), "--horizon", "1d"]) == 0
    out = capsys.readouterr().out
    assert "--- slack C0SPRINT at 2026-04-09T16:00:00-06:00 ---" in out and "#sprint" not in out
    assert "channel `C0SPRINT`" in out and (tmp_path / "cache" / "ceremonies" / "clones").is_dir()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--horizon", "soon"], 2),
        (["--now", "yesterday"], 2),
        (["--frobnicate"], 2),
    ],
)
def test_cli_usage_errors_exit_2(team: TeamRepo, args: list[str], code: int) -> None:
    assert main(["remind", "--repo", str(team.work), "--dry-run", "--now", NOW.isoformat(), *args]) == code


def test_cli_exits_1_and_names_a_broken_doc(team: TeamRepo, capsys: pytest.CaptureFixture[str]) -> None:
    (team.work / ".ai/sprint/SPR-010-iteration-template.md").write_text("---\ntitle: [unclosed\n---\n# x\n")
    assert main(["remind", "--repo", str(team.work), "--now", NOW.isoformat(), "--dry-run"]) == 1
    assert "SPR-010-iteration-template.md" in capsys.readouterr().err
