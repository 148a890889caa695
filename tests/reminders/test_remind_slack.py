"""Reminders end to end through the real slack_sdk client against the Slack emulator: exactly once per reminder."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from remind_support import CHANNEL, NOW, SEEDS, TOKEN, config_text, us_plan

from ceremonies.adapters.slack import SlackNotifier, make_client, read_marker
from ceremonies.domain.messages import blocks_text
from ceremonies.errors import SlackError
from ceremonies.jobs.recipe import Effects
from ceremonies.jobs.remind import RemindRequest, run_remind
from support.gitrepo import TeamRepo, commit_as_human, git, make_team_repo
from support.slack import SlackEmulator

SPR9 = ".ai/sprint/SPR-009-iteration-template.md"
DENVER_TIMES = {
    "SPR-008/demo/day-before": "2026-04-09T16:00:00-06:00",
    "SPR-008/retro/day-before": "2026-04-09T16:00:00-06:00",
    "SPR-008/demo/60m": "2026-04-10T09:00:00-06:00",
    "SPR-008/retro/60m": "2026-04-10T10:15:00-06:00",
    "SPR-009/planning/day-before": "2026-04-10T16:00:00-06:00",
    "SPR-009/planning/60m": "2026-04-13T08:30:00-06:00",
}


def notifier(emulator: SlackEmulator, retries: int = 3) -> SlackNotifier:
    """Return a Slack notifier on the emulator through the real SDK client (fast backoff), its clock at NOW."""
    client = make_client(TOKEN, emulator.url, timeout=5, retries=retries, backoff=0.01)
    return SlackNotifier(client, CHANNEL, now=lambda: NOW)


def scheduled_by_key(emulator: SlackEmulator) -> dict[str, list[datetime]]:
    """Return key → post_at of every pending scheduled message, from the ref line of its text."""
    found: dict[str, list[datetime]] = {}
    for message in emulator.scheduled:
        marker = read_marker(message["text"])
        assert marker is not None, message["text"]
        found.setdefault(marker[0], []).append(datetime.fromtimestamp(message["post_at"], UTC))
    return found


def expected_times() -> dict[str, list[datetime]]:
    return {key: [datetime.fromisoformat(at).astimezone(UTC)] for key, at in DENVER_TIMES.items()}


def test_running_twice_leaves_exactly_one_scheduled_message_per_due_reminder(
    team: TeamRepo, emulator: SlackEmulator
) -> None:
    first = run_remind(RemindRequest(str(team.work), now=NOW, horizon="7d"), Effects(notifier=notifier(emulator)))
    assert sorted(first.to_json()["scheduled"]) == sorted(DENVER_TIMES)
    assert scheduled_by_key(emulator) == expected_times()

    second = run_remind(RemindRequest(str(team.work), now=NOW, horizon="7d"), Effects(notifier=notifier(emulator)))
    payload = second.to_json()
    assert payload["scheduled"] == [] and sorted(payload["skipped"]) == sorted(DENVER_TIMES)
    assert scheduled_by_key(emulator) == expected_times()
    assert emulator.deleted == [] and emulator.posted == []


def test_moving_the_demo_replaces_its_reminders(team: TeamRepo, emulator: SlackEmulator) -> None:
    run_remind(RemindRequest(str(team.work), now=NOW, horizon="20d"), Effects(notifier=notifier(emulator)))
    before = scheduled_by_key(emulator)
    assert before["SPR-009/demo/day-before"] == [datetime(2026, 4, 23, 22, 0, tzinfo=UTC)]

    text = (team.work / SPR9).read_text(encoding="utf-8")
    moved = text.replace(
        "Fri Apr 24 — 10:00–11:00:** Sprint Review/Demo", "Thu Apr 23 — 14:00–15:00:** Sprint Review/Demo"
    )
    commit_as_human(team.work, {SPR9: moved}, "docs: demo moves to Thursday")
    git(team.work, "push", "-q", "origin", "main")
    again = run_remind(RemindRequest(str(team.work), now=NOW, horizon="20d"), Effects(notifier=notifier(emulator)))

    after = scheduled_by_key(emulator)
    assert after["SPR-009/demo/day-before"] == [datetime(2026, 4, 22, 22, 0, tzinfo=UTC)]
    assert after["SPR-009/demo/60m"] == [datetime(2026, 4, 23, 19, 0, tzinfo=UTC)]
    assert {k: v for k, v in after.items() if "/demo/" not in k or k.startswith("SPR-008")} == {
        k: v for k, v in before.items() if "/demo/" not in k or k.startswith("SPR-008")
    }
    assert sorted(again.to_json()["scheduled"]) == ["SPR-009/demo/60m", "SPR-009/demo/day-before"]
    assert len(emulator.deleted) == 2


@pytest.mark.parametrize("fault", ["429", "500", "503"])
def test_faults_on_every_second_call_still_schedule_each_reminder_once(
    team: TeamRepo, emulator: SlackEmulator, fault: str
) -> None:
    emulator.inject(None, fault, times=None, every=2, retry_after=0)
    run_remind(RemindRequest(str(team.work), now=NOW, horizon="7d"), Effects(notifier=notifier(emulator)))
    run_remind(RemindRequest(str(team.work), now=NOW, horizon="7d"), Effects(notifier=notifier(emulator)))
    assert scheduled_by_key(emulator) == expected_times()
    assert any(call.fault == fault for call in emulator.calls)


def test_a_crash_between_two_scheduled_messages_is_repaired_by_the_next_run(
    team: TeamRepo, emulator: SlackEmulator
) -> None:
    emulator.inject("chat.scheduleMessage", "drop_after", times=1, every=3)  # applied, then the connection dies
    with pytest.raises(SlackError, match=r"chat\.scheduleMessage"):
        run_remind(
            RemindRequest(str(team.work), now=NOW, horizon="7d"), Effects(notifier=notifier(emulator, retries=0))
        )
    assert 0 < len(emulator.scheduled) < len(DENVER_TIMES)

    rerun = run_remind(RemindRequest(str(team.work), now=NOW, horizon="7d"), Effects(notifier=notifier(emulator)))
    assert scheduled_by_key(emulator) == expected_times()
    assert len(rerun.to_json()["skipped"]) == 3


def test_user_text_reaches_slack_escaped(team: TeamRepo, emulator: SlackEmulator) -> None:
    run_remind(RemindRequest(str(team.work), now=NOW, horizon="20d"), Effects(notifier=notifier(emulator)))
    texts = [m["text"] for m in emulator.scheduled]
    blocks = [json.dumps(m["blocks"]) for m in emulator.scheduled]
    assert not any("<!channel>" in text for text in texts + blocks)
    assert any("Alert noise &lt;!channel&gt; &amp; friends" in text for text in blocks)


def test_a_huge_sprint_is_accepted_by_slack(tmp_path: Path, emulator: SlackEmulator) -> None:
    rows = [(f"BIG-{n}", f"Item {n} " + "with a long explanatory title " * 6, f"Owner{n % 40}", 3) for n in range(700)]
    timetable = ["Mon Apr 13 — 09:30–11:00:** Sprint Planning.", "Fri Apr 24 — 10:00–11:00:** Sprint Review/Demo."]
    repo = make_team_repo(
        tmp_path, {SPR9: us_plan("Apr 13–Apr 24, 2026", 9, timetable, rows), "ceremonies.toml": config_text()}
    )
    later = datetime.fromisoformat("2026-04-23T08:00:00-06:00")
    emulator.set_now(later)
    client = make_client(TOKEN, emulator.url, timeout=5, backoff=0.01)
    result = run_remind(
        RemindRequest(str(repo.work), now=later, horizon="2d"),
        Effects(notifier=SlackNotifier(client, CHANNEL, now=lambda: later)),
    )
    assert {"SPR-009/demo/60m", "SPR-009/demo/day-before"} <= set(result.to_json()["scheduled"])
    assert len(emulator.scheduled) == len(result.plan.due)
    assert max(len(m["blocks"]) for m in emulator.scheduled) == 50, "the demo digest is cut at Slack's limit"


@pytest.mark.parametrize(("channel", "code"), [("C0NOPE", "channel_not_found"), ("C0OUTSIDE", "not_in_channel")])
def test_a_bad_channel_ends_the_run_with_a_clear_error(
    team: TeamRepo, emulator: SlackEmulator, channel: str, code: str
) -> None:
    client = make_client(TOKEN, emulator.url, timeout=5, backoff=0.01)
    with pytest.raises(SlackError, match=code) as caught:
        run_remind(
            RemindRequest(str(team.work), now=NOW, horizon="7d"),
            Effects(notifier=SlackNotifier(client, channel, now=lambda: NOW)),
        )
    assert channel in str(caught.value) and TOKEN not in str(caught.value)
    assert emulator.scheduled == []


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not there")
def test_seed_004_planning_reminders_friday_16_and_monday_0830(tmp_path: Path, emulator: SlackEmulator) -> None:
    seed = next(SEEDS.glob("004_*"))
    work = tmp_path / "seed"
    (work / ".ai/sprint").mkdir(parents=True)
    shutil.copy(seed, work / SPR9)
    (work / "ceremonies.toml").write_text(config_text(), encoding="utf-8")
    repo = make_team_repo(tmp_path / "repo", work)
    result = run_remind(RemindRequest(str(repo.work), now=NOW, horizon="7d"), Effects(notifier=notifier(emulator)))
    scheduled = scheduled_by_key(emulator)
    assert scheduled["SPR-009/planning/day-before"] == [datetime.fromisoformat("2026-04-10T16:00:00-06:00")]
    assert scheduled["SPR-009/planning/60m"] == [datetime.fromisoformat("2026-04-13T08:30:00-06:00")]
    assert sorted(scheduled) == ["SPR-009/planning/60m", "SPR-009/planning/day-before"]
    assert all(datetime.fromisoformat(r["send_at"]).weekday() < 5 for r in result.reminders)
    friday = next(m for m in emulator.scheduled if read_marker(m["text"])[0] == "SPR-009/planning/day-before")
    assert friday["text"].startswith("Sprint Planning on Monday: Mon Apr 13, 09:30–11:00 MDT")
    digest = blocks_text(friday["blocks"])
    assert "*Sprint Planning* on Monday: <!date^1776094200^{date_short_pretty} {time}|Mon Apr 13, 09:30 MDT>" in digest
    assert "Receipt issuance p95 &lt;30s under load" in digest


def test_a_demo_moved_beyond_the_horizon_or_dropped_is_withdrawn(team: TeamRepo, emulator: SlackEmulator) -> None:
    run_remind(RemindRequest(str(team.work), now=NOW, horizon="20d"), Effects(notifier=notifier(emulator)))
    assert "SPR-009/demo/day-before" in scheduled_by_key(emulator)

    text = (team.work / SPR9).read_text(encoding="utf-8")
    later = text.replace(
        "Fri Apr 24 — 10:00–11:00:** Sprint Review/Demo", "Thu Apr 30 — 10:00–11:00:** Sprint Review/Demo"
    )
    commit_as_human(team.work, {SPR9: later}, "docs: demo moves a week later")
    result = run_remind(RemindRequest(str(team.work), now=NOW, horizon="20d"), Effects(notifier=notifier(emulator)))
    assert sorted(result.to_json()["withdrawn"]) == ["SPR-009/demo/60m", "SPR-009/demo/day-before"]
    assert not any(key.startswith("SPR-009/demo") for key in scheduled_by_key(emulator))
    assert "SPR-009/retro/day-before" in scheduled_by_key(emulator), "the other reminders stay"

    again = run_remind(RemindRequest(str(team.work), now=NOW, horizon="20d"), Effects(notifier=notifier(emulator)))
    assert again.to_json()["withdrawn"] == [] and again.to_json()["scheduled"] == []


def test_a_ceremony_skipped_for_a_new_day_off_loses_its_reminders(team: TeamRepo, emulator: SlackEmulator) -> None:
    run_remind(RemindRequest(str(team.work), now=NOW, horizon="7d"), Effects(notifier=notifier(emulator)))
    commit_as_human(team.work, {"ceremonies.toml": config_text(["2026-04-13"], policy="skip")}, "config: Apr 13 off")
    result = run_remind(RemindRequest(str(team.work), now=NOW, horizon="7d"), Effects(notifier=notifier(emulator)))
    assert sorted(result.to_json()["withdrawn"]) == ["SPR-009/planning/60m", "SPR-009/planning/day-before"]
    assert sorted(scheduled_by_key(emulator)) == sorted(k for k in DENVER_TIMES if not k.startswith("SPR-009"))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_faults_and_reruns_converge_to_one_message_per_reminder(
    team: TeamRepo, emulator: SlackEmulator, seed: int
) -> None:
    emulator.random_faults(0.3, seed, kinds=("429", "500", "drop", "drop_after"))
    for _ in range(6):  # a scheduler reruns the flow until it succeeds
        try:
            run_remind(
                RemindRequest(str(team.work), now=NOW, horizon="7d"), Effects(notifier=notifier(emulator, retries=2))
            )
            break
        except SlackError:
            continue
    emulator.clear_faults()
    final = run_remind(RemindRequest(str(team.work), now=NOW, horizon="7d"), Effects(notifier=notifier(emulator)))
    assert scheduled_by_key(emulator) == expected_times()
    assert final.to_json()["scheduled"] == [], "the faulty runs had already scheduled everything once"
