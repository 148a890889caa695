"""The Slack fault campaign: reminder runs every few hours over a month of sprints against the Slack emulator while
it injects seeded random faults (429 with Retry-After, 500/502/503/504, dropped connections before and after the
request was applied, late answers that time out) and child processes are SIGKILLed between two Slack calls.
A failed run is run again at the same moment (as the scheduler's retry would). Then every due reminder must have
been delivered exactly once: nothing duplicated, nothing lost. The counts go into the session summary."""

from __future__ import annotations

import os
import random
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from reliability_support import CAMPAIGN_LINES, COUNTS, FAKE_TOKEN, SLACK_CHANNEL, TOKEN_TAIL, remind_files, run_child

from ceremonies.adapters.slack import SlackNotifier, make_client, read_marker
from ceremonies.errors import CeremoniesError
from ceremonies.jobs.recipe import Effects
from ceremonies.jobs.remind import RemindRequest, run_remind
from support.gitrepo import make_team_repo
from support.slack import FAULT_KINDS, SlackEmulator

START = datetime.fromisoformat("2026-05-29T08:00:00+02:00")
MAX_ATTEMPTS = 60


@dataclass
class Campaign:
    """What one campaign did and found."""

    seed: int
    faults: int = 0
    kills: int = 0
    runs: int = 0
    failed_runs: int = 0
    due: set[str] = field(default_factory=set)
    copies: dict[str, int] = field(default_factory=dict)
    leaks: int = 0

    @property
    def delivered_once(self) -> int:
        return sum(1 for key in self.due if self.copies.get(key, 0) == 1)

    @property
    def duplicated(self) -> int:
        return sum(1 for key in self.due if self.copies.get(key, 0) > 1)

    @property
    def lost(self) -> int:
        return sum(1 for key in self.due if self.copies.get(key, 0) == 0)


def _notifier(slack: SlackEmulator, moment: datetime) -> SlackNotifier:
    """Return a Slack notifier on the real slack_sdk client (short timeout, fast backoff) at ``moment``."""
    client = make_client(FAKE_TOKEN, slack.url, timeout=0.2, retries=3, backoff=0.01)
    return SlackNotifier(client, SLACK_CHANNEL, now=lambda: moment)


def _run_until_done(work: Path, slack: SlackEmulator, moment: datetime, campaign: Campaign) -> None:
    """Run the reminders at ``moment`` until a run succeeds; record the due keys."""
    for _ in range(MAX_ATTEMPTS):
        campaign.runs += 1
        try:
            result = run_remind(RemindRequest(str(work), now=moment), Effects(notifier=_notifier(slack, moment)))
        except CeremoniesError as error:
            campaign.failed_runs += 1
            campaign.leaks += FAKE_TOKEN in str(error) or TOKEN_TAIL in str(error)
            continue
        campaign.due |= {reminder.key for reminder in result.plan.due}
        return
    pytest.fail(f"reminders at {moment} never succeeded in {MAX_ATTEMPTS} attempts (seed {campaign.seed})")


