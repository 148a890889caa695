"""Golden file of the notice that names no run (a proactive Automation: "refresh-kb not Completed for 2 h"), as the
``notify-failure`` flow's step posts it through the team's notifier to the Slack emulator. The failure notice of a
run is a templated kind: its golden is ``tests/slack/goldens/failure.json``. Update: ``make goldens``.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from golden_files import as_json, check_golden_dir, slack_message

from support.slack import SlackEmulator

GOLDEN = Path(__file__).parent / "notice"
TOKEN = "xoxb-notice-golden"


@pytest.mark.usefixtures("prefect_harness")
def test_the_notice_without_a_run_matches_its_golden(monkeypatch: pytest.MonkeyPatch) -> None:
    from ceremonies.tasks.notices import notify_reason

    with SlackEmulator(token=TOKEN, channels={"C0SPRINT": "sprint"}) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        result = notify_reason("refresh-kb not Completed for 2 h")
        posted = [slack_message(message, UTC) for message in slack.posted]
    assert len(posted) == 1 and result["reason"] == "refresh-kb not Completed for 2 h", (result, posted)
    check_golden_dir(GOLDEN, {"refresh-kb-late.json": as_json(posted[0])})