def run_campaign(
    seed: int, moments: int, step: timedelta, rate: float, kill_share: float, abandon_share: float = 0.5
) -> Campaign:
    """Run one seeded campaign over ``moments`` reminder times ``step`` apart; return its counts.

    After a killed run, the next run comes at once (a retry) or, with ``abandon_share``, only at the next moment
    (the crashed run is simply gone, as a SIGKILLed flow run is)."""
    rng = random.Random(seed)
    campaign = Campaign(seed)
    with (
        tempfile.TemporaryDirectory() as tmp,
        SlackEmulator(token=FAKE_TOKEN, channels={SLACK_CHANNEL: "sprint"}) as slack,
    ):
        team = make_team_repo(Path(tmp), remind_files(), date="2026-05-20T10:00:00+02:00")
        env = {"SLACK_API_URL": slack.url, "SLACK_BOT_TOKEN": FAKE_TOKEN}
        for index in range(moments):
            moment = START + step * index + timedelta(minutes=rng.randrange(0, 60))
            slack.set_now(moment)
            slack.random_faults(rate, seed * 1000 + index, kinds=FAULT_KINDS, retry_after=1, delay=0.4)
            if rng.random() < kill_share:
                child = run_child("slack_child.py", str(team.work), moment.isoformat(), str(rng.randint(1, 4)), env=env)
                campaign.kills += child.returncode < 0
                campaign.leaks += FAKE_TOKEN in child.stdout + child.stderr
                if child.returncode < 0 and rng.random() < abandon_share:
                    continue
            _run_until_done(team.work, slack, moment, campaign)
        slack.clear_faults()
        campaign.faults = sum(1 for call in slack.calls if call.fault) + campaign.kills
        slack.set_now(START + step * moments + timedelta(days=60))  # everything scheduled is now posted
        assert not slack.scheduled
        for message in slack.posted:
            marker = read_marker(message["text"])
            key = marker[0] if marker else "?"
            campaign.copies[key] = campaign.copies.get(key, 0) + 1
            campaign.leaks += FAKE_TOKEN in message["text"] or TOKEN_TAIL in message["text"]
            assert "<!channel>" not in message["text"] and "<!here>" not in message["text"], "mention not escaped"
            assert "1337" not in message["text"], "doc text evaluated as a template"
    return campaign


def _record(campaign: Campaign) -> None:
    """Add a campaign's counts to the session summary and print them."""
    COUNTS["faults injected"] += campaign.faults
    COUNTS["reminders due"] += len(campaign.due)
    COUNTS["delivered once"] += campaign.delivered_once
    COUNTS["duplicated"] += campaign.duplicated
    COUNTS["lost"] += campaign.lost
    COUNTS["secret leaks"] += campaign.leaks
    CAMPAIGN_LINES.append(
        f"slack campaign seed={campaign.seed}: faults injected {campaign.faults} (kills {campaign.kills}), "
        f"runs {campaign.runs} (failed {campaign.failed_runs}), reminders due {len(campaign.due)}, "
        f"delivered once {campaign.delivered_once}, duplicated {campaign.duplicated}, lost {campaign.lost}"
    )


def _check(campaign: Campaign) -> None:
    extra = sorted(set(campaign.copies) - campaign.due)
    assert campaign.due, "the campaign had no due reminders"
    assert campaign.duplicated == 0, {k: v for k, v in campaign.copies.items() if v > 1}
    assert campaign.lost == 0, sorted(k for k in campaign.due if k not in campaign.copies)
    assert not extra, f"messages nobody asked for: {extra}"
    assert campaign.leaks == 0


def test_slack_faults_quick_campaign() -> None:
    campaign = run_campaign(seed=7, moments=24, step=timedelta(hours=14), rate=0.3, kill_share=0.15)
    _record(campaign)
    _check(campaign)
    assert campaign.faults >= 30  # the channel id is looked up once and cached in the git dir: fewer calls per run


@pytest.mark.reliability_full
def test_slack_faults_full_campaign() -> None:
    """Six seeded campaigns over three weeks of sprints each, run side by side (they mostly wait on Retry-After)."""
    seeds = [int(seed) for seed in os.environ.get("CEREMONIES_CAMPAIGN_SEEDS", "11,23,37,41,53,67").split(",")]
    with ThreadPoolExecutor(max_workers=len(seeds)) as pool:
        futures = [
            pool.submit(run_campaign, seed=seed, moments=126, step=timedelta(hours=4), rate=0.4, kill_share=0.3)
            for seed in seeds
        ]
        campaigns = [future.result() for future in futures]
    for campaign in campaigns:
        _record(campaign)
    for campaign in campaigns:
        _check(campaign)
    total = sum(campaign.faults for campaign in campaigns)
    assert total >= 1000, f"only {total} faults injected"
